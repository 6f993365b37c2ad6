"""Indicators and the matcher that looks URLs, hosts, addresses and hashes up in a list of them.

Pure code, no ORM: the link-check API, the offline ``check_links`` command and the benchmark
all use :class:`Matcher`. A list is the plain-text feed, one indicator a line:

    example.com          that name only
    *.example.com        the name and every name under it
    http://example.com/phish/   a URL (matched the Safe Browsing way, see canonical.URL)
    203.0.113.7          an address;   203.0.113.0/24   a network
    e3b0c442…            a SHA-256, SHA-1 or MD5 hash
    # a comment

A URL is looked up by each of its host-suffix and path-prefix expressions (at most 5 × 6),
a host that is an IP address by containment in every listed network, a hash by itself.
"""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass

from .canonical import (
    HASH_LENGTHS,
    URL,
    CanonicalError,
    canonical_domain,
    canonical_hash,
    canonical_ip,
    canonical_network,
    idna_host,
    looks_like_hash,
    parse_ipv4,
    parse_url,
)
from .hostindex import SMALL, HostIndex

#: Builds of a matcher's host index wait for each other (the first one builds it).
_index_lock = threading.Lock()

KINDS = ("domain", "url", "ip", "cidr", "sha256", "sha1", "md5")
HASH_KINDS = ("sha256", "sha1", "md5")


@dataclass(frozen=True)
class Indicator:
    kind: str
    value: str
    include_subdomains: bool = False

    @property
    def line(self) -> str:
        """The indicator as the plain-text feed writes it."""
        if self.kind == "domain" and self.include_subdomains:
            return f"*.{self.value}"
        return self.value

    @property
    def host(self) -> str | None:
        """The host the indicator names (for the warning list), if any."""
        if self.kind == "domain":
            return self.value
        if self.kind == "url":
            return parse_url(self.value).host
        return None


def guess_kind(value: str) -> str:
    value = value.strip()
    if value.startswith("*."):
        return "domain"
    if "://" in value:
        return "url"
    if looks_like_hash(value):
        return HASH_LENGTHS[len(value)]
    if "/" in value:
        try:
            ipaddress.ip_network(value, strict=False)
            return "cidr"
        except ValueError:
            return "url"
    try:
        ipaddress.ip_address(value.strip("[]"))
        return "ip"
    except ValueError:
        return "domain"


def parse_indicator(
    value: str,
    kind: str | None = None,
    *,
    include_subdomains: bool = False,
    min_prefix_v4: int = 16,
    min_prefix_v6: int = 32,
) -> Indicator:
    """What a member submits, checked strictly and in canonical form; CanonicalError if not."""
    value = (value or "").strip()
    if not value:
        raise CanonicalError("empty", "empty")
    kind = kind or guess_kind(value)
    if kind not in KINDS:
        raise CanonicalError(f"unknown kind {kind!r}", "kind")
    if kind == "domain":
        if value.startswith("*."):
            value, include_subdomains = value[2:], True
        return Indicator("domain", canonical_domain(value), include_subdomains)
    if kind == "url":
        url = parse_url(value)
        if url.scheme not in ("http", "https"):
            raise CanonicalError("only http and https URLs are listed", "scheme")
        if url.host.startswith("["):
            canonical_ip(url.host)
        elif parse_ipv4(url.host) == url.host:
            canonical_ip(url.host)
        else:
            canonical_domain(url.host)
        return Indicator("url", str(url))
    if kind == "ip":
        return Indicator("ip", canonical_ip(value))
    if kind == "cidr":
        if "/" not in value:
            raise CanonicalError("a CIDR network is written address/prefix", "cidr")
        network = canonical_network(value, min_prefix_v4=min_prefix_v4, min_prefix_v6=min_prefix_v6)
        full = 32 if ":" not in network else 128
        if network.endswith(f"/{full}"):
            return Indicator("ip", network.rsplit("/", 1)[0])
        return Indicator("cidr", network)
    found, digest = canonical_hash(value, kind)
    return Indicator(found, digest)


def parse_line(line: str) -> Indicator | None:
    """One line of a list, leniently (the list is someone's own): None for comments and blank
    lines; CanonicalError for a line that is no indicator."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    kind = guess_kind(line)
    if kind == "domain":
        wildcard = line.startswith("*.")
        return Indicator("domain", idna_host(line[2:] if wildcard else line), wildcard)
    if kind == "url":
        return Indicator("url", str(parse_url(line)))
    if kind == "cidr":
        try:
            network = ipaddress.ip_network(line, strict=False)
        except ValueError:
            raise CanonicalError("not a valid CIDR network", "cidr") from None
        return Indicator("cidr", str(network))
    if kind == "ip":
        return Indicator("ip", str(ipaddress.ip_address(line.strip("[]"))))
    return Indicator(kind, line.lower())


class Matcher:
    """Listed indicators in dictionaries keyed by what a look-up computes; each value is the
    line of the list it came from.

    Host names are in two dictionaries: ``names`` answers for the name itself (an exact entry,
    or a ``*.`` entry for the name), ``suffixes`` for the names under a ``*.`` entry. A look-up
    is one probe of ``names`` and at most four of ``suffixes`` (the host's last two to five
    labels), each a slice of the host found with ``str.rfind`` — no list of labels is built.
    Many hosts at once (``match_hosts``, ``check_many``) are looked up in arrays by a
    :class:`~gongyue.registry.hostindex.HostIndex` of the same two dictionaries, built on first
    use (or mapped from the files a publication saved it to) and never pickled.

    Entries added or removed after the index was made leave it in place: the last two labels
    of each name they touch go into ``stale``, and a host ending in one of those is walked
    (``match_host``) instead; every other host's candidate names are as the index has them.
    That is how a web worker applies a publication's changes to the matcher it mapped
    (``service``) without building a new index.
    """

    __slots__ = (
        "count",
        "hashes",
        "index",
        "names",
        "networks",
        "shared",
        "stale",
        "suffixes",
        "url_hosts",
        "urls",
    )

    def __init__(self):
        self.names: dict[str, str] = {}
        self.suffixes: dict[str, str] = {}
        self.urls: dict[str, str] = {}
        # The hosts of the listed URLs: a URL's path expressions are looked up only under these.
        self.url_hosts: set[str] = set()
        # (version, prefix length) → {network number: line}, the longest prefixes first (kept so
        # by ``add``), so that the most specific entry answers, however they were added.
        self.networks: dict[tuple[int, int], dict[int, str]] = {}
        self.hashes: dict[str, str] = {}
        # The lines of URLs that share an expression (``http://`` and ``https://`` ones): the
        # greatest one answers, and takes over when another one is removed.
        self.shared: dict[str, set[str]] = {}
        self.count = 0
        self.index: HostIndex | None = None
        # The last two labels of the names changed since ``index`` was made.
        self.stale: set[str] = set()

    def __getstate__(self):
        skip = ("index", "stale")
        return None, {name: getattr(self, name) for name in self.__slots__ if name not in skip}

    def __setstate__(self, state) -> None:
        """Unpickled (a worker loads the matcher a publication wrote); a matcher pickled before
        ``url_hosts`` or ``shared`` existed gets them from its URLs."""
        _no_dict, slots = state
        for name, value in slots.items():
            setattr(self, name, value)
        self.index, self.stale = None, set()
        if "url_hosts" not in slots:
            self.url_hosts = {expression.split("/", 1)[0] for expression in self.urls}
        if "shared" not in slots:
            self.shared = {}
        self.networks = dict(sorted(self.networks.items(), reverse=True))

    def copy(self) -> Matcher:
        """A matcher with the same entries and the same host index, whose own entries can be
        changed without changing this one's (the index is read-only and stays shared)."""
        other = Matcher.__new__(Matcher)
        other.names, other.suffixes = self.names.copy(), self.suffixes.copy()
        other.urls, other.url_hosts = self.urls.copy(), self.url_hosts.copy()
        other.networks = {key: table.copy() for key, table in self.networks.items()}
        other.hashes = self.hashes.copy()
        other.shared = {key: lines.copy() for key, lines in self.shared.items()}
        other.count, other.index, other.stale = self.count, self.index, self.stale.copy()
        return other

    @property
    def exact(self) -> dict[str, str]:
        """The names listed without their subdomains."""
        return {name: line for name, line in self.names.items() if not line.startswith("*.")}

    @property
    def wildcard(self) -> dict[str, str]:
        """The names listed with their subdomains."""
        return self.suffixes

    def add(self, indicator: Indicator, line: str | None = None) -> None:
        line = indicator.line if line is None else line
        kind, value = indicator.kind, indicator.value
        if kind == "domain":
            self._touch(value)
            if indicator.include_subdomains:
                # The name itself answers with its exact entry when it has one too.
                self.names.setdefault(value, line)
                self.suffixes[value] = line
            else:
                self.names[value] = line
        elif kind == "url":
            url = parse_url(value)
            expression, urls = url.expression, self.urls
            held = urls.get(expression)
            if held is not None and held != line:
                self.shared.setdefault(expression, {held}).add(line)
                line = max(held, line)
            urls[expression] = line
            self.url_hosts.add(url.host)
        elif kind in ("ip", "cidr"):
            key, number = _network_key(value)
            table = self.networks.get(key)
            if table is None:
                table = self.networks[key] = {}
                self.networks = dict(sorted(self.networks.items(), reverse=True))
            table[number] = line
        else:
            self.hashes[value] = line
        self.count += 1

    def remove(self, indicator: Indicator, line: str | None = None) -> bool:
        """Take an entry ``add`` put in out again (what else answers for its name, URL,
        network or hash then answers); whether the matcher had it."""
        line = indicator.line if line is None else line
        kind, value = indicator.kind, indicator.value
        names = self.names
        if kind == "domain":
            self._touch(value)
            if indicator.include_subdomains:
                if self.suffixes.get(value) != line:
                    return False
                del self.suffixes[value]
                if names.get(value) == line:
                    del names[value]
            else:
                if names.get(value) != line:
                    return False
                wildcard = self.suffixes.get(value)
                if wildcard is None:
                    del names[value]
                else:
                    names[value] = wildcard
        elif kind == "url":
            # Its host stays in url_hosts, which only says where to look.
            expression = parse_url(value).expression
            others = self.shared.get(expression)
            if others is not None and line in others:
                others.discard(line)
                self.urls[expression] = max(others)
                if len(others) == 1:
                    del self.shared[expression]
            elif self.urls.get(expression) == line:
                del self.urls[expression]
            else:
                return False
        elif kind in ("ip", "cidr"):
            key, number = _network_key(value)
            table = self.networks.get(key, {})
            if table.get(number) != line:
                return False
            del table[number]
            if not table:
                del self.networks[key]
        elif self.hashes.get(value) == line:
            del self.hashes[value]
        else:
            return False
        self.count -= 1
        return True

    def _touch(self, name: str) -> None:
        """A listed name changes: hosts ending in its last two labels are walked until a new
        host index is made."""
        if self.index is not None:
            self.stale.add(_tail(name))

    @classmethod
    def from_lines(cls, lines) -> Matcher:
        """A matcher of a list's lines; ListError naming every line that is no indicator."""
        matcher, problems = cls(), []
        for number, raw in enumerate(lines, start=1):
            try:
                indicator = parse_line(raw)
            except CanonicalError as exc:
                problems.append((number, str(exc)))
                continue
            if indicator is not None:
                matcher.add(indicator, raw.strip())
        if problems:
            raise ListError(problems)
        return matcher

    # -- look-ups ------------------------------------------------------------------------------

    def match_host(self, host: str) -> str | None:
        """The line listing a host name: the name itself, or a ``*.`` entry for one of its
        suffixes from its last five labels (never the top-level domain alone)."""
        line = self.names.get(host)
        if line is not None:
            return line
        suffixes = self.suffixes
        if not suffixes:
            return None
        get, rfind = suffixes.get, host.rfind
        # Where the suffixes of two, three, four and five labels start, found from the right
        # (the dot before the last label first); probed longest first, so that the most
        # specific entry answers. A suffix that is the whole host was probed above.
        at = rfind(".")
        at = rfind(".", 0, at) if at > 0 else -1
        if at < 0:
            return None
        b = rfind(".", 0, at)
        if b >= 0:
            c = rfind(".", 0, b)
            if c >= 0:
                d = rfind(".", 0, c)
                if d >= 0:
                    line = get(host[d + 1 :])
                    if line is not None:
                        return line
                line = get(host[c + 1 :])
                if line is not None:
                    return line
            line = get(host[b + 1 :])
            if line is not None:
                return line
        return get(host[at + 1 :])

    def match_address(self, address: str) -> str | None:
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return None
        number, width = int(ip), ip.max_prefixlen
        for (version, prefix), table in self.networks.items():
            if version == ip.version:
                line = table.get(number >> (width - prefix))
                if line is not None:
                    return line
        return None

    def match_hosts(self, hosts: list[str]) -> list[str | None]:
        """``match_host`` of each host, the same answers, found for the whole list at once."""
        if len(hosts) < SMALL or not (self.names or self.suffixes):
            return [self.match_host(host) for host in hosts]
        answers = self.host_index().match(hosts, self.match_host)
        stale = self.stale
        if stale:  # names changed since the index was made: those hosts are walked
            walk = self.match_host
            for at, host in enumerate(hosts):
                if _tail(host) in stale:
                    answers[at] = walk(host)
        return answers

    def host_index(self) -> HostIndex:
        """The arrays ``match_hosts`` looks names up in, built on first use (about 2 s, and
        126 MB more of the worker's memory, for 1,000,000 entries)."""
        index = self.index
        if index is None:
            with _index_lock:
                index = self.index
                if index is None:
                    self.stale = set()
                    index = self.index = HostIndex(self.names, self.suffixes)
        return index

    def match_url(self, url: URL) -> str | None:
        host = url.host
        if is_address(host):
            line = self.match_address(host)
            return line if line is not None else self.match_paths(url, (host,))
        line = self.match_host(host)
        return line if line is not None else self.match_paths(url)

    def match_paths(self, url: URL, hosts=None) -> str | None:
        """The listed URL among the URL's expressions (host suffix × path prefix, Safe
        Browsing's order), looked up only for the host suffixes some listed URL has."""
        if not self.urls:
            return None
        url_hosts = self.url_hosts
        hosts = [h for h in (hosts or url.host_suffixes()) if h in url_hosts]
        if not hosts:
            return None
        urls, paths = self.urls, url.path_prefixes()
        for suffix in hosts:
            for path in paths:
                line = urls.get(suffix + path)
                if line is not None:
                    return line
        return None

    def check(self, value: str) -> tuple[str, str | None]:
        """(canonical form, matching line or None) of a URL, host, address or hash;
        CanonicalError when the value is none of these."""
        found = canonical_value(value)
        if isinstance(found, str):
            return found, self.hashes.get(found)
        return str(found), self.match_url(found)

    def check_many(self, values: list[str]) -> list[tuple[str, str | None] | CanonicalError]:
        """``check`` of each value, in order, with the host names looked up together
        (``match_hosts``); a value that is none of these has its CanonicalError in its place."""
        results: list = [None] * len(values)
        by_name: list[tuple[int, URL]] = []
        for at, value in enumerate(values):
            try:
                url = canonical_value(value)
            except CanonicalError as exc:
                results[at] = exc
                continue
            if isinstance(url, str):
                results[at] = (url, self.hashes.get(url))
            elif is_address(url.host):
                results[at] = (str(url), self.match_url(url))
            else:
                by_name.append((at, url))
        lines = self.match_hosts([url.host for _at, url in by_name])
        for (at, url), line in zip(by_name, lines, strict=True):
            results[at] = (str(url), line if line is not None else self.match_paths(url))
        return results


def _tail(name: str) -> str:
    """A name's last two labels (the whole name when it has fewer): the same for a host and
    every name ``match_host`` looks it up by."""
    at = name.rfind(".")
    at = name.rfind(".", 0, at) if at > 0 else -1
    return name[at + 1 :] if at >= 0 else name


def _network_key(value: str) -> tuple[tuple[int, int], int]:
    """Where an address or network is kept in ``Matcher.networks``: (version, prefix length)
    and its network number."""
    network = ipaddress.ip_network(value, strict=False)
    shift = network.max_prefixlen - network.prefixlen
    return (network.version, network.prefixlen), int(network.network_address) >> shift


def canonical_value(value: str) -> str | URL:
    """What ``check`` looks up: a hash (lower-cased) or a URL; CanonicalError if neither."""
    value = value.strip()
    return value.lower() if looks_like_hash(value) else parse_url(value)


def is_address(host: str) -> bool:
    """Whether a canonical URL's host is an IP address (IPv6 in brackets) rather than a name."""
    return host.startswith("[") or parse_ipv4(host) == host


class ListError(ValueError):
    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(f"line {n}: {m}" for n, m in problems[:10]))
