"""The feeds are joins of each entry's parts, formatted once and kept between publications:
kept parts give the same bytes as fresh ones, and every format still parses with its tools."""

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import stix2

from gongyue.registry import feeds

NOW = datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC)
META = {
    "serial": 7,
    "published_at": NOW,
    "title": "t",
    "site_url": "https://gy.example",
    "zone": "rpz.test",
    "refresh": 30,
    "retry": 10,
    "expire": 86400,
    "ttl": 60,
}
SCOPES = ("all", "phishing", "fraud", "malware")


def items():
    hostile = "http://evil.com/a,b\"c/\\'</script>?q=%E4%B8%AD"
    return [
        feeds.Item(1, "domain", "evil.com", True, "*.evil.com", "phishing", NOW, None),
        feeds.Item(2, "url", hostile, False, hostile, "fraud", NOW, NOW + timedelta(days=3)),
        feeds.Item(3, "url", "http://site.cn/", False, "http://site.cn/", "fraud", NOW, None),
        feeds.Item(4, "ip", "45.33.32.7", False, "45.33.32.7", "malware", NOW, None),
        feeds.Item(5, "cidr", "2a03:2880::/32", False, "2a03:2880::/32", "malware", NOW, None),
        feeds.Item(6, "md5", "d41d8cd98f00b204e9800998ecf8427f", False,
                   "d41d8cd98f00b204e9800998ecf8427f", "malware", NOW, None),
        feeds.Item(7, "domain", "evil.com", False, "evil.com", "fraud", NOW, None),
    ]  # fmt: skip


def build(entries, cache):
    return {
        name: data for name, data, _c, _s in feeds.build_all(entries, SCOPES, cache=cache, **META)
    }


def test_kept_parts_give_the_same_files_as_fresh_ones_and_only_changes_are_formatted():
    cache = feeds.PartsCache()
    first = build(items(), cache)
    assert cache.formatted == 7
    changed = [
        *items()[1:],
        feeds.Item(8, "domain", "new.cn", False, "new.cn", "phishing", NOW, None),
    ]
    second = build(changed, cache)
    assert cache.formatted == 1
    assert second == build(changed, feeds.PartsCache())
    assert second != first and b"new.cn\n" in second["all.txt"]
    assert b"*.evil.com" not in second["all.txt"] and b"*.evil.com" not in second["phishing.rpz"]


def test_hostile_values_survive_csv_json_and_stix():
    files = build(items(), feeds.PartsCache())
    rows = list(csv.DictReader(io.StringIO(files["all.csv"].decode())))
    body = json.loads(files["all.json"])
    hostile = items()[1].indicator
    assert hostile in {row["indicator"] for row in rows}
    assert hostile in {entry["indicator"] for entry in body["entries"]}
    assert body["sha256"] == feeds.list_sha256(i.indicator for i in items())
    bundle = stix2.parse(files["all.stix.json"].decode(), allow_custom=False, version="2.1")
    indicators = {o.name: o for o in bundle.objects if o.type == "indicator"}
    assert len(indicators) == 7 and indicators[hostile].valid_until == NOW.replace(
        microsecond=123000
    ) + timedelta(days=3)
    raw = {o.get("name"): o for o in json.loads(files["all.stix.json"])["objects"]}
    assert raw[hostile]["created"] == "2026-12-01T08:30:15.123Z"


def test_dns_feeds_merge_a_name_listed_in_two_categories():
    files = build(items(), feeds.PartsCache())
    assert files["all.hosts"].decode().count("0.0.0.0 evil.com\n") == 1
    assert b"0.0.0.0 site.cn\n" in files["fraud.hosts"] and b"evil.com" in files["fraud.hosts"]
    assert b"*.evil.com CNAME ." in files["phishing.rpz"]
    assert b"*.evil.com" not in files["fraud.rpz"]


def test_the_fast_uuid5_is_uuid5():
    for name in ["", "https://gy.example/entry/1", "中文"]:
        assert feeds.fast_uuid5(name) == str(uuid.uuid5(feeds.STIX_NAMESPACE, name))
