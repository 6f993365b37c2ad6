import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gongyue.core.duties import schedule_reminder
from gongyue.core.models import MailState, Notification, Reminder
from gongyue.core.notify import notify
from gongyue.core.tasks import run_queued_tasks


def test_a_notification_reaches_the_inbox_and_the_real_smtp_receiver(smtp_server, rep_a):
    notify([rep_a], kind="convention", template="core/mail/test", context={"number": 2})
    note = Notification.objects.get(recipient=rep_a)
    assert note.mail_state == MailState.PENDING and smtp_server.messages == []
    run_queued_tasks()
    note.refresh_from_db()
    assert note.mail_state == MailState.SENT and note.mail_sent_at is not None
    [message] = smtp_server.to(rep_a.email)
    assert message["Subject"] == "公约版本已发布: 2"
    assert smtp_server.body(message) == "公约第 2 版已发布。"


def test_mail_is_rendered_in_the_recipients_language(smtp_server, rep_a, rep_b):
    rep_b.language = "en"
    rep_b.save()
    notify(
        [rep_a, rep_b],
        kind="convention",
        template="core/mail/test",
        context={"number": 3},
    )
    run_queued_tasks()
    english = smtp_server.to(rep_b.email)[0]
    assert english["Subject"] == "Convention version published: 3"


def test_a_muted_kind_reaches_the_inbox_but_not_the_mail(smtp_server, rep_a):
    rep_a.muted_mail_kinds = ["convention"]
    rep_a.save()
    notify([rep_a], kind="convention", template="core/mail/test", context={"number": 1})
    run_queued_tasks()
    assert Notification.objects.get(recipient=rep_a).mail_state == MailState.NOT_WANTED
    assert smtp_server.messages == []


def test_a_mail_outage_loses_nothing_and_the_retry_delivers(smtp_server, settings, rep_a):
    smtp_server.stop()  # the relay is down
    notify([rep_a], kind="convention", template="core/mail/test", context={"number": 4})
    run_queued_tasks()
    note = Notification.objects.get(recipient=rep_a)
    assert note.mail_state == MailState.PENDING and note.mail_attempts == 1 and note.mail_error
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after > timezone.now()
    smtp_server.start()  # the relay is back; time passes
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_queued_tasks()
    note.refresh_from_db()
    assert note.mail_state == MailState.SENT and note.mail_attempts == 2
    assert len(smtp_server.to(rep_a.email)) == 1


def test_a_rolled_back_action_sends_nothing(rep_a):
    from django.db import transaction

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            notify([rep_a], kind="convention", template="core/mail/test", context={"number": 5})
            raise RuntimeError("the action failed")
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_duties_at_once_send_each_reminder_once(rep_a, rep_b):
    due = timezone.now() - timedelta(minutes=1)
    for n in range(15):
        for person in (rep_a, rep_b):
            schedule_reminder(
                key=f"test:{n}",
                recipient=person,
                due_at=due,
                kind="reminder",
                template="core/mail/reminder",
                context={"title": f"deadline {n}", "text": "due"},
            )
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait()
            call_command("run_duties")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Notification.objects.count() == 30
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    # Running it again finds nothing more to do.
    call_command("run_duties")
    assert Notification.objects.count() == 30


def test_a_reminder_not_yet_due_waits(rep_a):
    schedule_reminder(
        key="later",
        recipient=rep_a,
        due_at=timezone.now() + timedelta(days=1),
        kind="reminder",
        template="core/mail/reminder",
        context={"title": "t", "text": "x"},
    )
    call_command("run_duties")
    assert not Notification.objects.exists()


def test_rescheduling_a_reminder_moves_it_instead_of_adding_one(rep_a):
    later = timezone.now() + timedelta(days=3)
    schedule_reminder(
        key="k",
        recipient=rep_a,
        due_at=timezone.now(),
        kind="reminder",
        template="core/mail/reminder",
    )
    schedule_reminder(
        key="k", recipient=rep_a, due_at=later, kind="reminder", template="core/mail/reminder"
    )
    assert Reminder.objects.get().due_at == later


# The worker closes stale connections between rounds, as a long-running process must.
@pytest.mark.django_db(transaction=True)
def test_one_round_of_the_worker_runs_due_duties_and_sends_their_mail(smtp_server, rep_a):
    schedule_reminder(
        key="publish",
        recipient=rep_a,
        due_at=timezone.now() - timedelta(minutes=1),
        kind="reminder",
        template="core/mail/reminder",
        context={"title": "公布期限", "text": "请在期限内公布公约。"},
    )
    call_command("worker", "--once")
    note = Notification.objects.get(recipient=rep_a)
    assert note.mail_state == MailState.SENT
    [message] = smtp_server.to(rep_a.email)
    assert "公布期限" in message["Subject"] and "请在期限内公布公约。" in smtp_server.body(message)
