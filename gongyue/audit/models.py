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


def to_json_value(value):
    """Return `value` as plain JSON data, so what is hashed equals what is read back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def chain_hash(prev_hash: str, digest: str) -> str:
    return hashlib.sha256(f"{prev_hash}{digest}".encode()).hexdigest()


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.is_authority:
            return self
        if user.is_authenticated and user.is_secretariat:
            return self.exclude(visibility=Visibility.AUTHORITY)
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
    action = models.CharField(max_length=100, db_index=True)
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_label = models.CharField(max_length=300, blank=True)
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
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
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
        clears, while the label records who acted.
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
