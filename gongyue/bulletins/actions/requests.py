"""Requests and suggestions up (Art. 14, 18): sent, answered, forwarded (alone or merged),
answered by the authority, closed. Every step notifies the submitting unit."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.accounts.models import Role, RoleGrant, User
from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.errors import ActionRefused
from gongyue.core.notify import notify
from gongyue.organisations.queries import secretariat_people

from .. import queries
from ..events import BulletinEvent
from ..models import Request, RequestAttachment, RequestStatus, Submission
from .bulletins import save_attachment

MAIL = "bulletins/mail/"


def authority_people():
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active().filter(role=Role.AUTHORITY).values("user"),
    )


def _tell_unit(request, template: str, **context):
    notify(
        queries.people_of([request.unit_id]),
        kind="request",
        template=MAIL + template,
        context={"title": request.title, **context},
        url=reverse("bulletins:request", args=[request.pk]),
    )


def _refuse_transition(request, status) -> None:
    if not request.can_become(status):
        raise ActionRefused(
            _("This request is “%(status)s”; that step is not possible now.")
            % {"status": request.get_status_display()},
            code="invalid_transition",
        )


@transaction.atomic
def do_send_request(*, actor, data: dict, attachments=()) -> Request:
    """A member unit's person sends a request or suggestion to the secretariat."""
    if not actor.unit_id or not actor.unit.is_member(timezone.now()):
        raise ActionRefused(
            _("Only people of a member unit send requests and suggestions."),
            code="forbidden",
            status=403,
        )
    request = Request.objects.create(
        unit_id=actor.unit_id,
        sent_by=actor,
        kind=data["kind"],
        title=data["title"],
        body=data["body"],
    )
    files = [
        save_attachment(RequestAttachment, "request", request, upload, kind)
        for upload, kind in attachments
    ]
    record(
        BulletinEvent.REQUEST_SENT,
        actor=actor,
        subject=request,
        new={
            "unit": request.unit_id,
            "kind": request.kind,
            "attachments": [{"name": f.name, "sha256": f.sha256} for f in files],
        },
        visibility=Visibility.SECRETARIAT,
    )
    notify(
        secretariat_people(),
        kind="request",
        template=MAIL + "request_received",
        context={"title": request.title, "unit": str(actor.unit)},
        url=reverse("bulletins:request", args=[request.pk]),
    )
    return request


@transaction.atomic
def do_answer_request(request, *, actor, answer: str) -> Request:
    """The secretariat answers a request itself."""
    request = Request.objects.select_for_update().get(pk=request.pk)
    _refuse_transition(request, RequestStatus.ANSWERED)
    old = request.status
    request.status, request.answer = RequestStatus.ANSWERED, answer
    request.answered_at, request.answered_by = timezone.now(), actor
    request.save(update_fields=["status", "answer", "answered_at", "answered_by"])
    record(
        BulletinEvent.REQUEST_ANSWERED,
        actor=actor,
        subject=request,
        old={"status": old},
        new={"status": request.status},
        visibility=Visibility.SECRETARIAT,
    )
    _tell_unit(request, "request_answered")
    return request


@transaction.atomic
def do_forward_requests(requests, *, actor, title: str, body: str) -> Submission:
    """Forward one request, or several on one matter merged into one submission, to the
    authority. A request is forwarded once."""
    ids = sorted({r.pk for r in requests})
    if not ids:
        raise ActionRefused(_("Choose the requests to forward."), code="invalid", status=400)
    locked = list(Request.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    already = [r for r in locked if r.submission_id]
    if already:
        raise ActionRefused(
            *[
                _("“%(title)s” was already forwarded on %(day)s.")
                % {"title": r.title, "day": timezone.localtime(r.forwarded_at).date()}
                for r in already
            ],
            code="already_forwarded",
        )
    for request in locked:
        _refuse_transition(request, RequestStatus.FORWARDED)
    now = timezone.now()
    submission = Submission.objects.create(
        title=title, body=body, forwarded_at=now, forwarded_by=actor
    )
    Request.objects.filter(pk__in=ids).update(
        status=RequestStatus.FORWARDED, submission=submission, forwarded_at=now
    )
    record(
        BulletinEvent.REQUEST_FORWARDED,
        actor=actor,
        subject=submission,
        new={"requests": ids, "title": title},
        visibility=Visibility.SECRETARIAT,
    )
    for request in locked:
        _tell_unit(request, "request_forwarded")
    notify(
        authority_people(),
        kind="request",
        template=MAIL + "submission_received",
        context={"title": title, "count": len(ids)},
        url=reverse("bulletins:submission", args=[submission.pk]),
    )
    return submission


@transaction.atomic
def do_reply_to_submission(submission, *, actor, reply: str) -> Submission:
    """The authority's reply, recorded once; every linked request is then answered by it."""
    if not actor.is_authority:
        raise ActionRefused(
            _("Only the authority replies to a submission."), code="forbidden", status=403
        )
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.is_answered:
        raise ActionRefused(_("The authority has already replied."), code="already_replied")
    now = timezone.now()
    submission.reply, submission.replied_at, submission.replied_by = reply, now, actor
    submission.save(update_fields=["reply", "replied_at", "replied_by"])
    linked = list(submission.requests.filter(status=RequestStatus.FORWARDED))
    submission.requests.filter(status=RequestStatus.FORWARDED).update(
        status=RequestStatus.AUTHORITY_ANSWERED, authority_answered_at=now
    )
    record(
        BulletinEvent.AUTHORITY_REPLIED,
        actor=actor,
        subject=submission,
        new={"requests": [r.pk for r in linked]},
        visibility=Visibility.SECRETARIAT,
    )
    for request in linked:
        _tell_unit(request, "authority_replied")
    notify(
        secretariat_people(),
        kind="request",
        template=MAIL + "authority_replied",
        context={"title": submission.title},
        url=reverse("bulletins:submission", args=[submission.pk]),
    )
    return submission


@transaction.atomic
def do_close_request(request, *, actor) -> Request:
    request = Request.objects.select_for_update().get(pk=request.pk)
    _refuse_transition(request, RequestStatus.CLOSED)
    old = request.status
    request.status, request.closed_at = RequestStatus.CLOSED, timezone.now()
    request.save(update_fields=["status", "closed_at"])
    record(
        BulletinEvent.REQUEST_CLOSED,
        actor=actor,
        subject=request,
        old={"status": old},
        new={"status": request.status},
        visibility=Visibility.SECRETARIAT,
    )
    _tell_unit(request, "request_closed")
    return request
