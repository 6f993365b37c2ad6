import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

LEXICON = "term,category,action\n冰毒,drugs,block\n代開發票,fraud,review\n冰毒危害,,allow\n"


@pytest.fixture
def lexicon(tmp_path):
    path = tmp_path / "lexicon.csv"
    path.write_text(LEXICON, encoding="utf-8")
    return path


def screen(*args, stdin=b""):
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("screen", *args, stdin=io.BytesIO(stdin), stdout=stdout, stderr=stderr)
        error = None
    except CommandError as exc:
        error = str(exc)
    lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
    return lines, stderr.getvalue(), error


def test_each_match_in_each_file_is_printed_as_one_json_object(lexicon, tmp_path):
    first = tmp_path / "a.txt"
    first.write_text("卖冰 毒，代开发票。\n冰毒危害大", encoding="utf-8")
    second = tmp_path / "b.txt"
    second.write_text("没有问题", encoding="utf-8")

    lines, stderr, error = screen("--lexicon", str(lexicon), str(first), str(second))

    assert (lines, stderr, error) == (
        [
            {"file": str(first), "term": "冰毒", "category": "drugs", "action": "block",
             "start": 1, "end": 4, "text": "冰 毒"},
            {"file": str(first), "term": "代開發票", "category": "fraud", "action": "review",
             "start": 5, "end": 9, "text": "代开发票"},
        ],
        "",
        None,
    )  # fmt: skip


def test_standard_input_is_screened_when_no_file_is_named(lexicon):
    lines, _, error = screen("--lexicon", str(lexicon), stdin="买冰毒".encode())

    assert [(line["file"], line["start"], line["end"]) for line in lines] == [("<stdin>", 1, 3)]
    assert error is None


def test_a_dash_names_standard_input_among_files(lexicon, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("冰毒", encoding="utf-8")

    lines, _, _ = screen("--lexicon", str(lexicon), str(path), "-", stdin="代开发票".encode())

    assert [line["file"] for line in lines] == [str(path), "<stdin>"]


def test_invalid_utf8_in_one_file_is_reported_and_the_others_are_still_screened(lexicon, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("冰毒\n".encode() + b"ok \xc3\x28")
    good = tmp_path / "good.txt"
    good.write_text("冰毒", encoding="utf-8")

    lines, stderr, error = screen("--lexicon", str(lexicon), str(bad), str(good))

    assert [line["file"] for line in lines] == [str(good)]
    assert stderr == f"{bad}: not valid UTF-8 at byte 10 (line 2); nothing screened\n"
    assert error == "1 input(s) could not be screened"


def test_a_missing_file_is_reported_by_name(lexicon, tmp_path):
    _, stderr, error = screen("--lexicon", str(lexicon), str(tmp_path / "nope.txt"))

    assert stderr == f"{tmp_path / 'nope.txt'}: cannot read (No such file or directory)\n"
    assert error == "1 input(s) could not be screened"


def test_an_empty_input_is_noted_but_is_not_a_failure(lexicon, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")

    lines, stderr, error = screen("--lexicon", str(lexicon), str(empty))

    assert (lines, stderr, error) == ([], f"{empty}: empty, nothing to screen\n", None)


def test_a_bad_lexicon_stops_the_command_naming_each_row(tmp_path):
    path = tmp_path / "lexicon.csv"
    path.write_text("term,category,action\n冰毒,drugs,burn\n？？,x,block\n", encoding="utf-8")

    lines, _, error = screen("--lexicon", str(path), stdin="冰毒".encode())

    assert lines == []
    assert error == (
        f"{path}: 2 problem(s):\n"
        "  row 2: unknown action 'burn' (expected one of block, review, mask, allow)\n"
        "  row 3: term '？？' normalises to nothing (it has only spaces, punctuation, symbols"
        " or invisible characters)"
    )


def test_an_empty_lexicon_file_stops_the_command(tmp_path):
    path = tmp_path / "lexicon.csv"
    path.write_bytes(b"")

    _, _, error = screen("--lexicon", str(path))

    assert error == (
        f"{path}: 1 problem(s):\n  the file is empty; expected a header row: term,category,action"
    )


def gongyue_command():
    script = Path(sys.executable).with_name("gongyue")
    if script.exists():
        return [str(script)]
    return [sys.executable, str(Path(__file__).resolve().parents[3] / "manage.py")]


def test_the_gongyue_console_script_screens_without_a_database(lexicon, tmp_path):
    post = tmp_path / "post.txt"
    post.write_text("ｆｏｏ 冰\u200b毒", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/absent/db.sqlite3"}

    done = subprocess.run(
        [*gongyue_command(), "screen", "--lexicon", str(lexicon), str(post)],
        capture_output=True,
        env=env,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout) == {
        "file": str(post), "term": "冰毒", "category": "drugs", "action": "block",
        "start": 4, "end": 7, "text": "冰\u200b毒",
    }  # fmt: skip
    assert not (tmp_path / "absent").exists()


def test_the_console_script_exits_with_status_1_for_bad_input(lexicon, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff")

    done = subprocess.run(
        [*gongyue_command(), "screen", "--lexicon", str(lexicon), str(bad)],
        capture_output=True,
        timeout=120,
    )

    assert done.returncode == 1
    assert f"{bad}: not valid UTF-8 at byte 0 (line 1)".encode() in done.stderr


def test_a_file_with_more_matches_than_the_limit_lists_the_first_and_says_so(lexicon, tmp_path):
    path = tmp_path / "spam.txt"
    path.write_text("冰毒" * 100, encoding="utf-8")

    lines, stderr, error = screen("--lexicon", str(lexicon), "--max-matches", "10", str(path))

    assert [line["start"] for line in lines] == list(range(0, 20, 2))
    assert stderr == f"{path}: more than 10 matches; only the first are listed\n"
    assert error is None
