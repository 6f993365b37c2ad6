"""Disputes between member units (Art. 20; RULES.md rule 11): negotiation between the two
parties, mediation by the secretariat when either asks, and an end settled by an agreement both
accept in the platform, or not settled. Everything in a dispute is the parties' and, once named,
the mediator's."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongyue.core.deadlines import deadline
from gongyue.core.uploads import DOCUMENT_KINDS, InertFileField


class DisputeStatus(models.TextChoices):
    NEGOTIATING = "negotiating", _("negotiating")
    MEDIATION_REQUESTED = "mediation_requested", _("mediation requested")
    MEDIATING = "mediating", _("in mediation")
    SETTLED = "settled", _("settled")
    NOT_SETTLED = "not_settled", _("not settled")


DISPUTE_TRANSITIONS = {
    DisputeStatus.NEGOTIATING: {
        DisputeStatus.MEDIATION_REQUESTED,
        DisputeStatus.SETTLED,
        DisputeStatus.NOT_SETTLED,
    },
    DisputeStatus.MEDIATION_REQUESTED: {DisputeStatus.MEDIATING, DisputeStatus.NOT_SETTLED},
    DisputeStatus.MEDIATING: {DisputeStatus.SETTLED, DisputeStatus.NOT_SETTLED},
    DisputeStatus.SETTLED: set(),
    DisputeStatus.NOT_SETTLED: set(),
}
OPEN_DISPUTE = [
    DisputeStatus.NEGOTIATING,
    DisputeStatus.MEDIATION_REQUESTED,
    DisputeStatus.MEDIATING,
]


def rule_now(key: str):
    """A rule's value in the convention the platform runs (its default before there is one)."""
    from gongyue.convention.models import Convention
    from gongyue.convention.rules import RULES_BY_KEY

    convention = Convention.objects.current()
    return convention.rule(key) if convention else RULES_BY_KEY[key].default


def dispute_file_path(document, filename):
    # The filename is already the server's choice (gongyue.core.uploads).
    return f"private/disputes/{secrets.token_hex(8)}/{filename}"


class DisputeQuerySet(models.QuerySet):
    def of_unit(self, unit_id):
        return self.filter(Q(claimant_id=unit_id) | Q(respondent_id=unit_id))

    def open(self):
        return self.filter(status__in=OPEN_DISPUTE)


class Dispute(models.Model):
    """A dispute one member unit (the claimant) opens with another (the respondent)."""

    claimant = models.ForeignKey(
        "organisations.Unit", on_delete=models.PROTECT, related_name="disputes_opened"
    )
    respondent = models.ForeignKey(
        "organisations.Unit", on_delete=models.PROTECT, related_name="disputes_received"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    statement = models.TextField(_("what the dispute is about"))
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=DisputeStatus.choices,
        default=DisputeStatus.NEGOTIATING,
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    mediation_requested_at = models.DateTimeField(_("mediation requested"), null=True, blank=True)
    mediation_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes_mediated",
        verbose_name=_("mediator"),
    )
    mediator_assigned_at = models.DateTimeField(_("mediator named"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # When the duty flagged the mediator's naming as overdue (its claim: flagged once).
    assignment_overdue_at = models.DateTimeField(null=True, blank=True, editable=False)
    end_reason = models.TextField(_("why it ended without settlement"), blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(claimant=models.F("respondent")),
                name="a_dispute_has_two_different_parties",
            ),
        ]

    def __str__(self):
        # Neutral on purpose: the label goes into the audit log, which the subject must not.
        return _("Dispute no. %(n)s") % {"n": self.pk}

    def can_become(self, status) -> bool:
        return status in DISPUTE_TRANSITIONS[DisputeStatus(self.status)]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPUTE

    @property
    def party_ids(self) -> set[int]:
        return {self.claimant_id, self.respondent_id}

    def assignment_deadline(self):
        """By when the secretariat names a mediator (rule mediation_assignment_days)."""
        if self.mediation_requested_at is None:
            return None
        return deadline(self.mediation_requested_at, rule_now("mediation_assignment_days"))

    def mediation_deadline(self):
        """By when the mediation should end (rule mediation_days)."""
        if self.mediator_assigned_at is None:
            return None
        return deadline(self.mediator_assigned_at, rule_now("mediation_days"))

    @property
    def timeline(self) -> list[tuple[str, object]]:
        steps = [
            (_("opened"), self.opened_at),
            (_("mediation requested"), self.mediation_requested_at),
            (_("mediator named"), self.mediator_assigned_at),
            (self.get_status_display() if not self.is_open else "", self.ended_at),
        ]
        return [(label, at) for label, at in steps if at is not None]


class DisputeMessage(models.Model):
    """One entry of the negotiation or mediation record: a message, optionally with a document."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The party unit the author wrote for; empty for the mediator.
    unit = models.ForeignKey(
        "organisations.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))
    at = models.DateTimeField(default=timezone.now)
    in_mediation = models.BooleanField(default=False)
    document_name = models.CharField(_("file name"), max_length=200, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    document = InertFileField(
        upload_to=dispute_file_path,
        kinds=DOCUMENT_KINDS,
        sha256_field="document_sha256",
        blank=True,
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("dispute message")
        verbose_name_plural = _("dispute messages")

    def __str__(self):
        return f"{self.dispute_id}: {self.body[:40]}"


class RecusalReason(models.TextChoices):
    DECLARED = "declared", _("declared a conflict of interest")
    WORKS_FOR_PARTY = "works_for_party", _("works for one of the parties")


class DisputeRecusal(models.Model):
    """A secretariat person who may not mediate this dispute, and why."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="recusals")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=RecusalReason.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "person"], name="one_dispute_recusal_per_person"
            )
        ]

    def __str__(self):
        return f"{self.person} · {self.get_reason_display()}"


class DisputeAgreement(models.Model):
    """A settlement text; it settles the dispute once a signer of each party has accepted it.
    A newer proposal supersedes the older ones."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="agreements")
    text = models.TextField(_("agreement text"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)
    claimant_accepted_at = models.DateTimeField(null=True, blank=True)
    claimant_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    respondent_accepted_at = models.DateTimeField(null=True, blank=True)
    respondent_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["proposed_at", "pk"]
        verbose_name = _("settlement agreement")
        verbose_name_plural = _("settlement agreements")

    def __str__(self):
        return f"{self.dispute_id}: {self.text[:40]}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def accepted_by_both(self) -> bool:
        return self.claimant_accepted_at is not None and self.respondent_accepted_at is not None

    def accepted_by_unit(self, unit_id) -> bool:
        if unit_id == self.dispute.claimant_id:
            return self.claimant_accepted_at is not None
        return self.respondent_accepted_at is not None
