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


_STIX_NAMESPACE_BYTES = STIX_NAMESPACE.bytes


def fast_uuid5(name: str) -> str:
    """``str(uuid.uuid5(STIX_NAMESPACE, name))`` without building UUID objects."""
    digest = bytearray(hashlib.sha1(_STIX_NAMESPACE_BYTES + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# -- what each entry contributes to each format, formatted once ----------------------------------
#
# A publication writes 8 scopes × 6 formats. Each entry's part of each format is formatted once
# and kept (keyed by the entry as published and the site URL) for as long as the entry is listed
# unchanged, so that the publication after a change formats only what changed; the files are
# then joins of these parts in the list's order. The STIX objects are written as JSON here; the
# tests parse whole bundles with the stix2 library.

_json_str = json.encoder.encode_basestring  # the C encoder json.dumps(ensure_ascii=False) uses


class Parts(NamedTuple):
    txt: str  # "indicator\n"
    hosts: tuple[str, ...]  # names the hosts file lists for it
    rpz: tuple[str, ...]  # RPZ owner names (triggers)
    csv: str  # one CSV row with its newline
    json: str  # one JSON object
    stix: str  # one STIX indicator object, as JSON


_CSV_SPECIAL = re.compile(r'[,"\r\n]')
_TYPES_JSON = {category: json.dumps(types) for category, types in INDICATOR_TYPES.items()}
_IDENTITIES: dict[str, str] = {}


def _identity(site_url: str) -> str:
    identity = _IDENTITIES.get(site_url)
    if identity is None:
        identity = _IDENTITIES[site_url] = stix_id("identity", site_url)
    return identity


def _times(moment: datetime | None) -> tuple[str | None, str | None]:
    """(ISO 8601 to the second, STIX's UTC to the millisecond) of a moment, with one isoformat
    call when the moment is in UTC, as the database gives them."""
    if moment is None:
        return None, None
    text = moment.isoformat(timespec="seconds")
    if text.endswith("+00:00"):
        return text, f"{text[:19]}.{moment.microsecond // 1000:03d}Z"
    return text, _stix_time(moment)


def _csv_field(value: str) -> str:
    if _CSV_SPECIAL.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


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


def format_parts(item: Item, site_url: str) -> Parts:
    (listed, stix_listed), (expires, stix_expires) = _times(item.listed_at), _times(item.expires_at)
    url = entry_url(site_url, item)
    indicator = _json_str(item.indicator)
    csv_row = (
        f"{item.id},{_csv_field(item.indicator)},{item.kind},{item.category},"
        f"{listed or ''},{expires or ''},{_csv_field(url)}\n"
    )
    json_object = (
        f'{{"id":{item.id},"indicator":{indicator},"kind":"{item.kind}",'
        f'"value":{_json_str(item.value)},'
        f'"include_subdomains":{"true" if item.include_subdomains else "false"},'
        f'"category":"{item.category}",'
        f'"listed_at":{_json_str(listed) if listed else "null"},'
        f'"expires_at":{_json_str(expires) if expires else "null"},'
        f'"url":{_json_str(url)}}}'
    )
    until = ""
    if item.expires_at and item.expires_at > item.listed_at:
        until = f',"valid_until":"{stix_expires}"'
    types = _TYPES_JSON.get(item.category, '["unknown"]')
    stix_object = (
        f'{{"type":"indicator","spec_version":"2.1",'
        f'"id":"indicator--{fast_uuid5(f"{site_url}/entry/{item.id}")}",'
        f'"created_by_ref":"{_identity(site_url)}",'
        f'"created":"{stix_listed}","modified":"{stix_listed}",'
        f'"name":{indicator},"indicator_types":{types},'
        f'"pattern":{_json_str(stix_pattern(item))},"pattern_type":"stix",'
        f'"valid_from":"{stix_listed}"{until},"labels":["{item.category}"],'
        f'"external_references":[{{"source_name":"gongyue","url":{_json_str(url)}}}]}}'
    )
    return Parts(
        f"{item.indicator}\n",
        hosts_names(item),
        rpz_names(item),
        csv_row,
        json_object,
        stix_object,
    )


class PartsCache:
    """Each listed entry's parts, kept between publications of one process; ``refresh`` keeps
    the parts of the entries still listed unchanged and formats the others."""

    def __init__(self):
        self.parts: dict[tuple[Item, str], Parts] = {}
        self.formatted = 0  # how many entries the last refresh formatted

    def refresh(self, items, site_url: str) -> list[Parts]:
        old, new, out, formatted = self.parts, {}, [], 0
        for item in items:
            key = (item, site_url)
            parts = old.get(key)
            if parts is None:
                parts = format_parts(item, site_url)
                formatted += 1
            new[key] = parts
            out.append(parts)
        self.parts, self.formatted = new, formatted
        return out

    def clear(self) -> None:
        self.parts, self.formatted = {}, 0


CACHE = PartsCache()


def _header(title: str, scope: str, serial: int, published_at: datetime, count: int) -> str:
    return (
        f"# {title} - scope {scope}\n"
        f"# serial {serial}, published {published_at.isoformat(timespec='seconds')}, {count} entries\n"
    )


def _names_by_scope(items, parts_list, which: str, scopes) -> dict[str, list[str]]:
    """Sorted distinct names of one DNS format per scope (a name may come from several
    entries, of several categories)."""
    categories: dict[str, set[str] | str] = {}
    for item, parts in zip(items, parts_list, strict=True):
        for name in getattr(parts, which):
            seen = categories.get(name)
            if seen is None:
                categories[name] = item.category
            elif seen != item.category:
                categories[name] = (seen if isinstance(seen, set) else {seen}) | {item.category}
    out = {scope: [] for scope in scopes}
    everything = out["all"]
    for name in sorted(categories):
        everything.append(name)
        seen = categories[name]
        for category in (seen,) if isinstance(seen, str) else seen:
            target = out.get(category)
            if target is not None:
                target.append(name)
    return out


def build_all(
    items,
    scopes,
    *,
    serial,
    published_at,
    title,
    site_url,
    zone,
    refresh,
    retry,
    expire,
    ttl,
    cache=None,
):
    """Every format of every scope from the listed entries: yields (name, bytes, count, list
    sha256 or None). ``items`` are sorted here by indicator (quickly when already sorted)."""
    items = sorted(items, key=lambda i: i.indicator)
    parts_list = (cache or CACHE).refresh(items, site_url)
    per_scope: dict[str, tuple[list[Item], list[Parts]]] = {s: ([], []) for s in scopes}
    all_items, all_parts = per_scope["all"]
    all_items.extend(items)
    all_parts.extend(parts_list)
    for item, parts in zip(items, parts_list, strict=True):
        scoped = per_scope.get(item.category)
        if scoped is not None:
            scoped[0].append(item)
            scoped[1].append(parts)
    hosts_by_scope = _names_by_scope(items, parts_list, "hosts", scopes)
    rpz_by_scope = _names_by_scope(items, parts_list, "rpz", scopes)
    identity = stix_id("identity", site_url)
    when = _time(published_at)
    for scope in scopes:
        scoped_items, scoped_parts = per_scope[scope]
        count = len(scoped_items)
        header = _header(title, scope, serial, published_at, count)
        body = "".join([p.txt for p in scoped_parts]).encode("utf-8")
        list_sha = hashlib.sha256(body).hexdigest()
        yield f"{scope}.txt", header.encode("utf-8") + body, count, list_sha
        names = hosts_by_scope[scope]
        yield (
            f"{scope}.hosts",
            (
                _header(title, scope, serial, published_at, len(names))
                + "".join([f"0.0.0.0 {name}\n" for name in names])
            ).encode("ascii"),
            count,
            None,
        )
        origin = zone_name(scope, zone).rstrip(".") + "."
        yield (
            f"{scope}.rpz",
            (
                header.replace("# ", "; ")
                + f"$ORIGIN {origin}\n$TTL {ttl}\n"
                + f"@ SOA localhost. hostmaster.localhost. {serial} {refresh} {retry} {expire} {ttl}\n"
                + "@ NS localhost.\n"
                + "".join([f"{name} CNAME .\n" for name in rpz_by_scope[scope]])
            ).encode("ascii"),
            count,
            None,
        )
        yield (
            f"{scope}.csv",
            (
                "id,indicator,kind,category,listed_at,expires_at,entry_url\n"
                + "".join([p.csv for p in scoped_parts])
            ).encode("utf-8"),
            count,
            None,
        )
        yield (
            f"{scope}.json",
            (
                f'{{"feed":{_json_str(title)},"scope":"{scope}","serial":{serial},'
                f'"published_at":"{when}","count":{count},"sha256":"{list_sha}","entries":['
                + ",".join([p.json for p in scoped_parts])
                + "]}"
            ).encode("utf-8"),
            count,
            None,
        )
        stix_identity = (
            f'{{"type":"identity","spec_version":"2.1","id":"{identity}",'
            f'"created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z",'
            f'"name":{_json_str(title)},"identity_class":"organization"}}'
        )
        yield (
            f"{scope}.stix.json",
            (
                f'{{"type":"bundle","id":"{stix_id("bundle", f"{site_url}/{scope}/{serial}")}",'
                f'"objects":[{stix_identity}' + "".join(["," + p.stix for p in scoped_parts]) + "]}"
            ).encode("utf-8"),
            count,
            None,
        )


def build_scope(items, scope: str, **meta) -> dict[str, bytes]:
    """Every format of one scope, built apart from any cache: {"<scope>.<format>": bytes}."""
    scopes = ("all",) if scope == "all" else ("all", scope)
    items = [i for i in items if scope == "all" or i.category == scope]
    return {
        name: data
        for name, data, _count, _sha in build_all(items, scopes, cache=PartsCache(), **meta)
        if name.startswith(f"{scope}.")
    }


def rpz(items, *, scope, serial, published_at, title, zone, refresh, retry, expire, ttl) -> bytes:
    """A Response Policy Zone: ``CNAME .`` (NXDOMAIN) for each listed domain (and ``*.`` for its
    subdomains), each URL naming a whole site, and each listed address or network as a
    response-IP trigger."""
    meta = {"serial": serial, "published_at": published_at, "title": title, "site_url": ""}
    return build_scope(
        items, scope, zone=zone, refresh=refresh, retry=retry, expire=expire, ttl=ttl, **meta
    )[f"{scope}.rpz"]
