"""Bulletins, requests and submissions under /api/v1/bulletins/ and /api/v1/requests/: the pages'
access helpers, forms and actions."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status

from gongyue.api.auth import public
from gongyue.api.errors import MAX_OFFSET, cleaned
from gongyue.core.uploads import serve_upload

from . import actions, queries
from .access import (
    get_bulletin_for_user,
    get_request_for_user,
    get_submission_for_user,
    require_secretariat,
)
from .forms import AnswerForm, BulletinForm, ForwardForm, ReplyForm, RequestForm, files_of
from .models import Submission

router = Router(tags=["bulletins"])
requests_router = Router(tags=["requests"])


class AttachmentOut(Schema):
    id: int
    name: str
    kind: str
    size: int
    sha256: str


class BulletinOut(Schema):
    id: int
    title: str
    kind: str
    audience: str
    categories: list[str]
    status: str
    publish_at: datetime | None
    published_at: datetime | None
    body: str
    body_html: str
    ack_required: bool
    ack_due_at: datetime | None
    attachments: list[AttachmentOut]


class ReceiptOut(Schema):
    unit_id: int
    unit: str
    read_at: datetime | None
    read_by: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    reminded_at: datetime | None


class BulletinPublishIn(Schema):
    at: datetime | None = None


class RemindIn(Schema):
    acknowledgement: bool = False


class CountOut(Schema):
    reminded: int


def attachment_out(a) -> dict:
    return {"id": a.pk, "name": a.name, "kind": a.kind, "size": a.size, "sha256": a.sha256}


def bulletin_out(b) -> dict:
    return {
        **{name: getattr(b, name) for name in BulletinOut.model_fields if name != "attachments"},
        "attachments": [attachment_out(a) for a in b.attachments.all()],
    }


def receipt_out(r) -> dict:
    return {
        "unit_id": r.unit_id,
        "unit": r.unit.name,
        "read_at": r.read_at,
        "read_by": str(r.read_by) if r.read_by else None,
        "acknowledged_at": r.acknowledged_at,
        "acknowledged_by": str(r.acknowledged_by) if r.acknowledged_by else None,
        "reminded_at": r.reminded_at,
    }


class BulletinOverdueOut(Schema):
    bulletin_id: int
    title: str
    unit_id: int
    unit: str
    ack_due_at: datetime
    last_day: date
    days_overdue: int


MAX_LIMIT = 1000


def page_of(rows, offset: int, limit: int):
    offset = min(max(0, offset), MAX_OFFSET)
    return rows[offset : offset + max(1, min(limit, MAX_LIMIT))]


# Bulletins ---------------------------------------------------------------------------------------


@router.get("", response=list[BulletinOut], auth=public)
def list_bulletins(request, kind: str = ""):
    """Published bulletins you may read (public ones without credentials), newest first."""
    bulletins = queries.visible_bulletins(request.user).prefetch_related("attachments")
    if kind:
        bulletins = bulletins.filter(kind=kind)
    return [bulletin_out(b) for b in bulletins.order_by("-published_at", "-pk")[:200]]


@router.get("/inbox", response=list[dict])
def inbox(request):
    """The bulletins addressed to your unit, with its receipt on each."""
    if not request.user.unit_id:
        return []
    return [
        {"bulletin": r.bulletin_id, "title": r.bulletin.title, **receipt_out_light(r)}
        for r in queries.inbox(request.user.unit_id)[:500]
    ]


def receipt_out_light(r) -> dict:
    return {
        "published_at": r.bulletin.published_at,
        "read_at": r.read_at,
        "acknowledged_at": r.acknowledged_at,
        "ack_due_at": r.bulletin.ack_due_at,
    }


@router.get("/overdue", response=list[BulletinOverdueOut])
def overdue_acknowledgements(request, offset: int = 0, limit: int = 100):
    """Every unit that has not acknowledged a bulletin asking for it past its deadline (the
    secretariat), oldest deadline first; `offset` and `limit` (at most 1000) page through."""
    require_secretariat(request.user)
    now = timezone.now()
    rows = queries.with_overdue_days(
        page_of(queries.overdue_acknowledgements(now), offset, limit),
        lambda r: r.bulletin.ack_due_at,
        now,
    )
    return [
        {
            "bulletin_id": r.bulletin_id,
            "title": r.bulletin.title,
            "unit_id": r.unit_id,
            "unit": r.unit.name,
            "ack_due_at": r.bulletin.ack_due_at,
            "last_day": r.last_day,
            "days_overdue": r.days_overdue,
        }
        for r in rows
    ]


@router.post("", response={201: BulletinOut})
def create_bulletin(request):
    """Write a bulletin (multipart or form fields: title, body, kind, audience, all_members or
    categories, ack_required, ack_days, attachments). `publish=1` publishes it now, or at
    `publish_at`; otherwise it stays a draft."""
    require_secretariat(request.user)
    data = cleaned(BulletinForm(request.POST, files_of(request.FILES)))
    bulletin = actions.do_create_bulletin(
        actor=request.user, data=data, attachments=data["attachments"]
    )
    if request.POST.get("publish") in {"1", "true"}:
        bulletin = actions.do_publish_bulletin(bulletin, actor=request.user, at=data["publish_at"])
    return Status(201, bulletin_out(bulletin))


@router.get("/{bulletin_id}", response=BulletinOut, auth=public)
def read_bulletin(request, bulletin_id: int):
    """A bulletin; reading it as a person of an addressed unit records the unit's receipt."""
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    actions.do_record_read(bulletin, reader=request.user)
    return bulletin_out(bulletin)


@router.get("/{bulletin_id}/files/{attachment_id}", response={200: None}, auth=public)
def download_attachment(request, bulletin_id: int, attachment_id: int) -> HttpResponse:
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    attachment = get_object_or_404(bulletin.attachments, pk=attachment_id)
    return serve_upload(attachment.file, attachment.download_stem)


@router.post("/{bulletin_id}/publish", response=BulletinOut)
def publish_bulletin(request, bulletin_id: int, payload: BulletinPublishIn):
    """Publish a draft now, or schedule it (`at`, in the future)."""
    bulletin = get_bulletin_for_user(request.user, bulletin_id, to="manage")
    return bulletin_out(actions.do_publish_bulletin(bulletin, actor=request.user, at=payload.at))


@router.get("/{bulletin_id}/receipts", response=list[ReceiptOut])
def list_receipts(request, bulletin_id: int):
    """Every addressed unit with its read receipt and acknowledgement (the secretariat)."""
    bulletin = get_bulletin_for_user(request.user, bulletin_id, to="manage")
    return [receipt_out(r) for r in queries.receipts(bulletin)]


@router.post("/{bulletin_id}/remind", response=CountOut)
def remind(request, bulletin_id: int, payload: RemindIn):
    bulletin = get_bulletin_for_user(request.user, bulletin_id, to="manage")
    count = actions.do_remind_unread(
        bulletin, actor=request.user, acknowledgement=payload.acknowledgement
    )
    return {"reminded": count}


@router.post("/{bulletin_id}/acknowledge", response=ReceiptOut)
def acknowledge(request, bulletin_id: int):
    """Your unit's signer confirms the unit has taken note."""
    bulletin = get_bulletin_for_user(request.user, bulletin_id, to="acknowledge")
    return receipt_out(actions.do_acknowledge_bulletin(bulletin, actor=request.user))


# Requests ----------------------------------------------------------------------------------------


class RequestOut(Schema):
    id: int
    unit_id: int
    unit: str
    kind: str
    title: str
    body: str
    status: str
    received_at: datetime
    answer: str
    answered_at: datetime | None
    forwarded_at: datetime | None
    authority_answered_at: datetime | None
    closed_at: datetime | None
    submission_id: int | None
    attachments: list[AttachmentOut]


class SubmissionOut(Schema):
    id: int
    title: str
    body: str
    forwarded_at: datetime
    reply: str
    replied_at: datetime | None
    requests: list[RequestOut]


class AnswerIn(Schema):
    answer: str = ""


class ForwardIn(Schema):
    requests: list[int] = []
    title: str = ""
    body: str = ""


class ReplyIn(Schema):
    reply: str = ""


def request_out(r) -> dict:
    return {
        **{
            name: getattr(r, name)
            for name in RequestOut.model_fields
            if name not in {"unit", "attachments"}
        },
        "unit": r.unit.name,
        "attachments": [attachment_out(a) for a in r.attachments.all()],
    }


def submission_out(s, user) -> dict:
    linked = s.requests.select_related("unit").order_by("pk")
    if not (user.is_authority or user.is_secretariat):
        linked = linked.filter(unit=user.unit_id)
    return {
        "id": s.pk,
        "title": s.title,
        "body": s.body,
        "forwarded_at": s.forwarded_at,
        "reply": s.reply,
        "replied_at": s.replied_at,
        "requests": [request_out(r) for r in linked],
    }


@requests_router.get("", response=list[RequestOut])
def list_requests(request, status: str = ""):
    """Your unit's requests; the secretariat's every request; the authority's forwarded ones."""
    rows = queries.visible_requests(request.user).select_related("unit")
    if status:
        rows = rows.filter(status=status)
    return [request_out(r) for r in rows.prefetch_related("attachments")[:500]]


@requests_router.post("", response={201: RequestOut})
def send_request(request):
    """Send a request or suggestion (form fields kind, title, body; files `attachments`)."""
    data = cleaned(RequestForm(request.POST, files_of(request.FILES)))
    obj = actions.do_send_request(actor=request.user, data=data, attachments=data["attachments"])
    return Status(201, request_out(obj))


@requests_router.get("/submissions", response=list[SubmissionOut])
def list_submissions(request):
    """The authority's inbox of forwarded submissions."""
    if not (request.user.is_authority or request.user.is_secretariat):
        raise PermissionDenied
    return [submission_out(s, request.user) for s in Submission.objects.all()[:500]]


@requests_router.post("/forward", response={201: SubmissionOut})
def forward(request, payload: ForwardIn):
    """Forward one request, or several merged into one submission, to the authority."""
    require_secretariat(request.user)
    data = cleaned(ForwardForm(payload.dict()))
    submission = actions.do_forward_requests(
        data["requests"], actor=request.user, title=data["title"], body=data["body"]
    )
    return Status(201, submission_out(submission, request.user))


@requests_router.get("/submissions/{submission_id}", response=SubmissionOut)
def read_submission(request, submission_id: int):
    return submission_out(get_submission_for_user(request.user, submission_id), request.user)


@requests_router.post("/submissions/{submission_id}/reply", response=SubmissionOut)
def reply(request, submission_id: int, payload: ReplyIn):
    submission = get_submission_for_user(request.user, submission_id, to="reply")
    data = cleaned(ReplyForm(payload.dict()))
    submission = actions.do_reply_to_submission(submission, actor=request.user, reply=data["reply"])
    return submission_out(submission, request.user)


@requests_router.get("/{request_id}", response=RequestOut)
def read_request(request, request_id: int):
    return request_out(get_request_for_user(request.user, request_id))


@requests_router.get("/{request_id}/files/{attachment_id}", response={200: None})
def download_request_attachment(request, request_id: int, attachment_id: int) -> HttpResponse:
    """A file of a request, to those who may see the request (served inert: core.uploads)."""
    obj = get_request_for_user(request.user, request_id)
    attachment = get_object_or_404(obj.attachments, pk=attachment_id)
    return serve_upload(attachment.file, attachment.download_stem)


@requests_router.post("/{request_id}/answer", response=RequestOut)
def answer(request, request_id: int, payload: AnswerIn):
    obj = get_request_for_user(request.user, request_id, to="handle")
    data = cleaned(AnswerForm(payload.dict()))
    return request_out(actions.do_answer_request(obj, actor=request.user, answer=data["answer"]))


@requests_router.post("/{request_id}/close", response=RequestOut)
def close(request, request_id: int):
    obj = get_request_for_user(request.user, request_id, to="handle")
    return request_out(actions.do_close_request(obj, actor=request.user))
