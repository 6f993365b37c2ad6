"""Complaints about the executing body (Art. 23): filed by a member unit's person, answered
and closed by the authority. Every audit row is at the authority-only visibility, and the
notifications carry no text of the complaint (the inbox is a table the site admin can reach)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.accounts.models import Role, RoleGrant, User
from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.duties import schedule_reminder
from gongyue.core.errors import ActionRefused
from gongyue.core.notify import notify

from ..events import ComplaintEvent
from ..models import Complaint, ComplaintStatus, ComplaintTarget
from .disputes import REMIND_BEFORE

MAIL = "cases/mail/"
VISIBILITY = Visibility.AUTHORITY


def authority_people():
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active().filter(role=Role.AUTHORITY).values("user"),
    )


def _url(complaint) -> str:
    return reverse("cases:complaint", args=[complaint.pk])


def _tell_unit(complaint, template: str):
    notify(
        User.objects.filter(is_active=True, unit=complaint.unit_id),
        kind="complaint",
        template=MAIL + template,
        context={"number": complaint.pk},
        url=_url(complaint),
    )


def _refuse_unless_authority(actor):
    # The authority's acts only; a superuser or secretariat person holding it too is refused.
    if not actor.is_authority or actor.is_secretariat or actor.is_site_admin:
        raise ActionRefused(
            _("Only the authority handles complaints about the executing body."),
            code="forbidden",
            status=403,
        )


@transaction.atomic
def do_file_complaint(*, actor, target: str, staff=None, subject: str, body: str) -> Complaint:
    """A person of a member unit complains about the secretariat or one of its staff."""
    if actor.is_secretariat or actor.is_site_admin:
        raise ActionRefused(
            _("Secretariat and administrator accounts do not file these complaints."),
            code="forbidden",
            status=403,
        )
    if not actor.unit_id or not actor.unit.is_member(timezone.now()):
        raise ActionRefused(
            _("Only people of a member unit complain to the authority about the secretariat."),
            code="forbidden",
            status=403,
        )
    if target == ComplaintTarget.STAFF and (staff is None or not staff.is_secretariat):
        raise ActionRefused(
            _("Name the member of the secretariat's staff the complaint is about."),
            code="staff_required",
            field="staff",
            status=400,
        )
    complaint = Complaint.objects.create(
        unit_id=actor.unit_id,
        filed_by=actor,
        target=target,
        staff=staff if target == ComplaintTarget.STAFF else None,
        subject=subject,
        body=body,
    )
    record(
        ComplaintEvent.FILED,
        actor=actor,
        subject=complaint,
        new={"target": target, "staff": complaint.staff_id},
        visibility=VISIBILITY,
    )
    due = complaint.answer_deadline()
    people = list(authority_people())
    notify(
        people,
        kind="complaint",
        template=MAIL + "complaint_filed",
        context={"number": complaint.pk, "due": due.last_day},
        url=_url(complaint),
    )
    for person in people:
        schedule_reminder(
            key=f"complaint:{complaint.pk}:answer",
            recipient=person,
            due_at=due.ends_at - REMIND_BEFORE,
            kind="complaint",
            template=MAIL + "complaint_reminder",
            context={"number": complaint.pk, "due": due.last_day.isoformat()},
            url=_url(complaint),
        )
    return complaint


@transaction.atomic
def do_answer_complaint(complaint, *, actor, answer: str) -> Complaint:
    _refuse_unless_authority(actor)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not complaint.can_become(ComplaintStatus.ANSWERED):
        raise ActionRefused(
            _("This complaint is “%(status)s”; it cannot be answered now.")
            % {"status": complaint.get_status_display()},
            code="invalid_transition",
        )
    complaint.status = ComplaintStatus.ANSWERED
    complaint.answer, complaint.answered_at, complaint.answered_by = answer, timezone.now(), actor
    complaint.save(update_fields=["status", "answer", "answered_at", "answered_by"])
    record(
        ComplaintEvent.ANSWERED,
        actor=actor,
        subject=complaint,
        old={"status": ComplaintStatus.FILED},
        new={"status": complaint.status},
        visibility=VISIBILITY,
    )
    _tell_unit(complaint, "complaint_answered")
    return complaint


@transaction.atomic
def do_close_complaint(complaint, *, actor, note: str = "") -> Complaint:
    _refuse_unless_authority(actor)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not complaint.can_become(ComplaintStatus.CLOSED):
        raise ActionRefused(_("This complaint is already closed."), code="invalid_transition")
    old = complaint.status
    complaint.status, complaint.closed_at, complaint.closing_note = (
        ComplaintStatus.CLOSED,
        timezone.now(),
        note,
    )
    complaint.save(update_fields=["status", "closed_at", "closing_note"])
    record(
        ComplaintEvent.CLOSED,
        actor=actor,
        subject=complaint,
        old={"status": old},
        new={"status": complaint.status},
        visibility=VISIBILITY,
    )
    _tell_unit(complaint, "complaint_closed")
    return complaint
