"""Compliance campaigns (Art. 18, 19; RULES.md rule 10): a questionnaire whose questions are tied
to articles of the convention in force, answered by each addressed unit with evidence, reviewed,
and closed by a finding per unit."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongyue.core.uploads import DOCUMENT_KINDS, InertFileField
from gongyue.organisations.models import category_labels

from .common import download_stem, private_path


def evidence_path(answer, filename):
    return private_path("evidence", filename)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open")


class Campaign(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    convention = models.ForeignKey(
        "convention.Convention", on_delete=models.PROTECT, related_name="campaigns"
    )
    # Empty: every member; otherwise the members having at least one of these categories.
    categories = models.JSONField(_("member categories"), default=list, blank=True)
    days = models.PositiveSmallIntegerField(_("days to answer"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    due_at = models.DateTimeField(_("answer by"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    summary_published_at = models.DateTimeField(_("summary published"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("compliance campaign")
        verbose_name_plural = _("compliance campaigns")

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.OPEN

    @property
    def category_display(self) -> list[str]:
        return category_labels(self.categories)

    def deadline(self):
        from gongyue.core.deadlines import deadline

        return deadline(self.opened_at, self.days) if self.opened_at else None

    def accepts_answers(self, now) -> bool:
        return self.is_open and now < self.due_at

    def blockers_to_open(self, version) -> list[str]:
        """Why the questionnaire cannot go out: not a draft, no questions, or a question whose
        article is not in the version in force."""
        from gongyue.convention.models import Article

        blockers = []
        if self.status != CampaignStatus.DRAFT:
            blockers.append(_("Only a draft campaign can be opened."))
        questions = list(self.questions.all())
        if not questions:
            blockers.append(_("Add at least one question."))
        in_force = set(Article.objects.filter(version=version).values_list("identity", flat=True))
        for question in questions:
            if question.article_id not in in_force:
                blockers.append(
                    _("Question %(n)s is not tied to an article of the convention in force.")
                    % {"n": question.position}
                )
        return blockers


class AnswerType(models.TextChoices):
    YES_NO = "yes_no", _("yes or no")
    CHOICE = "choice", _("choice")
    NUMBER = "number", pgettext_lazy("question kind", "number")
    TEXT = "text", pgettext_lazy("question kind", "text")
    FILE = "file", _("file evidence")


class Question(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("question"), max_length=500)
    # The article's stable identity, whatever number it has in later versions.
    article = models.ForeignKey(
        "convention.ArticleIdentity", on_delete=models.PROTECT, related_name="questions"
    )
    article_number = models.PositiveIntegerField(_("article"))
    answer_type = models.CharField(_("answer type"), max_length=10, choices=AnswerType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # The answers that count as compliant (yes/no or choice questions); empty: not assessed.
    compliant_values = models.JSONField(_("compliant answers"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "position"], name="question_positions_are_unique"
            )
        ]

    def __str__(self):
        return self.text

    def is_compliant(self, value: str) -> bool | None:
        if not self.compliant_values or value == "":
            return None
        return value in self.compliant_values


class ResponseStatus(models.TextChoices):
    PENDING = "pending", _("not answered")
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("answers submitted")
    MORE_REQUESTED = "more_requested", _("more information requested")
    REVIEWED = "reviewed", _("reviewed")


RESPONSE_TRANSITIONS = {
    ResponseStatus.PENDING: {ResponseStatus.DRAFT, ResponseStatus.SUBMITTED},
    ResponseStatus.DRAFT: {ResponseStatus.DRAFT, ResponseStatus.SUBMITTED},
    ResponseStatus.SUBMITTED: {ResponseStatus.MORE_REQUESTED, ResponseStatus.REVIEWED},
    ResponseStatus.MORE_REQUESTED: {ResponseStatus.DRAFT, ResponseStatus.SUBMITTED},
    ResponseStatus.REVIEWED: set(),
}
ANSWERED = [ResponseStatus.SUBMITTED, ResponseStatus.MORE_REQUESTED, ResponseStatus.REVIEWED]


class Finding(models.TextChoices):
    COMPLIANT = "compliant", _("compliant")
    TO_IMPROVE = "to_improve", _("to improve")
    SUSPECTED_VIOLATION = "suspected_violation", _("suspected violation")


class Response(models.Model):
    """One addressed unit of a campaign (frozen when it opens), its answers' state and the
    secretariat's finding."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(
        "organisations.Unit", on_delete=models.PROTECT, related_name="campaign_responses"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(_("what more is asked"), blank=True)
    # Set when the secretariat asks for more: the unit may then complete its answers even after
    # the campaign's deadline, until it submits them again.
    more_requested_at = models.DateTimeField(_("more requested"), null=True, blank=True)
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices, blank=True)
    finding_note = models.TextField(_("finding note"), blank=True)
    found_at = models.DateTimeField(_("finding recorded"), null=True, blank=True)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A suspected violation is flagged for the cases app, which opens a case from it once it
    # exists (docs/bulletins.md).
    case_flagged_at = models.DateTimeField(_("flagged for a case"), null=True, blank=True)

    class Meta:
        ordering = ["unit__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="one_response_per_unit"),
            models.CheckConstraint(
                condition=~Q(finding="suspected_violation") | Q(case_flagged_at__isnull=False),
                name="a_suspected_violation_is_flagged",
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id} · {self.unit_id}"

    def can_become(self, status) -> bool:
        return status in RESPONSE_TRANSITIONS[ResponseStatus(self.status)]

    def accepts_answers(self, now) -> bool:
        """Before the campaign's deadline; after it, only to give what the secretariat asked
        for (more requested, not yet submitted again)."""
        campaign = self.campaign
        if not campaign.is_open:
            return False
        completing = self.more_requested_at is not None and self.status in (
            ResponseStatus.MORE_REQUESTED,
            ResponseStatus.DRAFT,
        )
        return now < campaign.due_at or completing


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    # yes/no, the choice, the number or the text as written; the file's name for evidence.
    value = models.TextField(blank=True)
    file = InertFileField(
        upload_to=evidence_path, blank=True, kinds=DOCUMENT_KINDS, sha256_field="sha256"
    )
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    # File evidence as received: the uploader's name, the kind read from the content, the size.
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_kind = models.CharField(_("file type"), max_length=10, blank=True)
    file_size = models.PositiveIntegerField(_("file size"), null=True, blank=True)
    # Whether the answer is one of the question's compliant answers (None: not assessed).
    compliant = models.BooleanField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")
        ]

    def __str__(self):
        return f"{self.question_id}: {self.value[:40]}"

    @property
    def download_stem(self) -> str:
        return download_stem(self.file_name or self.value, f"evidence-{self.pk}")
