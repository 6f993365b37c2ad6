"""Canonical forms: the Safe Browsing test vectors, IDNA and the Public Suffix List."""

import pytest

from gongyue.registry.canonical import (
    CanonicalError,
    canonical_domain,
    canonical_url,
    parse_url,
    registered_domain,
)
from gongyue.registry.matcher import parse_indicator

from .vectors import CANONICALISATION, EXPRESSIONS, HOST_SUFFIXES, PATH_PREFIXES


@pytest.mark.parametrize(("url", "expected"), CANONICALISATION, ids=lambda v: repr(v)[:60])
def test_urls_are_canonicalised_as_safe_browsing_publishes(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(("url", "expected"), HOST_SUFFIXES)
def test_host_suffixes_are_the_documented_ones(url, expected):
    assert parse_url(url).host_suffixes() == expected


@pytest.mark.parametrize(("url", "expected"), PATH_PREFIXES)
def test_path_prefixes_are_the_documented_ones(url, expected):
    assert parse_url(url).path_prefixes() == expected


def test_a_url_is_looked_up_by_every_host_and_path_combination():
    for url, expected in EXPRESSIONS.items():
        assert parse_url(url).expressions() == expected
    many = parse_url("http://a.b.c.d.e.f.g/1/2/3/4/5/6.html?x=1").expressions()
    assert len(many) == 30


@pytest.mark.parametrize(
    ("name", "ascii_name", "registered"),
    [
        ("例子.中国", "xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
        ("www.例子.中国", "www.xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
        ("测试.公司", "xn--0zwm56d.xn--55qx5d", "xn--0zwm56d.xn--55qx5d"),
        ("shop.测试.公司", "shop.xn--0zwm56d.xn--55qx5d", "xn--0zwm56d.xn--55qx5d"),
        ("WWW.Example.COM.CN", "www.example.com.cn", "example.com.cn"),
        ("a.b.example.com.cn", "a.b.example.com.cn", "example.com.cn"),
        ("例子．中国", "xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
    ],
)
def test_chinese_names_take_their_idna_form_and_the_psl_gives_the_registered_domain(
    name, ascii_name, registered
):
    assert canonical_domain(name) == ascii_name
    assert registered_domain(ascii_name) == registered


def test_a_url_with_a_chinese_host_has_the_same_canonical_form_as_its_idna_spelling():
    assert canonical_url("http://例子.中国/登录") == canonical_url(
        "http://xn--fsqu00a.xn--fiqs8s/%E7%99%BB%E5%BD%95"
    )
    assert canonical_url("http://例子.中国/") == "http://xn--fsqu00a.xn--fiqs8s/"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("com.cn", "public_suffix"),
        ("中国", "public_suffix"),
        ("公司", "public_suffix"),
        ("gov.cn", "public_suffix"),
        ("github.io", "public_suffix"),
        ("evil.localdomain", "unknown_tld"),
        ("bad_name.com", "domain"),
        ("-bad.com", "domain"),
        ("a..b.com", "domain"),
        ("x" * 64 + ".com", "domain"),
    ],
)
def test_a_public_suffix_or_malformed_name_cannot_be_listed(value, code):
    with pytest.raises(CanonicalError) as error:
        canonical_domain(value)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("45.33.32.7", None, ("ip", "45.33.32.7")),
        ("2001:4860:0:0::1", None, ("ip", "2001:4860::1")),
        ("198.51.100.0/24", None, None),  # documentation range: reserved
        ("45.33.0.0/24", None, ("cidr", "45.33.0.0/24")),
        ("45.33.0.9/32", "cidr", ("ip", "45.33.0.9")),
        ("2a03:2880::/32", None, ("cidr", "2a03:2880::/32")),
        ("*.evil.example.com", None, ("domain", "evil.example.com")),
        (
            "HTTP://Evil.Example.com/a/../login?x=1#frag",
            None,
            ("url", "http://evil.example.com/login?x=1"),
        ),
        (
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            None,
            ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ),
        ("d41d8cd98f00b204e9800998ecf8427e", None, ("md5", "d41d8cd98f00b204e9800998ecf8427e")),
    ],
)
def test_indicators_are_recognised_and_canonical(value, kind, expected):
    if expected is None:
        with pytest.raises(CanonicalError):
            parse_indicator(value, kind)
        return
    indicator = parse_indicator(value, kind)
    assert (indicator.kind, indicator.value) == expected


@pytest.mark.parametrize(
    ("value", "kind", "code"),
    [
        ("10.1.2.3", None, "reserved"),
        ("192.168.0.0/16", None, "reserved"),
        ("127.0.0.1", None, "reserved"),
        ("169.254.1.1", None, "reserved"),
        ("100.64.0.1", None, "reserved"),
        ("224.0.0.1", None, "reserved"),
        ("::1", None, "reserved"),
        ("fd00::1", None, "reserved"),
        ("2001:db8::1", None, "reserved"),
        ("45.33.0.1/24", "cidr", "cidr"),
        ("45.0.0.0/8", "cidr", "cidr"),
        ("300.1.1.1", "ip", "ip"),
        ("45.33.0.0/33", "cidr", "cidr"),
        ("g" * 64, "sha256", "hash"),
        ("a" * 63, "sha256", "hash_length"),
        ("a" * 40, "md5", "hash_length"),
        ("ftp://evil.example.com/x", "url", "scheme"),
        ("http://10.0.0.1/login", "url", "reserved"),
        ("http://com.cn/x", "url", "public_suffix"),
    ],
)
def test_private_reserved_malformed_and_wrong_length_values_are_refused(value, kind, code):
    with pytest.raises(CanonicalError) as error:
        parse_indicator(value, kind)
    assert error.value.code == code


def test_paths_with_nothing_to_resolve_take_the_short_way_to_the_same_form():
    import random

    from gongyue.registry import canonical

    rng = random.Random(3)
    pieces = ["a", "b.html", ".", "..", "", "%2E", "%2F", ".well-known", "x y", "é"]
    for _ in range(3000):
        path = "/" + "/".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        url = canonical.parse_url(f"http://example.com{path}")
        # The long way: split, drop "." and "", pop for "..", keep a trailing slash.
        raw = canonical._unescape(path.encode())
        segments = []
        for segment in raw.split(b"/"):
            if segment == b"..":
                segments and segments.pop()
            elif segment not in (b"", b"."):
                segments.append(segment)
        expected = b"/" + b"/".join(segments)
        if raw.endswith((b"/", b"/.", b"/..")) and not expected.endswith(b"/"):
            expected += b"/"
        assert url.path == canonical._escape(expected), path
