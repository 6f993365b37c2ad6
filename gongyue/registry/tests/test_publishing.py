"""A publication is served as soon as its plain files and row exist: the gzipped copies and
the link check's matcher follow, and readers keep what they have until then."""

import gzip

from gongyue.registry import publishing, service
from gongyue.registry.models import Publication


def test_a_feed_is_served_plain_until_its_gzipped_copy_is_written(listed, client):
    listed("evil-bank.com")
    publication = publishing.publish()
    url = "/registry/feeds/phishing.txt"
    ready = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert ready["Content-Encoding"] == "gzip"
    assert b"evil-bank.com\n" in gzip.decompress(b"".join(ready.streaming_content))
    # As between the row and the gzipped form: no gzip size recorded yet.
    files = {
        name: {k: v for k, v in info.items() if k not in ("gzip_size", "sha256")}
        for name, info in publication.files.items()
    }
    Publication.objects.filter(pk=publication.pk).update(files=files)
    plain = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert plain.status_code == 200 and not plain.has_header("Content-Encoding")
    assert b"evil-bank.com\n" in b"".join(plain.streaming_content)
    directory = client.get("/api/v1/registry/feeds").json()
    row = next(f for f in directory["feeds"] if f["name"] == "phishing.txt")
    assert row["gzip_size"] is None and row["sha256"] is None
    assert client.get("/registry/feeds/").status_code == 200


def test_a_worker_keeps_its_matcher_until_the_new_publications_matcher_is_written(listed, settings):
    listed("evil-bank.com")
    first = publishing.publish()
    assert service.current().serial == first.serial
    listed("other-evil.com")
    second = publishing.publish()
    (publishing.publication_dir(second.serial) / publishing.MATCHER_FILE).unlink()
    held = service.current()
    assert held.serial == first.serial and held.matcher.match_host("other-evil.com") is None
    service.reset()  # a worker holding none builds it from the database
    fresh = service.current()
    assert fresh.serial == second.serial and fresh.matcher.match_host("other-evil.com")


def test_a_worker_maps_the_host_index_saved_with_the_publication(listed):
    for n in range(100):
        listed(f"*.h{n}.mapped.com" if n % 2 == 0 else f"h{n}.mapped.com")
    publication = publishing.publish()  # followed: the matcher and its host index saved
    loaded = service.current()
    assert loaded.serial == publication.serial
    index = loaded.matcher.index
    assert index is not None and not index.table.flags.writeable  # mapped, not built here
    hosts = [f"www.h{n}.mapped.com" for n in range(100)] + [f"h{n}.mapped.com" for n in range(9)]
    _serial, results = service.check(hosts)
    assert [r["listed"] for r in results] == [n % 2 == 0 for n in range(100)] + [True] * 9
