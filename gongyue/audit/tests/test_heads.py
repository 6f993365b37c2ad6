"""Signed heads: the platform signs its chain head, and a saved head holds the chain to it."""

import base64
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from gongyue.audit import heads
from gongyue.audit.log import record, verify
from gongyue.audit.models import AuditEntry, ChainHead, SignedHead, chain_hash
from gongyue.core.duties import run_due_duties

PUBLICATION = "organisations.register_published"
ORDINARY = "accounts.preferences_changed"


def write(n, actor="system", action=ORDINARY):
    return [record(action, actor=actor, new={"n": i}) for i in range(n)]


def saved_head(client, tmp_path, db) -> tuple[dict, str]:
    """What an outsider does: fetch the signed head and keep the file."""
    response = client.get("/api/v1/audit/head")
    assert response.status_code == 200
    path = tmp_path / "HEAD.json"
    path.write_text(response.content.decode(), encoding="utf-8")
    return response.json(), str(path)


def truncate(after_seq: int, *, forget_signed_heads: bool):
    """What an intruder with database access does: drop the last entries, rewind the head row."""
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE seq > %s", [after_seq])
        if forget_signed_heads:
            cursor.execute(f"DELETE FROM {SignedHead._meta.db_table}")
    last = AuditEntry.objects.get(seq=after_seq)
    ChainHead.objects.filter(pk=1).update(seq=after_seq, hash=last.hash)


def rewrite_from(seq: int):
    """An intruder rewrites one entry and recomputes every hash after it, head row included."""
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET new = %s WHERE seq = %s", ['{"n": 99}', seq])
        cursor.execute(f"DELETE FROM {SignedHead._meta.db_table}")
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        digest = entry.compute_digest()
        new_hash = chain_hash(prev, digest)
        AuditEntry.objects.filter(seq=entry.seq).update(
            prev_hash=prev, digest=digest, hash=new_hash
        )
        prev = new_hash
    ChainHead.objects.filter(pk=1).update(hash=prev)


def test_a_publication_stores_a_signed_head_of_its_own_entry(db):
    write(2)
    published = record(PUBLICATION, actor="system", new={"period": "2025-Q1"})
    [signed] = SignedHead.objects.all()
    assert (signed.seq, signed.hash, signed.occasion, signed.event) == (
        published.seq,
        published.hash,
        "publication",
        PUBLICATION,
    )
    write(1)
    assert SignedHead.objects.count() == 1


def test_the_api_gives_the_latest_head_and_a_signature_anyone_can_check(client, db):
    write(1)
    record(PUBLICATION, new={"period": "2025-Q1"})
    head = client.get("/api/v1/audit/head").json()
    assert head["seq"] == 2 and head["hash"] == AuditEntry.objects.get(seq=2).hash
    assert head["algorithm"] == "Ed25519" and head["occasion"] == "publication"
    # An independent check with nothing but the document (docs/audit.md).
    statement = json.dumps(
        {
            "format": head["format"],
            "hash": head["hash"],
            "seq": head["seq"],
            "signed_at": head["signed_at"],
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(head["public_key"]))
    key.verify(base64.b64decode(head["signature"]), statement)  # raises if invalid
    assert head["public_key"] == heads.current_public_key()
    assert "BEGIN PUBLIC KEY" in head["public_key_pem"]


def test_before_any_head_is_signed_the_api_answers_404_in_the_error_format(client, db):
    response = client.get("/api/v1/audit/head")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_worker_signs_the_head_on_a_schedule_only_when_the_log_grew(db, settings):
    settings.AUDIT_SIGN_EVERY_MINUTES = 60
    now = timezone.now()
    assert run_due_duties(now)["audit.sign_head"] == 0  # nothing recorded yet
    write(3)
    assert run_due_duties(now)["audit.sign_head"] == 1
    signed = SignedHead.objects.get()
    assert (signed.seq, signed.occasion) == (3, "schedule")
    write(1)
    assert run_due_duties(now + timedelta(minutes=10))["audit.sign_head"] == 0  # not yet due
    assert run_due_duties(now + timedelta(minutes=61))["audit.sign_head"] == 1
    assert run_due_duties(now + timedelta(minutes=200))["audit.sign_head"] == 0  # log idle
    assert list(SignedHead.objects.values_list("seq", flat=True)) == [4, 3]


def test_without_a_key_nothing_is_signed_and_the_publication_still_happens(db, settings, tmp_path):
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "absent.pem"
    entry = record(PUBLICATION, new={"period": "2025-Q1"})
    assert AuditEntry.objects.filter(seq=entry.seq).exists()
    assert not SignedHead.objects.exists()


def test_plain_verification_fails_on_truncation_below_a_stored_signed_head(db):
    write(3)
    record(PUBLICATION)
    write(2)
    assert verify().ok
    truncate(2, forget_signed_heads=False)
    result = verify()
    assert not result.ok and result.reason == "truncated" and result.broken_seq == 3
    with translation.override("en"):
        assert result.message.startswith(
            "The chain ends at entry #2, but a head of entry #4 was signed at "
        )


def test_a_saved_head_catches_truncation_after_the_stored_heads_are_gone_too(client, tmp_path, db):
    write(3)
    record(PUBLICATION)
    _head, path = saved_head(client, tmp_path, db)
    write(2)
    call_command("verify_audit", against=path)
    truncate(2, forget_signed_heads=True)
    assert verify().ok  # the attack the platform alone cannot see
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit", against=path)
    assert exit_info.value.code == 1


def test_a_saved_head_catches_a_rewritten_log_with_recomputed_hashes(client, tmp_path, capsys, db):
    write(3)
    record(PUBLICATION)
    _head, path = saved_head(client, tmp_path, db)
    write(2)
    rewrite_from(2)
    assert verify().ok
    result = verify(json.loads(open(path, encoding="utf-8").read()))
    assert not result.ok and (result.reason, result.broken_seq) == ("rewritten", 4)
    with pytest.raises(SystemExit):
        call_command("verify_audit", against=path)
    err = capsys.readouterr().err
    assert err.startswith("第 4 条记录的哈希与") and "日志被改写" in err


def test_an_intact_chain_passes_against_a_saved_head_and_says_so(client, tmp_path, capsys, db):
    write(2)
    record(PUBLICATION)
    _head, path = saved_head(client, tmp_path, db)
    write(5)
    with translation.override("en"):
        call_command("verify_audit", against=path)
    out = capsys.readouterr().out
    assert out.startswith("The chain is intact and contains the head of entry #3 signed at")
    assert "8 entries" in out


def test_a_changed_head_file_fails_its_signature(client, tmp_path, db):
    write(2)
    record(PUBLICATION)
    head, _path = saved_head(client, tmp_path, db)
    forged = {**head, "seq": 2, "hash": AuditEntry.objects.get(seq=2).hash}
    result = verify(forged)
    assert not result.ok and result.reason == "bad_signature"


def test_a_head_signed_by_another_key_is_not_accepted(client, tmp_path, db):
    write(1)
    record(PUBLICATION)
    head, _path = saved_head(client, tmp_path, db)
    stranger = Ed25519PrivateKey.generate()
    statement = heads.statement(head["seq"], head["hash"], head["signed_at"])
    forged = {
        **head,
        "public_key": heads.raw_public_key(stranger.public_key()),
        "signature": base64.b64encode(stranger.sign(statement)).decode(),
    }
    result = verify(forged)
    assert not result.ok and result.reason == "unknown_key"


@pytest.mark.parametrize(
    "document, field",
    [([], "seq"), ({"seq": "3"}, "seq"), ({"seq": 3, "hash": 5}, "hash"), ({"seq": 0}, "seq")],
)
def test_a_malformed_head_file_is_named_not_crashed_on(db, document, field):
    result = verify(document)
    assert not result.ok and result.reason == "malformed" and result.details == {"field": field}
    with translation.override("zh-hans"):
        assert f"“{field}”" in result.message


def test_an_unreadable_head_file_is_a_clear_command_error(db, tmp_path):
    from django.core.management import CommandError

    path = tmp_path / "HEAD.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("verify_audit", against=str(path))


def test_a_stored_head_with_a_broken_signature_fails_plain_verification(db):
    write(2)
    record(PUBLICATION)
    SignedHead.objects.update(signature=base64.b64encode(b"\0" * 64).decode())
    result = verify()
    assert not result.ok and result.reason == "bad_signature"


def test_the_key_command_creates_a_missing_key_once(settings, tmp_path, capsys, db):
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "keys" / "audit.pem"
    call_command("audit_key")
    assert settings.AUDIT_SIGNING_KEY_FILE.stat().st_mode & 0o777 == 0o600
    first = heads.current_public_key()
    call_command("audit_key")
    assert heads.current_public_key() == first
    assert first in capsys.readouterr().out


def test_the_demo_creates_its_key_and_signs_its_publications(settings, tmp_path, db):
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "demo-key.pem"
    call_command("load_demo")
    assert settings.AUDIT_SIGNING_KEY_FILE.exists()
    events = set(SignedHead.objects.values_list("event", flat=True))
    assert "organisations.convention_published" in events
    assert verify().ok


def test_the_verify_page_shows_the_latest_signed_head(client, db):
    write(1)
    signed = heads.sign_current_head(occasion=SignedHead.Occasion.MANUAL)
    page = client.get("/audit/verify/").content.decode()
    assert signed.hash in page and "/api/v1/audit/head" in page


def test_a_deployment_without_a_key_is_warned_about(settings, tmp_path):
    from gongyue.audit.checks import signing_key_exists

    assert signing_key_exists(None) == []
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "missing.pem"
    [warning] = signing_key_exists(None)
    assert warning.id == "audit.W001"
