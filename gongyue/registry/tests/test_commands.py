"""The offline commands, run as a member would run them: no database, files or stdin."""

import json
import os
import subprocess
import sys

from .vectors import CANONICALISATION

GONGYUE = os.path.join(os.path.dirname(sys.executable), "gongyue")
# No database anywhere: a command that touched one would fail.
OFFLINE = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}


def run(*args, stdin: bytes = b""):
    return subprocess.run(
        [GONGYUE, *args], input=stdin, capture_output=True, env=OFFLINE, timeout=60
    )


def test_canonical_url_prints_each_canonical_form_in_order(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_bytes(
        b"\n".join(url for url, _ in CANONICALISATION if b"\n" not in url and b"\r" not in url)
        + b"\n"
    )
    done = run("canonical_url", str(urls))
    assert done.returncode == 0, done.stderr
    expected = [canon for url, canon in CANONICALISATION if b"\n" not in url and b"\r" not in url]
    assert done.stdout.decode().splitlines() == expected


def test_canonical_url_reads_stdin_and_marks_what_it_cannot_canonicalise():
    done = run(
        "canonical_url", stdin="http://例子.中国/a/../b\nhttp://[::zz]/\nwww.GOOgle.com\n".encode()
    )
    assert done.returncode == 1
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "http://xn--fsqu00a.xn--fiqs8s/b"
    assert lines[1].startswith("! ") and lines[2] == "http://www.google.com/"


def test_check_links_answers_one_json_object_a_line_with_the_matching_line(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(
        "# gongyue registry\n*.evil.com\nphish.example.org\nhttp://bad.example.net/login/\n"
        "45.33.32.0/24\nD41D8CD98F00B204E9800998ECF8427E\n",
        encoding="utf-8",
    )
    inputs = tmp_path / "in.txt"
    inputs.write_text(
        "http://a.b.evil.com/x\nwww.phish.example.org\nhttp://bad.example.net/login/2.php?x=1\n"
        "45.33.32.200\nd41d8cd98f00b204e9800998ecf8427e\n",
        encoding="utf-8",
    )
    done = run("check_links", "--list", str(listing), str(inputs))
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [(r["listed"], r["match"]) for r in results] == [
        (True, "*.evil.com"),
        (False, None),
        (True, "http://bad.example.net/login/"),
        (True, "45.33.32.0/24"),
        (True, "D41D8CD98F00B204E9800998ECF8427E"),
    ]
    assert set(results[0]) == {"input", "canonical", "listed", "match"}
    assert results[3]["canonical"] == "http://45.33.32.200/"


def test_check_links_names_the_bad_lines_of_a_list(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("fine.com\nhttp://[zz]/\n", encoding="utf-8")
    done = run("check_links", "--list", str(listing), stdin=b"fine.com\n")
    assert done.returncode != 0 and f"{listing}:2:" in done.stderr.decode()
