"""Submitting, reviewing, trusting, the warning list and expiry, each with its audit row."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongyue.audit.models import AuditEntry
from gongyue.core.errors import ActionRefused
from gongyue.registry import actions
from gongyue.registry.actions import InvalidBatch, Item
from gongyue.registry.models import Entry, EntryEvent, FeedChange, Sighting, Status


def test_a_member_submits_an_entry_that_waits_for_review_and_is_not_in_the_feeds(
    submit, unit_a, rep_a
):
    entry = submit("HTTP://Login.Evil-Bank.com/a/../signin#x", evidence="seen in an SMS")
    assert (entry.kind, entry.indicator, entry.status) == (
        "url",
        "http://login.evil-bank.com/signin",
        Status.PENDING,
    )
    assert entry.registered_domain == "evil-bank.com"
    assert entry.unit == unit_a
    assert entry.expires_at > timezone.now() + timedelta(days=29)
    sighting = Sighting.objects.get(entry=entry)
    assert (sighting.unit, sighting.submitted_by, sighting.evidence) == (
        unit_a,
        rep_a,
        "seen in an SMS",
    )
    assert not FeedChange.objects.exists()
    audit = AuditEntry.objects.get(action="registry.entries_submitted")
    assert audit.new["indicators"] == ["http://login.evil-bank.com/signin"]
    assert audit.actor == rep_a


def test_approving_lists_the_entry_with_the_next_serial_and_one_audit_row(submit, secretariat):
    entry = actions.do_approve_entry(submit("evil-bank.com"), actor=secretariat, note="confirmed")
    assert entry.status == Status.LISTED and entry.listed_by == secretariat
    assert entry.reviewed_by == secretariat and entry.listed_at
    change = FeedChange.objects.get()
    assert (change.serial, change.op, change.indicator) == (1, "add", "evil-bank.com")
    assert list(EntryEvent.objects.values_list("kind", flat=True)) == ["listed"]
    audit = AuditEntry.objects.get(action="registry.entry_approved")
    assert audit.old["status"] == "pending" and audit.new["status"] == "listed"
    assert audit.new["serial"] == 1
    with pytest.raises(ActionRefused):
        actions.do_approve_entry(entry, actor=secretariat)


def test_rejecting_needs_a_reason_and_keeps_the_entry_out_of_the_feeds(submit, secretariat):
    entry = submit("evil-bank.com")
    with pytest.raises(ActionRefused) as refused:
        actions.do_reject_entry(entry, actor=secretariat, reason="  ")
    assert refused.value.field == "reason"
    entry = actions.do_reject_entry(entry, actor=secretariat, reason="a bank's real site")
    assert entry.status == Status.REJECTED and entry.reason == "a bank's real site"
    assert not FeedChange.objects.exists()
    assert AuditEntry.objects.filter(action="registry.entry_rejected").count() == 1


def test_a_trusted_unit_lists_at_once_and_the_later_review_can_take_it_off(
    submit, unit_a, secretariat
):
    actions.do_trust_unit(unit_a, actor=secretariat)
    entry = submit("evil-bank.com")
    assert entry.status == Status.LISTED and entry.reviewed_at is None
    assert list(Entry.objects.to_review()) == [entry]
    entry = actions.do_reject_entry(entry, actor=secretariat, reason="false positive")
    assert entry.status == Status.REJECTED
    assert list(FeedChange.objects.values_list("serial", "op")) == [(1, "add"), (2, "remove")]
    assert AuditEntry.objects.filter(action="registry.unit_trusted").count() == 1


def test_a_trusted_units_entry_confirmed_on_review_stays_listed_without_a_new_serial(
    submit, unit_a, secretariat
):
    actions.do_trust_unit(unit_a, actor=secretariat)
    entry = actions.do_approve_entry(submit("evil-bank.com"), actor=secretariat)
    assert entry.status == Status.LISTED and entry.reviewed_by == secretariat
    assert FeedChange.objects.count() == 1
    assert not Entry.objects.to_review().exists()


def test_a_second_unit_adds_a_sighting_that_keeps_the_entry_listed_longer(
    listed, submit, rep_b, unit_b
):
    entry = listed("evil-bank.com")
    Entry.objects.filter(pk=entry.pk).update(expires_at=timezone.now() + timedelta(days=1))
    again = submit("EVIL-BANK.com.", actor=rep_b, unit=unit_b)
    assert again.pk == entry.pk and again.status == Status.LISTED
    assert again.sightings.count() == 2
    assert again.expires_at > timezone.now() + timedelta(days=29)
    assert FeedChange.objects.count() == 1  # no change in what is listed


def test_the_same_unit_submitting_again_the_same_day_is_refused_and_changes_nothing(
    submit, secretariat
):
    entry = submit("evil-bank.com")
    with pytest.raises(InvalidBatch) as refused:
        submit("evil-bank.com")
    assert refused.value.status == 400
    assert "evil-bank.com" in refused.value.blockers[0]
    assert entry.sightings.count() == 1
    assert AuditEntry.objects.filter(action="registry.entries_submitted").count() == 1


def test_a_bad_batch_is_refused_whole_naming_each_bad_row(rep_a, unit_a):
    items = [
        Item("evil-bank.com", "phishing"),
        Item("10.0.0.1", "malware"),
        Item("evil-bank.com", "phishing"),
        Item("a" * 63, "malware", kind="sha256"),
        Item("fine.example.com", "nonsense"),
        Item("<script>alert(1)</script>", "fraud"),
    ]
    with pytest.raises(InvalidBatch) as refused:
        actions.do_submit_entries(items, actor=rep_a, unit=unit_a)
    rows = [(row, field) for row, field, _m in refused.value.rows]
    assert [p.row for p in refused.value.problems] == [2, 3, 4, 5, 6]
    assert rows == [(1, "value"), (2, "value"), (3, "value"), (4, "category"), (5, "value")]
    assert not Entry.objects.exists() and not AuditEntry.objects.exists()


def test_a_batch_of_1001_is_refused_and_1000_are_accepted(rep_a, unit_a):
    items = [Item(f"h{n}.evil-bank.com", "phishing") for n in range(1001)]
    with pytest.raises(ActionRefused) as refused:
        actions.do_submit_entries(items, actor=rep_a, unit=unit_a)
    assert refused.value.code == "too_many" and not Entry.objects.exists()
    results = actions.do_submit_entries(items[:1000], actor=rep_a, unit=unit_a)
    assert len(results) == 1000 and Entry.objects.count() == 1000
    assert AuditEntry.objects.filter(action="registry.entries_submitted").count() == 1


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("www.gov.cn", "gov.cn"),
        ("news.qq.com", "qq.com"),
        ("http://ganjiang.example.cn/login", "ganjiang.example.cn"),
        ("114.114.114.114", "114.114.114.114"),
        ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ""),  # the empty file
    ],
)
def test_an_entry_on_the_warning_list_needs_the_heads_explicit_override(
    value, why, submit, unit_a, secretariat, secretariat_head
):
    unit_a.websites = ["https://www.ganjiang.example.cn"]
    unit_a.save()
    actions.do_trust_unit(unit_a, actor=secretariat)
    entry = submit(value)
    assert entry.status == Status.PENDING and entry.warning and why in entry.warning  # even trusted
    with pytest.raises(ActionRefused) as refused:
        actions.do_approve_entry(entry, actor=secretariat)
    assert refused.value.code == "warning_list"
    with pytest.raises(ActionRefused) as refused:
        actions.do_approve_entry(entry, actor=secretariat, override=True)
    assert refused.value.status == 403
    with pytest.raises(ActionRefused):
        actions.do_approve_entry(entry, actor=secretariat_head)
    assert not FeedChange.objects.exists()
    entry = actions.do_approve_entry(entry, actor=secretariat_head, override=True)
    assert entry.status == Status.LISTED and entry.overridden_by == secretariat_head
    assert AuditEntry.objects.get(action="registry.entry_approved").new["override"] is True


def test_entries_expire_unless_re_sighted_and_expired_ones_leave_the_feeds(listed, secretariat):
    old = listed("old.evil-bank.com")
    fresh = listed("new.evil-bank.com")
    Entry.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    from gongyue.core.duties import run_due_duties

    assert run_due_duties()["registry.expiry"] == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (Status.EXPIRED, Status.LISTED)
    assert FeedChange.objects.filter(op="remove").get().indicator == "old.evil-bank.com"
    assert AuditEntry.objects.filter(action="registry.entry_expired").count() == 1
    assert run_due_duties()["registry.expiry"] == 0


def test_an_expired_entry_submitted_again_goes_back_for_review(listed, submit, rep_b, unit_b):
    entry = listed("evil-bank.com")
    Entry.objects.filter(pk=entry.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    actions.do_expire_entries()
    again = submit("evil-bank.com", actor=rep_b, unit=unit_b)
    assert again.pk == entry.pk and again.status == Status.PENDING


def test_hostile_text_is_stored_as_text(submit):
    entry = submit("evil-bank.com", evidence="<script>alert('x')</script>")
    assert entry.sightings.get().evidence.startswith("<script>")
