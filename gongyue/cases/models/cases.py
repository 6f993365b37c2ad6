"""Cases (Art. 21-22; RULES.md rules 12, 13, 17): a report or the secretariat's own initiative,
triage, assignment with recusal, notice to the accused and its reply, a reasoned finding, a
sanction, one review, and the publication of the result to all members."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongyue.core.deadlines import china_date
from gongyue.core.uploads import DOCUMENT_KINDS, InertFileField


def last_day(ends_at):
    """The last day of a period stored as its end (24:00 of that day, i.e. 00:00 the next)."""
    return china_date(ends_at - timedelta(seconds=1)) if ends_at else None


class CaseSource(models.TextChoices):
    REPORT = "report", _("report by a member")
    OWN_INITIATIVE = "own_initiative", _("the secretariat's own initiative")


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("received, awaiting triage")
    UNFOUNDED = "unfounded", _("closed as unfounded")
    INVESTIGATING = "investigating", _("under investigation")
    NOTIFIED = "notified", _("accused notified, reply awaited")
    DECIDED = "decided", _("finding recorded")
    SANCTIONED = "sanctioned", _("sanction decided")
    UNDER_REVIEW = "under_review", _("under review")
    REVIEWED = "reviewed", _("review decided")


CASE_TRANSITIONS = {
    CaseStatus.RECEIVED: {CaseStatus.INVESTIGATING, CaseStatus.UNFOUNDED},
    CaseStatus.UNFOUNDED: set(),
    CaseStatus.INVESTIGATING: {CaseStatus.NOTIFIED},
    CaseStatus.NOTIFIED: {CaseStatus.DECIDED},
    CaseStatus.DECIDED: {CaseStatus.SANCTIONED},
    CaseStatus.SANCTIONED: {CaseStatus.UNDER_REVIEW},
    CaseStatus.UNDER_REVIEW: {CaseStatus.REVIEWED},
    CaseStatus.REVIEWED: set(),
}


class Measure(models.TextChoices):
    INTERNAL_NOTICE = "internal_notice", _("internal notice to all members")
    REVOCATION = "revocation", _("revocation of membership")


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", _("upheld")
    CHANGED = "changed", _("changed")
    ANNULLED = "annulled", _("annulled")


class FileRole(models.TextChoices):
    EVIDENCE = "evidence", _("evidence")
    REPLY = "reply", _("the accused's reply")


def case_file_path(case_file, filename):
    return f"private/cases/{secrets.token_hex(12)}"


class CaseQuerySet(models.QuerySet):
    def triage_overdue(self, now):
        return self.filter(status=CaseStatus.RECEIVED, triage_due_at__lte=now)

    def reply_lapsed(self, now):
        """Notified cases whose reply deadline passed without a reply: the finding may proceed."""
        return self.filter(
            status=CaseStatus.NOTIFIED, replied_at__isnull=True, reply_due_at__lte=now
        )

    def published(self):
        return self.filter(published_at__isnull=False)


class Case(models.Model):
    """One case from its report (or the secretariat's decision to look) to its published result.

    Milestones are `*_at` timestamps; `status` follows CASE_TRANSITIONS.
    """

    number = models.CharField(_("case number"), max_length=20, unique=True)
    source = models.CharField(_("source of the case"), max_length=20, choices=CaseSource.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_cases",
    )
    reporter_unit = models.ForeignKey(
        "organisations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_cases",
    )
    named_to_accused = models.BooleanField(
        _("the reporter agrees to be named to the accused"), default=False
    )
    accused = models.ForeignKey(
        "organisations.Unit", on_delete=models.PROTECT, related_name="cases_against"
    )
    articles = models.JSONField(_("articles breached"), default=list)
    facts = models.TextField(_("facts"))
    occurred_on = models.DateField(_("when it happened"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    triage_due_at = models.DateTimeField(_("triage due"))
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    # When the duty told the secretariat the triage is overdue (once).
    overdue_flagged_at = models.DateTimeField(null=True, blank=True, editable=False)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_reasons = models.TextField(_("reasons for closing as unfounded"), blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    notified_at = models.DateTimeField(_("accused notified"), null=True, blank=True)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice_text = models.TextField(_("notice to the accused"), blank=True)
    reply_due_at = models.DateTimeField(_("reply due"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reply_statement = models.TextField(_("the accused's statement"), blank=True)
    published_at = models.DateTimeField(_("result published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_summary = models.TextField(_("published summary"), blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["status", "triage_due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(source=CaseSource.OWN_INITIATIVE, reporter__isnull=True)
                | Q(source=CaseSource.REPORT, reporter__isnull=False),
                name="a_reported_case_has_its_reporter",
            ),
            models.CheckConstraint(
                condition=~Q(reporter_unit=models.F("accused")),
                name="a_unit_does_not_report_itself",
            ),
        ]

    def __str__(self):
        return self.number

    def can_become(self, status) -> bool:
        return status in CASE_TRANSITIONS[CaseStatus(self.status)]

    @property
    def is_closed(self) -> bool:
        return self.status in (CaseStatus.UNFOUNDED, CaseStatus.REVIEWED) or (
            self.status in (CaseStatus.DECIDED, CaseStatus.SANCTIONED) and self.finding_closes_case
        )

    @property
    def finding_closes_case(self) -> bool:
        finding = getattr(self, "finding", None)
        return finding is not None and not finding.allows_sanction

    def blockers_to_find(self, now) -> list[str]:
        """No finding before the reply arrives or its deadline passes (RULES.md rule 12)."""
        blockers = []
        if self.status != CaseStatus.NOTIFIED:
            blockers.append(_("A finding comes after the accused unit has been notified."))
        elif self.replied_at is None and (self.reply_due_at is None or now < self.reply_due_at):
            blockers.append(
                _(
                    "No finding before the accused unit replies or its reply deadline passes "
                    "(%(day)s, 24:00)."
                )
                % {"day": last_day(self.reply_due_at)}
            )
        return blockers

    def blockers_to_reply(self, now) -> list[str]:
        blockers = []
        if self.status != CaseStatus.NOTIFIED:
            blockers.append(_("There is no notice to reply to."))
        elif self.replied_at is not None:
            blockers.append(_("The unit has already replied."))
        elif self.reply_due_at and now >= self.reply_due_at:
            blockers.append(
                _("The reply deadline passed on %(day)s at 24:00.")
                % {"day": last_day(self.reply_due_at)}
            )
        return blockers


class Recusal(models.Model):
    """A secretariat person who may not work on a case: declared by them (a conflict of
    interest) and recorded, so the assignment refuses them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recusals")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("conflict of interest"))
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="one_case_recusal_per_person")
        ]

    def __str__(self):
        return f"{self.case} — {self.person}"


class CaseFile(models.Model):
    """Evidence or a reply file, inert (type from content, name from the server, SHA-256)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(max_length=10, choices=FileRole.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, editable=False)
    file = InertFileField(upload_to=case_file_path, kinds=DOCUMENT_KINDS, sha256_field="sha256")
    redacted_for_accused = models.BooleanField(_("redacted for the accused"), default=False)
    redaction_reason = models.TextField(_("why it is withheld from the accused"), blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class Finding(models.Model):
    """A reasoned finding, as the fields of a statement of reasons (facts, grounds, measure,
    source of the case, redress) rather than free text only."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="finding")
    verified = models.BooleanField(_("violation verified as true"))
    facts = models.TextField(_("facts established"))
    articles = models.JSONField(_("articles"), default=list)
    adverse_effect = models.BooleanField(_("caused an adverse effect"))
    reasons = models.TextField(_("reasons"))
    evidence_relied_on = models.ManyToManyField(CaseFile, blank=True, related_name="+")
    evidence_note = models.TextField(_("other evidence relied on"), blank=True)
    redress = models.TextField(_("redress available"))
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self):
        return f"{self.case}"

    @property
    def allows_sanction(self) -> bool:
        """Art. 22: only a violation verified as true that caused an adverse effect."""
        return self.verified and self.adverse_effect


class Sanction(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="sanction")
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    reasons = models.TextField(_("reasons"))
    redress = models.TextField(_("redress available"))
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    review_due_at = models.DateTimeField(_("review may be asked until"))
    # The measure in effect after a review (a changed or annulled sanction keeps its decision).
    measure_in_effect = models.CharField(max_length=20, choices=Measure.choices, blank=True)

    def __str__(self):
        return f"{self.case} — {self.get_measure_display()}"


class Review(models.Model):
    """The one review a sanctioned unit may ask for (the case is unique here)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="review")
    grounds = models.TextField(_("grounds"))
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ReviewOutcome.choices, blank=True
    )
    new_measure = models.CharField(max_length=20, choices=Measure.choices, blank=True)
    reasons = models.TextField(_("reasons for the decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self):
        return f"{self.case}"
