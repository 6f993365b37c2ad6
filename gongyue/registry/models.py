"""The registry of harmful sites, URLs, addresses and file hashes (Art. 9, 10, 13; rule 16).

An :class:`Entry` is one indicator in canonical form (its feed line is unique). Members submit
sightings of it; the secretariat reviews it; it is *listed* (in the feeds) from approval, or at
once when a trusted unit submits it, until it expires, is delisted on appeal, or is rejected on
the later review. Every change of what is listed takes the next *serial* (the RegistryHead row)
and writes a :class:`FeedChange` per indicator, so that ``changes?since=`` can replay them; the
feeds are then published by a task after the commit (:class:`Publication`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongyue.core.uploads import InertFileField
from gongyue.organisations.models import Unit

MAX_VALUE_CHARS = 2048
MAX_TEXT_CHARS = 5000


class Kind(models.TextChoices):
    DOMAIN = "domain", _("domain")
    URL = "url", _("URL")
    IP = "ip", _("IP address")
    CIDR = "cidr", _("IP network (CIDR)")
    SHA256 = "sha256", "SHA-256"
    SHA1 = "sha1", "SHA-1"
    MD5 = "md5", "MD5"


class Category(models.TextChoices):
    PHISHING = "phishing", _("phishing")
    MALWARE = "malware", _("malware distribution")
    FRAUD = "fraud", pgettext_lazy("registry", "fraud")
    GAMBLING = "gambling", pgettext_lazy("registry", "gambling")
    PORNOGRAPHY = "pornography", pgettext_lazy("registry", "pornography")
    ILLEGAL = "illegal", _("illegal content")
    OTHER = "other", pgettext_lazy("registry", "other")


class Status(models.TextChoices):
    PENDING = "pending", _("awaiting review")
    LISTED = "listed", _("listed")
    REJECTED = "rejected", _("rejected")
    DELISTED = "delisted", _("delisted")
    EXPIRED = "expired", _("expired")


#: The statuses each status may move to; actions refuse anything else.
TRANSITIONS = {
    Status.PENDING: {Status.LISTED, Status.REJECTED},
    Status.LISTED: {Status.REJECTED, Status.DELISTED, Status.EXPIRED},
    Status.REJECTED: {Status.PENDING, Status.LISTED},
    Status.DELISTED: {Status.PENDING},
    Status.EXPIRED: {Status.PENDING, Status.LISTED},
}
#: Statuses anyone may see on the public entry page (what was never listed stays private).
PUBLIC_STATUSES = (Status.LISTED, Status.DELISTED, Status.EXPIRED)


class EntryQuerySet(models.QuerySet):
    def listed(self):
        return self.filter(status=Status.LISTED)

    def public(self):
        return self.filter(status__in=PUBLIC_STATUSES)

    def to_review(self):
        """Pending entries, and entries a trusted unit listed that nobody has reviewed yet."""
        return self.filter(
            Q(status=Status.PENDING) | Q(status=Status.LISTED, reviewed_at__isnull=True)
        )

    def due_to_expire(self, now):
        return self.filter(status=Status.LISTED, expires_at__lte=now)

    def expiring_unnoticed(self, now, until):
        """Listed entries that expire between now and `until` and whose unit was not told of
        that expiry yet."""
        return self.filter(status=Status.LISTED, expires_at__gt=now, expires_at__lte=until).exclude(
            expiry_notice_for=F("expires_at")
        )


class Entry(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=MAX_VALUE_CHARS)
    include_subdomains = models.BooleanField(_("with subdomains"), default=False)
    # The line the plain-text feed writes (value, or *.value for a domain with subdomains).
    indicator = models.CharField(_("indicator"), max_length=MAX_VALUE_CHARS + 2, unique=True)
    registered_domain = models.CharField(
        _("registered domain"), max_length=253, blank=True, db_index=True
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # Why the warning list holds it (empty: not on it); listing it then needs the head's override.
    warning = models.CharField(_("warning list"), max_length=300, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="registry_entries", verbose_name=_("unit")
    )
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    listed_at = models.DateTimeField(_("listed"), null=True, blank=True)
    # Who put it on the list: the reviewer who approved it, or the trusted submitter.
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=MAX_TEXT_CHARS, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, db_index=True)
    # Indexed: a publication after a change looks at the entries re-sighted since the last one.
    last_sighted_at = models.DateTimeField(_("last sighted"), default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(_("left the list"), null=True, blank=True)
    # The expiry the submitting unit was last told of ahead of time (see duties.py): told once
    # an expiry, and again when a sighting has moved it.
    expiry_notice_for = models.DateTimeField(null=True, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("registry entry")
        verbose_name_plural = _("registry entries")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="entry_kind_known"),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="entry_category_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="entry_status_known"
            ),
        ]

    def __str__(self):
        return self.indicator

    @property
    def is_listed(self) -> bool:
        return self.status == Status.LISTED

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def can_become(self, status) -> bool:
        return status in TRANSITIONS[self.status]

    def snapshot(self) -> dict:
        return {
            "indicator": self.indicator,
            "kind": self.kind,
            "category": self.category,
            "status": self.status,
            "expires_at": self.expires_at,
        }


class Sighting(models.Model):
    """One submission of an entry by a unit: the first creates the entry, later ones add to it."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="sightings")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    evidence = models.TextField(_("evidence"), max_length=MAX_TEXT_CHARS, blank=True)
    sample_sha256 = models.CharField(_("sample SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.entry} · {self.unit}"


def evidence_path(instance, filename):
    from gongyue.organisations.models import private_path

    return private_path("registry-evidence", filename)


#: What a screenshot may be (the type read from its bytes).
EVIDENCE_KINDS = ("png", "jpeg")


class Screenshot(models.Model):
    """A checked image (PNG or JPEG, the type read from its bytes) under a server-chosen name
    with its SHA-256; never shown on a public page."""

    file = InertFileField(
        upload_to=evidence_path,
        kinds=EVIDENCE_KINDS,
        sha256_field="sha256",
    )
    kind = models.CharField(max_length=10)
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return self.sha256


class EvidenceFile(Screenshot):
    """A screenshot handed in with a sighting; served only to the secretariat and the unit
    that handed it in, never on the public entry page."""

    sighting = models.ForeignKey(Sighting, on_delete=models.CASCADE, related_name="files")


class TrustedUnit(models.Model):
    """A unit whose submissions are listed at once, with a later review."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="registry_trust")
    since = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self):
        return str(self.unit)


class EventKind(models.TextChoices):
    LISTED = "listed", _("listed")
    APPEALED = "appealed", _("appealed")
    APPEAL_DISMISSED = "appeal_dismissed", _("appeal dismissed")
    DELISTED = "delisted", _("delisted")
    EXPIRED = "expired", _("expired")
    REJECTED = "rejected", _("rejected on review")


class EntryEvent(models.Model):
    """The entry's public history: what happened when, never who submitted it."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=MAX_TEXT_CHARS, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.entry} {self.kind}"


class RegistryHead(models.Model):
    """The single row every change of the list bumps: its serial orders the changes."""

    serial = models.PositiveBigIntegerField(default=0)
    # The day the expiry notices last went out (once a day: see duties.py).
    expiry_notices_on = models.DateField(null=True, blank=True)

    def __str__(self):
        return f"registry serial {self.serial}"


class Op(models.TextChoices):
    ADD = "add", _("added")
    REMOVE = "remove", _("removed")


class FeedChange(models.Model):
    """One indicator entering or leaving the list at a serial."""

    serial = models.PositiveBigIntegerField(db_index=True)
    op = models.CharField(max_length=6, choices=Op.choices)
    indicator = models.CharField(max_length=MAX_VALUE_CHARS + 2)
    category = models.CharField(max_length=20)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["serial", "pk"]

    def __str__(self):
        return f"{self.serial} {self.op} {self.indicator}"


class Publication(models.Model):
    """The feeds as written for one serial."""

    serial = models.PositiveBigIntegerField(unique=True)
    published_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField()
    # SHA-256 of the sorted list of every listed indicator, one a line (see docs/registry.md).
    sha256 = models.CharField(max_length=64)
    # The oldest serial `changes?since=` can still answer from.
    history_from = models.PositiveBigIntegerField(default=0)
    # name → {"size", "count", "head", "body" (its list of chunks), "foot"[, "list_sha256"]},
    # then {"gzip_size", "crc32", "zhead", "zfoot"} and {"sha256"} as they follow.
    files = models.JSONField(default=dict)
    took_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-serial"]

    def __str__(self):
        return f"publication {self.serial}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("open")
    UPHELD = "upheld", _("upheld: delisted")
    DISMISSED = "dismissed", _("dismissed")


class Appeal(models.Model):
    """Whoever an entry names asks for it to be taken off the list."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="appeals")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("your name or organisation"), max_length=200)
    contact = models.CharField(_("contact (email or phone)"), max_length=200)
    grounds = models.TextField(_("grounds"), max_length=MAX_TEXT_CHARS)
    evidence = models.TextField(_("evidence"), max_length=MAX_TEXT_CHARS, blank=True)
    # make_password() of the receipt code a person without an account was given, never the code.
    receipt_digest = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default="open")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=MAX_TEXT_CHARS, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="open"), name="one_open_appeal_per_entry"
            )
        ]

    def __str__(self):
        return _("Appeal %(number)s") % {"number": self.pk}


class AppealFile(Screenshot):
    """A screenshot with an appeal (the site cleaned, say); served only to the secretariat and
    the appellant with an account."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="files")
