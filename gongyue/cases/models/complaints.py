"""Complaints about the executing body to its supervising authority (Art. 23; RULES.md rule 14).

They are the authority's alone: no secretariat account, head or site administrator reads,
edits or deletes them (cases/redress_access.py), they are not in the Django admin, and their
audit rows are written at the authority-only visibility."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongyue.core.deadlines import deadline

from .disputes import rule_now


class ComplaintTarget(models.TextChoices):
    SECRETARIAT = "secretariat", _("the executing body (the secretariat)")
    STAFF = "staff", _("a member of its staff")


class ComplaintStatus(models.TextChoices):
    FILED = "filed", _("with the authority")
    ANSWERED = "answered", _("answered by the authority")
    CLOSED = "closed", pgettext_lazy("status", "closed")


COMPLAINT_TRANSITIONS = {
    ComplaintStatus.FILED: {ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED},
    ComplaintStatus.ANSWERED: {ComplaintStatus.CLOSED},
    ComplaintStatus.CLOSED: set(),
}


class Complaint(models.Model):
    unit = models.ForeignKey(
        "organisations.Unit", on_delete=models.PROTECT, related_name="complaints"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    target = models.CharField(_("about"), max_length=20, choices=ComplaintTarget.choices)
    # The staff member complained about, when the complaint is about one.
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("the complaint"))
    status = models.CharField(
        _("status"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.FILED
    )
    filed_at = models.DateTimeField(_("filed"), default=timezone.now)
    answer = models.TextField(_("the authority's answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the duty flagged the answer as overdue to the authority (its claim: flagged once).
    overdue_flagged_at = models.DateTimeField(null=True, blank=True, editable=False)
    closing_note = models.TextField(_("closing note"), blank=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("complaint to the authority")
        verbose_name_plural = _("complaints to the authority")
        constraints = [
            models.CheckConstraint(
                condition=Q(target="staff", staff__isnull=False)
                | Q(target="secretariat", staff__isnull=True),
                name="a_complaint_about_staff_names_them",
            ),
        ]

    def __str__(self):
        return _("Complaint no. %(n)s") % {"n": self.pk}

    def can_become(self, status) -> bool:
        return status in COMPLAINT_TRANSITIONS[ComplaintStatus(self.status)]

    def answer_deadline(self):
        """By when the authority answers (rule complaint_answer_days)."""
        return deadline(self.filed_at, rule_now("complaint_answer_days"))

    @property
    def timeline(self) -> list[tuple[str, object]]:
        steps = [
            (ComplaintStatus.FILED.label, self.filed_at),
            (ComplaintStatus.ANSWERED.label, self.answered_at),
            (ComplaintStatus.CLOSED.label, self.closed_at),
        ]
        return [(label, at) for label, at in steps if at is not None]
