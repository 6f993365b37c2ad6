"""Who is told: the submitting unit of its review (with the reasons), the secretariat of each
appeal, the appellant of the decision (by mail to the contact when it has no account)."""

from django.core import mail

from gongyue.accounts.models import User
from gongyue.core.models import Notification
from gongyue.core.tasks import run_queued_tasks
from gongyue.registry import actions
from gongyue.registry.models import Appeal


def inbox(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_the_submitting_unit_hears_of_approval_and_of_rejection_with_the_reasons(
    submit, secretariat, rep_a, staff_a, rep_b, unit_b
):
    approved = submit("evil-bank.com")
    rejected = submit("harmless-shop.com")
    actions.do_approve_entry(approved, actor=secretariat, note="seen it too")
    actions.do_reject_entry(rejected, actor=secretariat, reason="the page is a real shop")
    for person in (rep_a, staff_a):  # everyone of unit A
        first, second = inbox(person)
        assert first.kind == second.kind == "registry"
        assert "evil-bank.com" in first.subject and first.url == f"/registry/entries/{approved.pk}/"
        assert "harmless-shop.com" in second.subject and "the page is a real shop" in second.body
    assert inbox(rep_b) == [] and inbox(secretariat) == []
    run_queued_tasks()
    assert {m.to[0] for m in mail.outbox} == {rep_a.email, staff_a.email}


def test_a_refused_review_tells_nobody(submit, secretariat, rep_a):
    entry = submit("evil-bank.com")
    try:
        actions.do_reject_entry(entry, actor=secretariat, reason="")
    except Exception:  # the refusal itself is tested elsewhere
        pass
    assert inbox(rep_a) == []


def test_an_appeal_tells_the_secretariat_and_its_decision_mails_the_contact_without_account(
    listed, secretariat, secretariat_head, rep_a, no_unit_user
):
    entry = listed("evil-bank.com")
    appeal, code = actions.do_file_appeal(
        entry, actor=None, name="Owner", contact="owner@evil-bank.example", grounds="cleaned"
    )
    assert code
    for person in (secretariat, secretariat_head):
        (notice,) = inbox(person)
        assert "evil-bank.com" in notice.subject and notice.url == "/registry/appeals/"
    assert inbox(no_unit_user) == []
    assert not [n for n in inbox(rep_a) if n.url == "/registry/appeals/"]
    run_queued_tasks()
    mail.outbox.clear()
    actions.do_decide_appeal(appeal, actor=secretariat_head, uphold=True, reason="it is clean now")
    run_queued_tasks()
    (message,) = mail.outbox
    assert message.to == ["owner@evil-bank.example"]
    assert "it is clean now" in message.body and "/registry/appeals/status/" in message.body
    assert code not in message.body
    assert not Notification.objects.filter(recipient__email="owner@evil-bank.example").exists()


def test_a_phone_contact_gets_no_mail_and_an_appellant_with_an_account_gets_a_notification(
    listed, secretariat, secretariat_head, rep_a, staff_a
):
    by_phone = listed("evil-bank.com")
    appeal, _code = actions.do_file_appeal(
        by_phone, actor=None, name="Owner", contact="+86 10 1234 5678", grounds="cleaned"
    )
    actions.do_decide_appeal(appeal, actor=secretariat_head, uphold=False, reason="still phishing")
    run_queued_tasks()
    assert not [m for m in mail.outbox if "still phishing" in m.body]
    own = listed("own-site.cn")
    appeal, code = actions.do_file_appeal(
        own,
        actor=rep_a,
        name="Unit A",
        contact="a@example.com",
        grounds="our site",
        unit=rep_a.unit,
    )
    assert code == ""
    actions.do_decide_appeal(appeal, actor=secretariat_head, uphold=False, reason="not yours")
    for person in (rep_a, staff_a):
        decided = [n for n in inbox(person) if "not yours" in n.body]
        assert len(decided) == 1 and decided[0].url == f"/registry/entries/{own.pk}/"
    assert Appeal.objects.get(pk=appeal.pk).status == "dismissed"
    assert User.objects.filter(email="a@example.com").count() <= 1
