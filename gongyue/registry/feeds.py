"""The feed formats, built from the listed entries: pure functions, no ORM.

Each scope ("all", or one category) is written in six formats: a hosts file, a DNS RPZ zone,
plain text (one indicator a line, what ``check_links`` reads), CSV, JSON and a STIX 2.1 bundle.
"""

from __future__ import annotations

import csv
import hashlib
import io
import ipaddress
import json
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


def plain_text(items, *, scope, serial, published_at, title) -> bytes:
    lines = sorted(item.indicator for item in items)
    body = _header(title, scope, serial, published_at, len(lines)) + "".join(
        f"{line}\n" for line in lines
    )
    return body.encode("utf-8")


def hosts(items, *, scope, serial, published_at, title) -> bytes:
    """``0.0.0.0 name`` per listed domain (a hosts file cannot say "and subdomains": such an
    entry blocks the name itself here, and all its subdomains in the RPZ zone)."""
    names = sorted(
        {item.value for item in items if item.kind == "domain"}
        | {site for item in items if (site := site_of(item)) and not _is_ip(site)}
    )
    out = _header(title, scope, serial, published_at, len(names))
    return (out + "".join(f"0.0.0.0 {name}\n" for name in names)).encode("ascii")


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


def rpz(items, *, scope, serial, published_at, title, zone, refresh, retry, expire, ttl) -> bytes:
    """A Response Policy Zone: ``CNAME .`` (NXDOMAIN) for each listed domain (and ``*.`` for its
    subdomains), each URL naming a whole site, and each listed address or network as a
    response-IP trigger."""
    origin = zone_name(scope, zone).rstrip(".") + "."
    lines = [
        _header(title, scope, serial, published_at, len(items)).replace("# ", "; "),
        f"$ORIGIN {origin}\n$TTL {ttl}\n",
        f"@ SOA localhost. hostmaster.localhost. {serial} {refresh} {retry} {expire} {ttl}\n",
        "@ NS localhost.\n",
    ]
    names = []
    for item in items:
        if item.kind == "domain":
            names.append(item.value)
            if item.include_subdomains:
                names.append(f"*.{item.value}")
        elif item.kind in ("ip", "cidr"):
            names.append(rpz_ip_name(item.value))
        elif site := site_of(item):
            names.append(rpz_ip_name(site.strip("[]")) if _is_ip(site) else site)
    lines.extend(f"{name} CNAME .\n" for name in sorted(set(names)))
    return "".join(lines).encode("ascii")


def entry_url(site_url: str, item: Item) -> str:
    return f"{site_url.rstrip('/')}/registry/entries/{item.id}/"


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def csv_feed(items, *, site_url, **_meta) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "indicator", "kind", "category", "listed_at", "expires_at", "entry_url"])
    for item in sorted(items, key=lambda i: i.indicator):
        writer.writerow(
            [
                item.id,
                item.indicator,
                item.kind,
                item.category,
                _time(item.listed_at),
                _time(item.expires_at) or "",
                entry_url(site_url, item),
            ]
        )
    return out.getvalue().encode("utf-8")


def json_feed(items, *, scope, serial, published_at, title, site_url, **_meta) -> bytes:
    ordered = sorted(items, key=lambda i: i.indicator)
    body = {
        "feed": title,
        "scope": scope,
        "serial": serial,
        "published_at": _time(published_at),
        "count": len(ordered),
        "sha256": list_sha256(i.indicator for i in ordered),
        "entries": [
            {
                "id": i.id,
                "indicator": i.indicator,
                "kind": i.kind,
                "value": i.value,
                "include_subdomains": i.include_subdomains,
                "category": i.category,
                "listed_at": _time(i.listed_at),
                "expires_at": _time(i.expires_at),
                "url": entry_url(site_url, i),
            }
            for i in ordered
        ],
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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


def stix_bundle(items, *, scope, serial, published_at, title, site_url, **_meta) -> bytes:
    """A STIX 2.1 bundle: the association as an identity, and one indicator per entry (ids
    derived from the entry, so that a consumer sees the same indicator in every publication)."""
    identity = stix_id("identity", site_url)
    created = _stix_time(published_at)
    objects = [
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": identity,
            "created": "2020-01-01T00:00:00.000Z",
            "modified": "2020-01-01T00:00:00.000Z",
            "name": title,
            "identity_class": "organization",
        }
    ]
    for item in sorted(items, key=lambda i: i.indicator):
        listed = _stix_time(item.listed_at)
        indicator = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": stix_id("indicator", f"{site_url}/entry/{item.id}"),
            "created_by_ref": identity,
            "created": listed,
            "modified": listed,
            "name": item.indicator,
            "indicator_types": INDICATOR_TYPES.get(item.category, ["unknown"]),
            "pattern": stix_pattern(item),
            "pattern_type": "stix",
            "valid_from": listed,
            "labels": [item.category],
            "external_references": [{"source_name": "gongyue", "url": entry_url(site_url, item)}],
        }
        if item.expires_at and item.expires_at > item.listed_at:
            indicator["valid_until"] = _stix_time(item.expires_at)
        objects.append(indicator)
    bundle = {
        "type": "bundle",
        "id": stix_id("bundle", f"{site_url}/{scope}/{serial}"),
        "objects": objects,
    }
    del created
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


BUILDERS = {
    "txt": plain_text,
    "hosts": hosts,
    "rpz": rpz,
    "csv": csv_feed,
    "json": json_feed,
    "stix.json": stix_bundle,
}


def build_scope(items, scope: str, **meta) -> dict[str, bytes]:
    """Every format of one scope: {"<scope>.<format>": bytes}."""
    rpz_meta = {k: meta[k] for k in ("zone", "refresh", "retry", "expire", "ttl")}
    common = {k: meta[k] for k in ("serial", "published_at", "title", "site_url")}
    out = {}
    for fmt, builder in BUILDERS.items():
        if fmt == "rpz":
            out[f"{scope}.{fmt}"] = rpz(
                items,
                scope=scope,
                **{k: common[k] for k in ("serial", "published_at", "title")},
                **rpz_meta,
            )
        elif fmt in ("txt", "hosts"):
            out[f"{scope}.{fmt}"] = builder(
                items, scope=scope, **{k: common[k] for k in ("serial", "published_at", "title")}
            )
        else:
            out[f"{scope}.{fmt}"] = builder(items, scope=scope, **common)
    return out
