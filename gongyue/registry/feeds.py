"""The feed formats, built from the listed entries: pure functions, no ORM.

Each scope ("all", or one category) is written in six formats: a hosts file, a DNS RPZ zone,
plain text (one indicator a line, what ``check_links`` reads), CSV, JSON and a STIX 2.1 bundle.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import uuid
from datetime import UTC, datetime
from typing import NamedTuple

#: name suffix → (content type, what it is)
FORMATS = {
    "txt": "text/plain; charset=utf-8",
    "hosts": "text/plain; charset=utf-8",
    "rpz": "text/dns; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "stix.json": "application/stix+json;version=2.1",
}
STIX_NAMESPACE = uuid.UUID("6f1e4b1c-3f0a-5b8e-9d43-67a1c0e5b2aa")
INDICATOR_TYPES = {
    "phishing": ["malicious-activity"],
    "malware": ["malicious-activity"],
    "fraud": ["malicious-activity"],
    "gambling": ["anomalous-activity"],
    "pornography": ["anomalous-activity"],
    "illegal": ["anomalous-activity"],
    "other": ["unknown"],
}
#: The categories (``Category``'s order), as the "all" scope's CSV, JSON and STIX take them.
CATEGORIES = tuple(INDICATOR_TYPES)


class Item(NamedTuple):
    id: int
    kind: str
    value: str
    include_subdomains: bool
    indicator: str
    category: str
    listed_at: datetime
    expires_at: datetime | None


def site_of(item: Item) -> str | None:
    """The host a URL entry names as a whole (its path ``/``, no query), which DNS feeds can
    block; None for a URL of one page, which only URL-aware systems can."""
    if item.kind != "url":
        return None
    _scheme, _sep, rest = item.value.partition("://")
    host, slash, path = rest.partition("/")
    return host if slash and path == "" else None


def list_sha256(lines) -> str:
    """SHA-256 of the sorted indicators, each followed by a newline, in UTF-8: what a client
    computes over its own copy to know it equals the list (``changes?since=``)."""
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def _header(title: str, scope: str, serial: int, published_at: datetime, count: int) -> str:
    return (
        f"# {title} - scope {scope}\n"
        f"# serial {serial}, published {published_at.isoformat(timespec='seconds')}, {count} entries\n"
    )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def rpz_ip_name(value: str) -> str:
    """The RPZ response-IP trigger for an address or network (``24.0.113.0.203.rpz-ip``)."""
    network = ipaddress.ip_network(value, strict=False)
    if network.version == 4:
        octets = str(network.network_address).split(".")
        return f"{network.prefixlen}.{'.'.join(reversed(octets))}.rpz-ip"
    text = network.network_address.compressed
    if "::" in text:
        left, right = text.split("::", 1)
        groups = [*(left.split(":") if left else []), "zz", *(right.split(":") if right else [])]
    else:
        groups = text.split(":")
    return f"{network.prefixlen}.{'.'.join(reversed(groups))}.rpz-ip"


def zone_name(scope: str, zone: str) -> str:
    return zone if scope == "all" else f"{scope}.{zone}"


def entry_url(site_url: str, item: Item) -> str:
    return f"{site_url.rstrip('/')}/registry/entries/{item.id}/"


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _stix_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def stix_pattern(item: Item) -> str:
    value = item.value
    if item.kind == "domain":
        if item.include_subdomains:
            return f"[domain-name:value = {_quote(value)} OR domain-name:value LIKE {_quote('%.' + value)}]"
        return f"[domain-name:value = {_quote(value)}]"
    if item.kind == "url":
        return f"[url:value = {_quote(value)}]"
    if item.kind in ("ip", "cidr"):
        network = ipaddress.ip_network(value, strict=False)
        kind = "ipv4-addr" if network.version == 4 else "ipv6-addr"
        if item.kind == "ip":
            return f"[{kind}:value = {_quote(value)}]"
        return f"[{kind}:value ISSUBSET {_quote(str(network))}]"
    algorithm = {"sha256": "SHA-256", "sha1": "SHA-1", "md5": "MD5"}[item.kind]
    return f"[file:hashes.{_quote(algorithm)} = {_quote(value)}]"


def stix_id(kind: str, name: str) -> str:
    return f"{kind}--{uuid.uuid5(STIX_NAMESPACE, name)}"


def entry_uuid_prefix(site_url: str) -> str:
    """The first four groups of the STIX ids of a site's entries: an RFC 9562 UUIDv8 ("custom":
    version 8, the RFC 4122 variant) whose 60 free bits come from the SHA-1 of the site's URL,
    its last group the entry's number in twelve decimal digits (which are hex digits too). One
    id an entry, the same in every publication, told apart from other sites' and readable;
    worked out with no hash an entry (a uuid5 cost a SHA-1 each, a third of the STIX object)."""
    h = hashlib.sha1(STIX_NAMESPACE.bytes + f"{site_url}/entry/".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-8{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-"


def entry_uuid(prefix: str, pk: str) -> str:
    """An entry's STIX id's UUID (see ``entry_uuid_prefix``); an entry numbered past twelve
    digits takes a uuid5 of the prefix and its number."""
    if len(pk) <= 12:
        return prefix + pk.zfill(12)
    return str(uuid.uuid5(STIX_NAMESPACE, prefix + pk))


# -- what each entry contributes to each format ---------------------------------------------------
#
# A feed file is a small head (serial, count, SOA…), a body and a small foot. The body is the
# entries' parts in the list's order (txt, csv, json, stix.json), or the scope's distinct names
# (hosts, rpz), cut into chunks (see publishing.py). An entry is kept between publications as
# one *recipe line*, "indicator\tid\tkind\tvalue\tsub\tcategory\tlisted\texpires" (times in UTC,
# ISO 8601 with microseconds), from which its parts of every format are rendered; a chunk's
# recipe (its lines) names its rendered bytes. The STIX objects are written as JSON here; the
# tests parse whole bundles with the stix2 library.

#: Bump when the rendered bytes of a recipe change: chunks on disk are named by their recipe.
FORMAT_VERSION = 4
ENTRY_FORMATS = ("txt", "csv", "json", "stix.json")
NAME_FORMATS = ("hosts", "rpz")

_json_str = json.encoder.encode_basestring  # the C encoder json.dumps(ensure_ascii=False) uses
_CSV_SPECIAL = re.compile(r'[,"\r\n]')
_TYPES_JSON = {category: json.dumps(types) for category, types in INDICATOR_TYPES.items()}
_HASH_NAMES = {"sha256": "SHA-256", "sha1": "SHA-1", "md5": "MD5"}


def _utc_iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # naive moments are taken as UTC
        moment = moment.replace(tzinfo=UTC)
    text = moment.isoformat()
    return text if text.endswith("+00:00") else moment.astimezone(UTC).isoformat()


def entry_line(item: Item) -> str:
    """The recipe line of a listed entry: everything its feed parts are rendered from."""
    return (
        f"{item.indicator}\t{item.id}\t{item.kind}\t{item.value}\t"
        f"{'1' if item.include_subdomains else ''}\t{item.category}\t"
        f"{_utc_iso(item.listed_at)}\t{_utc_iso(item.expires_at)}"
    )


def line_key(line: str) -> str:
    """The indicator of a recipe line (what the feeds are sorted by)."""
    return line[: line.index("\t")]


def line_category(line: str) -> str:
    return line.split("\t", 6)[5]


def line_item(line: str) -> Item:
    indicator, pk, kind, value, sub, category, listed, expires = line.split("\t")
    return Item(
        int(pk),
        kind,
        value,
        sub == "1",
        indicator,
        category,
        datetime.fromisoformat(listed) if listed else None,
        datetime.fromisoformat(expires) if expires else None,
    )


def _csv_field(value: str) -> str:
    if _CSV_SPECIAL.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _quote_fast(value: str) -> str:
    if "'" in value or "\\" in value:
        return _quote(value)
    return f"'{value}'"


def _pattern(kind: str, value: str, sub: str) -> str:
    if kind == "domain":
        if sub:
            return (
                f"[domain-name:value = {_quote_fast(value)} OR domain-name:value LIKE "
                f"{_quote_fast('%.' + value)}]"
            )
        return f"[domain-name:value = {_quote_fast(value)}]"
    if kind == "url":
        return f"[url:value = {_quote_fast(value)}]"
    if kind == "ip":
        return f"[{'ipv6-addr' if ':' in value else 'ipv4-addr'}:value = '{value}']"
    if kind == "cidr":  # canonical: written as ipaddress writes the network
        return f"[{'ipv6-addr' if ':' in value else 'ipv4-addr'}:value ISSUBSET '{value}']"
    return f"[file:hashes.'{_HASH_NAMES[kind]}' = '{value}']"


def _stix_ms(iso: str) -> str:
    """STIX's UTC to the millisecond of a recipe time (ISO 8601 in UTC)."""
    return f"{iso[:19]}.{iso[20:23] if iso[19] == '.' else '000'}Z"


class Renderer:
    """Renders recipe lines into the four entry formats for one site URL; precomputes what
    repeats (the URL prefix, the identity, the entries' STIX id prefix)."""

    def __init__(self, site_url: str):
        self.site_url = site_url
        self.base = f"{site_url.rstrip('/')}/registry/entries/"
        self.csv_quoted = bool(_CSV_SPECIAL.search(self.base))
        self.base_json = _json_str(self.base)[:-1]  # without the closing quote
        self.identity = stix_id("identity", site_url)
        self.uuid_prefix = entry_uuid_prefix(site_url)

    def render(self, lines, *, lead: bool = False) -> tuple[str, str, str, str]:
        """(txt, csv, json, stix) bodies of these recipe lines; ``lead``: the first chunk of
        its file (no comma before its first JSON object)."""
        txt, csv_rows, objects, stix = [], [], [], []
        base, base_json, identity = self.base, self.base_json, self.identity
        prefix = self.uuid_prefix
        csv_quoted, types, unknown = self.csv_quoted, _TYPES_JSON, '["unknown"]'
        for line in lines:
            indicator, pk, kind, value, sub, category, listed, expires = line.split("\t")
            txt.append(indicator)
            url_json = f'{base_json}{pk}/"'
            listed_s = f"{listed[:19]}+00:00" if listed else ""
            expires_s = f"{expires[:19]}+00:00" if expires else ""
            url = f"{base}{pk}/"
            csv_rows.append(
                f"{pk},{_csv_field(indicator)},"
                f"{kind},{category},{listed_s},{expires_s},{_csv_field(url) if csv_quoted else url}\n"
            )
            indicator_json = _json_str(indicator)
            listed_j = f'"{listed_s}"' if listed else "null"
            expires_j = f'"{expires_s}"' if expires else "null"
            objects.append(
                f'{{"id":{pk},"indicator":{indicator_json},"kind":"{kind}",'
                f'"value":{indicator_json if value == indicator else _json_str(value)},'
                f'"include_subdomains":{"true" if sub else "false"},'
                f'"category":"{category}",'
                f'"listed_at":{listed_j},"expires_at":{expires_j},'
                f'"url":{url_json}}}'
            )
            stamp = _stix_ms(listed)
            until = f',"valid_until":"{_stix_ms(expires)}"' if expires and expires > listed else ""
            stix.append(
                f',{{"type":"indicator","spec_version":"2.1",'
                f'"id":"indicator--{entry_uuid(prefix, pk)}",'
                f'"created_by_ref":"{identity}",'
                f'"created":"{stamp}","modified":"{stamp}",'
                f'"name":{indicator_json},"indicator_types":{types.get(category, unknown)},'
                f'"pattern":{_json_str(_pattern(kind, value, sub))},"pattern_type":"stix",'
                f'"valid_from":"{stamp}"{until},"labels":["{category}"],'
                f'"external_references":[{{"source_name":"gongyue","url":{url_json}}}]}}'
            )
        body = ",".join(objects)
        return (
            "\n".join(txt) + "\n" if txt else "",
            "".join(csv_rows),
            body if lead or not body else "," + body,
            "".join(stix),
        )


def render_names(fmt: str, names) -> str:
    if fmt == "hosts":
        return "".join([f"0.0.0.0 {name}\n" for name in names])
    return "".join([f"{name} CNAME .\n" for name in names])


def hosts_names(item: Item) -> tuple[str, ...]:
    if item.kind == "domain":
        return (item.value,)
    if (site := site_of(item)) and not _is_ip(site):
        return (site,)
    return ()


def rpz_names(item: Item) -> tuple[str, ...]:
    if item.kind == "domain":
        return (item.value, f"*.{item.value}") if item.include_subdomains else (item.value,)
    if item.kind in ("ip", "cidr"):
        return (rpz_ip_name(item.value),)
    if site := site_of(item):
        return (rpz_ip_name(site.strip("[]")) if _is_ip(site) else site,)
    return ()


def line_names(line: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(hosts names, RPZ names) of a recipe line."""
    _indicator, _pk, kind, value, sub = line.split("\t", 5)[:5]
    if kind == "domain":  # most entries: no Item needed
        return (value,), ((value, f"*.{value}") if sub else (value,))
    if kind in ("sha256", "sha1", "md5"):
        return (), ()
    if kind == "url":  # a site's host when the path is "/" and no query (see site_of)
        host, slash, path = value.partition("://")[2].partition("/")
        if not slash or path:
            return (), ()
        if not host.startswith("[") and not host[-1:].isdigit():  # no address, no port
            return (host,), (host,)
    if kind in ("ip", "cidr") and ":" not in value:  # IPv4: no ipaddress objects
        address, _slash, prefix = value.partition("/")
        a, b, c, d = address.split(".")
        return (), (f"{prefix or 32}.{d}.{c}.{b}.{a}.rpz-ip",)
    item = Item(0, kind, value, bool(sub), "", "", None, None)
    return hosts_names(item), rpz_names(item)


def heads(
    scope,
    fmt,
    *,
    serial,
    published_at,
    count,
    names,
    list_sha,
    title,
    site_url,
    zone,
    refresh,
    retry,
    expire,
    ttl,
) -> tuple[str, str]:
    """(head, foot) of one feed file; ``names``: how many distinct names a DNS feed lists."""  # fmt: skip
    if fmt == "txt":
        return _header(title, scope, serial, published_at, count), ""
    if fmt == "hosts":
        return _header(title, scope, serial, published_at, names), ""
    if fmt == "rpz":
        origin = zone_name(scope, zone).rstrip(".") + "."
        return (
            _header(title, scope, serial, published_at, count).replace("# ", "; ")
            + f"$ORIGIN {origin}\n$TTL {ttl}\n"
            + f"@ SOA localhost. hostmaster.localhost. {serial} {refresh} {retry} {expire} {ttl}\n"
            + "@ NS localhost.\n"
        ), ""
    if fmt == "csv":
        return "id,indicator,kind,category,listed_at,expires_at,entry_url\n", ""
    if fmt == "json":
        return (
            f'{{"feed":{_json_str(title)},"scope":"{scope}","serial":{serial},'
            f'"published_at":"{_time(published_at)}","count":{count},"sha256":"{list_sha}",'
            f'"entries":['
        ), "]}"
    identity = stix_id("identity", site_url)
    return (
        f'{{"type":"bundle","id":"{stix_id("bundle", f"{site_url}/{scope}/{serial}")}",'
        f'"objects":[{{"type":"identity","spec_version":"2.1","id":"{identity}",'
        f'"created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z",'
        f'"name":{_json_str(title)},"identity_class":"organization"}}'
    ), "]}"


def build_scope(items, scope: str, **meta) -> dict[str, bytes]:
    """Every format of one scope, in memory and unchunked: {"<scope>.<format>": bytes}; the
    reference the chunked publication is tested against. Entries are in the list's order,
    but in the CSV, JSON and STIX files of "all" category by category (``CATEGORIES``), each
    in the list's order: those bodies are the categories' bodies one after another, each
    entry rendered once."""
    lines = sorted(entry_line(i) for i in items if scope == "all" or i.category == scope)
    lines.sort(key=line_key)
    renderer = Renderer(meta["site_url"])
    txt, csv_body, json_body, stix_body = renderer.render(lines, lead=True)
    if scope == "all":  # its CSV, JSON and STIX bodies: its categories' in turn
        csv_body = json_body = stix_body = ""
        for category in CATEGORIES:
            group = [line for line in lines if line_category(line) == category]
            if group:
                _txt, c, j, x = renderer.render(group, lead=not json_body)
                csv_body, json_body, stix_body = csv_body + c, json_body + j, stix_body + x
    hosts, rpz_set = set(), set()
    for line in lines:
        h, r = line_names(line)
        hosts.update(h)
        rpz_set.update(r)
    txt_bytes = txt.encode("utf-8")
    list_sha = hashlib.sha256(txt_bytes).hexdigest()
    bodies = {
        "txt": txt_bytes,
        "csv": csv_body.encode("utf-8"),
        "json": json_body.encode("utf-8"),
        "stix.json": stix_body.encode("utf-8"),
        "hosts": render_names("hosts", sorted(hosts)).encode("ascii"),
        "rpz": render_names("rpz", sorted(rpz_set)).encode("ascii"),
    }
    out = {}
    for fmt in FORMATS:
        head, foot = heads(
            scope, fmt, count=len(lines), names=len(hosts), list_sha=list_sha, **meta
        )
        out[f"{scope}.{fmt}"] = head.encode("utf-8") + bodies[fmt] + foot.encode("utf-8")
    return out


def rpz(items, *, scope, serial, published_at, title, zone, refresh, retry, expire, ttl) -> bytes:
    """A Response Policy Zone: ``CNAME .`` (NXDOMAIN) for each listed domain (and ``*.`` for its
    subdomains), each URL naming a whole site, and each listed address or network as a
    response-IP trigger."""
    meta = {"serial": serial, "published_at": published_at, "title": title, "site_url": ""}
    return build_scope(
        items, scope, zone=zone, refresh=refresh, retry=retry, expire=expire, ttl=ttl, **meta
    )[f"{scope}.rpz"]
