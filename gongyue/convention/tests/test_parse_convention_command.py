import io
import json
import sys

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from gongyue.convention.canonical import canonical_text, text_sha256
from gongyue.convention.parser import parse


@pytest.fixture(autouse=True)
def english():
    """Problems are printed in the active language; these tests read the English ones."""
    with translation.override("en"):
        yield


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("parse_convention", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_the_seed_structure_as_json(seed_path):
    out, err = run(str(seed_path))
    data = json.loads(out)
    assert data["title"] == "江西省互联网行业自律公约"
    assert [c["title"] for c in data["chapters"]] == ["总则", "自律条款", "公约的执行", "附则"]
    assert len(data["articles"]) == 30
    assert data["closing"] == "签约单位（盖章）\n年 月 日"
    assert "江西省" in out  # not \\u escapes
    assert err == ""


def test_the_command_prints_the_canonical_text_or_its_hash(seed_path, seed_bytes):
    out, _ = run("--canonical", str(seed_path))
    assert out == canonical_text(parse(seed_bytes))
    out, _ = run("--sha256", str(seed_path))
    assert out == text_sha256(parse(seed_bytes)) + "\n"


def test_the_command_reads_standard_input_when_given_a_dash(monkeypatch, seed_bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(seed_bytes)))
    out, _ = run("-")
    assert len(json.loads(out)["articles"]) == 30


def test_the_command_prints_each_problem_and_exits_with_status_one(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("公约\n第一条 甲。\n第一条 乙。\n第三条 丙。\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("parse_convention", str(path), stdout=out, stderr=err)
    assert excinfo.value.returncode == 1
    assert "nothing saved" in str(excinfo.value)
    assert err.getvalue().splitlines() == [
        "line 3: 第一条 appears twice (first on line 2)",
        "line 4: found 第三条 where 第二条 was expected (a gap)",
    ]
    assert out.getvalue() == ""


def test_the_command_refuses_a_gbk_file(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("公约\n第一条 甲。\n".encode("gbk"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("parse_convention", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines()[1:] == [
        "line 1: not valid UTF-8 (byte 0xB9 at byte 1 of the line); save the file as UTF-8",
        "line 2: not valid UTF-8 (byte 0xB5 at byte 1 of the line); save the file as UTF-8",
    ]


def test_the_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.txt"))
