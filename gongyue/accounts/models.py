import hashlib
import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from gongyue.core.uploads import DOCUMENT_KINDS, InertFileField


class Role(models.TextChoices):
    LEGAL_REP = "legal_rep", _("legal representative")
    DELEGATE = "delegate", _("authorised delegate")
    UNIT_STAFF = "unit_staff", _("unit staff")
    SECRETARIAT_STAFF = "secretariat_staff", _("secretariat staff")
    SECRETARIAT_HEAD = "secretariat_head", _("secretariat head")
    AUTHORITY = "authority", _("authority")
    SITE_ADMIN = "site_admin", _("site administrator")


UNIT_ROLES = {Role.LEGAL_REP, Role.DELEGATE, Role.UNIT_STAFF}
# A list in migration order: a set's order changes between runs and makemigrations saw a new constraint.
UNIT_ROLE_VALUES = [Role.UNIT_STAFF.value, Role.LEGAL_REP.value, Role.DELEGATE.value]
SECRETARIAT_ROLES = {Role.SECRETARIAT_STAFF, Role.SECRETARIAT_HEAD}
# Only these may sign or vote for a unit (Art. 25).
SIGNING_ROLES = {Role.LEGAL_REP, Role.DELEGATE}


class User(AbstractUser):
    """A person. Belongs to at most one unit; what they may do comes from their role grants."""

    unit = models.ForeignKey(
        "organisations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("unit"),
    )
    display_name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Notification kinds this person does not want by mail (they still reach the inbox).
    muted_mail_kinds = models.JSONField(_("kinds not sent by mail"), default=list, blank=True)

    def __str__(self):
        return self.display_name or self.get_username()

    @cached_property
    def unrevoked_grants(self) -> list["RoleGrant"]:
        """Every grant not revoked, whatever its period, read once per request."""
        if not self.pk:
            return []
        return list(
            RoleGrant.objects.filter(user=self, revoked_at__isnull=True).select_related("unit")
        )

    @property
    def active_grants(self) -> list["RoleGrant"]:
        """The grants in force today."""
        today = timezone.localdate()
        return [g for g in self.unrevoked_grants if g.covers(today)]

    def roles(self, unit=None) -> set[str]:
        return {
            g.role
            for g in self.active_grants
            if unit is None or g.unit_id == getattr(unit, "pk", unit)
        }

    def has_role(self, *roles, unit=None) -> bool:
        return bool(self.roles(unit) & set(roles))

    @property
    def is_secretariat(self) -> bool:
        return self.has_role(*SECRETARIAT_ROLES)

    @property
    def is_secretariat_head(self) -> bool:
        return self.has_role(Role.SECRETARIAT_HEAD)

    @property
    def is_authority(self) -> bool:
        return self.has_role(Role.AUTHORITY)

    @property
    def is_site_admin(self) -> bool:
        return self.is_superuser or self.has_role(Role.SITE_ADMIN)


class RoleGrantQuerySet(models.QuerySet):
    def active(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on),
            revoked_at__isnull=True,
            valid_from__lte=on,
        )


def authorisation_path(grant, filename):
    # The filename is already the server's choice (see gongyue.core.uploads).
    return f"private/authorisations/{grant.unit_id}/{filename}"


class RoleGrant(models.Model):
    """A role held by a person, for a unit where the role is a unit role, for a period."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        "organisations.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # A delegate's written authorisation, signed by the legal representative (Art. 25).
    document = InertFileField(
        _("authorisation letter"),
        upload_to=authorisation_path,
        blank=True,
        kinds=DOCUMENT_KINDS,
        sha256_field="document_sha256",
    )
    document_sha256 = models.CharField(
        _("SHA-256 of the letter"), max_length=64, blank=True, editable=False
    )
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=UNIT_ROLE_VALUES, unit__isnull=False)
                | (~Q(role__in=UNIT_ROLE_VALUES) & Q(unit__isnull=True)),
                name="unit_roles_have_a_unit",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="grant_period_is_ordered",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(revoked_at__isnull=True),
                name="one_open_grant_per_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}" + (
            f" · {self.unit}" if self.unit_id else ""
        )

    def covers(self, on: date) -> bool:
        return (
            self.revoked_at is None
            and self.valid_from <= on
            and (self.valid_until is None or on <= self.valid_until)
        )


TOKEN_PREFIX = "gy_"


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        """Create a token; returns it with the secret, which is not stored anywhere."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=secret[:11], digest=cls.digest_of(secret)
        )
        return token, secret
