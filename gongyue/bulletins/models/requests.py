"""Requests and suggestions up to the authority (Art. 14, 18; RULES.md rule 9)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongyue.core.uploads import DOCUMENT_KINDS, InertFileField

from .common import download_stem, request_file_path

# Requests and suggestions ------------------------------------------------------------------------


class RequestKind(models.TextChoices):
    REQUEST = "request", _("request (a wish or difficulty to pass on)")
    POLICY = "policy", _("policy suggestion")
    LEGISLATION = "legislation", _("legislative suggestion")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("status", "received")
    ANSWERED = "answered", _("answered by the secretariat")
    FORWARDED = "forwarded", _("forwarded to the authority")
    AUTHORITY_ANSWERED = "authority_answered", _("answered by the authority")
    CLOSED = "closed", pgettext_lazy("status", "closed")


REQUEST_TRANSITIONS = {
    RequestStatus.RECEIVED: {RequestStatus.ANSWERED, RequestStatus.FORWARDED, RequestStatus.CLOSED},
    RequestStatus.ANSWERED: {RequestStatus.FORWARDED, RequestStatus.CLOSED},
    RequestStatus.FORWARDED: {RequestStatus.AUTHORITY_ANSWERED, RequestStatus.CLOSED},
    RequestStatus.AUTHORITY_ANSWERED: {RequestStatus.CLOSED},
    RequestStatus.CLOSED: set(),
}


class Submission(models.Model):
    """What the secretariat forwards to the authority: one request, or several on one matter
    merged into one text; the requests stay linked to it."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    forwarded_at = models.DateTimeField(_("forwarded"), default=timezone.now)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reply = models.TextField(_("the authority's reply"), blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-forwarded_at", "-pk"]
        verbose_name = _("submission to the authority")
        verbose_name_plural = _("submissions to the authority")

    def __str__(self):
        return self.title

    @property
    def is_answered(self) -> bool:
        return self.replied_at is not None


class RequestQuerySet(models.QuerySet):
    def in_year(self, year: int):
        return self.filter(received_at__year=year)


class Request(models.Model):
    """A member unit's request or suggestion to the secretariat, tracked to an outcome."""

    unit = models.ForeignKey(
        "organisations.Unit", on_delete=models.PROTECT, related_name="requests"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    answer = models.TextField(_("the secretariat's answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submission = models.ForeignKey(
        Submission,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    forwarded_at = models.DateTimeField(_("forwarded"), null=True, blank=True)
    authority_answered_at = models.DateTimeField(
        _("answered by the authority"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("request or suggestion")
        verbose_name_plural = _("requests and suggestions")
        indexes = [models.Index(fields=["status", "received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(submission__isnull=True, forwarded_at__isnull=True)
                | Q(submission__isnull=False, forwarded_at__isnull=False),
                name="a_forwarded_request_has_its_submission",
            ),
        ]

    def __str__(self):
        return self.title

    def can_become(self, status) -> bool:
        return status in REQUEST_TRANSITIONS[RequestStatus(self.status)]

    @property
    def timeline(self) -> list[tuple[str, object]]:
        """Each step reached, with its date, in order."""
        steps = [
            (RequestStatus.RECEIVED.label, self.received_at),
            (RequestStatus.ANSWERED.label, self.answered_at),
            (RequestStatus.FORWARDED.label, self.forwarded_at),
            (RequestStatus.AUTHORITY_ANSWERED.label, self.authority_answered_at),
            (RequestStatus.CLOSED.label, self.closed_at),
        ]
        return [(label, at) for label, at in steps if at is not None]

    @property
    def first_answer_at(self):
        """When the unit first had an answer, from the secretariat or the authority."""
        return self.answered_at or self.authority_answered_at

    @property
    def outcome(self) -> str:
        if self.authority_answered_at:
            return "authority_answered"
        if self.forwarded_at:
            return "forwarded"
        if self.answered_at:
            return "answered"
        if self.closed_at:
            return "closed"
        return "open"


class RequestAttachment(models.Model):
    """A file of a request: checked, named and hashed like a bulletin's (core.uploads)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    file = InertFileField(upload_to=request_file_path, kinds=DOCUMENT_KINDS, sha256_field="sha256")
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @property
    def download_stem(self) -> str:
        return download_stem(self.name, f"request-{self.request_id}-{self.pk}")
