"""Who hears of what the registry decides: the submitting unit of its review, the appellant of
the decision (by mail to the contact given when the appellant has no account), the secretariat
of each appeal. Written in the action's transaction (``core.notify``), so a refused action
tells nobody."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from gongyue.core.notify import notify, render_message

KIND = "registry"
MAIL = "registry/mail/"
#: How many of a unit's entries a mail about many names; the rest it counts.
SHOWN_IN_MAIL = 50
# A contact that is a mail address (the appeal form also takes a phone number).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def people_of_unit(unit):
    from gongyue.accounts.models import User

    return User.objects.filter(is_active=True, unit=unit)


def entry_reviewed(entry, *, approved: bool, note: str) -> None:
    notify(
        people_of_unit(entry.unit),
        kind=KIND,
        template=MAIL + ("entry_approved" if approved else "entry_rejected"),
        context={"indicator": entry.indicator, "reason": note},
        url=reverse("registry:entry", args=[entry.pk]),
    )


def _by_unit(entries) -> list[list]:
    """The entries grouped by their submitting unit, in the order the units first appear."""
    groups: dict[int, list] = {}
    for entry in entries:
        groups.setdefault(entry.unit_id, []).append(entry)
    return list(groups.values())


def entries_reviewed(entries, *, approved: bool, note: str) -> None:
    """A review of many entries at once: one notice a unit, naming its entries."""
    for group in _by_unit(entries):
        if len(group) == 1:
            entry_reviewed(group[0], approved=approved, note=note)
            continue
        notify(
            people_of_unit(group[0].unit),
            kind=KIND,
            template=MAIL + ("entries_approved" if approved else "entries_rejected"),
            context={
                "count": len(group),
                "indicators": [e.indicator for e in group[:SHOWN_IN_MAIL]],
                "more": max(0, len(group) - SHOWN_IN_MAIL),
                "reason": note,
            },
            url=reverse("registry:search"),
        )


def entries_expiring(entries, *, days: int) -> None:
    """One notice a unit: its entries that leave the feeds soon unless sighted again."""
    for group in _by_unit(entries):
        notify(
            people_of_unit(group[0].unit),
            kind=KIND,
            template=MAIL + "entries_expiring",
            context={
                "count": len(group),
                "days": days,
                "entries": [
                    {"indicator": e.indicator, "expires_at": e.expires_at}
                    for e in group[:SHOWN_IN_MAIL]
                ],
                "more": max(0, len(group) - SHOWN_IN_MAIL),
            },
            url=reverse("registry:search") + "?mine=on&status=listed",
        )


def appeal_filed(appeal) -> None:
    from gongyue.organisations.queries import secretariat_people

    notify(
        secretariat_people(),
        kind=KIND,
        template=MAIL + "appeal_filed",
        context={"indicator": appeal.entry.indicator, "number": appeal.pk},
        url=reverse("registry:appeals"),
        topic=f"registry.appeal.{appeal.pk}",
    )


def appeal_decided(appeal) -> None:
    context = {
        "indicator": appeal.entry.indicator,
        "number": appeal.pk,
        "upheld": appeal.status == "upheld",
        "reason": appeal.reason,
    }
    people = []
    if appeal.submitted_by_id:
        people.append(appeal.submitted_by)
    if appeal.unit_id:
        people.extend(people_of_unit(appeal.unit))
    if people:
        notify(
            people,
            kind=KIND,
            template=MAIL + "appeal_decided",
            context=context,
            url=reverse("registry:entry", args=[appeal.entry_id]),
        )
    elif EMAIL.match(appeal.contact or ""):
        send_appeal_decision_mail.enqueue(appeal.pk)


@task()
def send_appeal_decision_mail(appeal_id: int, attempt: int = 1) -> str:
    """Mail the decision to the contact of an appellant without an account (rendered now from
    the row, so nothing but the number waits in the queue)."""
    from .models import Appeal

    appeal = Appeal.objects.select_related("entry").filter(pk=appeal_id).first()
    if appeal is None or appeal.status == "open" or not EMAIL.match(appeal.contact or ""):
        return "skipped"
    subject, body = render_message(
        MAIL + "appeal_decided",
        {
            "indicator": appeal.entry.indicator,
            "number": appeal.pk,
            "upheld": appeal.status == "upheld",
            "reason": appeal.reason,
            "site_url": settings.SITE_URL,
            "status_url": settings.SITE_URL.rstrip("/") + reverse("registry:appeal_status"),
        },
        settings.LANGUAGE_CODE,
    )
    try:
        EmailMessage(
            subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[appeal.contact]
        ).send()
    except Exception:  # Any transport failure is retried, as notifications are.
        if attempt >= settings.MAIL_MAX_ATTEMPTS:
            return "failed"
        wait = timedelta(seconds=settings.MAIL_RETRY_SECONDS * 2 ** (attempt - 1))
        with transaction.atomic():
            send_appeal_decision_mail.using(run_after=timezone.now() + wait).enqueue(
                appeal_id, attempt + 1
            )
        return "failed"
    return "sent"
