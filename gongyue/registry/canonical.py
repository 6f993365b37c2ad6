"""Canonical forms of what the registry lists: URLs, domains, IP addresses, networks, hashes.

Pure functions, no ORM, so that the offline commands (``canonical_url``, ``check_links``) and
the matcher use exactly what the submission form uses.

URLs follow the Safe Browsing v4 rules ("URLs and hashing"): remove tab, CR and LF, cut the
fragment, percent-unescape host, path and query until stable, normalise the host (lower case,
no leading, trailing or repeated dots, any IPv4 notation as four decimals), resolve ``.`` and
``..`` and collapse ``//`` in the path, and percent-escape bytes at or below space, at or above
DEL, ``#`` and ``%``. A host written in Chinese (or any other script) becomes its IDNA form
(``例子.中国`` is ``xn--fsqu00a.xn--fiqs8s``), so that both spellings match the same entry.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import unquote_to_bytes

import idna

MAX_URL_CHARS = 2048
MAX_HOST_CHARS = 253
#: Safe Browsing: up to five host-suffix and six path-prefix expressions per URL.
MAX_HOST_EXPRESSIONS = 5
MAX_PATH_EXPRESSIONS = 6
HASH_LENGTHS = {64: "sha256", 40: "sha1", 32: "md5"}


class CanonicalError(ValueError):
    """A value that cannot be put in canonical form; the message says why, in English (the
    offline commands print it; forms translate the code)."""

    def __init__(self, message: str, code: str = "invalid"):
        self.code = code
        super().__init__(message)


# -- URLs (Safe Browsing) ------------------------------------------------------------------------

_SCHEME = re.compile(rb"^([a-zA-Z][a-zA-Z0-9+.\-]*)://")
_IPV4_PART = re.compile(rb"^(0x[0-9a-f]*|[0-9]+)$")
_IPV4_LAST = frozenset(b"0123456789abcdefABCDEFxX")
_IPV4_LAST_CHARS = frozenset(map(chr, _IPV4_LAST))
_NEEDS_ESCAPE = re.compile(rb"[\x00-\x20\x7f-\xff#%]")


def _unescape(data: bytes) -> bytes:
    """Percent-unescape until nothing changes (``%2525`` is ``%``)."""
    if b"%" not in data:
        return data
    while True:
        unescaped = unquote_to_bytes(data)
        if unescaped == data:
            return data
        data = unescaped


def _escape(data: bytes) -> str:
    if _NEEDS_ESCAPE.search(data) is None:
        return data.decode("ascii")
    return _NEEDS_ESCAPE.sub(lambda m: b"%%%02X" % m[0][0], data).decode("ascii")


def parse_ipv4(host: bytes | str) -> str | None:
    """Any notation inet_aton accepts (``3279880203``, ``0xC3.0177.11``, ``195.127.11``) as four
    decimals, or None when the host is not an IPv4 address."""
    # Most hosts end in a letter no IPv4 part can end with (a part is decimal, octal or 0x…).
    if isinstance(host, str):
        if not host or host[-1] not in _IPV4_LAST_CHARS:
            return None
        host = host.encode("ascii", "replace")
    elif not host or host[-1] not in _IPV4_LAST:
        return None
    parts = host.lower().split(b".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.match(p) for p in parts):
        return None
    values = []
    for part in parts:
        try:
            if part.startswith(b"0x"):
                values.append(int(part[2:] or b"0", 16))
            elif len(part) > 1 and part.startswith(b"0"):
                values.append(int(part, 8))
            else:
                values.append(int(part))
        except ValueError:  # 08 is not octal: not an address, a name
            return None
    *leading, last = values
    if any(v > 255 for v in leading) or last >= 256 ** (5 - len(values)):
        return None
    number = 0
    for value in leading:
        number = number << 8 | value
    number = number << 8 * (5 - len(values)) | last
    return str(ipaddress.IPv4Address(number))


_DOTS = re.compile(rb"\.{2,}")


def _host(raw: bytes) -> str:
    """The canonical host (ASCII, possibly with percent escapes)."""
    host = _unescape(raw)
    if host.startswith(b"[") and host.endswith(b"]"):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1].decode('ascii'))}]"
        except (ValueError, UnicodeDecodeError):
            raise CanonicalError("the IPv6 address in brackets is not valid", "host") from None
    host = host.strip(b".").lower()
    if b".." in host:
        host = _DOTS.sub(b".", host)
    if not host:
        raise CanonicalError("the URL has no host", "host")
    ipv4 = parse_ipv4(host)
    if ipv4:
        return ipv4
    if not host.isascii():
        # A name IDNA cannot write is escaped as bytes below, as Safe Browsing does.
        with contextlib.suppress(UnicodeDecodeError, CanonicalError):
            return idna_host(host.decode("utf-8"))
    return _escape(host)


def _path(raw: bytes) -> bytes:
    path = _unescape(raw)
    if b"/." not in path and b"//" not in path:  # nothing to resolve or collapse
        return path if path.startswith(b"/") else b"/" + path
    trailing = path.endswith(b"/") or path.endswith(b"/.") or path.endswith(b"/..")
    segments: list[bytes] = []
    for segment in path.split(b"/"):
        if segment in (b"", b"."):
            continue
        if segment == b"..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    cleaned = b"/" + b"/".join(segments)
    if trailing and not cleaned.endswith(b"/"):
        cleaned += b"/"
    return cleaned


class URL(NamedTuple):
    """A URL's canonical parts (a named tuple: made millions of times a minute by the check)."""

    scheme: str
    host: str
    path: str  # escaped, starting with "/"
    query: str | None  # escaped, without "?"; None when the URL has no "?"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}{self.path_and_query}"

    @property
    def path_and_query(self) -> str:
        return self.path if self.query is None else f"{self.path}?{self.query}"

    @property
    def expression(self) -> str:
        """The URL without its scheme, as Safe Browsing lists it: ``host/path?query``."""
        return self.host + self.path_and_query

    def host_suffixes(self) -> list[str]:
        """The exact host, then up to four hosts made from its last five labels by taking the
        leading label off in turn, never the top-level domain alone; an IP address only itself."""
        host = self.host
        if host.startswith("[") or parse_ipv4(host) == host:
            return [host]
        labels = host.split(".")
        found = [host]
        for start in range(max(1, len(labels) - 5), len(labels) - 1):
            found.append(".".join(labels[start:]))
        return found[:MAX_HOST_EXPRESSIONS]

    def path_prefixes(self) -> list[str]:
        """The path with the query, the path without it, then ``/`` and each longer prefix
        ending in ``/``, at most six in all."""
        found = []
        if self.query is not None:
            found.append(self.path_and_query)
        found.append(self.path)
        prefix = "/"
        parts = self.path.split("/")[1:-1]
        candidates = [prefix]
        for part in parts[:3]:
            prefix += part + "/"
            candidates.append(prefix)
        for candidate in candidates:
            if len(found) >= MAX_PATH_EXPRESSIONS:
                break
            if candidate not in found:
                found.append(candidate)
        return found

    def expressions(self) -> list[str]:
        """Every host-suffix/path-prefix combination, at most 30."""
        paths = self.path_prefixes()
        return [host + path for host in self.host_suffixes() for path in paths]


def parse_url(url: str | bytes) -> URL:
    """The canonical parts of a URL (a bare host is taken as ``http://host/``)."""
    data = url.encode("utf-8", "surrogatepass") if isinstance(url, str) else bytes(url)
    if len(data) > MAX_URL_CHARS * 3:
        raise CanonicalError(f"longer than {MAX_URL_CHARS} characters", "too_long")
    data = data.strip(b" \t\r\n\f\v").translate(None, b"\t\r\n")
    if b"#" in data:
        data = data.split(b"#", 1)[0]
    if not data:
        raise CanonicalError("empty", "empty")
    match = _SCHEME.match(data)
    if match:
        scheme, rest = match[1].lower().decode("ascii"), data[match.end() :]
    elif re.match(rb"^[a-zA-Z][a-zA-Z0-9+.\-]*:[^0-9]", data) and not data.lower().startswith(
        b"localhost:"
    ):
        raise CanonicalError("not a web address (only http and https URLs are checked)", "scheme")
    else:
        scheme, rest = "http", data
    end = len(rest)
    slash, question = rest.find(b"/"), rest.find(b"?")
    if slash != -1:
        end = slash
    if question != -1 and question < end:
        end = question
    authority, rest = rest[:end], rest[end:]
    if b"@" in authority:
        authority = authority.rsplit(b"@", 1)[-1]
    if authority.startswith(b"["):
        close = authority.find(b"]")
        authority = authority[: close + 1] if close != -1 else authority
    elif b":" in authority:
        authority = authority.split(b":", 1)[0]
    path, has_query, query = rest.partition(b"?")
    host = _host(authority)
    canonical_path = _escape(_path(path or b"/"))
    canonical_query = _escape(_unescape(query)) if has_query else None
    return URL(scheme, host, canonical_path, canonical_query)


def canonical_url(url: str | bytes) -> str:
    """The Safe Browsing canonical form of a URL; CanonicalError when there is none."""
    return str(parse_url(url))


# -- domains -----------------------------------------------------------------------------------

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@lru_cache(maxsize=1)
def _psl():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def idna_host(name: str) -> str:
    """A host name as ASCII (IDNA 2008 with UTS #46 mapping: full-width dots and capitals are
    folded); CanonicalError when it cannot be one."""
    name = name.strip().rstrip(".。．｡")
    try:
        ascii_name = idna.encode(name, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise CanonicalError(f"not a valid domain name ({exc})", "domain") from None
    return ascii_name.lower()


def canonical_domain(value: str) -> str:
    """A domain that can be listed: a valid name under a known public suffix, which is not
    itself a public suffix (``com.cn`` cannot be listed; ``example.com.cn`` can)."""
    value = value.strip()
    if not value:
        raise CanonicalError("empty", "empty")
    name = idna_host(value)
    if len(name) > MAX_HOST_CHARS:
        raise CanonicalError(f"longer than {MAX_HOST_CHARS} characters", "domain")
    labels = name.split(".")
    if labels[-1].isdigit() or parse_ipv4(name):
        raise CanonicalError("an IP address, not a domain name", "domain")
    if not all(_LABEL.match(label) for label in labels):
        raise CanonicalError("not a valid domain name", "domain")
    psl = _psl()
    if psl.is_public(name, accept_unknown=False):
        raise CanonicalError(
            f"{name} is a public suffix, under which anyone registers names", "public_suffix"
        )
    if psl.publicsuffix(name, accept_unknown=False) is None:
        raise CanonicalError(f"{labels[-1]} is not a known top-level domain", "unknown_tld")
    return name


def registered_domain(name: str) -> str:
    """The name registered with a registrar (``www.例子.中国`` → ``xn--fsqu00a.xn--fiqs8s``)."""
    return _psl().privatesuffix(name, accept_unknown=False) or name


# -- addresses and networks --------------------------------------------------------------------


def _refuse_non_global(network) -> None:
    first, last = network.network_address, network.broadcast_address
    if not (first.is_global and last.is_global) or first.is_multicast:
        raise CanonicalError(
            f"{network} is in a private or reserved range, which is not on the internet",
            "reserved",
        )


def canonical_ip(value: str) -> str:
    try:
        address = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        raise CanonicalError("not a valid IPv4 or IPv6 address", "ip") from None
    _refuse_non_global(ipaddress.ip_network(address))
    return str(address)


def canonical_network(value: str, *, min_prefix_v4: int = 16, min_prefix_v6: int = 32) -> str:
    """A CIDR network with no host bits set, no wider than the given prefixes."""
    try:
        network = ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise CanonicalError(f"not a valid CIDR network ({exc})", "cidr") from None
    minimum = min_prefix_v4 if network.version == 4 else min_prefix_v6
    if network.prefixlen < minimum:
        raise CanonicalError(
            f"/{network.prefixlen} is wider than /{minimum}, the widest network listed", "cidr"
        )
    _refuse_non_global(network)
    return str(network)


# -- hashes -------------------------------------------------------------------------------------

_HEX = re.compile(r"^[0-9a-fA-F]+$")


def canonical_hash(value: str, kind: str | None = None) -> tuple[str, str]:
    """(kind, lower-case hex) of a SHA-256, SHA-1 or MD5 digest."""
    value = value.strip()
    if not _HEX.match(value):
        raise CanonicalError("a hash is written in hexadecimal digits", "hash")
    found = HASH_LENGTHS.get(len(value))
    if kind is not None and found != kind:
        expected = {v: k for k, v in HASH_LENGTHS.items()}[kind]
        raise CanonicalError(
            f"a {kind.upper()} hash has {expected} hexadecimal digits, this one {len(value)}",
            "hash_length",
        )
    if found is None:
        raise CanonicalError(
            f"{len(value)} hexadecimal digits: SHA-256 has 64, SHA-1 40, MD5 32", "hash_length"
        )
    return found, value.lower()


def looks_like_hash(value: str) -> bool:
    return len(value) in HASH_LENGTHS and bool(_HEX.match(value))
