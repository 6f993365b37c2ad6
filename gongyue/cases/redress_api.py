"""The API of disputes, complaints and public criticism under /api/v1/cases/: the pages' access
helpers, forms and actions. Writes take form fields (multipart where a file goes with them)."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from gongyue.api.auth import public
from gongyue.api.errors import ApiError, Error, cleaned
from gongyue.core.ratelimit import hit
from gongyue.core.uploads import serve_upload

from . import actions
from .models import Complaint, Criticism, Dispute, DisputeMessage, DisputeStatus
from .redress_access import (
    get_agreement_for_user,
    get_complaint_for_user,
    get_criticism_for_user,
    get_dispute_for_user,
    reads_complaints_as_authority,
    require_complaint_list,
)
from .redress_forms import (
    AgreementForm,
    AssignMediatorForm,
    ComplaintAnswerForm,
    ComplaintCloseForm,
    ComplaintForm,
    CriticismAnswerForm,
    CriticismForm,
    DisputeForm,
    DisputeMessageForm,
    EndDisputeForm,
    ReceiptForm,
    RecusalForm,
    TriageForm,
)
from .redress_views import find_by_receipt

disputes_router = Router(tags=["disputes"])
complaints_router = Router(tags=["complaints"])
criticism_router = Router(tags=["criticism"])


class DisputeDeadlineOut(Schema):
    last_day: date
    ends_at: datetime
    rule: str


def deadline_out(d) -> dict | None:
    return {"last_day": d.last_day, "ends_at": d.ends_at, "rule": d.rule} if d else None


# Disputes ----------------------------------------------------------------------------------------


class DisputeMessageOut(Schema):
    id: int
    author: str
    unit_id: int | None
    body: str
    at: datetime
    in_mediation: bool
    document_name: str
    document_sha256: str


class DisputeAgreementOut(Schema):
    id: int
    text: str
    proposed_by: str
    proposed_at: datetime
    current: bool
    claimant_accepted_at: datetime | None
    respondent_accepted_at: datetime | None


class DisputeOut(Schema):
    id: int
    claimant_id: int
    respondent_id: int
    subject: str
    statement: str
    status: str
    opened_at: datetime
    mediation_requested_at: datetime | None
    mediator: str | None
    mediator_assigned_at: datetime | None
    ended_at: datetime | None
    end_reason: str
    assignment_deadline: DisputeDeadlineOut | None
    mediation_deadline: DisputeDeadlineOut | None
    messages: list[DisputeMessageOut]
    agreements: list[DisputeAgreementOut]


class DisputeQueueOut(Schema):
    id: int
    claimant_id: int
    respondent_id: int
    mediation_requested_at: datetime
    assignment_deadline: DisputeDeadlineOut
    recused: list[int]


def dispute_out(d: Dispute) -> dict:
    return {
        "id": d.pk,
        "claimant_id": d.claimant_id,
        "respondent_id": d.respondent_id,
        "subject": d.subject,
        "statement": d.statement,
        "status": d.status,
        "opened_at": d.opened_at,
        "mediation_requested_at": d.mediation_requested_at,
        "mediator": str(d.mediator) if d.mediator_id else None,
        "mediator_assigned_at": d.mediator_assigned_at,
        "ended_at": d.ended_at,
        "end_reason": d.end_reason,
        "assignment_deadline": deadline_out(d.assignment_deadline()),
        "mediation_deadline": deadline_out(d.mediation_deadline()),
        "messages": [
            {
                "id": m.pk,
                "author": str(m.author),
                "unit_id": m.unit_id,
                "body": m.body,
                "at": m.at,
                "in_mediation": m.in_mediation,
                "document_name": m.document_name,
                "document_sha256": m.document_sha256,
            }
            for m in d.messages.select_related("author")
        ],
        "agreements": [
            {
                "id": a.pk,
                "text": a.text,
                "proposed_by": str(a.proposed_by),
                "proposed_at": a.proposed_at,
                "current": a.is_current,
                "claimant_accepted_at": a.claimant_accepted_at,
                "respondent_accepted_at": a.respondent_accepted_at,
            }
            for a in d.agreements.select_related("proposed_by")
        ],
    }


def _fresh(dispute) -> dict:
    return dispute_out(get_dispute_for_user_unchecked(dispute.pk))


def get_dispute_for_user_unchecked(pk):
    return Dispute.objects.select_related("mediator").get(pk=pk)


@disputes_router.get("", response=list[DisputeOut])
def list_disputes(request):
    """Your unit's disputes and those you mediate."""
    user = request.user
    rows = Dispute.objects.filter(mediator=user)
    if user.unit_id:
        rows = rows | Dispute.objects.of_unit(user.unit_id)
    return [dispute_out(d) for d in rows.select_related("mediator").distinct()[:500]]


@disputes_router.post("", response={201: DisputeOut, 400: Error, 403: Error})
def open_dispute(request):
    """Open a dispute (form fields respondent, subject, statement)."""
    data = cleaned(DisputeForm(request.POST))
    return Status(201, dispute_out(actions.do_open_dispute(actor=request.user, **data)))


@disputes_router.get("/mediation", response={200: list[DisputeQueueOut], 403: Error})
def mediation_queue(request):
    """Disputes waiting for a mediator (the secretariat): parties and dates, never the file."""
    if not request.user.is_secretariat:
        raise ApiError(403, "forbidden", _("Only the secretariat names mediators."))
    rows = Dispute.objects.filter(status=DisputeStatus.MEDIATION_REQUESTED).prefetch_related(
        "recusals"
    )
    return [
        {
            "id": d.pk,
            "claimant_id": d.claimant_id,
            "respondent_id": d.respondent_id,
            "mediation_requested_at": d.mediation_requested_at,
            "assignment_deadline": deadline_out(d.assignment_deadline()),
            "recused": [r.person_id for r in d.recusals.all()],
        }
        for d in rows
    ]


@disputes_router.get("/{dispute_id}", response={200: DisputeOut, 404: Error})
def read_dispute(request, dispute_id: int):
    return dispute_out(get_dispute_for_user(request.user, dispute_id))


@disputes_router.post(
    "/{dispute_id}/messages", response={201: DisputeOut, 400: Error, 404: Error, 409: Error}
)
def add_message(request, dispute_id: int):
    """Add to the record (form field body; file `document`)."""
    dispute = get_dispute_for_user(request.user, dispute_id, to="write")
    data = cleaned(DisputeMessageForm(request.POST, request.FILES))
    actions.do_add_dispute_message(
        dispute, actor=request.user, body=data["body"], document=data.get("document")
    )
    return Status(201, _fresh(dispute))


@disputes_router.get("/{dispute_id}/documents/{message_id}")
def download_document(request, dispute_id: int, message_id: int):
    dispute = get_dispute_for_user(request.user, dispute_id)
    message = get_object_or_404(DisputeMessage, pk=message_id, dispute=dispute)
    return serve_upload(message.document, f"dispute-{dispute.pk}-{message.pk}")


@disputes_router.post("/{dispute_id}/mediation", response={200: DisputeOut, 404: Error, 409: Error})
def request_mediation(request, dispute_id: int):
    dispute = get_dispute_for_user(request.user, dispute_id, to="write")
    return _fresh(actions.do_request_mediation(dispute, actor=request.user))


@disputes_router.post(
    "/{dispute_id}/assign", response={200: DisputeQueueOut, 400: Error, 404: Error, 409: Error}
)
def assign_mediator(request, dispute_id: int):
    """Name a mediator (form field mediator: a secretariat person's id)."""
    dispute = get_dispute_for_user(request.user, dispute_id, to="assign")
    data = cleaned(AssignMediatorForm(request.POST))
    d = actions.do_assign_mediator(dispute, actor=request.user, mediator=data["mediator"])
    return {
        "id": d.pk,
        "claimant_id": d.claimant_id,
        "respondent_id": d.respondent_id,
        "mediation_requested_at": d.mediation_requested_at,
        "assignment_deadline": deadline_out(d.assignment_deadline()),
        "recused": list(d.recusals.values_list("person_id", flat=True)),
    }


@disputes_router.post("/{dispute_id}/recuse", response={201: None, 404: Error, 409: Error})
def recuse(request, dispute_id: int):
    dispute = get_dispute_for_user(request.user, dispute_id, to="assign")
    data = cleaned(RecusalForm(request.POST))
    actions.do_declare_dispute_conflict(dispute, actor=request.user, note=data["note"])
    return Status(201, None)


@disputes_router.post(
    "/{dispute_id}/agreements", response={201: DisputeOut, 400: Error, 404: Error, 409: Error}
)
def propose_agreement(request, dispute_id: int):
    dispute = get_dispute_for_user(request.user, dispute_id, to="write")
    data = cleaned(AgreementForm(request.POST))
    actions.do_propose_agreement(dispute, actor=request.user, text=data["text"])
    return Status(201, _fresh(dispute))


@disputes_router.post(
    "/{dispute_id}/agreements/{agreement_id}/accept",
    response={200: DisputeOut, 403: Error, 404: Error, 409: Error},
)
def accept_agreement(request, dispute_id: int, agreement_id: int):
    agreement = get_agreement_for_user(request.user, dispute_id, agreement_id, to="accept")
    actions.do_accept_agreement(agreement, actor=request.user)
    return _fresh(agreement.dispute)


@disputes_router.post("/{dispute_id}/end", response={200: DisputeOut, 400: Error, 404: Error})
def end_unsettled(request, dispute_id: int):
    dispute = get_dispute_for_user(request.user, dispute_id, to="write")
    data = cleaned(EndDisputeForm(request.POST))
    return _fresh(
        actions.do_end_dispute_unsettled(dispute, actor=request.user, reason=data["reason"])
    )


# Complaints to the authority -------------------------------------------------------------------


class ComplaintOut(Schema):
    id: int
    unit_id: int
    target: str
    staff: str | None
    subject: str
    body: str
    status: str
    filed_at: datetime
    answer_deadline: DisputeDeadlineOut
    answer: str
    answered_at: datetime | None
    closed_at: datetime | None
    closing_note: str


def complaint_out(c: Complaint) -> dict:
    return {
        "id": c.pk,
        "unit_id": c.unit_id,
        "target": c.target,
        "staff": str(c.staff) if c.staff_id else None,
        "subject": c.subject,
        "body": c.body,
        "status": c.status,
        "filed_at": c.filed_at,
        "answer_deadline": deadline_out(c.answer_deadline()),
        "answer": c.answer,
        "answered_at": c.answered_at,
        "closed_at": c.closed_at,
        "closing_note": c.closing_note,
    }


@complaints_router.get("", response={200: list[ComplaintOut], 403: Error})
def list_complaints(request):
    """The authority's complaints, or your unit's; refused to every secretariat account."""
    require_complaint_list(request.user)
    if reads_complaints_as_authority(request.user):
        rows = Complaint.objects.all()
    else:
        rows = Complaint.objects.filter(unit_id=request.user.unit_id or 0)
    return [complaint_out(c) for c in rows.select_related("staff")[:500]]


@complaints_router.post("", response={201: ComplaintOut, 400: Error, 403: Error})
def file_complaint(request):
    """File a complaint (form fields target, staff, subject, body)."""
    require_complaint_list(request.user)
    data = cleaned(ComplaintForm(request.POST))
    return Status(201, complaint_out(actions.do_file_complaint(actor=request.user, **data)))


@complaints_router.get("/{complaint_id}", response={200: ComplaintOut, 404: Error})
def read_complaint(request, complaint_id: int):
    return complaint_out(get_complaint_for_user(request.user, complaint_id))


@complaints_router.post(
    "/{complaint_id}/answer", response={200: ComplaintOut, 400: Error, 404: Error, 409: Error}
)
def answer_complaint(request, complaint_id: int):
    complaint = get_complaint_for_user(request.user, complaint_id, to="handle")
    data = cleaned(ComplaintAnswerForm(request.POST))
    return complaint_out(
        actions.do_answer_complaint(complaint, actor=request.user, answer=data["answer"])
    )


@complaints_router.post(
    "/{complaint_id}/close", response={200: ComplaintOut, 400: Error, 404: Error, 409: Error}
)
def close_complaint(request, complaint_id: int):
    complaint = get_complaint_for_user(request.user, complaint_id, to="handle")
    data = cleaned(ComplaintCloseForm(request.POST))
    return complaint_out(
        actions.do_close_complaint(complaint, actor=request.user, note=data["note"])
    )


# Public criticism --------------------------------------------------------------------------------


class CriticismReceiptOut(Schema):
    number: int
    receipt_code: str
    answer_deadline: DisputeDeadlineOut


class CriticismPublicOut(Schema):
    number: int
    kind: str
    about: str
    unit_id: int | None
    text: str
    status: str
    received_at: datetime
    answer_deadline: DisputeDeadlineOut
    answer: str
    answered_at: datetime | None


class CriticismOut(CriticismPublicOut):
    contact_name: str
    contact_email: str
    attachment_name: str
    attachment_sha256: str
    triaged_at: datetime | None
    triage_note: str


class CriticismFiguresOut(Schema):
    year: int
    received: int
    answered: int
    median_days: float | None


class CriticismLookupIn(Schema):
    number: int
    code: str


def criticism_out(c: Criticism, *, full: bool = False) -> dict:
    out = {
        "number": c.pk,
        "kind": c.kind,
        "about": c.about,
        "unit_id": c.unit_id,
        "text": c.text,
        "status": c.status,
        "received_at": c.received_at,
        "answer_deadline": deadline_out(c.answer_deadline()),
        "answer": c.answer,
        "answered_at": c.answered_at,
    }
    if full:
        out.update(
            contact_name=c.contact_name,
            contact_email=c.contact_email,
            attachment_name=c.attachment_name,
            attachment_sha256=c.attachment_sha256,
            triaged_at=c.triaged_at,
            triage_note=c.triage_note,
        )
    return out


def _rate_limited(request, scope: str):
    if not hit(scope, request):
        raise ApiError(
            429, "rate_limited", _("Too many submissions from your address; try again later.")
        )


@criticism_router.post("", response={201: CriticismReceiptOut, 400: Error, 429: Error}, auth=public)
def send_criticism(request):
    """Send criticism without an account (form fields kind, about, unit, text, contact_name,
    contact_email; file `attachment`); the receipt code is in the answer, once."""
    _rate_limited(request, "criticism")
    data = cleaned(CriticismForm(request.POST, request.FILES))
    criticism, code = actions.do_receive_criticism(data=data)
    return Status(
        201,
        {
            "number": criticism.pk,
            "receipt_code": code,
            "answer_deadline": deadline_out(criticism.answer_deadline()),
        },
    )


@criticism_router.post(
    "/lookup", response={200: CriticismPublicOut, 400: Error, 404: Error, 429: Error}, auth=public
)
def lookup_criticism(request, payload: CriticismLookupIn):
    """Read your criticism and its answer with its number and receipt code; a wrong code and
    an unknown number get the same 404."""
    _rate_limited(request, "criticism-receipt")
    data = cleaned(ReceiptForm(payload.dict()))
    found = find_by_receipt(data["number"], data["code"])
    if found is None:
        raise ApiError(404, "not_found", _("No criticism has this number and receipt code."))
    return criticism_out(found)


@criticism_router.get("/figures", response={200: CriticismFiguresOut, 400: Error}, auth=public)
def figures(request, year: int | None = None):
    from django.utils import timezone

    year = year or timezone.now().year
    if not 2000 <= year <= 2100:
        raise ApiError(400, "invalid", _("Give a year between 2000 and 2100."))
    return Criticism.objects.figures(year)


def _require_secretariat(user):
    if not user.is_secretariat:
        raise ApiError(403, "forbidden", _("Only the secretariat handles public criticism."))


@criticism_router.get("/manage", response={200: list[CriticismOut], 403: Error})
def list_criticism(request):
    _require_secretariat(request.user)
    return [criticism_out(c, full=True) for c in Criticism.objects.all()[:500]]


@criticism_router.get("/manage/{criticism_id}", response={200: CriticismOut, 404: Error})
def read_criticism(request, criticism_id: int):
    return criticism_out(get_criticism_for_user(request.user, criticism_id), full=True)


@criticism_router.get("/manage/{criticism_id}/attachment")
def download_attachment(request, criticism_id: int):
    criticism = get_criticism_for_user(request.user, criticism_id)
    return serve_upload(criticism.attachment, f"criticism-{criticism.pk}")


@criticism_router.post(
    "/manage/{criticism_id}/triage", response={200: CriticismOut, 404: Error, 409: Error}
)
def triage(request, criticism_id: int):
    criticism = get_criticism_for_user(request.user, criticism_id)
    data = cleaned(TriageForm(request.POST))
    return criticism_out(
        actions.do_triage_criticism(criticism, actor=request.user, note=data["note"]), full=True
    )


@criticism_router.post(
    "/manage/{criticism_id}/answer",
    response={200: CriticismOut, 400: Error, 404: Error, 409: Error},
)
def answer(request, criticism_id: int):
    criticism = get_criticism_for_user(request.user, criticism_id)
    data = cleaned(CriticismAnswerForm(request.POST))
    return criticism_out(
        actions.do_answer_criticism(criticism, actor=request.user, answer=data["answer"]),
        full=True,
    )
