"""Criticism and complaints from the public (Art. 17; RULES.md rule 15): sent without an
account, followed with a receipt code stored only as a slow hash; no address, cookie or other
trace of the sender is kept with it."""

import secrets
import statistics

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongyue.core.deadlines import deadline
from gongyue.core.uploads import DOCUMENT_KINDS, InertFileField

from .disputes import rule_now


class CriticismKind(models.TextChoices):
    CRITICISM = "criticism", _("criticism")
    COMPLAINT = "complaint", _("complaint")


class CriticismAbout(models.TextChoices):
    TRADE = "trade", _("the internet trade in general")
    MEMBER = "member", _("a member unit")


class CriticismStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("status", "received")
    IN_HAND = "in_hand", _("being handled")
    ANSWERED = "answered", pgettext_lazy("status", "answered")


CRITICISM_TRANSITIONS = {
    CriticismStatus.RECEIVED: {CriticismStatus.IN_HAND, CriticismStatus.ANSWERED},
    CriticismStatus.IN_HAND: {CriticismStatus.ANSWERED},
    CriticismStatus.ANSWERED: set(),
}


def criticism_file_path(criticism, filename):
    return f"private/criticism/{secrets.token_hex(8)}/{filename}"


class CriticismQuerySet(models.QuerySet):
    def in_year(self, year: int):
        return self.filter(received_at__year=year)

    def figures(self, year: int) -> dict:
        """Received, answered and the median days to answer, for the public yearly figures."""
        rows = list(self.in_year(year).values_list("received_at", "answered_at"))
        days = sorted(
            (answered - received).total_seconds() / 86400 for received, answered in rows if answered
        )
        return {
            "year": year,
            "received": len(rows),
            "answered": len(days),
            "median_days": round(statistics.median(days), 1) if days else None,
        }


class Criticism(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=CriticismKind.choices)
    about = models.CharField(_("about"), max_length=16, choices=CriticismAbout.choices)
    unit = models.ForeignKey(
        "organisations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="criticism",
        verbose_name=_("member unit"),
    )
    text = models.TextField(_("text"))
    contact_name = models.CharField(_("name (optional)"), max_length=100, blank=True)
    contact_email = models.EmailField(_("e-mail for the answer (optional)"), blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    attachment = InertFileField(
        upload_to=criticism_file_path,
        kinds=DOCUMENT_KINDS,
        sha256_field="attachment_sha256",
        blank=True,
    )
    # make_password() of the receipt code (gongyue.core.receipts), never the code.
    receipt_digest = models.CharField(max_length=200)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CriticismStatus.choices,
        default=CriticismStatus.RECEIVED,
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    triaged_at = models.DateTimeField(_("taken in hand"), null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triage_note = models.TextField(_("internal note"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # When the duty flagged the answer as overdue to the secretariat (its claim: flagged once).
    overdue_flagged_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CriticismQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("public criticism")
        verbose_name_plural = _("public criticism")
        constraints = [
            models.CheckConstraint(
                condition=Q(about="member", unit__isnull=False)
                | Q(about="trade", unit__isnull=True),
                name="criticism_of_a_member_names_it",
            ),
        ]

    def __str__(self):
        return _("Criticism no. %(n)s") % {"n": self.pk}

    def can_become(self, status) -> bool:
        return status in CRITICISM_TRANSITIONS[CriticismStatus(self.status)]

    def answer_deadline(self):
        """By when the secretariat answers (rule criticism_answer_days)."""
        return deadline(self.received_at, rule_now("criticism_answer_days"))
