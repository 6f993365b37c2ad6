"""Deadlines (triage, reply, review) come from the one deadline function and the convention's
rules; the duty worker reminds two working days before; overdue cases are flagged on the
secretariat dashboard."""

from datetime import timedelta

from django.utils import timezone

from gongyue.cases.models import Case, last_day
from gongyue.cases.queries import working_days_before
from gongyue.convention.models import Convention
from gongyue.core.deadlines import deadline, start_of_day
from gongyue.core.duties import run_due_duties
from gongyue.core.models import Notification, Reminder

from .case_fixtures import *  # noqa: F403
from .case_fixtures import client_as, report


def test_each_deadline_is_the_deadline_function_applied_to_its_rule(sanctioned):
    case = sanctioned
    assert case.triage_due_at == deadline(case.received_at, 7).ends_at
    assert case.reply_due_at == deadline(case.notified_at, 15).ends_at
    assert case.sanction.review_due_at == deadline(case.sanction.decided_at, 15).ends_at


def test_the_triage_days_are_a_setting_of_the_convention(member_a, member_b, rep_a):
    convention = Convention.objects.current()
    convention.rules = {**convention.rules, "case_triage_days": 3}
    convention.save(update_fields=["rules"])
    case = report(rep_a, member_b)
    assert case.triage_due_at == deadline(case.received_at, 3).ends_at


def test_reminders_fall_two_working_days_before_each_last_day(sanctioned, secretariat, rep_b):
    case = sanctioned
    for step, ends_at in (("reply", case.reply_due_at), ("review", case.sanction.review_due_at)):
        expected = start_of_day(working_days_before(last_day(ends_at), 2))
        if step == "reply":
            continue  # answered, so its reminder is gone
        reminder = Reminder.objects.get(key=f"case:{case.pk}:{step}", recipient=rep_b)
        assert reminder.due_at == expected
    assert not Reminder.objects.filter(key=f"case:{case.pk}:reply").exists()


def test_the_duty_worker_sends_the_triage_reminder_once(member_a, member_b, rep_a, secretariat):
    case = report(rep_a, member_b)
    reminder = Reminder.objects.get(key=f"case:{case.pk}:triage", recipient=secretariat)
    mine = Notification.objects.filter(recipient=secretariat, url=f"/cases/{case.pk}/")
    before = mine.count()
    run_due_duties(reminder.due_at - timedelta(seconds=1))
    assert mine.count() == before
    run_due_duties(reminder.due_at + timedelta(seconds=1))
    run_due_duties(reminder.due_at + timedelta(seconds=2))
    assert mine.count() == before + 1
    assert case.number in mine.order_by("-pk").first().subject


def test_an_overdue_triage_is_flagged_on_the_dashboard_and_told_once(
    member_a, member_b, rep_a, secretariat
):
    case = report(rep_a, member_b)
    client = client_as(secretariat)
    assert case.number not in client.get("/members/secretariat/").content.decode()
    later = case.triage_due_at + timedelta(minutes=1)
    Case.objects.filter(pk=case.pk).update(triage_due_at=timezone.now() - timedelta(minutes=1))
    page = client.get("/members/secretariat/").content.decode()
    assert 'data-testid="triage-overdue"' in page and case.number in page
    assert run_due_duties(later)["cases.triage_overdue"] == 1
    assert run_due_duties(later)["cases.triage_overdue"] == 0


def test_a_lapsed_reply_period_is_flagged_so_the_finding_can_go_ahead(notified, secretariat):
    Case.objects.filter(pk=notified.pk).update(reply_due_at=timezone.now() - timedelta(minutes=1))
    page = client_as(secretariat).get("/members/secretariat/").content.decode()
    assert 'data-testid="reply-lapsed"' in page and notified.number in page


def test_the_case_page_shows_each_deadline_with_its_date_and_rule(notified, rep_b):
    page = client_as(rep_b).get(f"/cases/{notified.pk}/").content.decode()
    day = last_day(notified.reply_due_at).isoformat()
    assert 'data-testid="deadline-reply"' in page and day in page
    from django.utils import translation
    from django.utils.html import escape

    with translation.override("zh-hans"):
        rule = deadline(notified.notified_at, 15).rule
    assert escape(rule) in page
    assert "（第二十一条）" in page  # {% cite "case_reply_days" %}
