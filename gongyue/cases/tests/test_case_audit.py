"""Confidential steps stay in the one audit chain but are kept from those not entitled: the
accused unit cannot learn the reporter from the log, and the chain still verifies."""

from gongyue.audit.log import verify
from gongyue.audit.models import AuditEntry, Visibility

from .case_fixtures import *  # noqa: F403
from .case_fixtures import client_as


def test_the_accused_does_not_learn_the_reporter_from_the_audit_log(
    notified, rep_b, third_member, rep_a, secretariat
):
    entry = AuditEntry.objects.get(action="cases.case_reported")
    assert entry.visibility == Visibility.SECRETARIAT and entry.actor == rep_a
    for user in (rep_b, third_member):
        page = client_as(user).get("/audit/", {"action": "cases.case_reported"}).content.decode()
        assert rep_a.username not in page and str(rep_a) not in page
        assert AuditEntry.objects.visible_to(user).filter(pk=entry.pk).count() == 0
    assert AuditEntry.objects.visible_to(secretariat).filter(pk=entry.pk).exists()
    assert verify().ok


def test_sanctions_and_published_results_are_readable_by_members_in_the_log(
    sanctioned, third_member
):
    visible = AuditEntry.objects.visible_to(third_member).values_list("action", flat=True)
    assert "cases.sanction_decided" in visible
    assert "cases.finding_recorded" not in visible
