import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class Visibility(models.TextChoices):
    """Who may read an entry: what it records may be confidential (mediation, complaints)."""

    PUBLIC = "public", _("everyone")
    MEMBERS = "members", _("members")
    SECRETARIAT = "secretariat", _("secretariat")
    AUTHORITY = "authority", _("authority only")


class ActorKind(models.TextChoices):
    """In what capacity someone acted, fixed when the entry is written (roles change later).

    Art. 23 lets members complain about what the secretariat did: its acts are found by this.
    """

    SECRETARIAT = "secretariat", _("secretariat")
    AUTHORITY = "authority", _("competent authority")
    ADMIN = "admin", _("site administrator")
    UNIT = "unit", _("member unit or applicant")
    PERSON = "person", _("other account")
    SYSTEM = "system", _("the platform")
    PUBLIC = "public", _("the public")


def to_json_value(value):
    """Return `value` as plain JSON data, so what is hashed equals what is read back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def chain_hash(prev_hash: str, digest: str) -> str:
    return hashlib.sha256(f"{prev_hash}{digest}".encode()).hexdigest()


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        # The secretariat first: a person who also holds the authority role still never reads
        # the authority's rows (Art. 23 complaints are about the secretariat), nor does a superuser.
        if user.is_authenticated and user.is_secretariat:
            return self.exclude(visibility=Visibility.AUTHORITY)
        if user.is_authenticated and user.is_authority and not user.is_superuser:
            return self
        if user.is_authenticated and user.unit_id:
            return self.filter(visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS])
        return self.filter(visibility=Visibility.PUBLIC)


class AuditEntry(models.Model):
    """One recorded state change. Rows are only ever appended; each carries the previous row's hash.

    Edit or delete a row in the database and `verify()` names the first row whose hash no longer
    matches.
    """

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_label = models.CharField(max_length=200, blank=True)
    # Blank only in entries written before kinds were recorded (they are hashed without it).
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_label = models.CharField(max_length=300, blank=True)
    # The unit the entry concerns (the subject's, else the actor's), for finding a unit's history.
    # A plain id, not a constraint: the chain must outlive any row it mentions.
    unit = models.ForeignKey(
        "organisations.Unit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    # sha256 of the content; hash = sha256(prev_hash + digest). Publishing digests lets anyone
    # check the whole chain's links while confidential entries keep their content hidden.
    digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["unit", "seq"]),
            models.Index(fields=["actor_kind", "seq"]),
            models.Index(fields=["at"]),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self):
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")

    @property
    def hashed_time(self) -> str:
        return self.at.astimezone(UTC).isoformat(timespec="microseconds")

    def payload(self) -> bytes:
        """The exact bytes of the content digest: every recorded field, keys sorted, compact JSON.

        The actor's account id is left out: it is a convenience link that deleting the account
        clears, while the label records who acted. `actor_kind` and `unit` are included when
        set, so entries written before they existed keep their digest.
        """
        fields = {
            "seq": self.seq,
            "at": self.hashed_time,
            "actor_label": self.actor_label,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "subject_label": self.subject_label,
            "old": self.old,
            "new": self.new,
            "visibility": self.visibility,
        }
        if self.actor_kind:
            fields["actor_kind"] = self.actor_kind
        if self.unit_id is not None:
            fields["unit"] = self.unit_id
        return json.dumps(
            fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode()

    def compute_digest(self) -> str:
        return hashlib.sha256(self.payload()).hexdigest()

    def compute_hash(self) -> str:
        return chain_hash(self.prev_hash, self.compute_digest())


class ChainHead(models.Model):
    """A single row locked by every writer, so the chain never forks under concurrency."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self):
        return f"head #{self.seq}"


class SignedHeadQuerySet(models.QuerySet):
    def latest_signed(self):
        return self.order_by("-seq").first()


class SignedHead(models.Model):
    """The chain's head (sequence, hash, time) signed with the platform's Ed25519 key.

    Stored on every publication and on a schedule; anyone who saved one can later prove that the
    log they are shown still contains it (`gongyue verify_audit --against HEAD.json`).
    """

    class Occasion(models.TextChoices):
        PUBLICATION = "publication", _("publication")
        SCHEDULE = "schedule", _("schedule")
        MANUAL = "manual", _("on request")

    seq = models.BigIntegerField(unique=True)
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    # Base64 of the raw 32-byte public key and the 64-byte signature (docs/audit.md).
    public_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=100)
    occasion = models.CharField(max_length=16, choices=Occasion.choices)
    # The publication's event type, when that was the occasion.
    event = models.CharField(max_length=100, blank=True)

    objects = SignedHeadQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("signed head")
        verbose_name_plural = _("signed heads")

    def __str__(self):
        return f"signed head #{self.seq}"

    @property
    def signed_time(self) -> str:
        return self.signed_at.astimezone(UTC).isoformat(timespec="microseconds")
