"""Feeds: published after each change through the task queue, each validated by its own
format's tools, served with ETag, Last-Modified and gzip, members-only unless public."""

import gzip
import json

import dns.rdatatype
import dns.zone
import pytest
import stix2

from gongyue.core.tasks import run_queued_tasks
from gongyue.registry import actions, publishing
from gongyue.registry.models import Publication


@pytest.fixture
def published(listed, submit, secretariat):
    listed("evil-bank.com", "phishing")
    listed("*.malware-cdn.com", "malware")
    listed("http://fraud-shop.com/pay/index.php?id=1", "fraud")
    listed("45.33.32.0/24", "malware")
    listed("2a03:2880:f003::/48", "gambling")
    listed("45.33.40.9", "malware")
    listed("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "malware")
    listed("测试.公司", "fraud")
    return publishing.publish()


def test_a_change_publishes_the_feeds_through_the_task_queue_after_commit(
    submit, secretariat, django_capture_on_commit_callbacks
):
    entry = submit("evil-bank.com")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_approve_entry(entry, actor=secretariat)
    assert not Publication.objects.exists()
    assert run_queued_tasks() == 3  # the publication, what follows it, the mail to the unit
    publication = Publication.objects.get()
    assert publication.serial == 1 and publication.count == 1
    assert "evil-bank.com\n" in publishing.read_feed(publication, "all.txt").decode()


def test_the_rpz_zone_loads_in_dnspython_with_an_increasing_serial(published, listed):
    zone = dns.zone.from_text(
        publishing.read_feed(published, "all.rpz").decode(),
        origin="rpz.gongyue.invalid.",
        relativize=False,
    )
    soa = zone.get_rdataset("rpz.gongyue.invalid.", dns.rdatatype.SOA)[0]
    assert soa.serial == published.serial and soa.refresh == 30
    names = {
        str(name) for name, node in zone.nodes.items() if node.get_rdataset(1, dns.rdatatype.CNAME)
    }
    assert {
        "evil-bank.com.rpz.gongyue.invalid.",
        "malware-cdn.com.rpz.gongyue.invalid.",
        "*.malware-cdn.com.rpz.gongyue.invalid.",
        "24.0.32.33.45.rpz-ip.rpz.gongyue.invalid.",
        "32.9.40.33.45.rpz-ip.rpz.gongyue.invalid.",
        "48.zz.f003.2880.2a03.rpz-ip.rpz.gongyue.invalid.",
        "xn--0zwm56d.xn--55qx5d.rpz.gongyue.invalid.",
    } == names
    for name in names:
        assert str(zone.find_rdataset(name, dns.rdatatype.CNAME)[0].target) == "."
    listed("another-evil.com")
    second = publishing.publish()
    soa2 = dns.zone.from_text(
        publishing.read_feed(second, "all.rpz").decode(), origin="rpz.gongyue.invalid."
    ).get_rdataset("@", dns.rdatatype.SOA)[0]
    assert soa2.serial > soa.serial
    phishing = dns.zone.from_text(
        publishing.read_feed(second, "phishing.rpz").decode(),
        origin="phishing.rpz.gongyue.invalid.",
    )
    assert {str(n) for n in phishing.nodes} == {"@", "evil-bank.com", "another-evil.com"}


def test_the_stix_bundle_validates_with_the_stix2_library(published):
    data = publishing.read_feed(published, "all.stix.json").decode()
    bundle = stix2.parse(data, allow_custom=False, version="2.1")
    indicators = [o for o in bundle.objects if o.type == "indicator"]
    assert len(indicators) == published.count == 8
    patterns = {o.name: o.pattern for o in indicators}
    assert patterns["*.malware-cdn.com"] == (
        "[domain-name:value = 'malware-cdn.com' OR domain-name:value LIKE '%.malware-cdn.com']"
    )
    assert patterns["45.33.32.0/24"] == "[ipv4-addr:value ISSUBSET '45.33.32.0/24']"
    from stix2.pattern_visitor import create_pattern_object  # raises on an invalid pattern

    for pattern in patterns.values():
        create_pattern_object(pattern, version="2.1")


def test_the_hosts_file_parses_as_hosts(published):
    import ipaddress
    import re

    names = []
    for line in publishing.read_feed(published, "all.hosts").decode().splitlines():
        if not line or line.startswith("#"):
            continue
        address, name = line.split()
        ipaddress.ip_address(address)
        assert re.fullmatch(r"(?!-)[a-z0-9-]{1,63}(\.(?!-)[a-z0-9-]{1,63})+", name), name
        names.append(name)
    assert names == ["evil-bank.com", "malware-cdn.com", "xn--0zwm56d.xn--55qx5d"]


def test_csv_json_and_text_list_every_entry_with_metadata(published):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(publishing.read_feed(published, "all.csv").decode())))
    assert len(rows) == 8 and {"indicator", "category", "listed_at", "expires_at"} <= set(rows[0])
    body = json.loads(publishing.read_feed(published, "all.json"))
    assert body["serial"] == published.serial and body["sha256"] == published.sha256
    text = publishing.read_feed(published, "malware.txt").decode().splitlines()
    assert [line for line in text if not line.startswith("#")] == [
        "*.malware-cdn.com",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "45.33.32.0/24",
        "45.33.40.9",
    ]


def test_members_only_feeds_need_a_token_and_public_ones_are_open(
    published, client, member_token, no_unit_user
):
    assert client.get("/registry/feeds/all.rpz").status_code == 401
    assert client.get("/registry/feeds/fraud.txt").status_code == 401
    assert client.get("/registry/feeds/phishing.txt").status_code == 200
    assert client.get("/registry/feeds/all.rpz", {"token": "gy_wrong"}).status_code == 401
    response = client.get("/registry/feeds/all.rpz", {"token": member_token})
    assert response.status_code == 200 and b"evil-bank.com CNAME ." in b"".join(
        response.streaming_content
    )
    response = client.get("/registry/feeds/all.txt", HTTP_AUTHORIZATION=f"Bearer {member_token}")
    assert response.status_code == 200
    client.force_login(no_unit_user)
    assert client.get("/registry/feeds/all.txt").status_code == 403
    assert client.get("/registry/feeds/nonsense.txt").status_code == 404


def test_feeds_answer_with_etag_last_modified_and_gzip(published, client):
    url = "/registry/feeds/phishing.txt"
    response = client.get(url)
    etag, modified = response["ETag"], response["Last-Modified"]
    assert response["X-Registry-Serial"] == str(published.serial)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(zipped.streaming_content)) == b"".join(
        client.get(url).streaming_content
    )


def test_the_feed_directory_lists_sizes_serials_and_publication(published, client):
    response = client.get("/registry/feeds/")
    assert response.status_code == 200
    assert (
        "all.rpz" in response.content.decode()
        and str(published.serial) in response.content.decode()
    )
    api = client.get("/api/v1/registry/feeds").json()
    assert api["serial"] == published.serial
    feeds = {f["name"]: f for f in api["feeds"]}
    assert feeds["all.txt"]["count"] == 8 and feeds["phishing.txt"]["public"] is True
    assert len(feeds) == 8 * 6


def test_publishing_twice_for_one_serial_writes_once(published):
    assert publishing.publish().pk == published.pk
    assert Publication.objects.count() == 1
