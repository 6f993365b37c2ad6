"""The matcher's host look-up against a plain reference: every suffix of the last five labels."""

import random

from gongyue.registry.matcher import Indicator, Matcher


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


def test_host_lookups_equal_the_reference_on_random_names():
    rng = random.Random(7)
    words = ["a", "bb", "evil", "cn", "com", "x1", "中"]
    exact, wildcard, matcher = set(), set(), Matcher()
    for _ in range(400):
        name = ".".join(rng.choice(words) for _ in range(rng.randint(2, 6)))
        if rng.random() < 0.5:
            exact.add(name)
            matcher.add(Indicator("domain", name))
        else:
            wildcard.add(name)
            matcher.add(Indicator("domain", name, include_subdomains=True))
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
