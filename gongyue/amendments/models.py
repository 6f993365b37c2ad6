"""Amendment proposals (Art. 26), their sponsors, and the ballots that decide them.

A proposal carries the whole text it would put in force as a draft version of the convention,
so the convention's diff, reader and canonical hash apply to it unchanged. A ballot freezes its
electorate when it opens: one `Elector` row per member unit at that moment.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import record as ballot_record
from .threshold import Threshold


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SPONSORING = "sponsoring", _("collecting sponsors")
    QUALIFIED = "qualified", _("qualified for a ballot")
    BALLOT = "ballot", _("in ballot")
    ADOPTED = "adopted", _("adopted")
    REJECTED = "rejected", _("rejected")
    LAPSED = "lapsed", _("lapsed without enough sponsors")
    WITHDRAWN = "withdrawn", _("withdrawn")


# The only status changes there are; gongyue.amendments.actions makes each of them.
PROPOSAL_TRANSITIONS = {
    ProposalStatus.DRAFT: {
        ProposalStatus.SPONSORING,
        ProposalStatus.QUALIFIED,
        ProposalStatus.WITHDRAWN,
    },
    ProposalStatus.SPONSORING: {
        ProposalStatus.QUALIFIED,
        ProposalStatus.LAPSED,
        ProposalStatus.WITHDRAWN,
    },
    ProposalStatus.QUALIFIED: {ProposalStatus.BALLOT, ProposalStatus.WITHDRAWN},
    ProposalStatus.BALLOT: {ProposalStatus.ADOPTED, ProposalStatus.REJECTED},
    ProposalStatus.ADOPTED: set(),
    ProposalStatus.REJECTED: set(),
    ProposalStatus.LAPSED: set(),
    ProposalStatus.WITHDRAWN: set(),
}


class Kind(models.TextChoices):
    AMENDMENT = "amendment", _("amendment of the convention")
    ANNEX = "annex", _("sub-industry agreement (annex)")


class ProposalQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Drafts are their proposer's and the secretariat's; everything submitted is public."""
        submitted = self.exclude(status=ProposalStatus.DRAFT)
        if not user.is_authenticated:
            return submitted
        if user.is_secretariat:
            return self
        own = Q(proposed_by=user)
        if user.unit_id:
            own |= Q(proposer_unit_id=user.unit_id)
        return self.filter(~Q(status=ProposalStatus.DRAFT) | own)

    def sponsoring_past(self, moment):
        return self.filter(status=ProposalStatus.SPONSORING, sponsorship_closes_at__lte=moment)


class Proposal(models.Model):
    """A proposed change of the convention: the whole text it would put in force, and why."""

    convention = models.ForeignKey(
        "convention.Convention", on_delete=models.PROTECT, related_name="proposals"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.AMENDMENT)
    title = models.CharField(_("title"), max_length=200)
    reasons = models.TextField(_("statement of reasons"))
    # The text in force when the proposal was drafted, and the text it would put in force.
    base_version = models.ForeignKey(
        "convention.Version", on_delete=models.PROTECT, related_name="+"
    )
    # An amendment carries a draft version of the convention; an annex proposal a draft
    # version of the annex (a new annex, or a new text of an existing one).
    version = models.OneToOneField(
        "convention.Version",
        on_delete=models.PROTECT,
        related_name="proposal",
        null=True,
        blank=True,
    )
    annex_version = models.OneToOneField(
        "AnnexVersion",
        on_delete=models.PROTECT,
        related_name="proposal",
        null=True,
        blank=True,
    )
    # None: proposed by the executing body, which needs no sponsors (Art. 26).
    proposer_unit = models.ForeignKey(
        "organisations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    proposed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="proposals"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # N and the sponsors it takes, fixed when the proposal is submitted (RULES.md §Thresholds).
    members_at_submission = models.PositiveIntegerField(null=True, blank=True)
    sponsors_needed = models.PositiveIntegerField(null=True, blank=True)
    sponsorship_closes_at = models.DateTimeField(_("sponsorship closes"), null=True, blank=True)
    qualified_at = models.DateTimeField(_("qualified"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # 公布: the adopted text is published and in force from then (Art. 30 by analogy).
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("amendment proposal")
        verbose_name_plural = _("amendment proposals")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="amendment", version__isnull=False, annex_version__isnull=True)
                | Q(kind="annex", version__isnull=True, annex_version__isnull=False),
                name="a_proposal_carries_the_text_of_its_kind",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def by_secretariat(self) -> bool:
        return self.proposer_unit_id is None

    def can_become(self, status) -> bool:
        return status in PROPOSAL_TRANSITIONS[self.status]

    def blockers_to_adopt(self, version) -> list[str]:
        """What the convention app asks of an adoption's origin (do_adopt_version(origin=…)):
        the text this amendment's ballot adopted, not yet put in force."""
        blockers = []
        if self.version_id != version.pk:
            blockers.append(_("This version is not the text the amendment proposes."))
        if self.status != ProposalStatus.ADOPTED:
            blockers.append(_("Only an amendment adopted by its ballot is published."))
        if self.published_at is not None:
            blockers.append(_("This amendment is already published."))
        return blockers

    @property
    def proposed_sha256(self) -> str:
        return (self.version or self.annex_version).sha256

    def structures(self) -> tuple[dict, dict]:
        """(the text it changes, the text it proposes), as structures for the diff. A new annex
        changes nothing that exists: it is compared with an empty text."""
        if self.kind == Kind.AMENDMENT:
            return self.base_version.structure, self.version.structure
        current = (
            self.annex_version.annex.versions.filter(status="adopted")
            .exclude(pk=self.annex_version_id)
            .first()
        )
        empty = {"title": "", "chapters": [], "sections": [], "articles": [], "closing": ""}
        return (current.structure if current else empty), self.annex_version.structure


class SponsorshipQuerySet(models.QuerySet):
    def standing(self):
        return self.filter(withdrawn_at__isnull=True)


class Sponsorship(models.Model):
    """A member unit co-sponsoring a proposal through its legal representative or delegate."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="sponsorships")
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    capacity = models.CharField(max_length=16)
    sponsored_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = SponsorshipQuerySet.as_manager()

    class Meta:
        ordering = ["sponsored_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "unit"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_standing_sponsorship_per_unit",
            )
        ]

    def __str__(self):
        return f"{self.unit} → {self.proposal}"


class Choice(models.TextChoices):
    AGREE = "agree", _("agree")
    DISAGREE = "disagree", _("disagree")
    ABSTAIN = "abstain", _("abstain")


class Result(models.TextChoices):
    ADOPTED = "adopted", _("adopted")
    REJECTED = "rejected", _("rejected")


class BallotQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def due(self, moment):
        return self.open().filter(closes_at__lte=moment)


class Ballot(models.Model):
    """The vote on one proposal. Its electorate, threshold and N are fixed when it opens."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="ballot")
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    opened_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    closes_at = models.DateTimeField(_("closes"))
    # Why the deadline is what it is, as the deadline function said it (shown beside it).
    closes_rule = models.CharField(max_length=300, blank=True)
    threshold_numerator = models.PositiveIntegerField()
    threshold_denominator = models.PositiveIntegerField()
    threshold_inclusive = models.BooleanField(default=True)
    electorate_size = models.PositiveIntegerField()
    electorate_sha256 = models.CharField(max_length=64)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_early = models.BooleanField(default=False)
    result = models.CharField(max_length=16, choices=Result.choices, blank=True)
    counts = models.JSONField(default=dict, blank=True)

    objects = BallotQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self):
        return str(self.proposal)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def threshold(self) -> Threshold:
        return Threshold(
            self.threshold_numerator, self.threshold_denominator, self.threshold_inclusive
        )

    @property
    def agrees_needed(self) -> int:
        return self.threshold.needed(self.electorate_size)

    def record_header(self) -> dict:
        return {
            "id": self.pk,
            "subject": self.proposal.title,
            "opened_at": self.opened_at.isoformat(),
            "closes_at": self.closes_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
        }


class Elector(models.Model):
    """One unit of a ballot's frozen electorate, with its name and code as they were."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="electors")
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    uscc = models.CharField(max_length=18, blank=True)

    class Meta:
        ordering = ["unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "unit"], name="one_elector_row_per_unit")
        ]

    def __str__(self):
        return self.name

    def as_record(self) -> dict:
        return {"unit_id": self.unit_id, "name": self.name, "uscc": self.uscc}


class Vote(models.Model):
    """A unit's current vote; changing it updates this row (the audit log keeps each cast)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=16, choices=Choice.choices)
    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    capacity = models.CharField(max_length=16)
    cast_at = models.DateTimeField()
    receipt = models.CharField(max_length=64, db_index=True)

    class Meta:
        ordering = ["unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "unit"], name="one_vote_per_unit_per_ballot")
        ]

    def __str__(self):
        return f"{self.unit_id}: {self.choice}"

    def as_record(self) -> dict:
        return {
            "unit_id": self.unit_id,
            "choice": self.choice,
            "cast_at": self.cast_at.isoformat(),
            "receipt": self.receipt,
        }

    def compute_receipt(self) -> str:
        return ballot_record.receipt(
            self.ballot_id, self.unit_id, self.choice, self.cast_at.isoformat()
        )


class AnnexQuerySet(models.QuerySet):
    def published(self):
        return self.filter(number__isnull=False)


class Annex(models.Model):
    """A sub-industry self-discipline agreement under the convention (Art. 28), published as
    Annex N once the members agree; member units sign it separately."""

    convention = models.ForeignKey(
        "convention.Convention", on_delete=models.PROTECT, related_name="annexes"
    )
    # Given at publication: Annex 1, 2, … in the order they were published.
    number = models.PositiveIntegerField(_("annex number"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    sub_industry = models.CharField(_("sub-industry it covers"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = AnnexQuerySet.as_manager()

    class Meta:
        ordering = ["number", "pk"]
        verbose_name = _("annex")
        verbose_name_plural = _("annexes")
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "number"], name="annex_numbers_are_unique"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def version_in_force(self):
        return self.versions.filter(status="adopted").first()


class AnnexVersion(models.Model):
    """One text of an annex, parsed and hashed like a convention version; immutable."""

    annex = models.ForeignKey(Annex, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(max_length=16, default="draft")
    structure = models.JSONField()
    canonical_text = models.TextField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    adopted_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["annex", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["annex", "number"], name="annex_version_numbers_are_unique"
            ),
            models.UniqueConstraint(
                fields=["annex"],
                condition=Q(status="adopted"),
                name="one_adopted_version_per_annex",
            ),
        ]

    def __str__(self):
        return f"{self.annex} v{self.number}"


class AnnexSignatureQuerySet(models.QuerySet):
    def standing(self):
        return self.filter(withdrawn_at__isnull=True)


class AnnexSignature(models.Model):
    """A unit bound to one exact text of an annex, until it withdraws from the annex by notice."""

    annex = models.ForeignKey(Annex, on_delete=models.PROTECT, related_name="signatures")
    version = models.ForeignKey(AnnexVersion, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    capacity = models.CharField(max_length=16)
    signed_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=500, blank=True)

    objects = AnnexSignatureQuerySet.as_manager()

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["annex", "unit"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_standing_annex_signature_per_unit",
            )
        ]

    def __str__(self):
        return f"{self.unit} · {self.annex}"


class InterpretationQuerySet(models.QuerySet):
    def in_effect(self):
        return self.filter(superseded_by__isnull=True)


class Interpretation(models.Model):
    """An interpretation of the convention by the executing body, its only interpreter
    (Art. 29): numbered, dated, tied to the articles it interprets by their stable identity (so
    it follows them across versions), superseded by a later one, never edited."""

    convention = models.ForeignKey(
        "convention.Convention", on_delete=models.PROTECT, related_name="interpretations"
    )
    number = models.PositiveIntegerField(_("number"))
    issued_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    articles = models.ManyToManyField("convention.ArticleIdentity", related_name="interpretations")
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    issued_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = InterpretationQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("interpretation")
        verbose_name_plural = _("interpretations")
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "number"], name="interpretation_numbers_are_unique"
            )
        ]

    def __str__(self):
        return f"{self.number}: {self.title}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Interpretations are never edited; publish one that supersedes it.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Interpretations are never deleted; publish one that supersedes it.")
