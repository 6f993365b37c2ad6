"""Notifications: the inbox row is written in the caller's transaction, the mail goes through a
django-tasks task stored in the same database, so a rolled-back action sends nothing and a mail
outage loses nothing (the task retries with a growing wait)."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from .models import MailState, Notification


def render_message(template: str, context: dict, language: str) -> tuple[str, str]:
    """Render `<template>_subject.txt` and `<template>_body.txt` in the recipient's language."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context).strip()
    return subject, body


def notify(
    recipients,
    *,
    kind: str,
    template: str,
    context: dict | None = None,
    url: str = "",
    topic: str = "",
):
    """Put a message in each recipient's inbox and queue its mail; returns the notifications.

    `topic` names what the message asks for, so that doing it can settle the message
    (`settle_notifications`)."""
    context = {"site_url": settings.SITE_URL, **(context or {})}
    created = []
    for user in {u.pk: u for u in recipients}.values():
        subject, body = render_message(template, context, user.language)
        wants_mail = bool(user.email) and kind not in user.muted_mail_kinds
        created.append(
            Notification.objects.create(
                recipient=user,
                kind=kind,
                subject=subject[:200],
                body=body,
                url=url,
                topic=topic,
                mail_state=MailState.PENDING if wants_mail else MailState.NOT_WANTED,
            )
        )
    for notification in created:
        if notification.mail_state == MailState.PENDING:
            send_notification_mail.enqueue(notification.pk)
    return created


def settle_notifications(topic_prefix: str, *, now=None) -> int:
    """Mark as read the unread messages whose topic starts with `topic_prefix`: what they asked
    for is done (a "publish by" reminder once the convention is published). Returns how many."""
    return Notification.objects.filter(topic__startswith=topic_prefix, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


@task()
def send_notification_mail(notification_id: int) -> str:
    """Send one notification by mail; on failure, schedule another attempt with a longer wait."""
    # Claim the row so a duplicate task (or a second worker) cannot send it twice.
    claimed = Notification.objects.filter(pk=notification_id, mail_state=MailState.PENDING).update(
        mail_state=MailState.SENDING
    )
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    body = notification.body
    if notification.url:
        body += "\n\n" + settings.SITE_URL.rstrip("/") + notification.url
    message = EmailMessage(
        subject=notification.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
    )
    try:
        message.send()
    except Exception as exc:  # Any transport failure is retried; the reason is kept.
        attempts = notification.mail_attempts + 1
        give_up = attempts >= settings.MAIL_MAX_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            mail_state=MailState.FAILED if give_up else MailState.PENDING,
            mail_attempts=attempts,
            mail_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        if not give_up:
            wait = timedelta(seconds=settings.MAIL_RETRY_SECONDS * 2 ** (attempts - 1))
            with transaction.atomic():
                send_notification_mail.using(run_after=timezone.now() + wait).enqueue(
                    notification_id
                )
        return "failed"
    Notification.objects.filter(pk=notification_id).update(
        mail_state=MailState.SENT,
        mail_attempts=notification.mail_attempts + 1,
        mail_sent_at=timezone.now(),
        mail_error="",
    )
    return "sent"
