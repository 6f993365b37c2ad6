import io
import sys

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from gongyue.audit.models import AuditEntry
from gongyue.convention.models import Convention, Version, VersionStatus
from gongyue.convention.testing import SAMPLE, SAMPLE_V2


@pytest.fixture(autouse=True)
def english():
    """Problems are printed in the active language; these tests read the English ones."""
    with translation.override("en"):
        yield


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_convention", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_saves_a_file_as_a_draft_recorded_as_done_by_the_system(db, seed_path):
    out, err = run(str(seed_path))
    version = Version.objects.get()
    assert (version.number, version.status, version.source_name) == (
        1,
        VersionStatus.DRAFT,
        seed_path.name,
    )
    assert out == f"version 1 (draft): 30 articles, sha256 {version.sha256}\n" and err == ""
    [entry] = AuditEntry.objects.filter(action="convention.version_imported")
    assert entry.actor is None and entry.actor_label == "system"


def test_the_command_records_the_named_user_and_can_adopt(db, secretariat, secretariat_head):
    run(str(SAMPLE), "--user", "sec_head", "--note", "demo", "--adopt")
    version = Version.objects.get()
    assert (
        version.status == VersionStatus.ADOPTED
        and version.created_by == secretariat_head
        and version.note == "demo"
    )
    assert AuditEntry.objects.get(action="convention.version_adopted").actor == secretariat_head
    run(str(SAMPLE_V2), "--user", "sec")
    assert Version.objects.get(number=2).status == VersionStatus.DRAFT


def test_the_command_reads_standard_input(db, monkeypatch, sample_bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(sample_bytes)))
    run("-")
    assert Version.objects.get().source_name == "<stdin>"


def test_a_bad_file_prints_each_problem_by_line_exits_with_one_and_saves_nothing(db, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("公约\n第一条 甲。\n第一条 乙。\n第三条 丙。\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_convention", str(path), stdout=io.StringIO(), stderr=err)
    assert excinfo.value.returncode == 1
    assert str(excinfo.value) == f"{path}: 2 problem(s); nothing saved"
    assert err.getvalue().splitlines() == [
        "line 3: 第一条 appears twice (first on line 2)",
        "line 4: found 第三条 where 第二条 was expected (a gap)",
    ]
    assert (
        not Convention.objects.exists()
        and not Version.objects.exists()
        and not AuditEntry.objects.exists()
    )


def test_a_non_utf8_file_is_refused_line_by_line(db, tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("公约\n第一条 甲。\n".encode("gbk"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_convention", str(path), stdout=io.StringIO(), stderr=err)
    assert (
        "line 1: not valid UTF-8" in err.getvalue() and "line 2: not valid UTF-8" in err.getvalue()
    )
    assert not Version.objects.exists()


def test_a_refused_adoption_leaves_no_draft_behind(db, seed_path, secretariat):
    run(str(seed_path), "--user", "sec")
    with pytest.raises(CommandError, match="nothing saved"):
        run(str(SAMPLE_V2), "--user", "sec", "--adopt")  # staff do not adopt the founding text
    assert Version.objects.count() == 1


def test_an_unknown_user_or_file_is_reported(db, tmp_path, seed_path):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        run(str(seed_path), "--user", "nobody")
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.txt"))
