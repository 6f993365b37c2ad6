"""A few days before its entries expire, the submitting unit is told, once a day in one
message, which ones; each expiry once, and again when a sighting has moved it."""

from datetime import datetime, time, timedelta

from django.core import mail
from django.utils import timezone

from gongyue.core.duties import run_due_duties
from gongyue.core.models import Notification
from gongyue.core.tasks import run_queued_tasks
from gongyue.registry.duties import notice_expiring_entries
from gongyue.registry.models import Entry

#: A fixed morning (local time), so that "the same day" never crosses a midnight.
MORNING = timezone.make_aware(datetime.combine(timezone.localdate(), time(9)))


def expiring(entry, days):
    Entry.objects.filter(pk=entry.pk).update(expires_at=MORNING + timedelta(days=days))


def told(user):
    return list(
        Notification.objects.filter(recipient=user, subject__contains="到期").order_by("pk")
    )


def test_each_unit_hears_once_a_day_of_its_entries_about_to_expire(
    listed, submit, secretariat, rep_a, staff_a, rep_b, unit_b, settings
):
    from gongyue.registry.actions import do_approve_entry

    settings.REGISTRY_EXPIRY_NOTICE_DAYS = 3
    soon_1, soon_2, later = listed("evil-bank.com"), listed("fraud-shop.com"), listed("late.com")
    theirs = do_approve_entry(submit("b-site.com", actor=rep_b, unit=unit_b), actor=secretariat)
    expiring(soon_1, 1)
    expiring(soon_2, 2.5)
    expiring(later, 10)
    expiring(theirs, 2)
    now = MORNING
    assert notice_expiring_entries(now) == 3
    for person in (rep_a, staff_a):
        (notice,) = told(person)
        assert "evil-bank.com" in notice.body and "fraud-shop.com" in notice.body
        assert "late.com" not in notice.body and "b-site.com" not in notice.body
        assert notice.url == "/registry/?mine=on&status=listed"
    (for_b,) = told(rep_b)
    assert "b-site.com" in for_b.body
    run_queued_tasks()
    assert {rep_a.email, staff_a.email, rep_b.email} <= {m.to[0] for m in mail.outbox}
    # The same day again, and the next day for the same expiries: nobody is told twice.
    assert notice_expiring_entries(now + timedelta(hours=1)) == 0
    assert notice_expiring_entries(now + timedelta(days=1)) == 0
    assert len(told(rep_a)) == 1
    # A sighting moved one expiry; when that comes near, the unit is told again.
    expiring(soon_1, 4)
    assert notice_expiring_entries(now + timedelta(days=1, hours=1)) == 0  # the day was taken
    assert notice_expiring_entries(now + timedelta(days=2)) == 1
    assert "evil-bank.com" in told(rep_a)[-1].body and len(told(rep_a)) == 2


def test_the_duty_runs_with_the_others_and_can_be_turned_off(listed, rep_a, settings):
    entry = listed("evil-bank.com")
    expiring(entry, 1)
    settings.REGISTRY_EXPIRY_NOTICE_DAYS = 0
    assert run_due_duties(MORNING)["registry.expiry_notices"] == 0
    assert told(rep_a) == []
    settings.REGISTRY_EXPIRY_NOTICE_DAYS = 3
    assert run_due_duties(MORNING)["registry.expiry_notices"] == 1
    assert len(told(rep_a)) == 1
