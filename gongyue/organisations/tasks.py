"""Mail to an address that has no account yet: the legal representative's invitation."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from gongyue.core.notify import render_message

from .models import LegalRepInvitation


def claim_url(invitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "organisations:claim_legal_rep", args=[invitation.token]
    )


@task()
def send_invitation_mail(invitation_id: int, attempt: int = 1) -> str:
    """Send the invitation with its link, built now from the row, so the link itself is never
    stored in the task queue; a withdrawn or claimed invitation is not sent."""
    invitation = (
        LegalRepInvitation.objects.open()
        .select_related("unit", "application")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return "skipped"
    subject, body = render_message(
        "organisations/mail/legal_rep_invitation",
        {
            "name": invitation.name,
            "unit": invitation.unit.name,
            "link": claim_url(invitation),
            "expires_at": timezone.localtime(invitation.expires_at),
            "site_url": settings.SITE_URL,
        },
        settings.LANGUAGE_CODE,
    )
    try:
        EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[invitation.email],
        ).send()
    except Exception:  # Any transport failure is retried, as notifications are.
        if attempt >= settings.MAIL_MAX_ATTEMPTS:
            return "failed"
        wait = timedelta(seconds=settings.MAIL_RETRY_SECONDS * 2 ** (attempt - 1))
        with transaction.atomic():
            send_invitation_mail.using(run_after=timezone.now() + wait).enqueue(
                invitation_id, attempt + 1
            )
        return "failed"
    return "sent"
