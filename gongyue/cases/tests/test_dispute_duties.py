# ruff: noqa: F811 (fixtures imported from dispute_fixtures)
"""The redress duty flags overdue deadlines once, to whoever must act; the reminders the actions
schedule two days before each deadline go out through core's reminder duty."""

from datetime import timedelta

from gongyue.cases import actions
from gongyue.cases.redress_duties import flag_overdue_redress
from gongyue.core.duties import send_due_reminders
from gongyue.core.models import Notification

from .dispute_fixtures import members  # noqa: F401


def test_overdue_mediation_criticism_and_complaints_are_flagged_once_to_who_must_act(
    members, rep_a, secretariat, secretariat_head, authority
):
    dispute = actions.do_open_dispute(
        actor=rep_a, respondent=members[1], subject="s", statement="t"
    )
    dispute = actions.do_request_mediation(dispute, actor=rep_a)
    actions.do_receive_criticism(data={"kind": "criticism", "about": "trade", "text": "t"})
    complaint = actions.do_file_complaint(actor=rep_a, target="secretariat", subject="s", body="b")
    Notification.objects.all().delete()
    assert flag_overdue_redress(dispute.mediation_requested_at + timedelta(days=1)) == 0

    # Reminders two days before each deadline.
    before_end = complaint.answer_deadline().ends_at - timedelta(days=1)
    send_due_reminders(before_end)
    assert Notification.objects.filter(recipient=authority, kind="complaint").count() == 1
    assert Notification.objects.filter(recipient=secretariat_head, kind="dispute").count() == 1

    Notification.objects.all().delete()
    later = complaint.answer_deadline().ends_at + timedelta(minutes=1)
    assert flag_overdue_redress(later) == 3
    assert flag_overdue_redress(later) == 0
    assert set(Notification.objects.filter(kind="dispute").values_list("recipient", flat=True)) == {
        secretariat_head.pk
    }
    assert Notification.objects.filter(kind="criticism", recipient=secretariat).count() == 1
    assert set(
        Notification.objects.filter(kind="complaint").values_list("recipient", flat=True)
    ) == {authority.pk}
