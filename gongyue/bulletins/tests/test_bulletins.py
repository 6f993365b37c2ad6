"""Bulletins down: targeting frozen at publication, read receipts once per unit from its first
reader, scheduled publication, acknowledgement with a deadline, reminders, inbox and mail."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from gongyue.audit.models import AuditEntry
from gongyue.bulletins import actions
from gongyue.bulletins.duties import (
    publish_due_bulletins,
    remind_unacknowledged_bulletins,
    remind_unread_bulletins,
)
from gongyue.bulletins.models import Bulletin, Receipt
from gongyue.core import testing
from gongyue.core.deadlines import deadline
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification
from gongyue.core.tasks import run_queued_tasks

from .conftest import bulletin_data


def draft(secretariat, **overrides):
    data = {
        "title": "关于开展年度自查的通知",
        "body": "请各成员单位开展自查。",
        "kind": "notice",
        "audience": "members",
        "categories": [],
        "ack_required": False,
        "ack_days": None,
    }
    data.update(overrides)
    return actions.do_create_bulletin(actor=secretariat, data=data)


def publish(secretariat, **overrides):
    return actions.do_publish_bulletin(draft(secretariat, **overrides), actor=secretariat)


def test_a_bulletin_to_every_member_is_addressed_to_the_members_at_publication(
    secretariat, members, newcomer
):
    bulletin = publish(secretariat)
    assert set(bulletin.receipts.values_list("unit", flat=True)) == {m.pk for m in members}
    entry = AuditEntry.objects.get(action="bulletins.bulletin_published")
    assert entry.new["addressed_units"] == 2 and entry.actor == secretariat


def test_a_unit_that_joins_later_is_not_addressed_but_reads_public_bulletins(
    secretariat, members, newcomer, client_for
):
    members_only = publish(secretariat, title="仅成员")
    public = publish(secretariat, title="公开通报", audience="public")
    testing.make_member(newcomer.unit, timezone.now())
    client = client_for(newcomer)
    assert client.get(f"/bulletins/{public.pk}/").status_code == 200
    # Now a member, it may read the members-only bulletin, but it was not addressed and no
    # receipt appears for it.
    assert client.get(f"/bulletins/{members_only.pk}/").status_code == 200
    assert not Receipt.objects.filter(unit=newcomer.unit).exists()
    assert members_only.receipts.count() == 2


def test_a_bulletin_to_a_category_reaches_only_units_of_that_category(secretariat, members):
    member_b = members[1]
    bulletin = publish(secretariat, categories=["access_provider"])
    assert list(bulletin.receipts.values_list("unit", flat=True)) == [member_b.pk]
    recipients = set(
        Notification.objects.filter(kind="bulletin").values_list("recipient__username", flat=True)
    )
    assert recipients == {"rep_b", "staff_b"}


def test_a_category_with_no_member_is_refused_and_nothing_is_published(secretariat, members):
    bulletin = draft(secretariat, categories=["venue_operator"])
    with pytest.raises(ActionRefused) as refused:
        actions.do_publish_bulletin(bulletin, actor=secretariat)
    assert refused.value.status == 400
    bulletin.refresh_from_db()
    assert bulletin.status == "draft" and not Receipt.objects.exists()


def test_the_read_receipt_is_the_units_first_reader_and_is_recorded_once(
    secretariat, members, rep_a, staff_a, client_for
):
    bulletin = publish(secretariat)
    assert client_for(staff_a).get(f"/bulletins/{bulletin.pk}/").status_code == 200
    assert client_for(rep_a).get(f"/bulletins/{bulletin.pk}/").status_code == 200
    receipt = Receipt.objects.get(bulletin=bulletin, unit=rep_a.unit)
    assert receipt.read_by == staff_a and receipt.read_at is not None
    assert AuditEntry.objects.filter(action="bulletins.bulletin_read").count() == 1
    assert not actions.do_record_read(bulletin, reader=rep_a)


def test_the_database_refuses_a_second_receipt_for_a_unit(secretariat, members):
    bulletin = publish(secretariat)
    with pytest.raises(IntegrityError):
        Receipt.objects.create(bulletin=bulletin, unit=members[0])


def test_the_secretariat_reading_records_no_receipt(secretariat, members, client_for):
    bulletin = publish(secretariat)
    client_for(secretariat).get(f"/bulletins/{bulletin.pk}/")
    assert not Receipt.objects.filter(read_at__isnull=False).exists()


def test_publication_puts_the_bulletin_in_each_persons_inbox_and_mails_them(
    secretariat, members, smtp_server, client_for, rep_a
):
    bulletin = publish(secretariat)
    run_queued_tasks()
    assert {m["To"] for m in smtp_server.messages} == {
        "rep_a@example.cn",
        "rep_b@example.cn",
        "staff_a@example.cn",
        "staff_b@example.cn",
    }
    assert bulletin.title in smtp_server.messages[0]["Subject"]
    inbox = client_for(rep_a).get("/bulletins/inbox/")
    assert bulletin.title in inbox.content.decode()


def test_a_scheduled_bulletin_is_published_by_the_duty_when_its_time_comes(secretariat, members):
    at = timezone.now() + timedelta(hours=2)
    bulletin = actions.do_publish_bulletin(draft(secretariat), actor=secretariat, at=at)
    assert bulletin.status == "scheduled" and not bulletin.receipts.exists()
    assert publish_due_bulletins(timezone.now()) == 0
    assert publish_due_bulletins(at + timedelta(minutes=1)) == 1
    assert publish_due_bulletins(at + timedelta(minutes=2)) == 0
    bulletin.refresh_from_db()
    assert bulletin.status == "published" and bulletin.receipts.count() == 2
    assert AuditEntry.objects.filter(action="bulletins.bulletin_published").count() == 1


def test_a_scheduled_time_in_the_past_is_refused(secretariat, members, client_for):
    client = client_for(secretariat)
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/bulletins/manage/new/", bulletin_data(publish_at=past, publish="1"))
    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["publish_at"][0].code == "past"
    assert not Bulletin.objects.exists()


def test_a_bulletin_with_no_addressees_is_refused(secretariat, members, client_for):
    response = client_for(secretariat).post(
        "/bulletins/manage/new/", bulletin_data(all_members=None, publish="1")
    )
    assert response.status_code == 400 and not Bulletin.objects.exists()
    assert response.context["form"].errors.as_data()["categories"][0].code == "no_addressees"


def test_the_secretariat_publishes_from_the_page_to_a_category(secretariat, members, client_for):
    response = client_for(secretariat).post(
        "/bulletins/manage/new/",
        bulletin_data(all_members=None, categories=["info_service"], publish="1"),
    )
    assert response.status_code == 302
    bulletin = Bulletin.objects.get()
    assert bulletin.status == "published"
    assert list(bulletin.receipts.values_list("unit", flat=True)) == [members[0].pk]


def test_the_acknowledgement_is_the_signers_with_a_deadline_from_the_deadline_function(
    secretariat, members, rep_a, staff_a, client_for
):
    bulletin = publish(secretariat, ack_required=True, ack_days=10)
    assert bulletin.ack_due_at == deadline(bulletin.published_at, 10).ends_at
    # Staff may read but not acknowledge for the unit.
    response = client_for(staff_a).post(f"/bulletins/{bulletin.pk}/acknowledge/")
    assert response.status_code == 403
    assert not Receipt.objects.filter(acknowledged_at__isnull=False).exists()
    response = client_for(rep_a).post(f"/bulletins/{bulletin.pk}/acknowledge/")
    assert response.status_code == 302
    receipt = Receipt.objects.get(bulletin=bulletin, unit=rep_a.unit)
    assert receipt.acknowledged_by == rep_a and receipt.read_by == rep_a
    again = client_for(rep_a).post(f"/bulletins/{bulletin.pk}/acknowledge/")
    assert again.status_code == 409
    assert AuditEntry.objects.filter(action="bulletins.bulletin_acknowledged").count() == 1


def test_a_unit_not_addressed_cannot_acknowledge(secretariat, members, newcomer, client_for):
    bulletin = publish(secretariat, ack_required=True, ack_days=5, audience="public")
    response = client_for(newcomer).post(f"/bulletins/{bulletin.pk}/acknowledge/")
    assert response.status_code == 403


def test_units_that_have_not_read_are_reminded_once_after_the_set_days(
    secretariat, members, rep_a, settings
):
    settings.BULLETIN_READ_REMINDER_DAYS = 3
    bulletin = publish(secretariat)
    actions.do_record_read(bulletin, reader=rep_a)
    Notification.objects.all().delete()
    now = timezone.now()
    assert remind_unread_bulletins(now + timedelta(days=2)) == 0
    assert remind_unread_bulletins(now + timedelta(days=3, minutes=1)) == 1
    assert remind_unread_bulletins(now + timedelta(days=4)) == 0
    reminded = set(Notification.objects.values_list("recipient__username", flat=True))
    assert reminded == {"rep_b", "staff_b"}
    assert Receipt.objects.get(bulletin=bulletin, unit=members[1]).reminded_at is not None


def test_signers_are_reminded_before_the_acknowledgement_deadline(secretariat, members, settings):
    settings.BULLETIN_ACK_REMINDER_DAYS = 2
    bulletin = publish(secretariat, ack_required=True, ack_days=10)
    Notification.objects.all().delete()
    assert remind_unacknowledged_bulletins(timezone.now()) == 0
    assert remind_unacknowledged_bulletins(bulletin.ack_due_at - timedelta(days=1)) == 2
    assert remind_unacknowledged_bulletins(bulletin.ack_due_at - timedelta(hours=1)) == 0
    # Only the signers (legal representatives) are asked to acknowledge, not staff.
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "rep_a",
        "rep_b",
    }


def test_the_secretariat_reminds_unread_units_from_the_receipts_page(
    secretariat, members, rep_a, client_for
):
    bulletin = publish(secretariat)
    actions.do_record_read(bulletin, reader=rep_a)
    client = client_for(secretariat)
    page = client.get(f"/bulletins/{bulletin.pk}/receipts/").content.decode()
    assert 'data-testid="receipt-row"' in page and page.count('class="unread"') == 1
    response = client.post(f"/bulletins/{bulletin.pk}/remind/")
    assert response.status_code == 302
    assert Receipt.objects.filter(reminded_at__isnull=False).count() == 1
    assert AuditEntry.objects.filter(action="bulletins.unread_reminded").count() == 1


def test_members_only_bulletins_are_hidden_from_visitors_and_outsiders(
    secretariat, members, no_unit_user, client_for
):
    bulletin = publish(secretariat)
    assert client_for(None).get(f"/bulletins/{bulletin.pk}/").status_code == 404
    assert client_for(no_unit_user).get(f"/bulletins/{bulletin.pk}/").status_code == 404
    assert bulletin.title not in client_for(None).get("/bulletins/").content.decode()
    assert bulletin.title not in client_for(None).get("/bulletins/feed/").content.decode()


def test_drafts_are_the_secretariats_only(secretariat, members, rep_a, client_for):
    bulletin = draft(secretariat)
    assert client_for(rep_a).get(f"/bulletins/{bulletin.pk}/").status_code == 404
    assert client_for(secretariat).get(f"/bulletins/{bulletin.pk}/").status_code == 200


def test_public_bulletins_have_a_page_a_feed_and_appear_on_the_home_page(
    secretariat, members, client_for
):
    bulletin = publish(secretariat, audience="public", title="公开通报：行业自律倡议")
    client = client_for(None)
    assert bulletin.title in client.get("/bulletins/").content.decode()
    feed = client.get("/bulletins/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert bulletin.title in feed.content.decode()
    assert bulletin.title in client.get("/").content.decode()
