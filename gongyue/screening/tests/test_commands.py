import io

import pytest
from django.core.management import CommandError, call_command

from gongyue.screening import lexicon
from gongyue.screening.models import LexiconTerm, LexiconVersion

pytestmark = pytest.mark.django_db

CSV = "term,category,action,severity\n冰毒,other,block,5\n代開發票,fraud,review,2\n"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = str(exc)
    return out.getvalue(), err.getvalue(), error


def test_a_lexicon_file_is_imported_as_a_secretariat_member_and_exported_back(
    secretariat, tmp_path
):
    path = tmp_path / "lexicon.csv"
    path.write_text(CSV, encoding="utf-8")

    out, _err, error = run(
        "import_lexicon", str(path), "--user", secretariat.username, "--note", "首批"
    )

    assert error is None
    version = LexiconVersion.objects.get()
    assert out.strip() == (
        f"{path}: 2 added, 0 changed, 0 removed, 0 phrases added, 0 phrases removed;"
        f" lexicon version 1 published (2 terms, sha256 {version.sha256})"
    )
    assert version.note == "首批" and version.created_by == secretariat
    exported = tmp_path / "out.csv"
    _out, err, error = run("export_lexicon", str(exported))
    assert lexicon.sha256(exported.read_bytes()) == version.sha256
    assert err.strip() == f"lexicon version 1, sha256 {version.sha256}"


def test_a_dry_run_changes_nothing(secretariat, tmp_path):
    path = tmp_path / "lexicon.csv"
    path.write_text(CSV, encoding="utf-8")
    out, _err, error = run("import_lexicon", str(path), "--user", secretariat.username, "--dry-run")
    assert error is None and "would change: 2 added" in out
    assert not LexiconVersion.objects.exists()


def test_a_bad_file_prints_each_problem_by_row_and_changes_nothing(secretariat, tmp_path):
    path = tmp_path / "lexicon.csv"
    path.write_text("term,category,action\n冰毒,drugs,block\n。,other,block\n", encoding="utf-8")

    _out, err, error = run("import_lexicon", str(path), "--user", secretariat.username)

    assert error == f"{path}: 2 problem(s); nothing changed"
    assert err.splitlines() == [
        f"{path}: row 2: unknown category 'drugs' (expected one of fraud, gambling, pornography, malware, other)",
        f"{path}: row 3: term '。' normalises to nothing (it has only spaces, punctuation, symbols or invisible characters)",
    ]
    assert not LexiconTerm.objects.exists()


def test_only_the_secretariat_may_import(rep_a, tmp_path):
    path = tmp_path / "lexicon.csv"
    path.write_text(CSV, encoding="utf-8")
    _out, _err, error = run("import_lexicon", str(path), "--user", rep_a.username)
    assert error == "rep_a is not secretariat staff, who alone maintain the lexicon"
    assert run("import_lexicon", str(path), "--user", "nobody")[2] == "no user named 'nobody'"
