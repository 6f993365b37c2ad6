"""Feeds kept as chunks: after any sequence of changes the files a worker publishes by
rewriting only the chunks that changed are byte-identical to the whole list built at once; the
gzipped form (deflate blocks of the chunks joined) decompresses to the same bytes, in Python,
in curl and in Chromium; a fresh worker reuses the chunks on disk; unused chunks are pruned."""

import fcntl
import gzip
import json
import random
import subprocess
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from gongyue.registry import actions, chunks, feeds, publishing
from gongyue.registry.actions import Item
from gongyue.registry.models import Entry, Publication, Status
from gongyue.registry.tests.test_matcher import listed_items

SEED = 20261201


# -- pure parts ----------------------------------------------------------------------------------


def test_crc32_combine_is_zlibs():
    rng = random.Random(SEED)
    for _ in range(200):
        a, b = rng.randbytes(rng.randint(0, 300)), rng.randbytes(rng.randint(0, 3000))
        assert chunks.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_deflate_blocks_of_parts_join_into_one_gzip_member():
    parts = [b"head\n", b"", b"x" * 70000, "中文\n".encode(), b"foot"]
    whole = b"".join(parts)
    crc = 0
    for part in parts:
        crc = chunks.crc32_combine(crc, zlib.crc32(part), len(part))
    member = (
        chunks.GZIP_HEADER
        + b"".join(chunks.deflate_block(p) for p in parts)
        + chunks.GZIP_END
        + crc.to_bytes(4, "little")
        + len(whole).to_bytes(4, "little")
    )
    assert gzip.decompress(member) == whole


def _lines(rng, count):
    return sorted({f"h{rng.randrange(10**6)}.test" for _ in range(count)})


@pytest.mark.parametrize("n", [1, 2, 5, 64])
def test_chunks_after_random_changes_are_the_chunks_of_the_resulting_list(n):
    """Insertions and removals anywhere (the first line, a chunk's first line, everything)
    leave exactly the chunks a build of the resulting list gives, oversized ones included."""
    rng = random.Random(SEED + n)
    held = set(_lines(rng, 300))
    seq = chunks.Chunks("hosts", n)
    seq.build(sorted(held))
    for _round in range(120):
        removed = set(rng.sample(sorted(held), min(len(held), rng.randint(0, 40))))
        if rng.random() < 0.05:
            removed = set(held)  # the list empties
        added = [x for x in _lines(rng, rng.randint(0, 40)) if x not in held]
        if rng.random() < 0.2:
            added.append("a0.first")  # before everything
        added = [x for x in dict.fromkeys(added) if x not in held]
        seq.apply(removed, added)
        held = (held - removed) | set(added)
        fresh = chunks.Chunks("hosts", n)
        fresh.build(sorted(held))
        assert (seq.firsts, seq.bodies, seq.counts, seq.total) == (
            fresh.firsts,
            fresh.bodies,
            fresh.counts,
            fresh.total,
        )
        assert [seq.piece_texts(i) for i in range(len(seq.bodies))] == [
            fresh.piece_texts(i) for i in range(len(fresh.bodies))
        ]


def test_an_oversized_chunk_is_cut_into_pieces():
    names = [f"h{i:05d}.test" for i in range(2000)]
    names = [x for x in names if zlib.crc32(x.encode()) % 4][:100]  # no boundary: one chunk
    seq = chunks.Chunks("hosts", 4)
    seq.build(names)
    assert seq.counts == [100]
    pieces = seq.piece_texts(0)
    assert [len(text.split("\n")) for _d, text in pieces] == [32, 32, 32, 4]
    assert "\n".join(text for _d, text in pieces) == seq.bodies[0]


def _random_entry_lines(rng, count, first_id=1):
    """Recipe lines of entries whose DNS names overlap: a domain, the same domain with its
    subdomains, the whole-site URL on it (in other categories or the same one)."""
    moment = timezone.now()
    categories = ["phishing", "malware", "fraud"]
    by_indicator = {}
    for number in range(first_id, first_id + count):
        name = f"h{rng.randrange(60)}.overlap.com"
        kind, value, sub, indicator = rng.choice(
            [
                ("domain", name, False, name),
                ("domain", name, True, f"*.{name}"),
                ("url", f"http://{name}/", False, f"http://{name}/"),
                ("url", f"http://{name}/p{number}", False, f"http://{name}/p{number}"),
                ("ip", f"45.33.{rng.randrange(40)}.9", False, f"45.33.{rng.randrange(40)}.9"),
            ]
        )
        if kind == "ip":
            value = indicator
        item = feeds.Item(number, kind, value, sub, indicator, rng.choice(categories), moment,
                          None)  # fmt: skip
        by_indicator[indicator] = feeds.entry_line(item)
    return by_indicator


def _sequences(scope) -> tuple:
    sequences = (scope.entries, scope.hosts, scope.rpz)
    return *[(seq.firsts, seq.bodies, seq.counts, seq.total) for seq in sequences], scope.extra


@pytest.mark.parametrize("n", [1, 3, 8])
def test_all_built_from_its_categories_names_is_all_built_from_its_lines(n):
    """The "all" scope of a full build takes its DNS names from its categories (a name of
    several entries, in one category or several, once and counted); it equals the scope
    built from every line, and stays equal as both take the same random changes."""
    rng = random.Random(SEED + n)
    held = _random_entry_lines(rng, 400)
    lines = sorted(held.values(), key=feeds.line_key)
    whole = chunks.Scope("all", n, "site", kind="entries-txt")
    whole.build_from(lines)
    parts = []
    for category, group in sorted(chunks.by_category(lines).items()):
        part = chunks.Scope(category, n, "site")
        part.build_from(group)
        parts.append(part)
    merged = chunks.Scope("all", n, "site", kind="entries-txt")
    merged.build_entries(lines)
    merged.build_names(parts)
    assert _sequences(merged) == _sequences(whole)
    assert any(count > 1 for count in whole.extra["hosts"].values())  # counted across parts
    for round_ in range(30):
        gone = rng.sample(sorted(held), rng.randint(0, 30))
        old = [held.pop(indicator) for indicator in gone]
        new = [line for i, line in _random_entry_lines(rng, 20, 1000 * (round_ + 1)).items()
               if i not in held]  # fmt: skip
        held.update((feeds.line_key(line), line) for line in new)
        whole.apply(old, new)
        merged.apply(old, new)
        assert _sequences(merged) == _sequences(whole)
        fresh = chunks.Scope("all", n, "site", kind="entries-txt")
        fresh.build_from(sorted(held.values(), key=feeds.line_key))
        assert _sequences(whole) == _sequences(fresh)


def test_a_piece_and_its_deflated_form_go_to_a_file_of_their_own_or_to_the_pack(tmp_path):
    store = chunks.Store(tmp_path)
    parts = {"txt": b"evil.com\n", "csv": b"1,evil.com\n"}
    store.put("a" * 32, parts)
    store.deflate("a" * 32)
    assert store.piece_path("a" * 32).exists() and store.piece_path("a" * 32 + ".z").exists()
    store.put("b" * 32, parts, packed=True)
    store.deflate("b" * 32, packed=True)
    store.seal()
    assert (
        not store.piece_path("b" * 32).exists() and not store.piece_path("b" * 32 + ".z").exists()
    )
    (index,) = store.packs.glob("*.idx")
    assert set(json.loads(index.read_bytes())) == {"b" * 32, "b" * 32 + ".z"}
    fresh = chunks.Store(tmp_path)  # another process, from the files alone
    for digest in ("a" * 32, "b" * 32):
        assert fresh.read_part(digest, "csv") == b"1,evil.com\n"
        path, base = fresh.locate(digest + ".z")
        with open(path, "rb") as source:
            source.seek(base)
            offset, size, _crc = json.loads(source.readline())["txt"]  # from the line's end
            source.seek(offset, 1)
            packed = source.read(size)
        assert zlib.decompressobj(-15).decompress(packed) == b"evil.com\n"
        assert fresh.deflate(digest)["txt"][2] == zlib.crc32(b"evil.com\n")


# -- publications --------------------------------------------------------------------------------


def test_the_database_writes_the_recipe_lines_that_render_as_the_entries_do(listed):
    """The snapshot reads each entry's recipe line as the database writes it (no moments
    parsed and written again in Python): it reads back as the entry, and renders as the line
    ``feeds.entry_line`` writes, whole seconds and microseconds, with or without expiry."""
    from datetime import UTC, datetime

    whole, fine = (
        datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 8, 0, 1, 123456, tzinfo=UTC),
    )
    for value, listed_at, expires_at in (
        ("evil-bank.com", whole, whole + timedelta(days=3)),
        ("*.wild-test.com", fine, None),
        ('http://phish-test.com/a,b"c', fine, fine + timedelta(days=1)),
        ("45.33.32.7", whole, None),
    ):
        entry = listed(value)
        Entry.objects.filter(pk=entry.pk).update(listed_at=listed_at, expires_at=expires_at)
    lines = publishing._all_lines()
    items = sorted(listed_items(), key=lambda item: item.indicator)
    assert [feeds.line_item(line) for line in lines] == items
    renderer = feeds.Renderer("https://gy.example")
    written = [feeds.entry_line(item) for item in items]
    assert renderer.render(lines, lead=True) == renderer.render(written, lead=True)
    one = items[0].indicator
    assert publishing._lines(ordered=False, indicator__in=[one]) == [lines[0]]


def reference(publication) -> dict[str, bytes]:
    """Every file of the list as it is in the database, built whole, without chunks."""
    items = listed_items()
    meta = publishing._meta(publication.serial, publication.published_at)
    files = {}
    for scope in publishing.SCOPES:
        files.update(feeds.build_scope(items, scope, **meta))
    return files


def assert_served_as_built(publication, client, token):
    expected = reference(publication)
    assert set(expected) == set(publication.files)
    for name, data in expected.items():
        assert publishing.read_feed(publication, name) == data, name
        assert publication.files[name]["size"] == len(data)
        packed = publishing.read_feed(publication, name, gzipped=True)
        assert len(packed) == publication.files[name]["gzip_size"]
        assert gzip.decompress(packed) == data, name
    for name in ("all.txt", "phishing.json", "malware.rpz", "fraud.stix.json"):
        response = client.get(f"/registry/feeds/{name}", {"token": token})
        assert int(response["Content-Length"]) == len(expected[name])
        assert b"".join(response.streaming_content) == expected[name]


@pytest.fixture
def small_chunks(settings, monkeypatch):
    settings.REGISTRY_FEED_CHUNK = 4  # many chunks in a small list
    monkeypatch.setattr(chunks, "SHA_BLOCK", 3)  # and many blocks for the list checksums
    publishing.reset_state()
    yield
    publishing.reset_state()


@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full-in-processes"])
def test_incremental_publications_are_byte_identical_to_a_full_build(
    full, small_chunks, settings, monkeypatch, client, member_token, rep_a, unit_a, secretariat
):
    """Each publication applies the changes to the held state; or (``full``) each builds a
    new state, its scopes built, rendered and written in forked processes."""
    if full:
        monkeypatch.setattr(publishing, "POOL_MIN_LINES", 1)
        settings.REGISTRY_FEED_PROCESSES = 2
    settings.REGISTRY_RESIGHT_HOURS = 0
    actions.do_trust_unit(unit_a, actor=secretariat)
    rng = random.Random(SEED)
    pool = (
        [f"h{n}.chunk-test.com" for n in range(150)]
        + [f"*.w{n}.chunk-test.com" for n in range(40)]
        + [f"http://chunk-test.net/p{n}/" for n in range(60)]
        + [f"http://site{n}.chunk-test.com/" for n in range(20)]  # also in the DNS feeds
        + [f"45.33.{n}.9" for n in range(30)]
        + [f"{n:064x}" for n in range(30)]
    )
    categories = ["phishing", "malware", "fraud", "gambling"]
    incremental = 0
    for _round in range(12):
        batch = rng.sample(pool, rng.randint(5, 60))
        actions.do_submit_entries(
            [Item(value, rng.choice(categories)) for value in batch], actor=rep_a, unit=unit_a
        )
        listed = list(Entry.objects.listed())
        for entry in rng.sample(listed, min(len(listed), rng.randint(0, 10))):
            actions.do_delist_entry(entry, actor=secretariat, reason="chunk test")
        still = list(Entry.objects.listed().values_list("pk", flat=True))
        expiring = rng.sample(still, min(len(still), rng.randint(0, 15)))
        Entry.objects.filter(pk__in=expiring).update(expires_at=timezone.now() - timedelta(1))
        actions.do_expire_entries()
        for entry in Entry.objects.filter(status=Status.PENDING)[: rng.randint(0, 10)]:
            actions.do_approve_entry(entry, actor=secretariat)
        if full:
            publishing.reset_state()
        held = publishing.held_state()
        publication = publishing.publish()
        incremental += held is not None
        assert_served_as_built(publication, client, member_token)
    assert incremental == (0 if full else 11), (
        "every publication after the first applies the changes"
    )


def test_a_resighting_that_moves_an_expiry_reaches_the_feeds(
    small_chunks, settings, client, member_token, listed, submit, rep_b, unit_b
):
    entry = listed("evil-bank.com", expires_at=timezone.now() + timedelta(days=2))
    for n in range(10):
        listed(f"h{n}.other.com")
    publishing.publish()
    submit("evil-bank.com", actor=rep_b, unit=unit_b)  # a sighting: no serial, a later expiry
    assert Entry.objects.get(pk=entry.pk).expires_at > entry.expires_at
    listed("next.com")
    assert_served_as_built(publishing.publish(), client, member_token)


def test_a_change_renders_only_the_chunks_it_falls_in(small_chunks, listed, settings):
    for n in range(400):
        listed(f"h{n}.many.com")
    first = publishing.publish()
    target = publishing.store()
    sizes = sum(info["size"] for info in first.files.values())
    written = target.written
    listed("h-new.many.com")
    second = publishing.publish()
    assert second.serial == first.serial + 1
    per_change = target.written - written
    assert 0 < per_change < sizes / 10, (per_change, sizes)
    assert 0 < publishing.rendered["lines"] < 60, publishing.rendered
    assert b"h-new.many.com\n" in publishing.read_feed(second, "all.txt")


def test_a_fresh_worker_reuses_the_chunks_on_disk(small_chunks, listed, client, member_token):
    for n in range(200):
        listed(f"h{n}.fresh.com", "malware")
    publishing.publish()
    publishing.reset_state()  # as a new process: it reads the whole list and finds the chunks
    listed("one-more.fresh.com", "malware")
    publication = publishing.publish()
    # Its chunk of "all" and of "malware" (the same entries: one piece) and its DNS names.
    assert publishing.rendered["pieces"] <= 6 and publishing.rendered["lines"] < 60
    assert_served_as_built(publication, client, member_token)


def test_chunks_no_kept_publication_uses_are_pruned(small_chunks, settings, listed):
    settings.REGISTRY_MATCHER_FILE_EVERY = 1  # each publication writes its matcher
    settings.REGISTRY_KEEP_PUBLICATIONS = 1
    settings.REGISTRY_KEEP_REPLACED_SECONDS = 0
    for n in range(60):
        listed(f"h{n}.prune.com")
    first = publishing.publish()
    old = set(publishing._list(first.files["all.csv"]["body"]))
    for n in range(60):
        listed(f"h{n}.prune.net")
    publishing.reset_state()
    second = publishing.publish()
    kept = set(publishing._list(second.files["all.csv"]["body"]))
    on_disk = publishing.store().pieces_on_disk()
    assert kept <= on_disk and (old - kept) and not (old - kept) & on_disk
    assert not publishing.publication_dir(first.serial).exists()
    assert publishing.read_feed(second, "all.txt").count(b"prune") == 120


def _on_disk() -> set[str]:
    return publishing.store().pieces_on_disk()


def test_a_publication_replaced_less_than_the_keep_time_ago_keeps_its_chunks(
    small_chunks, settings, listed
):
    """A download of a publication that a newer one replaced can still read all of it for
    REGISTRY_KEEP_REPLACED_SECONDS; then, or beyond REGISTRY_KEEP_MAX_PUBLICATIONS, it goes."""
    settings.REGISTRY_KEEP_PUBLICATIONS = 1
    settings.REGISTRY_KEEP_REPLACED_SECONDS = 600
    settings.REGISTRY_MATCHER_FILE_EVERY = 1
    for n in range(60):
        listed(f"h{n}.keep.com")
    first = publishing.publish()
    before = publishing.read_feed(first, "all.txt")
    old = set(publishing._list(first.files["all.csv"]["body"]))
    for n in range(60):
        listed(f"h{n}.keep.net")
    publishing.reset_state()
    second = publishing.publish()  # replaces the first now: the first is kept
    mine = old - set(publishing._list(second.files["all.csv"]["body"]))
    assert mine and mine <= _on_disk()
    assert publishing.read_feed(first, "all.txt") == before
    assert publishing._kept_serials() == [second.serial, first.serial]
    # Its link-check matcher (no download reads it) goes with the newest one kept.
    assert not publishing.publication_dir(first.serial).exists()
    # The second was published (so replaced the first) longer ago than that: the first goes.
    Publication.objects.filter(pk=second.pk).update(
        published_at=timezone.now() - timedelta(seconds=601)
    )
    listed("one-more.keep.org")
    third = publishing.publish()  # replaces the second now: the second is kept
    assert not mine & _on_disk()
    assert publishing._kept_serials() == [third.serial, second.serial]
    settings.REGISTRY_KEEP_MAX_PUBLICATIONS = 1  # at most one, however recent
    listed("two-more.keep.org")
    fourth = publishing.publish()
    assert publishing._kept_serials() == [fourth.serial]
    assert not publishing.store().list_path(third.files["all.csv"]["body"]).exists()


def _packs(store) -> set[str]:
    """The packs on disk, each with its index."""
    names = {p.name for p in store.packs.iterdir() if not p.name.endswith(".idx")}
    assert {p.name[:-4] for p in store.packs.glob("*.idx")} == names
    return names


def test_a_pack_stays_while_a_kept_publication_uses_a_piece_of_it(
    small_chunks, settings, listed, secretariat, client, member_token
):
    """A publication that renders many pieces appends them to one file (a pack) instead of a
    file each; the pack goes only when no kept publication uses any piece in it."""
    from gongyue.registry.actions import do_delist_entry

    settings.REGISTRY_KEEP_PUBLICATIONS = 1
    settings.REGISTRY_KEEP_REPLACED_SECONDS = 0
    store = publishing.store()
    entries = [listed(f"h{n}.pack.com") for n in range(60)]
    first = publishing.publish()
    packs = _packs(store)
    assert packs and publishing.rendered["pieces"] >= publishing.PACK_MIN_PIECES
    index = publishing.store().index(fresh=True)
    assert {index[d][0] for d in publishing._list(first.files["all.csv"]["body"])} <= packs
    assert not list(store.chunks.glob("*/*"))  # the deflated parts are packed too
    # A change renders a few pieces, each in a file of its own; the pack is still used.
    listed("zz-last.pack.org")
    second = publishing.publish()
    assert publishing.rendered["pieces"] < publishing.PACK_MIN_PIECES
    assert packs <= _packs(store)
    assert [p for p in store.chunks.glob("*/*") if not p.name.endswith(".z")]
    assert_served_as_built(second, client, member_token)
    # A fresh process finds the packed pieces from the lists and renders none of them again.
    publishing.reset_state()
    publishing._store = None
    listed("zz-later.pack.org")
    third = publishing.publish()
    assert publishing.rendered["pieces"] < publishing.PACK_MIN_PIECES
    assert_served_as_built(third, client, member_token)
    # Once no kept publication uses a piece of it, the pack goes.
    for entry in entries:
        do_delist_entry(entry, actor=secretariat, reason="test")
    fourth = publishing.publish()
    assert not _packs(store) & packs
    assert_served_as_built(fourth, client, member_token)
    # A reader (a web worker) that read the packs' indexes before a pack was written reads
    # them again when it does not find a piece.
    reader = chunks.Store(publishing.feed_dir())
    assert reader.index() is not None
    publishing.reset_state()
    for n in range(60):
        listed(f"h{n}.pack.net")
    fifth = publishing.publish()
    assert _packs(store) - {pack for pack, _offset in reader.index().values()}  # not read yet
    publishing._store = reader
    assert_served_as_built(fifth, client, member_token)


def test_a_download_reads_each_pack_once_and_finishes_if_it_is_pruned_meanwhile(
    small_chunks, listed
):
    """A download opens each pack once (not once for each of its thousands of pieces), so a
    pack removed after the download reached it (pruning) is still read to the end."""
    for n in range(60):
        listed(f"h{n}.download.com")
    publication = publishing.publish()
    name, info = "all.txt", publication.files["all.txt"]
    store = publishing.store()
    index = store.index(fresh=True)
    pieces = publishing._list(info["body"])
    assert len(pieces) >= 8 and len({index[d][0] for d in pieces}) == 1  # all in one pack
    publication.files = publishing.compress_files(publication.files)  # deflated: a pack too
    info, expected = publication.files[name], reference(publication)[name]
    plain, packed = (
        publishing.stream(name, info, serial=publication.serial, gzipped=z) for z in (False, True)
    )
    # the head, then the first piece: its pack opened
    got, got_packed = next(plain) + next(plain), next(packed) + next(packed)
    for pack in store.packs.iterdir():
        pack.unlink()
    assert got + b"".join(plain) == expected
    assert gzip.decompress(got_packed + b"".join(packed)) == expected


def test_a_download_keeps_what_it_reads_however_long_ago_its_publication_was_replaced(
    small_chunks, settings, listed, secretariat
):
    """Pruning keeps every piece of a publication a download is still reading, even one
    replaced longer than REGISTRY_KEEP_REPLACED_SECONDS ago, and the files it has not opened
    yet; once the download ends, they go."""
    from gongyue.registry.actions import do_delist_entry

    settings.REGISTRY_KEEP_PUBLICATIONS = 1
    settings.REGISTRY_KEEP_REPLACED_SECONDS = 0
    entries = [listed(f"h{n}.slow-download.com") for n in range(60)]
    first = publishing.publish()
    name = "all.txt"
    expected = publishing.read_feed(first, name)
    slow = publishing.stream(name, first.files[name], serial=first.serial)
    got = next(slow)  # the head: no piece read, no file opened yet
    assert got.startswith(b"# ")
    for entry in entries:  # a list with none of the first one's pieces
        do_delist_entry(entry, actor=secretariat, reason="test")
    for n in range(60):
        listed(f"h{n}.slow-download.net")
    second = publishing.publish()  # replaces the first, and prunes
    mine = set(publishing._list(first.files[name]["body"])) - set(
        publishing._list(second.files[name]["body"])
    )
    assert mine and publishing._kept_serials() == [second.serial]
    assert publishing.store().list_path(first.files[name]["body"]).exists()
    assert got + b"".join(slow) == expected  # read to the end
    listed("after.slow-download.org")
    publishing.publish()  # nothing reads the first one now
    assert not mine & _on_disk()
    assert not publishing.store().list_path(first.files[name]["body"]).exists()
    assert [p.name for p in publishing._readers_dir().iterdir()] == []


def test_a_download_whose_reading_file_pruning_removed_before_its_lock_takes_a_new_one(
    small_chunks, monkeypatch, listed
):
    """Pruning may find a download's file in ``readers/`` after the download opened it and
    before it locked it: unlocked, so it removes it. The download then locks a new file, which
    pruning sees as being read."""
    for n in range(30):
        listed(f"h{n}.race-download.com")
    publication = publishing.publish()
    name = "all.txt"
    lock, raced = fcntl.flock, []

    def flock(handle, flags):
        path = Path(handle.name)
        if flags == fcntl.LOCK_SH and path.parent.name == "readers" and not raced:
            raced.append(path.name)
            assert publishing._being_read() == set(), "pruning finds it unlocked"
            assert not path.exists(), "and removes it"
        return lock(handle, flags)

    monkeypatch.setattr(fcntl, "flock", flock)
    download = publishing.stream(name, publication.files[name], serial=publication.serial)
    got = next(download)
    assert raced == [str(publication.serial)]
    assert publishing._being_read() == {publication.serial}, "the new file is locked"
    assert got + b"".join(download) == publishing.read_feed(publication, name)
    assert publishing._being_read() == set()
    assert [p.name for p in publishing._readers_dir().iterdir()] == []


def test_curl_compressed_gets_the_plain_bytes(listed, live_server):
    for n in range(50):
        listed(f"h{n}.curl-test.com")
    publication = publishing.publish()
    url = f"{live_server.url}/registry/feeds/phishing.txt"
    result = subprocess.run(
        ["curl", "-fsS", "--compressed", "-D", "-", "-o", "-", url],
        capture_output=True,
        check=True,
        timeout=30,
    )
    headers, _sep, body = result.stdout.partition(b"\r\n\r\n")
    assert b"content-encoding: gzip" in headers.lower()
    assert body == publishing.read_feed(publication, "phishing.txt")


@pytest.mark.browser
def test_chromium_decompresses_the_gzipped_feed_to_the_plain_bytes(page, listed):
    for n in range(50):
        listed(f"h{n}.browser-test.com")
    publication = publishing.publish()
    response = page.goto("/registry/feeds/phishing.txt")
    assert response.status == 200 and response.headers.get("content-encoding") == "gzip"
    assert response.body() == publishing.read_feed(publication, "phishing.txt")


def test_a_publication_written_before_chunks_is_written_again_as_chunks(listed, client):
    from gongyue.registry.models import Publication, RegistryHead

    listed("evil-bank.com")
    serial = RegistryHead.objects.get().serial
    Publication.objects.create(
        serial=serial, count=1, sha256="0" * 64, files={"all.txt": {"size": 3, "count": 1}}
    )
    assert client.get("/registry/feeds/phishing.txt").status_code == 404
    publication = publishing.publish()
    assert publication.serial == serial and Publication.objects.count() == 1
    response = client.get("/registry/feeds/phishing.txt")
    assert b"evil-bank.com\n" in b"".join(response.streaming_content)


def test_chunks_another_worker_pruned_are_written_again(small_chunks, listed, client, member_token):
    import shutil

    for n in range(40):
        listed(f"h{n}.gone.com")
    publishing.publish()
    # as another worker's pruning might (a full build packs its pieces: no loose ones)
    shutil.rmtree(publishing.store().chunks, ignore_errors=True)
    shutil.rmtree(publishing.store().packs)
    publishing.reset_state()
    listed("one-more.gone.com")
    assert_served_as_built(publishing.publish(), client, member_token)


def test_a_list_that_returns_to_an_earlier_state_is_served_gzipped(
    small_chunks, settings, listed, secretariat, client, member_token
):
    settings.REGISTRY_KEEP_PUBLICATIONS = 1
    settings.REGISTRY_KEEP_REPLACED_SECONDS = 0
    for n in range(40):
        listed(f"h{n}.back.com")
    publishing.publish()
    entry = listed("h-extra.back.com")
    publishing.publish()  # the chunks only the first publication used are pruned
    actions.do_delist_entry(entry, actor=secretariat, reason="back")
    publication = publishing.publish()  # the first list again: its chunks written again
    assert_served_as_built(publication, client, member_token)


def test_a_byte_range_of_a_feed_is_those_bytes_of_it(small_chunks, listed, client, member_token):
    """Range (one range; of the gzip member when gzipped), If-Range, 416; several ranges, a
    malformed one or a stale If-Range get the whole file."""
    for n in range(200):
        listed(f"h{n}.range.com")
    publication = publishing.publish()
    rng = random.Random(SEED)

    def body(response):
        return b"".join(response.streaming_content)

    for name, gz in (("all.stix.json", False), ("phishing.rpz", False), ("all.csv", True)):
        whole = publishing.read_feed(publication, name, gzipped=gz)
        encoding = {"HTTP_ACCEPT_ENCODING": "gzip"} if gz else {}

        def get(name=name, encoding=encoding, **headers):
            return client.get(
                f"/registry/feeds/{name}", {"token": member_token}, **encoding, **headers
            )

        assert get()["Accept-Ranges"] == "bytes"
        for _ in range(25):
            start = rng.randrange(len(whole))
            last = rng.randrange(start, len(whole))
            response = get(HTTP_RANGE=f"bytes={start}-{last}")
            assert response.status_code == 206, name
            assert response["Content-Range"] == f"bytes {start}-{last}/{len(whole)}"
            assert int(response["Content-Length"]) == last - start + 1
            assert body(response) == whole[start : last + 1], (name, start, last)
        assert body(get(HTTP_RANGE="bytes=-10")) == whole[-10:]
        assert body(get(HTTP_RANGE=f"bytes={len(whole) - 5}-")) == whole[-5:]
        assert body(get(HTTP_RANGE=f"bytes=3-{len(whole) * 2}")) == whole[3:]
        for beyond in (f"bytes={len(whole)}-", "bytes=-0", "bytes=99999999999999999999-"):
            response = get(HTTP_RANGE=beyond)
            assert (
                response.status_code == 416 and response["Content-Range"] == f"bytes */{len(whole)}"
            )
        plain = get()
        for condition in (plain["ETag"], plain["Last-Modified"]):
            assert get(HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=condition).status_code == 206
        for ignored, condition in [
            ("bytes=0-1,5-6", ""),
            ("bytes=5-2", ""),
            ("lines=1-2", ""),
            ("bytes=-", ""),
            ("bytes=0-9", '"0"'),  # an earlier publication's: the file changed since
        ]:
            response = get(HTTP_RANGE=ignored, HTTP_IF_RANGE=condition)
            assert response.status_code == 200 and body(response) == whole, ignored
