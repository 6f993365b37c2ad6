"""The matcher's host look-up against a plain reference: every suffix of the last five labels."""

import random

from gongyue.registry import feeds
from gongyue.registry.matcher import Indicator, Matcher, parse_line

FIELDS = ("pk", "kind", "value", "include_subdomains", "indicator", "category", "listed_at",
          "expires_at")  # fmt: skip


def listed_items() -> list[feeds.Item]:
    """The listed entries as feed items, read field by field (not as the recipe lines the
    publisher reads)."""
    from gongyue.registry.models import Entry

    return [feeds.Item(*row) for row in Entry.objects.listed().order_by().values_list(*FIELDS)]


def matcher_of_the_list() -> Matcher:
    """The matcher of the listed entries built item by item, apart from publishing's way from
    recipe lines."""
    matcher = Matcher()
    for item in listed_items():
        matcher.add(Indicator(item.kind, item.value, item.include_subdomains), item.indicator)
    return matcher


def reference(exact, wildcard, host):
    """The name itself, else the longest ``*.`` suffix of two to five labels."""
    if host in exact:
        return host
    if host in wildcard:
        return f"*.{host}"
    labels = host.split(".")
    for size in range(min(5, len(labels) - 1), 1, -1):
        suffix = ".".join(labels[-size:])
        if suffix in wildcard:
            return f"*.{suffix}"
    return None


def random_list(rng, words, count, labels=(1, 7)):
    """``count`` random names of ``words``, each listed alone or with its subdomains."""
    exact, wildcard, matcher = set(), set(), Matcher()
    for _ in range(count):
        name = ".".join(rng.choice(words) for _ in range(rng.randint(*labels)))
        if rng.random() < 0.5:
            exact.add(name)
            matcher.add(Indicator("domain", name))
        else:
            wildcard.add(name)
            matcher.add(Indicator("domain", name, include_subdomains=True))
    return exact, wildcard, matcher


def test_host_lookups_equal_the_reference_on_random_names():
    rng = random.Random(7)
    words = ["a", "bb", "evil", "cn", "com", "x1", "中"]
    exact, wildcard, matcher = random_list(rng, words, 400, labels=(2, 6))
    for _ in range(5000):
        host = ".".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        assert matcher.match_host(host) == reference(exact, wildcard, host), host


def test_the_top_level_domain_alone_and_a_sixth_label_never_match():
    matcher = Matcher()
    matcher.add(Indicator("domain", "com", include_subdomains=True))
    matcher.add(Indicator("domain", "b.c.d.e.f.com", include_subdomains=True))
    assert matcher.match_host("evil.com") is None
    assert matcher.match_host("a.b.c.d.e.f.com") is None
    assert matcher.match_host("b.c.d.e.f.com") == "*.b.c.d.e.f.com"


def test_an_exact_entry_does_not_cover_subdomains_and_answers_before_a_wildcard():
    matcher = Matcher()
    matcher.add(Indicator("domain", "evil.cn"))
    assert matcher.match_host("www.evil.cn") is None
    matcher.add(Indicator("domain", "evil.cn", include_subdomains=True))
    assert matcher.match_host("evil.cn") == "evil.cn"
    assert matcher.match_host("www.evil.cn") == "*.evil.cn"


def every_expression(matcher, url):
    """The plain way: every host-suffix × path-prefix expression, in Safe Browsing's order."""
    for expression in url.expressions():
        if expression in matcher.urls:
            return matcher.urls[expression]
    return None


def test_url_lookups_under_the_listed_urls_hosts_equal_trying_every_expression():
    from gongyue.registry.canonical import parse_url

    rng = random.Random(7)
    hosts = ["a.example.com", "example.com", "b.a.example.com", "203.0.113.9", "[2001:db8::1]"]
    paths = ["/", "/x/", "/x/y/", "/x/y/z.html", "/x/y/z.html?q=1", "/q?x"]
    matcher = Matcher()
    listed = set()
    for _ in range(25):
        url = f"http://{rng.choice(hosts)}{rng.choice(paths)}"
        listed.add(url)
        matcher.add(Indicator("url", str(parse_url(url))))
    checked = 0
    for _ in range(2000):
        host = rng.choice([*hosts, "c.b.a.example.com", "other.org", "198.51.100.1"])
        url = parse_url(f"http://{host}{rng.choice(paths)}{rng.choice(['', '?q=1', 'w/'])}")
        expected = every_expression(matcher, url)
        assert matcher.match_url(url) == expected, url
        checked += expected is not None
    assert checked > 200  # the lists do meet


def test_a_matcher_pickled_before_it_kept_the_urls_hosts_still_finds_urls():
    import pickle

    from gongyue.registry.canonical import parse_url

    matcher = Matcher()
    matcher.add(Indicator("url", "http://evil.example.com/login/"))
    state = matcher.__getstate__()
    del state[1]["url_hosts"]  # what an older worker wrote
    old = Matcher.__new__(Matcher)
    old.__setstate__(state)
    again = pickle.loads(pickle.dumps(old))
    for loaded in (old, again):
        assert loaded.match_url(parse_url("http://evil.example.com/login/x.php"))
        assert loaded.match_url(parse_url("http://evil.example.com/other")) is None


def test_batched_host_lookups_equal_the_reference_on_random_names():
    """match_hosts (the arrays) answers as match_host does: names of one to eight labels,
    longer than the 32 bytes the arrays compare, non-ASCII, empty, in batches of every size."""
    rng = random.Random(11)
    words = ["a", "bb", "evil", "cn", "com", "x1", "中", "long-label-" * 3, "q" * 63]
    exact, wildcard, matcher = random_list(rng, words, 600)
    hosts = [".".join(rng.choice(words) for _ in range(rng.randint(1, 8))) for _ in range(9000)]
    hosts += ["", "com", "a..com", ".com", "com."]
    rng.shuffle(hosts)
    expected = [reference(exact, wildcard, host) for host in hosts]
    assert any(expected) and not all(expected)
    assert any(line and len(line) > 40 for line in expected)
    assert matcher.match_hosts(hosts) == expected
    for size in (1, 63, 64, 65, 1000):
        assert matcher.match_hosts(hosts[:size]) == expected[:size]


def test_a_batch_with_a_newline_or_a_lone_surrogate_in_a_host_is_walked_and_answers_the_same():
    exact, wildcard, matcher = random_list(random.Random(3), ["a", "bb", "cn"], 50)
    hosts = [
        ".".join(random.Random(n).choice(["a", "bb", "cn"]) for _ in range(3)) for n in range(99)
    ]
    for odd in ("a\nbb.cn", "a\ud800.cn"):
        batch = [*hosts, odd]
        assert matcher.match_hosts(batch) == [reference(exact, wildcard, h) for h in batch]


def index_hashes(names):
    """The host index's hashes of these whole names, and their lengths."""
    import numpy as np

    from gongyue.registry import hostindex

    data = np.frombuffer("\n".join(names).encode(), np.uint8)
    starts, ends = hostindex._split(data)
    return hostindex._hashes(data, starts, ends, len(names)), ends - starts


def colliding_names(count_listed: int):
    """Two different names of one length that the host index cannot tell apart by bucket and
    fingerprint, for a table of ``count_listed`` names (found by trying random names)."""
    import numpy as np

    from gongyue.registry import hostindex

    bits = max(1, (count_listed - 1).bit_length() - 2)
    rng = random.Random(5)
    names = [f"{rng.getrandbits(40):010x}.cn" for _ in range(30000)]
    hashed, lengths = index_hashes(names)
    keys = (hashed >> np.uint64(64 - bits)) << np.uint64(32) | hostindex._fingerprints(
        hashed, lengths
    )
    seen = {}
    for name, key in zip(names, keys.tolist(), strict=True):
        if key in seen and seen[key] != name:
            return seen[key], name
        seen[key] = name
    raise AssertionError("no collision among the names tried")


def test_a_fingerprint_shared_with_a_listed_name_is_checked_against_its_bytes():
    """The arrays find candidates by a 24-bit fingerprint; a host whose fingerprint and bucket
    equal a listed name's is still not listed unless its bytes are that name's."""
    listed, other = colliding_names(1)
    matcher = Matcher()
    matcher.add(Indicator("domain", listed))
    hosts = [other, listed, f"www.{other}"] * 30
    assert matcher.match_hosts(hosts) == [None, listed, None] * 30


def test_the_host_index_follows_added_names_and_is_not_pickled():
    import pickle

    matcher = Matcher()
    matcher.add(Indicator("domain", "evil.cn", include_subdomains=True))
    hosts = [f"h{n}.example.com" for n in range(100)] + ["www.evil.cn", "bad.com"]
    assert matcher.match_hosts(hosts)[-2:] == ["*.evil.cn", None]
    assert matcher.index is not None
    matcher.add(Indicator("domain", "bad.com"))
    assert matcher.match_hosts(hosts)[-2:] == ["*.evil.cn", "bad.com"]
    copy = pickle.loads(pickle.dumps(matcher))
    assert copy.index is None and "index" not in pickle.dumps(matcher).decode("latin-1")
    assert copy.match_hosts(hosts) == matcher.match_hosts(hosts)


def test_check_many_answers_as_check_does_for_each_value():
    from gongyue.registry.canonical import CanonicalError

    matcher = Matcher.from_lines(
        [
            "*.evil.cn",
            "bad.com",
            "http://phish.example/login/",
            "203.0.113.0/24",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ]
    )
    values = [
        "http://WWW.Evil.CN/a/../b",
        "bad.com",
        "sub.bad.com",
        "http://phish.example/login/now?x=1",
        "http://phish.example/other",
        "http://203.0.113.9/",
        "198.51.100.1",
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "http://[::1",
        "",
        *(f"clean{n}.example.org" for n in range(80)),
    ]
    got = matcher.check_many(values)
    for value, result in zip(values, got, strict=True):
        try:
            want = matcher.check(value)
        except CanonicalError as exc:
            assert isinstance(result, CanonicalError) and str(result) == str(exc), value
        else:
            assert result == want, value
    lines = [r[1] for r in got if not isinstance(r, CanonicalError)]
    assert lines[:8] == [
        "*.evil.cn",
        "bad.com",
        None,
        "http://phish.example/login/",
        None,
        "203.0.113.0/24",
        None,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ]


def test_names_that_overflow_their_bucket_are_found_in_the_next():
    """Twelve of sixteen names hashed to one bucket of eight slots: four spill over."""
    import numpy as np

    rng = random.Random(9)
    names = [f"{rng.getrandbits(40):010x}.cn" for _ in range(400)]
    hashed, _lengths = index_hashes(names)
    first_bucket = [n for n, h in zip(names, (hashed >> np.uint64(62)).tolist()) if h == 0]
    others = [n for n, h in zip(names, (hashed >> np.uint64(62)).tolist()) if h != 0]
    listed = first_bucket[:12] + others[:4]
    matcher = Matcher()
    for name in listed:
        matcher.add(Indicator("domain", name))
    hosts = [*listed, *(f"x.{name}" for name in listed), *others[4:60]]
    assert matcher.match_hosts(hosts) == [*listed, *[None] * (len(hosts) - 16)]
    assert matcher.index.spilled.any()


def test_the_arrays_answer_ordinary_hosts_without_walking():
    """Names of at most 32 bytes are answered by the arrays alone: ``match_host`` is called
    for none of them (it is only for collisions, long names and odd batches)."""
    rng = random.Random(2)
    exact, wildcard, matcher = random_list(rng, ["a", "bb", "evil", "cn", "com", "x1"], 3000)
    hosts = [
        ".".join(rng.choice(["a", "bb", "evil", "cn", "x1"]) for _ in range(4)) for _ in range(5000)
    ]
    walked = []

    def walk(host):
        walked.append(host)
        return matcher.match_host(host)

    answers = matcher.host_index().match(hosts, walk)
    assert answers == [reference(exact, wildcard, host) for host in hosts]
    assert sum(map(bool, answers)) > 1000 and walked == []


def test_a_saved_host_index_is_mapped_from_its_files_and_answers_as_the_one_built(tmp_path):
    """What follows a publication saves the index; a worker maps it (read-only, shared pages)
    for the matcher it unpickles, and it answers as the built one."""
    import pickle

    import numpy as np

    from gongyue.registry.hostindex import HostIndex

    rng = random.Random(13)
    words = ["a", "bb", "evil", "cn", "com", "x1", "中", "q" * 63]
    exact, wildcard, matcher = random_list(rng, words, 2000)
    matcher.host_index().save(tmp_path)
    worker = pickle.loads(pickle.dumps(matcher))
    index = HostIndex.load(tmp_path, worker.names, worker.suffixes)
    for name in HostIndex.ARRAYS:
        array = getattr(index, name)
        assert isinstance(array.base, np.memmap) and not array.flags.writeable, name
        assert np.array_equal(array, getattr(matcher.index, name)), name
    assert index.table.ctypes.data % 64 == 0  # rows on their own cache lines, as built
    hosts = [".".join(rng.choice(words) for _ in range(rng.randint(1, 6))) for _ in range(6000)]
    expected = [reference(exact, wildcard, host) for host in hosts]
    assert sum(map(bool, expected)) > 1000
    assert index.match(hosts, worker.match_host) == expected


def test_a_saved_host_index_is_not_loaded_for_other_names(tmp_path):
    import numpy as np

    from gongyue.registry.hostindex import HostIndex

    one, other = Matcher(), Matcher()
    for n in range(300):
        one.add(Indicator("domain", f"a{n}.example.cn"))
        other.add(Indicator("domain", f"b{n}.example.cn"))  # as many names, not the same
    one.host_index().save(tmp_path)
    assert HostIndex.load(tmp_path, one.names, one.suffixes) is not None
    assert HostIndex.load(tmp_path, other.names, other.suffixes) is None
    table = (tmp_path / "hostindex-table.npy").read_bytes()
    np.save(tmp_path / "hostindex-table.npy", np.zeros((3, 16), np.uint32))
    assert HostIndex.load(tmp_path, one.names, one.suffixes) is None  # a table of another size
    (tmp_path / "hostindex-table.npy").write_bytes(table)
    assert HostIndex.load(tmp_path / "nowhere", one.names, one.suffixes) is None
    one.add(Indicator("domain", "c.example.cn"))
    assert HostIndex.load(tmp_path, one.names, one.suffixes) is None  # one name more
    (tmp_path / "hostindex-words.npy").write_bytes(b"not an array")
    assert HostIndex.load(tmp_path, one.names, one.suffixes) is None


def state_of(matcher):
    return (
        matcher.names,
        matcher.suffixes,
        matcher.urls,
        {key: table for key, table in matcher.networks.items() if table},
        matcher.hashes,
        matcher.count,
    )


def test_entries_removed_and_added_after_the_index_was_made_answer_as_a_new_matcher():
    """What a web worker does with a publication's changes (``service``): a copy of the matcher
    it holds, its host index kept (never built again), answers exactly as a matcher built from
    the new list does; the matcher copied from is left as it was."""
    from gongyue.registry.matcher import parse_line

    rng = random.Random(20261202)
    names = [f"{a}.{b}.com" for a in ("h1", "h2", "x.h3", "bad") for b in ("w1", "w2", "w3")]
    names += ["w1.com", "w2.com", "deep.a.b.c.w3.com", "evil.cn"]
    pool = names + [f"*.{name}" for name in names]
    # An http:// and an https:// URL share their expression: the greater line answers.
    for path in ("/", "/login/", "/a/b.php?x=1"):
        for host in ("w1.com", "h1.w2.com", "203.0.113.9"):
            pool += [f"http://{host}{path}", f"https://{host}{path}"]
    pool += ["203.0.113.7", "203.0.113.0/24", "198.51.100.0/22", "2001:db8::1", "2001:db8::/48"]
    pool += ["a" * 64, "b" * 40, "c" * 32]
    assert all(parse_line(line).line == line for line in pool), "canonical lines only"
    hosts = [f"{sub}{name}" for name in names for sub in ("", "www.", "a.b.")]
    hosts += [f"n{n}.other.cn" for n in range(20)]
    values = hosts + [line for line in pool if "://" in line] + ["http://203.0.113.99/"]
    values += ["a" * 64, "d" * 64, "http://[2001:db8::1]/", "http://[2001:db8:0:1::5]/x"]
    assert len(hosts) >= 64  # looked up in the index, not walked one by one

    held = set(rng.sample(pool, len(pool) // 2))
    matcher = Matcher.from_lines(sorted(held))
    index = matcher.host_index()
    for _round in range(40):
        before, before_answers = state_of(matcher), matcher.check_many(values)
        changed = matcher.copy()
        for line in rng.sample(pool, rng.randint(1, 12)):
            indicator = parse_line(line)
            if line in held:
                assert changed.remove(indicator, line)
                held.discard(line)
            else:
                changed.add(indicator, line)
                held.add(line)
        fresh = Matcher.from_lines(sorted(held, key=lambda _line: rng.random()))
        assert state_of(changed) == state_of(fresh)
        assert changed.index is index and changed.stale  # kept, with the changed names' tails
        assert changed.match_hosts(hosts) == [fresh.match_host(host) for host in hosts]
        assert changed.check_many(values) == fresh.check_many(values)
        assert state_of(matcher) == before and matcher.check_many(values) == before_answers
        matcher = changed
    assert not matcher.remove(Indicator("domain", "never-listed.com"))
    assert not matcher.remove(Indicator("url", "http://never-listed.com/"))
    assert not matcher.remove(Indicator("ip", "192.0.2.1")) and not matcher.remove(
        Indicator("sha256", "e" * 64)
    )
    assert state_of(matcher) == state_of(Matcher.from_lines(sorted(held)))


def test_the_longest_network_prefix_answers_whatever_the_order_it_was_added_in():
    import pickle

    lines = ["198.51.100.0/22", "198.51.100.7", "198.51.100.0/24", "2001:db8::/32", "2001:db8::1"]
    for order in (lines, lines[::-1], [lines[2], lines[0], lines[4], lines[1], lines[3]]):
        matcher = Matcher.from_lines(order)
        for held in (matcher, pickle.loads(pickle.dumps(matcher)), matcher.copy()):
            assert held.match_address("198.51.100.7") == "198.51.100.7"
            assert held.match_address("198.51.100.8") == "198.51.100.0/24"
            assert held.match_address("198.51.101.8") == "198.51.100.0/22"
            assert held.match_address("2001:db8::1") == "2001:db8::1"
            assert held.match_address("2001:db8::2") == "2001:db8::/32"
            assert held.match_address("203.0.113.1") is None
    matcher = Matcher.from_lines(["198.51.100.0/22"])
    matcher.add(parse_line("198.51.100.0/24"), "198.51.100.0/24")
    assert matcher.match_address("198.51.100.8") == "198.51.100.0/24"
