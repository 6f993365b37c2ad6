"""`gongyue backup DIR` and `gongyue restore DIR`, on whichever database the suite runs on."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from gongyue.accounts import actions as account_actions
from gongyue.accounts.models import ApiToken, Role, RoleGrant
from gongyue.audit.log import verify
from gongyue.audit.models import AuditEntry
from gongyue.core import testing

pytestmark = pytest.mark.django_db(transaction=True)

LETTER = b"%PDF-1.4\n% authorisation letter of unit A\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def platform(settings, tmp_path):
    """A unit, a delegate with an authorisation letter on disk, a token (an audit row)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    unit = testing.make_unit("赣江网络科技有限公司", "914403001922038216")
    rep = testing.make_user("rep_a", Role.LEGAL_REP, unit=unit)
    delegate = testing.make_user("delegate_a", unit=unit)
    grant = RoleGrant(user=delegate, role=Role.DELEGATE, unit=unit, granted_by=rep)
    grant.document.save("letter.pdf", ContentFile(LETTER), save=False)
    grant.save()
    account_actions.do_create_token(rep, name="screening")
    return {"grant": grant, "rep": rep, "media": settings.MEDIA_ROOT}


def state():
    return (
        ApiToken.objects.count(),
        AuditEntry.objects.count(),
        sorted(RoleGrant.objects.values_list("document", flat=True)),
    )


def test_a_backup_restores_the_database_and_the_files_and_the_chain_verifies(
    platform, tmp_path, capsys
):
    before = state()
    call_command("backup", str(tmp_path / "b"))
    assert (tmp_path / "b" / "SHA256SUMS").read_text().count("\n") >= 3

    # Life goes on after the backup: a new token (and audit row), the letter deleted.
    account_actions.do_create_token(platform["rep"], name="second")
    letter = platform["media"] / platform["grant"].document.name
    letter.unlink()
    (platform["media"] / "stray.txt").write_text("made after the backup")
    assert state() != before

    call_command("restore", str(tmp_path / "b"), "--no-input")

    assert state() == before
    assert letter.read_bytes() == LETTER
    assert not (platform["media"] / "stray.txt").exists()  # the media folder is the backup's
    assert verify().ok and verify().checked == before[1]
    assert "audit chain ok" in capsys.readouterr().out


def damage_media(folder):
    [letter] = (folder / "media").rglob("*.pdf")  # stored under a name the server chose
    letter.write_bytes(LETTER.replace(b"unit A", b"unit B"))
    return letter


def damage_database(folder):
    [dump] = [p for p in folder.iterdir() if p.name.startswith("database.")]
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    return dump


def add_file(folder):
    extra = folder / "media" / "private" / "added.html"
    extra.write_text("<script>alert(1)</script>")
    return extra


@pytest.mark.parametrize("damage", [damage_media, damage_database, add_file])
def test_a_damaged_backup_is_refused_naming_the_file_and_nothing_changes(
    platform, tmp_path, damage
):
    call_command("backup", str(tmp_path / "b"))
    account_actions.do_create_token(platform["rep"], name="after the backup")
    before = state()
    letter = platform["media"] / platform["grant"].document.name
    damaged = damage(tmp_path / "b")

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path / "b"), "--no-input")

    assert str(damaged) in str(refused.value)
    assert state() == before and letter.read_bytes() == LETTER
    assert verify().ok


def test_a_backup_goes_into_a_new_folder(platform, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path / "full"))


def test_a_restore_checks_that_every_file_a_row_names_is_there(platform, tmp_path):
    platform["grant"].document.storage.delete(platform["grant"].document.name)
    call_command("backup", str(tmp_path / "b"))
    with pytest.raises(CommandError, match="missing"):
        call_command("restore", str(tmp_path / "b"), "--no-input")
