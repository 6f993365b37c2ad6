"""Each entry's parts are rendered from its recipe line; chunks rendered apart join into the
same bytes as the whole list, and every format still parses with its tools."""

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


def build(entries):
    files = {}
    for scope in SCOPES:
        files.update(feeds.build_scope(entries, scope, **META))
    return files


def test_a_recipe_line_gives_back_its_entry_and_renders_as_the_whole_list_does():
    for item in items():
        assert feeds.line_item(feeds.entry_line(item)) == item
    lines = sorted((feeds.entry_line(i) for i in items()), key=feeds.line_key)
    renderer = feeds.Renderer(META["site_url"])
    whole = renderer.render(lines, lead=True)
    first, rest = renderer.render(lines[:3], lead=True), renderer.render(lines[3:])
    assert [a + b for a, b in zip(first, rest, strict=True)] == list(whole)


def test_a_recipe_line_gives_the_dns_names_its_entry_does():
    """``line_names`` (which reads the recipe line's fields, quickly for domains and URLs)
    answers as ``hosts_names`` and ``rpz_names`` of the entry do."""
    more = [
        "http://203.0.113.9/",
        "http://[2001:db8::1]/",
        "http://site.example:8080/",
        "http://site.example/?q=1",
        "http://site.example/page",
        "https://xn--fiqs8s.xn--55qx5d/",
    ]
    entries = items() + [
        feeds.Item(10 + n, "url", url, False, url, "fraud", NOW, None) for n, url in enumerate(more)
    ]
    for item in entries:
        expected = (feeds.hosts_names(item), feeds.rpz_names(item))
        assert feeds.line_names(feeds.entry_line(item)) == expected, item.value
    assert feeds.line_names(feeds.entry_line(entries[-1])) == (("xn--fiqs8s.xn--55qx5d",),) * 2


def test_hostile_values_survive_csv_json_and_stix():
    files = build(items())
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
    files = build(items())
    assert files["all.hosts"].decode().count("0.0.0.0 evil.com\n") == 1
    assert b"0.0.0.0 site.cn\n" in files["fraud.hosts"] and b"evil.com" in files["fraud.hosts"]
    assert b"*.evil.com CNAME ." in files["phishing.rpz"]
    assert b"*.evil.com" not in files["fraud.rpz"]


def test_an_entrys_stix_id_is_a_uuidv8_of_its_site_and_number():
    ids = {}
    for site in ("https://gy.example", "https://other.example"):
        renderer = feeds.Renderer(site)
        lines = [
            feeds.entry_line(item._replace(id=pk))
            for item, pk in zip(items()[:3], (7, 123456789012, 1234567890123), strict=True)
        ]
        stix = json.loads("[" + renderer.render(lines)[3][1:] + "]")
        ids[site] = [obj["id"].removeprefix("indicator--") for obj in stix]
        for text in ids[site]:
            assert uuid.UUID(text).variant == uuid.RFC_4122
        # numbered in twelve decimal digits: version 8, the number readable at the end
        assert [uuid.UUID(t).version for t in ids[site]] == [8, 8, 5]
        assert ids[site][0].endswith("-000000000007")
        assert ids[site][1].endswith("-123456789012")
        # the same again: an entry keeps its id from one publication to the next
        assert json.loads("[" + renderer.render(lines)[3][1:] + "]")[0]["id"].endswith(ids[site][0])
    assert len({text for site_ids in ids.values() for text in site_ids}) == 6
