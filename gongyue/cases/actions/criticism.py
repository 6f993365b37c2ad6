"""Criticism from the public (Art. 17): received without an account (a receipt code is shown
once and stored only as a slow hash), taken in hand and answered by the secretariat; the
sender's e-mail, when given, gets the answer through the task queue."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.errors import ActionRefused
from gongyue.core.notify import notify
from gongyue.core.receipts import hash_receipt, new_receipt_code
from gongyue.organisations.queries import secretariat_people

from ..events import CriticismEvent
from ..models import Criticism, CriticismAbout, CriticismStatus

MAIL = "cases/mail/"


@transaction.atomic
def do_receive_criticism(*, data: dict) -> tuple[Criticism, str]:
    """Store criticism sent by anyone; returns it and its receipt code (shown once)."""
    unit = data.get("unit") if data["about"] == CriticismAbout.MEMBER else None
    if data["about"] == CriticismAbout.MEMBER and (unit is None or not unit.is_member()):
        raise ActionRefused(
            _("Choose the member unit the criticism is about."),
            code="unit_required",
            field="unit",
            status=400,
        )
    code = new_receipt_code()
    criticism = Criticism(
        kind=data["kind"],
        about=data["about"],
        unit=unit,
        text=data["text"],
        contact_name=data.get("contact_name", ""),
        contact_email=data.get("contact_email", ""),
        receipt_digest=hash_receipt(code),
    )
    if upload := data.get("attachment"):
        criticism.attachment_name = upload.name[-200:]
        criticism.attachment.save(upload.name, upload, save=False)
    criticism.save()
    record(
        CriticismEvent.RECEIVED,
        actor="public",
        subject=criticism,
        new={
            "kind": criticism.kind,
            "about": criticism.about,
            "unit": criticism.unit_id,
            "attachment_sha256": criticism.attachment_sha256 or None,
        },
        visibility=Visibility.SECRETARIAT,
        unit=criticism.unit_id,
    )
    notify(
        secretariat_people(),
        kind="criticism",
        template=MAIL + "criticism_received",
        context={"number": criticism.pk, "due": criticism.answer_deadline().last_day},
        url=reverse("cases:criticism_detail", args=[criticism.pk]),
    )
    return criticism, code


def _refuse_unless_secretariat(actor):
    if not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat handles public criticism."), code="forbidden", status=403
        )


@transaction.atomic
def do_triage_criticism(criticism, *, actor, note: str = "") -> Criticism:
    """The secretariat takes the criticism in hand (with an internal note)."""
    _refuse_unless_secretariat(actor)
    criticism = Criticism.objects.select_for_update().get(pk=criticism.pk)
    if not criticism.can_become(CriticismStatus.IN_HAND):
        raise ActionRefused(
            _("This criticism is “%(status)s”; it cannot be taken in hand now.")
            % {"status": criticism.get_status_display()},
            code="invalid_transition",
        )
    criticism.status = CriticismStatus.IN_HAND
    criticism.triaged_at, criticism.triaged_by, criticism.triage_note = timezone.now(), actor, note
    criticism.save(update_fields=["status", "triaged_at", "triaged_by", "triage_note"])
    record(
        CriticismEvent.TRIAGED,
        actor=actor,
        subject=criticism,
        old={"status": CriticismStatus.RECEIVED},
        new={"status": criticism.status},
        visibility=Visibility.SECRETARIAT,
        unit=criticism.unit_id,
    )
    return criticism


@transaction.atomic
def do_answer_criticism(criticism, *, actor, answer: str) -> Criticism:
    """The secretariat answers; the sender reads it with the receipt code and, when an e-mail
    was given, gets it by mail."""
    _refuse_unless_secretariat(actor)
    criticism = Criticism.objects.select_for_update().get(pk=criticism.pk)
    if not criticism.can_become(CriticismStatus.ANSWERED):
        raise ActionRefused(_("This criticism has already been answered."), code="answered")
    old = criticism.status
    criticism.status = CriticismStatus.ANSWERED
    criticism.answer, criticism.answered_at, criticism.answered_by = answer, timezone.now(), actor
    criticism.save(update_fields=["status", "answer", "answered_at", "answered_by"])
    record(
        CriticismEvent.ANSWERED,
        actor=actor,
        subject=criticism,
        old={"status": old},
        new={"status": criticism.status},
        visibility=Visibility.SECRETARIAT,
        unit=criticism.unit_id,
    )
    if criticism.contact_email:
        # Queued in this transaction: a refused or rolled-back answer sends nothing.
        send_criticism_answer.enqueue(criticism.pk)
    return criticism


@task()
def send_criticism_answer(criticism_id: int) -> str:
    """Mail the answer to the address the sender gave (in the site's default language)."""
    criticism = Criticism.objects.filter(pk=criticism_id).first()
    if criticism is None or not criticism.contact_email or not criticism.answered_at:
        return "skipped"
    context = {
        "number": criticism.pk,
        "answer": criticism.answer,
        "site_url": settings.SITE_URL,
        "status_url": reverse("cases:criticism_status"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(
            render_to_string(MAIL + "criticism_answered_subject.txt", context).split()
        )
        body = render_to_string(MAIL + "criticism_answered_body.txt", context).strip()
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[criticism.contact_email],
    ).send()
    return "sent"
