"""The API of cases under /api/v1/cases/: the pages' access helpers, forms and actions, step by
step (report, own initiative, triage, recusal, assignment, redaction, notice, reply, finding,
sanction, review and its decision, publication)."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema, Status

from gongyue.api.errors import cleaned
from gongyue.core.uploads import serve_upload

from . import actions, queries
from .access import (
    get_case_file_for_user,
    get_case_for_user,
    get_result_for_user,
    reads_results,
    role_in_case,
)
from .forms import (
    AssignForm,
    FindingForm,
    NoticeForm,
    OwnInitiativeForm,
    PublishForm,
    RecusalForm,
    RedactForm,
    ReplyForm,
    ReportForm,
    ReviewDecisionForm,
    ReviewRequestForm,
    SanctionForm,
    TriageForm,
    files_of,
)
from .models import Case, CaseFile, FileRole, last_day

router = Router(tags=["cases"])


class CaseFileOut(Schema):
    id: int
    role: str
    name: str
    kind: str
    size: int
    sha256: str
    redacted_for_accused: bool | None = None


class CaseFindingOut(Schema):
    verified: bool
    facts: str
    articles: list[int]
    adverse_effect: bool
    reasons: str
    evidence_relied_on: list[int]
    evidence_note: str
    source: str
    redress: str
    recorded_at: datetime


class CaseSanctionOut(Schema):
    measure: str
    measure_in_effect: str
    reasons: str
    redress: str
    decided_at: datetime
    review_due_at: datetime
    review_last_day: date


class CaseReviewOut(Schema):
    grounds: str
    requested_at: datetime
    outcome: str
    new_measure: str
    reasons: str
    decided_at: datetime | None


class CaseOut(Schema):
    id: int
    number: str
    source: str
    status: str
    accused_id: int
    accused: str
    reporter_unit: str | None
    reporter: str | None
    named_to_accused: bool
    articles: list[int]
    facts: str
    occurred_on: date | None
    received_at: datetime
    triage_due_at: datetime
    closure_reasons: str
    assigned_to: str | None
    notified_at: datetime | None
    notice_text: str
    reply_due_at: datetime | None
    reply_last_day: date | None
    replied_at: datetime | None
    reply_statement: str | None
    published_at: datetime | None
    files: list[CaseFileOut]
    finding: CaseFindingOut | None
    sanction: CaseSanctionOut | None
    review: CaseReviewOut | None


class CaseSummaryOut(Schema):
    id: int
    number: str
    status: str
    accused: str
    received_at: datetime


class CaseResultOut(Schema):
    id: int
    number: str
    accused: str
    source: str
    published_at: datetime
    summary: str
    verified: bool
    adverse_effect: bool
    facts: str
    reasons: str
    measure: str | None
    review_outcome: str | None


class CaseTriageIn(Schema):
    decision: str = ""
    reasons: str = ""


class CaseRecusalIn(Schema):
    reason: str = ""


class CaseRecusalOut(Schema):
    case_id: int
    person: str
    reason: str
    recorded_at: datetime


class CaseAssignIn(Schema):
    person: int | None = None


class CaseRedactIn(Schema):
    file: int | None = None
    reason: str = ""


class CaseNoticeIn(Schema):
    message: str = ""


class CaseFindingIn(Schema):
    verified: str = ""
    facts: str = ""
    articles: list[int] = []
    adverse_effect: str = ""
    reasons: str = ""
    evidence_relied_on: list[int] = []
    evidence_note: str = ""
    redress: str = ""


class CaseSanctionIn(Schema):
    measure: str = ""
    reasons: str = ""


class CaseReviewIn(Schema):
    grounds: str = ""


class CaseReviewDecisionIn(Schema):
    outcome: str = ""
    new_measure: str = ""
    reasons: str = ""


class CasePublishIn(Schema):
    summary: str = ""


def _file_out(f, secretariat: bool) -> dict:
    return {
        "id": f.pk,
        "role": f.role,
        "name": f.name,
        "kind": f.kind,
        "size": f.size,
        "sha256": f.sha256,
        "redacted_for_accused": f.redacted_for_accused if secretariat else None,
    }


def case_out(case, user) -> dict:
    """The case as this person may read it (the same rules as the page)."""
    case = Case.objects.select_related(
        "accused", "reporter_unit", "reporter", "assigned_to", "finding", "sanction", "review"
    ).get(pk=case.pk)
    role = role_in_case(user, case)
    secretariat = role == "secretariat"
    files = list(CaseFile.objects.filter(case=case).order_by("pk"))
    if role == "accused":
        files = [f for f in files if not f.redacted_for_accused]
    elif role == "reporter":
        files = [f for f in files if f.role != FileRole.REPLY]
    show_reporter = role in ("secretariat", "reporter") or (
        role == "accused" and case.named_to_accused
    )
    finding = getattr(case, "finding", None)
    sanction = getattr(case, "sanction", None)
    review = getattr(case, "review", None)
    return {
        "id": case.pk,
        "number": case.number,
        "source": case.source,
        "status": case.status,
        "accused_id": case.accused_id,
        "accused": case.accused.name,
        "reporter_unit": case.reporter_unit.name if show_reporter and case.reporter_unit else None,
        "reporter": str(case.reporter) if show_reporter and case.reporter else None,
        "named_to_accused": case.named_to_accused,
        "articles": case.articles,
        "facts": case.facts,
        "occurred_on": case.occurred_on,
        "received_at": case.received_at,
        "triage_due_at": case.triage_due_at,
        "closure_reasons": case.closure_reasons,
        "assigned_to": str(case.assigned_to) if secretariat and case.assigned_to else None,
        "notified_at": case.notified_at,
        "notice_text": case.notice_text if role != "reporter" else "",
        "reply_due_at": case.reply_due_at,
        "reply_last_day": last_day(case.reply_due_at),
        "replied_at": case.replied_at,
        "reply_statement": case.reply_statement if role != "reporter" else None,
        "published_at": case.published_at,
        "files": [_file_out(f, secretariat) for f in files],
        "finding": {
            "verified": finding.verified,
            "facts": finding.facts,
            "articles": finding.articles,
            "adverse_effect": finding.adverse_effect,
            "reasons": finding.reasons,
            "evidence_relied_on": [f.pk for f in finding.evidence_relied_on.all()],
            "evidence_note": finding.evidence_note,
            "source": case.source,
            "redress": finding.redress,
            "recorded_at": finding.recorded_at,
        }
        if finding
        else None,
        "sanction": {
            "measure": sanction.measure,
            "measure_in_effect": sanction.measure_in_effect,
            "reasons": sanction.reasons,
            "redress": sanction.redress,
            "decided_at": sanction.decided_at,
            "review_due_at": sanction.review_due_at,
            "review_last_day": last_day(sanction.review_due_at),
        }
        if sanction
        else None,
        "review": {
            "grounds": review.grounds,
            "requested_at": review.requested_at,
            "outcome": review.outcome,
            "new_measure": review.new_measure,
            "reasons": review.reasons,
            "decided_at": review.decided_at,
        }
        if review
        else None,
    }


@router.get("", response=list[CaseSummaryOut])
def list_cases(request, offset: int = 0):
    """The cases you may open: the secretariat's, or your unit's reports and those against it
    once notified."""
    offset = max(0, min(offset, 2**31 - 1))
    cases = (
        queries.visible_cases(request.user)
        .select_related("accused")
        .order_by("-received_at", "-pk")
    )
    return [
        {
            "id": c.pk,
            "number": c.number,
            "status": c.status,
            "accused": c.accused.name,
            "received_at": c.received_at,
        }
        for c in cases[offset : offset + 200]
    ]


@router.post("", response={201: CaseOut})
def report_case(request):
    """Report a member unit (multipart or form fields: accused, articles (repeated), facts,
    occurred_on, named_to_accused; files `evidence`). Answers with the case and its number."""
    data = cleaned(ReportForm(request.POST, files_of(request.FILES, "evidence")))
    case = actions.do_report_case(actor=request.user, data=data, evidence=data["evidence"])
    return Status(201, case_out(case, request.user))


@router.post("/own-initiative", response={201: CaseOut})
def open_case(request):
    """The secretariat opens a case on its own initiative (the report's fields, no consent)."""
    if not request.user.is_secretariat:
        raise PermissionDenied
    data = cleaned(OwnInitiativeForm(request.POST, files_of(request.FILES, "evidence")))
    case = actions.do_open_case(actor=request.user, data=data, evidence=data["evidence"])
    return Status(201, case_out(case, request.user))


@router.get("/results", response=list[CaseResultOut])
def list_results(request):
    """The published results of investigations (people of member units, secretariat, authority)."""
    if not reads_results(request.user):
        raise PermissionDenied
    cases = Case.objects.published().select_related("accused", "finding", "sanction", "review")
    return [result_out(c) for c in cases.order_by("-published_at", "-pk")[:200]]


def result_out(case) -> dict:
    sanction = getattr(case, "sanction", None)
    review = getattr(case, "review", None)
    return {
        "id": case.pk,
        "number": case.number,
        "accused": case.accused.name,
        "source": case.source,
        "published_at": case.published_at,
        "summary": case.result_summary,
        "verified": case.finding.verified,
        "adverse_effect": case.finding.adverse_effect,
        "facts": case.finding.facts,
        "reasons": case.finding.reasons,
        "measure": sanction.measure if sanction else None,
        "review_outcome": review.outcome if review and review.decided_at else None,
    }


@router.get("/results/{case_id}", response=CaseResultOut)
def read_result(request, case_id: int):
    return result_out(get_result_for_user(request.user, case_id))


@router.get("/{case_id}", response=CaseOut)
def read_case(request, case_id: int):
    return case_out(get_case_for_user(request.user, case_id), request.user)


@router.get("/{case_id}/files/{file_id}", response={200: None})
def download_file(request, case_id: int, file_id: int):
    case, case_file = get_case_file_for_user(request.user, case_id, file_id)
    return serve_upload(case_file.file, f"{case.number}-{case_file.pk}")


@router.post("/{case_id}/triage", response=CaseOut)
def triage(request, case_id: int, payload: CaseTriageIn):
    """Open an investigation (`investigate`) or close as unfounded (`unfounded`, with reasons)."""
    case = get_case_for_user(request.user, case_id, to="handle")
    data = cleaned(TriageForm(payload.dict()))
    return case_out(actions.do_triage_case(case, actor=request.user, **data), request.user)


@router.post("/{case_id}/recusal", response={201: CaseRecusalOut})
def recuse(request, case_id: int, payload: CaseRecusalIn):
    """Declare your conflict of interest: your recusal is recorded (you no longer see the case)."""
    case = get_case_for_user(request.user, case_id, to="handle")
    data = cleaned(RecusalForm(payload.dict()))
    recusal = actions.do_declare_conflict(case, actor=request.user, **data)
    return Status(
        201,
        {
            "case_id": case.pk,
            "person": str(recusal.person),
            "reason": recusal.reason,
            "recorded_at": recusal.recorded_at,
        },
    )


@router.post("/{case_id}/assign", response=CaseOut)
def assign(request, case_id: int, payload: CaseAssignIn):
    """Assign the case to a secretariat person without a conflict."""
    case = get_case_for_user(request.user, case_id, to="handle")
    data = cleaned(AssignForm(payload.dict()))
    return case_out(actions.do_assign_case(case, actor=request.user, **data), request.user)


@router.post("/{case_id}/redact", response=CaseOut)
def redact(request, case_id: int, payload: CaseRedactIn):
    """Withhold a piece of evidence from the accused, with why (before the notice)."""
    case = get_case_for_user(request.user, case_id, to="investigate")
    data = cleaned(RedactForm(payload.dict(), case=case))
    actions.do_redact_file(case, actor=request.user, case_file=data["file"], reason=data["reason"])
    return case_out(case, request.user)


@router.post("/{case_id}/notice", response=CaseOut)
def notice(request, case_id: int, payload: CaseNoticeIn):
    """Notify the accused unit; its reply period starts."""
    case = get_case_for_user(request.user, case_id, to="investigate")
    data = cleaned(NoticeForm(payload.dict()))
    return case_out(actions.do_notify_accused(case, actor=request.user, **data), request.user)


@router.post("/{case_id}/reply", response=CaseOut)
def reply(request, case_id: int):
    """The accused unit's reply (form fields: statement; files `files`), before the deadline."""
    case = get_case_for_user(request.user, case_id, to="reply")
    data = cleaned(ReplyForm(request.POST, files_of(request.FILES, "files")))
    case = actions.do_reply_to_case(
        case, actor=request.user, statement=data["statement"], files=data["files"]
    )
    return case_out(case, request.user)


@router.post("/{case_id}/finding", response=CaseOut)
def finding(request, case_id: int, payload: CaseFindingIn):
    """A reasoned finding (verified and adverse_effect as "yes"/"no"); refused before the reply
    or its deadline."""
    case = get_case_for_user(request.user, case_id, to="investigate")
    data = cleaned(FindingForm(payload.dict(), case=case))
    actions.do_record_finding(case, actor=request.user, data=data)
    return case_out(case, request.user)


@router.post("/{case_id}/sanction", response=CaseOut)
def sanction(request, case_id: int, payload: CaseSanctionIn):
    """An internal notice or revocation; only on a verified, adverse finding."""
    case = get_case_for_user(request.user, case_id, to="investigate")
    data = cleaned(SanctionForm(payload.dict()))
    actions.do_decide_sanction(case, actor=request.user, **data)
    return case_out(case, request.user)


@router.post("/{case_id}/review", response=CaseOut)
def ask_review(request, case_id: int, payload: CaseReviewIn):
    """The sanctioned unit asks once, within the window, with grounds."""
    case = get_case_for_user(request.user, case_id, to="review")
    data = cleaned(ReviewRequestForm(payload.dict()))
    actions.do_request_review(case, actor=request.user, **data)
    return case_out(case, request.user)


@router.post("/{case_id}/review/decision", response=CaseOut)
def decide_review(request, case_id: int, payload: CaseReviewDecisionIn):
    """The head or staff who took no part upholds, changes (with new_measure) or annuls."""
    case = get_case_for_user(request.user, case_id, to="decide_review")
    data = cleaned(ReviewDecisionForm(payload.dict()))
    actions.do_decide_review(case, actor=request.user, **data)
    return case_out(case, request.user)


@router.post("/{case_id}/publish", response=CaseOut)
def publish(request, case_id: int, payload: CasePublishIn):
    """Publish the result to all members, the reporter not named."""
    case = get_case_for_user(request.user, case_id, to="investigate")
    data = cleaned(PublishForm(payload.dict()))
    return case_out(actions.do_publish_result(case, actor=request.user, **data), request.user)
