"""Bulletins down to members with per-unit read receipts (Art. 18; RULES.md rule 9)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongyue.core.uploads import DOCUMENT_KINDS, InertFileField
from gongyue.organisations.models import Category, category_labels

from .common import bulletin_file_path, download_stem

# Bulletins ---------------------------------------------------------------------------------------


class BulletinKind(models.TextChoices):
    LAW = "law", _("law or regulation")
    POLICY = "policy", _("policy")
    SELF_DISCIPLINE = "self_discipline", _("self-discipline information")
    NOTICE = "notice", _("notice")


class Audience(models.TextChoices):
    PUBLIC = "public", _("public")
    MEMBERS = "members", _("members only")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SCHEDULED = "scheduled", _("scheduled")
    PUBLISHED = "published", _("published")


BULLETIN_TRANSITIONS = {
    BulletinStatus.DRAFT: {BulletinStatus.SCHEDULED, BulletinStatus.PUBLISHED},
    BulletinStatus.SCHEDULED: {BulletinStatus.PUBLISHED, BulletinStatus.SCHEDULED},
    BulletinStatus.PUBLISHED: set(),
}


class BulletinQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=BulletinStatus.PUBLISHED)

    def public(self):
        return self.published().filter(audience=Audience.PUBLIC)

    def due(self, now):
        """Scheduled bulletins whose time has come."""
        return self.filter(status=BulletinStatus.SCHEDULED, publish_at__lte=now)


class Bulletin(models.Model):
    """Information the secretariat passes down (Art. 18): addressed to all members or to
    categories, public or members-only, published now or at a set time."""

    title = models.CharField(_("title"), max_length=200)
    # The Markdown source as written; `body_html` is its sanitised rendering (markup.py).
    body = models.TextField(_("text"))
    body_html = models.TextField(editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=BulletinKind.choices)
    audience = models.CharField(
        _("who may read it"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS
    )
    # Empty: every member; otherwise the members having at least one of these categories.
    categories = models.JSONField(_("member categories"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    ack_required = models.BooleanField(_("asks for acknowledgement"), default=False)
    # Days after publication, counted by core.deadlines.deadline().
    ack_days = models.PositiveSmallIntegerField(_("days to acknowledge"), null=True, blank=True)
    ack_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Claimed by the reminder duties with a conditional UPDATE, so each reminder goes out once.
    read_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    ack_reminder_sent_at = models.DateTimeField(null=True, blank=True)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        indexes = [models.Index(fields=["status", "audience", "published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ack_required=False) | Q(ack_days__gte=1),
                name="an_acknowledgement_has_a_period",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == BulletinStatus.PUBLISHED

    @property
    def is_public(self) -> bool:
        return self.audience == Audience.PUBLIC

    @property
    def category_display(self) -> list[str]:
        return category_labels(self.categories)

    def can_become(self, status) -> bool:
        return status in BULLETIN_TRANSITIONS[BulletinStatus(self.status)]

    def ack_deadline(self):
        """The acknowledgement period, from the one deadline function, once published."""
        from gongyue.core.deadlines import deadline

        if not (self.ack_required and self.published_at):
            return None
        return deadline(self.published_at, self.ack_days)

    def blockers_to_publish(self, *, at=None, now) -> list[str]:
        blockers = []
        target = BulletinStatus.SCHEDULED if at else BulletinStatus.PUBLISHED
        if not self.can_become(target):
            blockers.append(
                _("This bulletin is “%(status)s” and cannot be published again.")
                % {"status": self.get_status_display()}
            )
        if at is not None and at <= now:
            blockers.append(_("The scheduled time must be in the future."))
        unknown = set(self.categories) - set(Category.values)
        if unknown:
            blockers.append(
                _("Unknown member category: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return blockers


class BulletinAttachment(models.Model):
    """A file of a bulletin: type checked from its content, stored under a name the server picks,
    served only as a download."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="attachments")
    file = InertFileField(upload_to=bulletin_file_path, kinds=DOCUMENT_KINDS, sha256_field="sha256")
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    # Set by the file field when the file is saved (core.uploads).
    sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @property
    def download_stem(self) -> str:
        return download_stem(self.name, f"bulletin-{self.bulletin_id}-{self.pk}")


class ReceiptQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def unacknowledged(self):
        return self.filter(acknowledged_at__isnull=True)


class Receipt(models.Model):
    """One addressed unit of a published bulletin, frozen at publication, and that unit's read
    receipt (the first of its people who opened it, and when) and acknowledgement."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(
        "organisations.Unit", on_delete=models.PROTECT, related_name="bulletin_receipts"
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # When the unit was last reminded to read (or to acknowledge) it.
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        ordering = ["unit__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "unit"], name="one_receipt_per_unit"),
        ]
        indexes = [models.Index(fields=["unit", "bulletin"])]

    def __str__(self):
        return f"{self.bulletin_id} → {self.unit_id}"
