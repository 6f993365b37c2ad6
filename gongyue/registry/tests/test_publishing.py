"""A publication is served as soon as its plain files and row exist: the gzipped copies and
the link check's matcher follow, and readers keep what they have until then."""

import gzip
import hashlib

import pytest

from gongyue.registry import actions, publishing, service
from gongyue.registry.models import FeedChange, Publication
from gongyue.registry.tests.test_matcher import matcher_of_the_list, state_of


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


def test_what_follows_a_publication_gives_each_file_its_sha256(listed, client):
    """Worked out on two threads, each file's SHA-256 is that of its bytes, as the directory
    gives it."""
    for n in range(30):
        listed(f"h{n}.evil-bank.com", "fraud" if n % 3 else "phishing")
    publication = Publication.objects.get(pk=publishing.publish().pk)  # followed, as stored
    directory = {row["name"]: row for row in client.get("/api/v1/registry/feeds").json()["feeds"]}
    assert len(directory) >= 6
    for name, info in publication.files.items():
        digest = hashlib.sha256(publishing.read_feed(publication, name)).hexdigest()
        assert info["sha256"] == digest, name
        if name in directory:
            assert directory[name]["sha256"] == digest, name


def same_answers(loaded, matcher) -> bool:
    return state_of(loaded.matcher) == state_of(matcher)


def test_a_worker_applies_a_publications_changes_to_the_matcher_it_holds(listed, secretariat):
    listed("evil-bank.com")
    gone = listed("*.gone-evil.com")
    first = publishing.publish()
    held = service.current()
    assert held.serial == first.serial and held.applied == 0
    assert held.matcher.match_host("www.gone-evil.com")
    actions.do_delist_entry(gone, actor=secretariat, reason="a mistake")
    added = listed("http://other-evil.com/login/", "fraud")
    second = publishing.publish()
    # Two changes since the first's: what follows the second writes no matcher file.
    assert publishing.matcher_serials() == [first.serial]
    now = service.current()
    assert now.serial == second.serial and now.applied == 2 and now.base == first.serial
    assert now.matcher.index is held.matcher.index  # the mapped index is kept
    assert same_answers(now, matcher_of_the_list())
    _serial, (url, host) = service.check(["http://other-evil.com/login/x", "www.gone-evil.com"])
    assert url["match"] == {
        "indicator": "http://other-evil.com/login/",
        "entry": added.pk,
        "category": "fraud",
        "listed_at": added.listed_at,
    }
    assert not host["listed"]
    # What requests already hold is not changed under them.
    assert held.matcher.match_host("www.gone-evil.com")
    assert held.matcher.check("http://other-evil.com/login/x")[1] is None


@pytest.mark.parametrize("held", [True, False], ids=["from-held-lines", "from-database"])
def test_a_matcher_file_gives_a_worker_the_matcher_of_the_list(held, listed, secretariat):
    """The matcher file is made from the lines the publisher holds or, when it holds none, from
    the database; a worker that loads it has what a matcher built item by item has, and where a
    line is its value (a name, an address, a hash) the key and the line are one string."""
    listed("evil-bank.com")
    listed("*.evil-shop.com", "fraud")
    listed("http://evil-login.com/sign-in/", "malware")
    listed("45.33.32.7", "other")
    listed("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "malware")
    publication = publishing.publish(then_follow=False)
    if not held:
        publishing.reset_state()  # a worker restarted since: the file comes from the rows
    publishing.follow(publication)
    assert publishing.matcher_serials() == [publication.serial]
    loaded = publishing.load_matcher(publication.serial, build=False)
    assert loaded is not None and loaded[0] == publication.serial
    matcher = loaded[1]
    assert state_of(matcher) == state_of(matcher_of_the_list())
    same = [(key, line) for key, line in [*matcher.names.items(), *matcher.hashes.items()]
            if key == line]  # fmt: skip
    assert len(same) == 2 and all(line is key for key, line in same)


def test_past_the_catch_up_limit_a_worker_loads_the_new_publications_matcher(listed, settings):
    settings.REGISTRY_MATCHER_CATCH_UP = 2
    settings.REGISTRY_MATCHER_FILE_EVERY = 1  # each publication writes its matcher
    listed("evil-bank.com")
    publishing.publish()
    held = service.current()
    listed("one-evil.com")
    publishing.publish()
    caught = service.current()
    assert caught.applied == 1 and caught.matcher.index is held.matcher.index
    listed("two-evil.com")
    listed("three-evil.com")
    third = publishing.publish()
    loaded = service.current()  # 1 + 2 changes since its file: the file is loaded
    assert loaded.serial == third.serial and loaded.applied == 0
    assert loaded.matcher.index is not held.matcher.index
    assert not loaded.matcher.index.table.flags.writeable  # mapped from the files, not built
    assert same_answers(loaded, matcher_of_the_list())
    listed("four-evil.com")
    listed("five-evil.com")
    listed("six-evil.com")
    fourth = publishing.publish()
    (publishing.publication_dir(fourth.serial) / publishing.MATCHER_FILE).unlink()
    late = service.current()  # no newer file than its own: the changes, however many
    assert late.serial == fourth.serial and late.applied == 3 and late.base == third.serial
    assert late.matcher.index is loaded.matcher.index  # its file is not loaded again
    assert same_answers(late, matcher_of_the_list())


def test_a_worker_behind_the_kept_history_loads_the_matcher_file(listed, settings):
    settings.REGISTRY_MATCHER_FILE_EVERY = 1
    listed("evil-bank.com")
    publishing.publish()
    held = service.current()
    listed("other-evil.com")
    second = publishing.publish()
    Publication.objects.filter(pk=second.pk).update(history_from=second.serial)
    loaded = service.current()
    assert loaded.serial == second.serial and loaded.applied == 0
    assert loaded.matcher.index is not held.matcher.index
    assert same_answers(loaded, matcher_of_the_list())
    listed("third-evil.com")
    third = publishing.publish()
    Publication.objects.filter(pk=third.pk).update(history_from=third.serial)
    (publishing.publication_dir(third.serial) / publishing.MATCHER_FILE).unlink()
    # Neither the changes nor the file: the worker keeps what it has until the file is written.
    kept = service.current()
    assert kept.serial == second.serial and kept.matcher is loaded.matcher
    service.reset()  # a worker holding none builds it from the database
    fresh = service.current()
    assert fresh.serial == third.serial and fresh.matcher.match_host("third-evil.com")


def test_a_new_worker_does_not_start_from_a_matcher_file_older_than_the_kept_history(listed):
    listed("evil-bank.com")
    first = publishing.publish()
    listed("other-evil.com")
    second = publishing.publish()
    assert publishing.matcher_serials() == [first.serial]
    # The history now starts at the second (as when its changes are pruned).
    Publication.objects.filter(pk=second.pk).update(history_from=second.serial)
    FeedChange.objects.filter(serial__lte=second.serial).delete()
    service.reset()
    started = service.current()  # built from the database
    assert started.serial == started.base == second.serial and started.applied == 0
    assert same_answers(started, matcher_of_the_list())


def test_a_matcher_file_is_written_every_so_many_changes_and_a_new_worker_catches_up_from_it(
    listed, secretariat, settings
):
    settings.REGISTRY_MATCHER_FILE_EVERY = 4
    settings.REGISTRY_KEEP_PUBLICATIONS = 1
    settings.REGISTRY_KEEP_REPLACED_SECONDS = 0
    listed("evil-bank.com")
    first = publishing.publish()
    listed("one-evil.com")
    publishing.publish()
    actions.do_delist_entry(listed("two-evil.com"), actor=secretariat, reason="a mistake")
    third = publishing.publish()  # three changes since the first's file (two-evil's two)
    assert publishing.matcher_serials() == [first.serial]  # kept: it is the newest
    service.reset()  # a worker starting now
    started = service.current()
    assert started.serial == third.serial and started.base == first.serial
    assert started.applied == 3 and not started.matcher.index.table.flags.writeable
    assert same_answers(started, matcher_of_the_list())
    assert started.matcher.match_host("one-evil.com") and not started.matcher.match_host(
        "two-evil.com"
    )
    listed("three-evil.com")
    fourth = publishing.publish()  # four since the first's: its matcher is written
    assert publishing.matcher_serials() == [fourth.serial]  # and the first's pruned
    service.reset()
    assert service.current().base == fourth.serial and service.current().applied == 0


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
