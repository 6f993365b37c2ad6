"""The URL canonicalisation examples of the Safe Browsing v4 documentation ("URLs and hashing",
developers.google.com/safe-browsing/v4/urls-hashing), as data: (input, canonical form).

Inputs are bytes, as in the documentation's C strings (``\\x80`` is one byte, not U+0080).
"""

CANONICALISATION = [
    (b"http://host/%25%32%35", "http://host/%25"),
    (b"http://host/%25%32%35%25%32%35", "http://host/%25%25"),
    (b"http://host/%2525252525252525", "http://host/%25"),
    (b"http://host/asdf%25%32%35asd", "http://host/asdf%25asd"),
    (b"http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25"),
    (b"http://www.google.com/", "http://www.google.com/"),
    (
        b"http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
        "http://168.188.99.26/.secure/www.ebay.com/",
    ),
    (
        b"http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
        "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
    ),
    (
        b"http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B",
        "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+",
    ),
    (b"http://3279880203/blah", "http://195.127.0.11/blah"),
    (b"http://www.google.com/blah/..", "http://www.google.com/"),
    (b"www.google.com/", "http://www.google.com/"),
    (b"www.google.com", "http://www.google.com/"),
    (b"http://www.evil.com/blah#frag", "http://www.evil.com/blah"),
    (b"http://www.GOOgle.com/", "http://www.google.com/"),
    (b"http://www.google.com.../", "http://www.google.com/"),
    (b"http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2"),
    (b"http://www.google.com/q?", "http://www.google.com/q?"),
    (b"http://www.google.com/q?r?", "http://www.google.com/q?r?"),
    (b"http://www.google.com/q?r?s", "http://www.google.com/q?r?s"),
    (b"http://evil.com/foo#bar#baz", "http://evil.com/foo"),
    (b"http://evil.com/foo;", "http://evil.com/foo;"),
    (b"http://evil.com/foo?bar;", "http://evil.com/foo?bar;"),
    (b"http://\x01\x80.com/", "http://%01%80.com/"),
    (b"http://notrailingslash.com", "http://notrailingslash.com/"),
    (b"http://www.gotaport.com:1234/", "http://www.gotaport.com/"),
    (b"  http://www.google.com/  ", "http://www.google.com/"),
    (b"http:// leadingspace.com/", "http://%20leadingspace.com/"),
    (b"http://%20leadingspace.com/", "http://%20leadingspace.com/"),
    (b"%20leadingspace.com/", "http://%20leadingspace.com/"),
    (b"https://www.securesite.com/", "https://www.securesite.com/"),
    (b"http://host.com/ab%23cd", "http://host.com/ab%23cd"),
    (b"http://host.com//twoslashes?more//slashes", "http://host.com/twoslashes?more//slashes"),
]

# The documentation's examples of the expressions looked up for a URL.
HOST_SUFFIXES = [
    ("http://a.b.c/1/2.html?param=1", ["a.b.c", "b.c"]),
    ("http://a.b.c.d.e.f.g/1.html", ["a.b.c.d.e.f.g", "c.d.e.f.g", "d.e.f.g", "e.f.g", "f.g"]),
    ("http://1.2.3.4/1/", ["1.2.3.4"]),
]
PATH_PREFIXES = [
    ("http://a.b.c/1/2.html?param=1", ["/1/2.html?param=1", "/1/2.html", "/", "/1/"]),
    ("http://a.b.c.d.e.f.g/1.html", ["/1.html", "/"]),
    ("http://1.2.3.4/1/", ["/1/", "/"]),
]
EXPRESSIONS = {
    "http://a.b.c/1/2.html?param=1": [
        "a.b.c/1/2.html?param=1",
        "a.b.c/1/2.html",
        "a.b.c/",
        "a.b.c/1/",
        "b.c/1/2.html?param=1",
        "b.c/1/2.html",
        "b.c/",
        "b.c/1/",
    ],
}
