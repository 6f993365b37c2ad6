"""A case from report to published result, through the pages: each step's row, audit entry and
notification."""

from datetime import timedelta

from django.utils import timezone

from gongyue.audit.models import AuditEntry, Visibility
from gongyue.cases import actions
from gongyue.cases.models import Case, CaseSource, CaseStatus, Measure, Recusal
from gongyue.core.models import Notification, Reminder
from gongyue.core.testing import confirm, table_counts

from .case_fixtures import *  # noqa: F403
from .case_fixtures import client_as, find, pdf, report, sanction


def audit_actions(case):
    return list(
        AuditEntry.objects.filter(subject_type="cases.case", subject_id=str(case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_a_report_is_acknowledged_at_once_with_a_case_number_and_a_triage_deadline(
    member_a, member_b, rep_a, secretariat
):
    client = client_as(rep_a)
    response = client.post(
        "/cases/report/",
        {
            "accused": member_b.pk,
            "articles": ["9", "10"],
            "facts": "散布虚假信息。",
            "occurred_on": "2026-11-02",
            "evidence": [pdf()],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.number == f"{timezone.localtime().year}-0001"
    assert case.source == CaseSource.REPORT and case.status == CaseStatus.RECEIVED
    assert case.articles == [9, 10] and case.files.count() == 1
    assert case.files.get().sha256 and not case.named_to_accused
    entry = AuditEntry.objects.get(action="cases.case_reported")
    assert entry.visibility == Visibility.SECRETARIAT
    assert Notification.objects.filter(recipient=rep_a, kind="case").exists()
    assert Notification.objects.filter(recipient=secretariat, kind="case").exists()
    # The triage reminder to the secretariat, two working days before the last day.
    reminder = Reminder.objects.get(key=f"case:{case.pk}:triage", recipient=secretariat)
    assert reminder.due_at < case.triage_due_at
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert case.number in page and 'data-testid="deadline-triage"' in page


def test_the_whole_procedure_through_the_pages_ends_with_a_published_result(
    member_a,
    member_b,
    third_member,
    rep_a,
    rep_b,
    secretariat,
    secretariat_head,
):
    case = report(rep_a, member_b, evidence=[(pdf(), "pdf"), (pdf("b.pdf"), "pdf")])
    sec = client_as(secretariat)
    assert sec.post(f"/cases/{case.pk}/triage/", {"decision": "investigate"}).status_code == 302
    assert sec.post(f"/cases/{case.pk}/assign/", {"person": secretariat.pk}).status_code == 302
    secret = case.files.last()
    response = sec.post(f"/cases/{case.pk}/redact/", {"file": secret.pk, "reason": "含举报人信息"})
    assert response.status_code == 302
    asked = sec.post(f"/cases/{case.pk}/notice/", {"message": "请答复", "confirm_step": "ask"})
    assert confirm(sec, asked).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTIFIED and case.reply_due_at

    accused = client_as(rep_b)
    page = accused.get(f"/cases/{case.pk}/").content.decode()
    assert secret.name not in page.replace(case.files.first().name, "")
    assert accused.get(f"/cases/{case.pk}/files/{secret.pk}/").status_code == 404
    assert rep_a.username not in page and member_a.name not in page
    response = accused.post(
        f"/cases/{case.pk}/reply/", {"statement": "我单位不同意。", "files": [pdf("r.pdf")]}
    )
    assert response.status_code == 302

    response = sec.post(
        f"/cases/{case.pk}/finding/",
        {
            "verified": "yes",
            "facts": "查明属实",
            "articles": ["9"],
            "adverse_effect": "yes",
            "reasons": "证据充分",
            "evidence_relied_on": [case.files.first().pk],
        },
    )
    assert response.status_code == 302
    asked = sec.post(
        f"/cases/{case.pk}/sanction/",
        {"measure": Measure.INTERNAL_NOTICE, "reasons": "通报批评", "confirm_step": "ask"},
    )
    assert confirm(sec, asked).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SANCTIONED and case.published_at
    # The internal notice reaches every member's people, the third member's included.
    assert Notification.objects.filter(recipient=third_member, url=f"/cases/results/{case.pk}/")
    assert client_as(third_member).get(f"/cases/results/{case.pk}/").status_code == 200

    assert accused.post(f"/cases/{case.pk}/review/", {"grounds": "过重"}).status_code == 302
    head = client_as(secretariat_head)
    asked = head.post(
        f"/cases/{case.pk}/review/decide/",
        {"outcome": "upheld", "reasons": "维持", "confirm_step": "ask"},
    )
    assert confirm(head, asked).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REVIEWED and case.review.outcome == "upheld"
    assert audit_actions(case) == [
        "cases.case_reported",
        "cases.case_triaged",
        "cases.case_assigned",
        "cases.evidence_redacted",
        "cases.accused_notified",
        "cases.reply_submitted",
        "cases.finding_recorded",
        "cases.sanction_decided",
        "cases.review_requested",
        "cases.review_decided",
    ]
    result = client_as(third_member).get("/cases/results/").content.decode()
    assert case.number in result and member_a.name not in result


def test_a_report_closed_as_unfounded_tells_the_reporter_the_reasons(
    member_a, member_b, rep_a, secretariat
):
    case = report(rep_a, member_b)
    response = client_as(secretariat).post(
        f"/cases/{case.pk}/triage/", {"decision": "unfounded", "reasons": "证据不足"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.UNFOUNDED and case.closure_reasons == "证据不足"
    assert "证据不足" in client_as(rep_a).get(f"/cases/{case.pk}/").content.decode()
    assert Notification.objects.filter(recipient=rep_a, body__contains="证据不足").exists()
    assert not Reminder.objects.filter(key=f"case:{case.pk}:triage").exists()


def test_closing_as_unfounded_without_reasons_is_refused_and_changes_nothing(
    member_a, member_b, rep_a, secretariat
):
    case = report(rep_a, member_b)
    client = client_as(secretariat)
    before = table_counts()
    response = client.post(f"/cases/{case.pk}/triage/", {"decision": "unfounded", "reasons": ""})
    assert response.status_code == 400
    assert "请说明理由，举报人将看到这些理由。" in response.content.decode()
    assert table_counts() == before
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED


def test_the_secretariat_opens_a_case_on_its_own_initiative_without_a_reporter(
    member_b, secretariat
):
    response = client_as(secretariat).post(
        "/cases/new/", {"accused": member_b.pk, "articles": ["9"], "facts": "主动调查"}
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.source == CaseSource.OWN_INITIATIVE and case.reporter is None
    assert case.status == CaseStatus.INVESTIGATING
    assert audit_actions(case) == ["cases.case_opened"]


def test_staff_with_a_declared_conflict_or_working_for_a_party_cannot_be_assigned(
    reported, secretariat, conflicted, member_b
):
    from gongyue.accounts.models import Role
    from gongyue.core import testing

    assert Recusal.objects.filter(case=reported, person=conflicted).exists()
    assert "cases.conflict_declared" in audit_actions(reported)
    client = client_as(secretariat)
    inside = testing.make_user("sec_b", Role.SECRETARIAT_STAFF, unit=member_b)
    before = table_counts()
    response = client.post(f"/cases/{reported.pk}/assign/", {"person": conflicted.pk})
    assert response.status_code == 409 and "已申报与本案件存在利益冲突" in response.content.decode()
    response = client.post(f"/cases/{reported.pk}/assign/", {"person": inside.pk})
    assert response.status_code == 409 and "任职于本案件的一方单位" in response.content.decode()
    assert response.status_code == 409
    assert table_counts() == before
    reported.refresh_from_db()
    assert reported.assigned_to == secretariat


def test_a_revocation_ends_the_membership_and_an_annulled_review_reinstates_it(
    decided, secretariat, secretariat_head, rep_b, member_b
):
    from gongyue.organisations.models import EndedBy, JoinedBy

    case = sanction(decided, secretariat, measure=Measure.REVOCATION)
    assert not member_b.is_member()
    ended = member_b.memberships.order_by("started_at").last()
    assert ended.ended_by == EndedBy.REVOCATION and case.number in ended.end_reason
    actions.do_request_review(case, actor=rep_b, grounds="证据有误")
    actions.do_decide_review(case, actor=secretariat_head, outcome="annulled", reasons="撤销")
    assert member_b.is_member()
    latest = member_b.memberships.order_by("started_at").last()
    assert latest.joined_by == JoinedBy.REINSTATED and latest.ended_at is None
    assert AuditEntry.objects.filter(action="organisations.membership_reinstated").exists()
    case.refresh_from_db()
    assert case.sanction.measure_in_effect == ""


def test_the_publication_of_a_result_reaches_every_member_and_never_names_the_reporter(
    replied, secretariat, third_member, rep_a, member_a
):
    find(replied, secretariat, verified=False, adverse=False, reasons="未能查实")
    response = client_as(secretariat).post(
        f"/cases/{replied.pk}/publish/", {"summary": "经调查，未能查实。"}
    )
    assert response.status_code == 302
    replied.refresh_from_db()
    assert replied.published_at is not None
    assert Notification.objects.filter(
        recipient=third_member, url=f"/cases/results/{replied.pk}/"
    ).exists()
    page = client_as(third_member).get(f"/cases/results/{replied.pk}/").content.decode()
    assert "未能查实" in page and member_a.name not in page and rep_a.username not in page


def test_reminders_are_moved_and_cancelled_as_steps_are_done(notified, rep_b):
    key = f"case:{notified.pk}:reply"
    reminder = Reminder.objects.get(key=key, recipient=rep_b)
    assert reminder.due_at < notified.reply_due_at
    assert notified.reply_due_at - reminder.due_at >= timedelta(days=2)
    actions.do_reply_to_case(notified, actor=rep_b, statement="答复")
    assert not Reminder.objects.filter(key=key).exists()
