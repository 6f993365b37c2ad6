import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import translation

from gongyue.audit.log import record, verify
from gongyue.audit.models import GENESIS_HASH, AuditEntry


def test_each_entry_carries_the_hash_of_the_one_before(secretariat):
    first = record("accounts.role_granted", actor=secretariat, new={"n": 1})
    second = record("accounts.role_revoked", actor=secretariat, old={"n": 1}, new={"n": 2})
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1
    assert verify().ok and verify().checked == 2


def test_a_row_edited_in_the_database_is_named_by_verify_audit(secretariat, capsys):
    for n in range(5):
        record("accounts.preferences_changed", actor=secretariat, new={"n": n})
    target = AuditEntry.objects.get(seq=3)
    # Tamper below the ORM's append-only guard, as an intruder with database access would.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEntry._meta.db_table} SET new = %s WHERE seq = %s",
            ['{"n": 99}', target.seq],
        )
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit")
    assert exit_info.value.code == 1
    # Commands speak the site's language, Chinese, in one whole sentence.
    assert capsys.readouterr().err.strip() == "哈希链在第 3 条记录处断开：其内容与哈希不符。"


def test_a_deleted_row_is_named_as_missing(secretariat):
    for n in range(3):
        record("accounts.preferences_changed", actor=secretariat, new={"n": n})
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = 2")
    result = verify()
    assert not result.ok and result.broken_seq == 2 and "missing" in result.reason


def test_an_intact_log_verifies_on_the_command_line(secretariat, capsys):
    record("accounts.preferences_changed", actor=secretariat, new={"when": "2026-10-01"})
    with translation.override("en"):
        call_command("verify_audit")
    assert capsys.readouterr().out.startswith("The chain is intact: 1 entries")


def test_entries_cannot_be_changed_or_deleted_through_the_orm(secretariat):
    entry = record("accounts.preferences_changed", actor=secretariat)
    entry.action = "accounts.token_created"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_values_are_stored_as_the_json_that_was_hashed(secretariat):
    import datetime

    entry = record(
        "convention.rules_changed", actor=secretariat, new={"day": datetime.date(2026, 10, 30)}
    )
    reread = AuditEntry.objects.get(seq=entry.seq)
    assert reread.new == {"day": "2026-10-30"}
    assert reread.compute_hash() == entry.hash


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(secretariat):
    errors = []

    def write(n):
        try:
            for i in range(10):
                record("accounts.preferences_changed", actor="system", new={"writer": n, "i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = verify()
    assert result.ok and result.checked == 40


def test_the_public_page_reports_an_intact_chain(client, secretariat):
    record("accounts.preferences_changed", actor=secretariat, visibility="public")
    response = client.get("/audit/verify/")
    assert response.status_code == 200
    assert verify().head_hash in response.content.decode()


def test_anonymous_visitors_read_only_public_entries(client, secretariat):
    record("convention.version_imported", actor=secretariat, visibility="public")
    record("convention.rules_changed", actor=secretariat, visibility="members")
    data = client.get("/api/v1/audit/entries").json()
    assert [e["action"] for e in data] == ["convention.version_imported"]


def test_an_outsider_can_check_every_link_from_the_public_chain_alone(
    client, secretariat, authority
):
    """An independent re-implementation of docs/audit.md, fed only what an anonymous caller gets."""
    import hashlib
    import json

    record(
        "convention.version_imported", actor=secretariat, visibility="public", new={"title": "公告"}
    )
    record(
        "screening.term_added",
        actor=authority,
        visibility="authority",
        new={"complaint": "机密投诉内容"},
    )
    record("convention.version_imported", actor=secretariat, visibility="public", new={"n": 3})
    links = client.get("/api/v1/audit/chain").json()
    assert [link["entry"] is not None for link in links] == [True, False, True]
    assert "机密投诉内容" not in json.dumps(links, ensure_ascii=False)
    prev = "0" * 64
    for link in links:
        assert link["prev_hash"] == prev
        assert hashlib.sha256((prev + link["digest"]).encode()).hexdigest() == link["hash"]
        if link["entry"]:
            e = link["entry"]
            content = {
                k: e[k]
                for k in (
                    "seq",
                    "at",
                    "actor_label",
                    "action",
                    "subject_type",
                    "subject_id",
                    "subject_label",
                    "old",
                    "new",
                    "visibility",
                )
            }
            # Written since kinds and units were recorded: hashed when set (docs/audit.md).
            if e["actor_kind"]:
                content["actor_kind"] = e["actor_kind"]
            if e["unit"] is not None:
                content["unit"] = e["unit"]
            payload = json.dumps(
                content, sort_keys=True, ensure_ascii=False, separators=(",", ":")
            ).encode()
            assert hashlib.sha256(payload).hexdigest() == link["digest"]
        prev = link["hash"]
