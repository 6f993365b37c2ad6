"""Units, their applications, signatures and the one membership timeline (Art. 4, 25, 27).

A unit is a member at a moment when one of its `Membership` intervals covers that moment;
`Unit.objects.members(moment)` (and `unit.is_member(moment)`, which asks it) is the only place
that says so: the directory, the registers, every count and every electorate ask it.
"""

import hashlib
import json
import secrets
from datetime import date, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongyue.core.uploads import DOCUMENT_KINDS, InertFileField


class Category(models.TextChoices):
    """Member categories (Art. 9–13); a unit may have several."""

    INFO_SERVICE = "info_service", _("internet information service provider")
    ACCESS_PROVIDER = "access_provider", _("internet access provider")
    VENUE_OPERATOR = "venue_operator", _("internet café or venue operator")
    PRODUCT_MAKER = "product_maker", _("maker of internet information products")
    RESEARCH_EDUCATION = "research_education", _("research and education")
    OTHER = "other", _("other")


def category_labels(codes) -> list[str]:
    labels = dict(Category.choices)
    return [str(labels[code]) for code in codes if code in labels]


def private_path(folder: str, filename: str) -> str:
    """Storage path for a file only ever served through a view that checks access."""
    return f"private/{folder}/{secrets.token_hex(8)}-{filename[-60:]}"


class UnitQuerySet(models.QuerySet):
    def members(self, moment: datetime | None = None):
        """The units that were members at `moment` (default: now), annotated with `member_since`.

        Membership intervals are half-open, [started_at, ended_at): a unit whose withdrawal takes
        effect at 00:00 on 1 October is a member at 23:59 on 30 September and not at 00:00.
        """
        covering = (
            Membership.objects.covering(moment or timezone.now())
            .filter(unit=OuterRef("pk"))
            .order_by("-started_at")
        )
        return self.annotate(member_since=Subquery(covering.values("started_at")[:1])).filter(
            member_since__isnull=False
        )


def not_a_signer_message() -> str:
    return gettext(
        "Only the unit's legal representative or a delegate with an authorisation valid today "
        "may sign."
    )


class Unit(models.Model):
    """An organisation (单位) known to the platform: an applicant, a member, or a former member.

    Whether it is a member is not stored here: it is derived from its membership intervals.
    """

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("Unified Social Credit Code"), max_length=18, unique=True, null=True, blank=True
    )
    legal_rep_name = models.CharField(_("legal representative"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    icp_numbers = models.JSONField(_("ICP filing numbers"), default=list, blank=True)
    websites = models.JSONField(_("websites"), default=list, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return self.name

    @property
    def category_codes(self) -> list[str]:
        """Read through the prefetch cache when the caller prefetched `categories`."""
        return sorted(row.code for row in self.categories.all())

    @property
    def category_display(self) -> list[str]:
        return category_labels(self.category_codes)

    def is_member(self, moment: datetime | None = None) -> bool:
        return Unit.objects.members(moment).filter(pk=self.pk).exists()

    def current_membership(self, moment: datetime | None = None) -> "Membership | None":
        """The interval that covers `moment` (default: now), if the unit was a member then."""
        return Membership.objects.covering(moment or timezone.now()).filter(unit=self).first()

    def signing_grant(self, person, on: date):
        """The grant that lets `person` sign, vote or give notice for this unit on a day.

        Read fresh from the database. A delegate counts only with the written authorisation on
        file (Art. 25); the legal representative signs in that capacity even if also a delegate.
        """
        from gongyue.accounts.models import SIGNING_ROLES, Role, RoleGrant

        if not getattr(person, "pk", None):
            return None
        grants = (
            RoleGrant.objects.active(on)
            .filter(user=person, unit=self, role__in=SIGNING_ROLES)
            .exclude(role=Role.DELEGATE, document="")
        )
        return min(grants, key=lambda g: g.role != Role.LEGAL_REP, default=None)

    def signer_blockers(self, person, on: date) -> list[str]:
        """Why `person` does not sign for this unit on a day: empty when they do.

        The unit's contact (staff), who filled in the application, is told where the signing role
        is: with the legal representative, once they claim it, or a delegate they authorise.
        """
        from gongyue.accounts.models import Role, RoleGrant

        if self.signing_grant(person, on) is not None:
            return []
        blockers = [not_a_signer_message()]
        if (
            getattr(person, "pk", None)
            and RoleGrant.objects.active(on)
            .filter(user=person, unit=self, role=Role.UNIT_STAFF)
            .exists()
        ):
            pending = LegalRepInvitation.objects.open().filter(unit=self).first()
            if pending is not None:
                blockers.append(
                    _(
                        "You are the unit's contact. Its legal representative, %(name)s, was "
                        "invited by mail to %(email)s to claim the role; they sign, or authorise a "
                        "delegate."
                    )
                    % {"name": pending.name, "email": pending.masked_email}
                )
            else:
                blockers.append(
                    _(
                        "You are the unit's contact; the legal representative signs, or a delegate "
                        "with their written authorisation."
                    )
                )
        return blockers

    def blockers_to_sign(
        self, person, on: datetime, *, version=None, sha256: str | None = None
    ) -> list[str]:
        """Why `person` cannot sign for this unit at the moment `on`: the one signer rule.

        Checks who signs (the legal representative, or a delegate whose written authorisation
        covers the day), and, given the `version`, whether the unit may sign it: the version in
        force, read as `sha256` when given, not signed yet, and the unit a member, a founder
        before the convention took effect, or an approved applicant after.
        """
        from gongyue.convention.models import Founder, VersionStatus
        from gongyue.core.deadlines import china_date

        blockers = self.signer_blockers(person, china_date(on))
        if version is None:
            return blockers
        if version.status != VersionStatus.ADOPTED:
            blockers.append(_("Only the version in force can be signed."))
        if sha256 is not None and sha256 != version.sha256:
            blockers.append(
                _(
                    "The text you read is not the version in force (its SHA-256 differs); read it "
                    "again."
                )
            )
        if Signature.objects.filter(unit=self, version=version).exists():
            blockers.append(
                _("This unit has already signed version %(number)s.") % {"number": version.number}
            )
        if not self.is_member(on):
            convention = version.convention
            if convention.effective_at is None:
                if not Founder.objects.filter(convention=convention, unit=self).exists():
                    blockers.append(
                        _(
                            "The convention has not taken effect yet; until then only its "
                            "founders sign."
                        )
                    )
            elif not self.applications.filter(
                status=ApplicationStatus.APPROVED, joined_at__isnull=True
            ).exists():
                blockers.append(_("The unit's application to join has not been approved."))
        return blockers


class UnitCategory(models.Model):
    """One category of a unit: a row rather than a list so the directory can filter on it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(_("category"), max_length=32, choices=Category.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="a_category_once_per_unit")
        ]
        indexes = [models.Index(fields=["code", "unit"])]

    def __str__(self):
        return self.get_code_display()


class IdType(models.TextChoices):
    """Identity documents a legal representative may hold (as on the business licence)."""

    RESIDENT_ID = "resident_id", _("resident identity card")
    HK_MACAO_PERMIT = (
        "hk_macao_permit",
        _("Mainland travel permit for Hong Kong and Macao residents"),
    )
    TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")
    FOREIGN_RESIDENCE = "foreign_residence", _("foreign permanent resident ID card")
    PASSPORT = "passport", _("passport")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted, awaiting review")
    RETURNED = "returned", _("returned for correction")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


APPLICATION_TRANSITIONS = {
    ApplicationStatus.DRAFT: {ApplicationStatus.SUBMITTED},
    ApplicationStatus.SUBMITTED: {
        ApplicationStatus.RETURNED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
    },
    ApplicationStatus.RETURNED: {ApplicationStatus.SUBMITTED},
    ApplicationStatus.APPROVED: set(),
    ApplicationStatus.REJECTED: set(),
}

# The fields an applicant fills in, in form order, with those that may stay empty on submission.
APPLICATION_FIELDS = [
    "name",
    "uscc",
    "legal_rep_name",
    "legal_rep_id_type",
    "legal_rep_id_last4",
    "legal_rep_email",
    "applicant_is_legal_rep",
    "categories",
    "icp_numbers",
    "websites",
    "city",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "accepts_rules",
]
# `applicant_is_legal_rep` is a yes/no answer: "no" is a complete answer. The declaration and the
# licence scan have their own blockers, which name the article and the document.
OPTIONAL_APPLICATION_FIELDS = {"icp_numbers", "websites", "applicant_is_legal_rep", "accepts_rules"}

# An application holds its code while under review or approved and not yet signed.
ACTIVE_APPLICATION = Q(status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED]) | Q(
    status=ApplicationStatus.APPROVED, joined_at__isnull=True
)


def licence_scan_path(application, filename):
    return private_path(f"licences/{application.applicant_id}", filename)


class ApplicationQuerySet(models.QuerySet):
    def active(self):
        """Applications that reserve their USCC: under review, or approved and not yet signed."""
        return self.filter(ACTIVE_APPLICATION)

    def holding(self, uscc: str):
        """The applications that hold `uscc` now (at most one, by a constraint)."""
        return self.active().filter(uscc=uscc)

    def open(self):
        """Applications the applicant is still working on or waiting for."""
        return self.filter(
            status__in=[
                ApplicationStatus.DRAFT,
                ApplicationStatus.SUBMITTED,
                ApplicationStatus.RETURNED,
            ]
        )

    def queue(self):
        """What the secretariat has to review, oldest submission first."""
        return self.filter(status=ApplicationStatus.SUBMITTED).order_by("submitted_at", "pk")


class Application(models.Model):
    """An organisation's application to join (Art. 4, 27), reviewed by the secretariat.

    Approval does not make a member: the unit becomes one when its legal representative or a
    delegate signs the version in force (RULES.md rule 1).
    """

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("applicant"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )

    name = models.CharField(_("name of the organisation"), max_length=200)
    uscc = models.CharField(_("Unified Social Credit Code"), max_length=18, blank=True)
    legal_rep_name = models.CharField(_("legal representative"), max_length=100, blank=True)
    legal_rep_id_type = models.CharField(
        _("legal representative's identity document"),
        max_length=32,
        choices=IdType.choices,
        blank=True,
    )
    # Only the last four characters: enough for the secretariat to compare with the licence
    # holder's document, too little to be worth stealing.
    legal_rep_id_last4 = models.CharField(
        _("last four characters of the document number"), max_length=4, blank=True
    )
    legal_rep_email = models.EmailField(_("legal representative's email"), blank=True)
    applicant_is_legal_rep = models.BooleanField(_("I am this legal representative"), default=False)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    icp_numbers = models.JSONField(_("ICP filing numbers"), default=list, blank=True)
    websites = models.JSONField(_("websites"), default=list, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    accepts_rules = models.BooleanField(_("the unit accepts the convention's rules"), default=False)
    licence_scan = InertFileField(
        _("scan of the business licence"),
        upload_to=licence_scan_path,
        blank=True,
        kinds=DOCUMENT_KINDS,
        sha256_field="licence_scan_sha256",
    )
    licence_scan_sha256 = models.CharField(
        _("SHA-256 of the licence scan"), max_length=64, blank=True, editable=False
    )
    licence_scan_at = models.DateTimeField(null=True, blank=True)
    # Set on approval when the secretariat checked, against the licence, that the applicant is
    # the legal representative named above.
    legal_rep_confirmed = models.BooleanField(default=False)

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The secretariat's reasons for the last return or the rejection, shown to the applicant.
    reasons = models.TextField(_("reasons"), blank=True)
    times_returned = models.PositiveSmallIntegerField(default=0)
    # When the unit's first signature after approval made it a member.
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            # Two applications for one organisation cannot be under review at once, even if
            # submitted in the same instant.
            models.UniqueConstraint(
                fields=["uscc"],
                condition=ACTIVE_APPLICATION,
                name="one_active_application_per_uscc",
            ),
            models.UniqueConstraint(
                fields=["applicant"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="one_open_application_per_applicant",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def category_display(self) -> list[str]:
        return category_labels(self.categories)

    @property
    def is_editable(self) -> bool:
        return self.status in {ApplicationStatus.DRAFT, ApplicationStatus.RETURNED}

    @property
    def awaits_signature(self) -> bool:
        return self.status == ApplicationStatus.APPROVED and self.joined_at is None

    def can_become(self, status) -> bool:
        return status in APPLICATION_TRANSITIONS[self.status]

    def missing_fields(self) -> list[str]:
        return [
            name
            for name in APPLICATION_FIELDS
            if name not in OPTIONAL_APPLICATION_FIELDS and not getattr(self, name)
        ]

    def blockers_to_submit(self) -> list[str]:
        blockers = []
        if not self.can_become(ApplicationStatus.SUBMITTED):
            blockers.append(_("Only a draft or a returned application can be submitted."))
        for name in self.missing_fields():
            blockers.append(
                _("Fill in “%(field)s”.") % {"field": self._meta.get_field(name).verbose_name}
            )
        if not self.licence_scan:
            blockers.append(_("Attach the scan of the business licence."))
        if joining_declaration_required() and not self.accepts_rules:
            blockers.append(declaration_missing_message())
        if self.uscc:
            blockers += uscc_holder_blockers(self.uscc, exclude_application=self)
        return blockers

    def blockers_to_review(self, decision=ApplicationStatus.APPROVED) -> list[str]:
        """Why the secretariat cannot decide (approve, return or reject) the application now."""
        if not self.can_become(decision):
            return [
                _("Only a submitted application can be reviewed; this one is “%(status)s”.")
                % {"status": self.get_status_display()}
            ]
        return []

    def blockers_to_approve(self) -> list[str]:
        blockers = self.blockers_to_review()
        if blockers:
            return blockers
        blockers += uscc_holder_blockers(self.uscc, exclude_application=self)
        unit = Unit.objects.filter(uscc=self.uscc).first()
        if self.applicant.unit_id and (unit is None or self.applicant.unit_id != unit.pk):
            blockers.append(
                _("The applicant's account already belongs to another unit, %(unit)s.")
                % {"unit": self.applicant.unit}
            )
        return blockers


def joining_article() -> int | None:
    """The article of the convention in force on joining (Art. 27 of the seed text)."""
    from gongyue.convention.models import Convention
    from gongyue.convention.rules import RULES_BY_KEY

    convention = Convention.objects.current()
    rule = RULES_BY_KEY["joining_declaration"]
    return convention.rule_article(rule) if convention else rule.article


def joining_declaration_required() -> bool:
    from gongyue.convention.models import Convention
    from gongyue.convention.rules import RULES_BY_KEY

    convention = Convention.objects.current()
    if convention is None:
        return bool(RULES_BY_KEY["joining_declaration"].default)
    return bool(convention.rule("joining_declaration"))


def declaration_text() -> str:
    article = joining_article()
    if article is None:
        return gettext("The unit accepts the convention's self-discipline rules.")
    return gettext(
        "The unit accepts the convention's self-discipline rules (Art. %(article)s)."
    ) % {"article": article}


def declaration_missing_message() -> str:
    return gettext("Declare that the unit accepts the convention's rules: “%(text)s”") % {
        "text": declaration_text()
    }


def uscc_holder_blockers(code: str, *, exclude_application=None, exclude_unit=None) -> list[str]:
    """Who else holds this code: a current member, or an application under review or approved."""
    blockers = []
    members = Unit.objects.members().filter(uscc=code)
    if exclude_unit is not None:
        members = members.exclude(pk=exclude_unit.pk)
    if members.exists():
        blockers.append(_("A member unit already holds the code %(code)s.") % {"code": code})
    applications = Application.objects.holding(code)
    if exclude_application is not None and exclude_application.pk:
        applications = applications.exclude(pk=exclude_application.pk)
    if applications.exists():
        blockers.append(
            _("Another application for the code %(code)s is under review or awaiting signature.")
            % {"code": code}
        )
    return blockers


CLAIM_SALT = "gongyue.organisations.legal-rep-claim"


def mask_email(address: str) -> str:
    """z***@poyang.example.cn: enough to recognise one's own address, not to harvest it."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class LegalRepInvitationQuerySet(models.QuerySet):
    def open(self, moment: datetime | None = None):
        """Invitations that can still be claimed at `moment` (default: now)."""
        return self.filter(
            claimed_at__isnull=True,
            withdrawn_at__isnull=True,
            expires_at__gt=moment or timezone.now(),
        )

    def from_token(self, token: str) -> tuple["LegalRepInvitation | None", str]:
        """The invitation a claim link names and the nonce it carries; (None, "") if forged."""
        from django.core import signing

        try:
            data = signing.loads(str(token)[:500], salt=CLAIM_SALT)
            pk, nonce = int(data["i"]), str(data["n"])
        except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError):
            return None, ""
        return self.select_related("unit", "application").filter(pk=pk).first(), nonce


class LegalRepInvitation(models.Model):
    """The invitation to the legal representative named in an approved application to claim
    the unit's signing role (RULES.md rule 1): a signed link, valid until `expires_at`, used once.

    The link carries the row's id and `nonce`, signed with the secret key; a new invitation for
    the same application withdraws the old one, whose link then no longer works.
    """

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="legal_rep_invitations"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="legal_rep_invitations")
    name = models.CharField(_("legal representative"), max_length=100)
    email = models.EmailField(_("email"))
    nonce = models.CharField(max_length=64, default=secrets.token_hex, editable=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("valid until"))
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = LegalRepInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation to the legal representative")
        verbose_name_plural = _("invitations to legal representatives")
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(claimed_at__isnull=True, withdrawn_at__isnull=True),
                name="one_pending_invitation_per_application",
            ),
        ]

    def __str__(self):
        return f"{self.name} · {self.unit}"

    @property
    def token(self) -> str:
        from django.core import signing

        return signing.dumps({"i": self.pk, "n": self.nonce}, salt=CLAIM_SALT, compress=True)

    @property
    def masked_email(self) -> str:
        return mask_email(self.email)

    def link_blockers(self, nonce: str, moment: datetime) -> list[str]:
        """Why the link carrying `nonce` cannot be used at `moment` (all answered with 410)."""
        if not secrets.compare_digest(nonce, self.nonce) or self.withdrawn_at is not None:
            return [
                _(
                    "This link was replaced by a newer invitation; use the link in the latest "
                    "mail, or ask the secretariat to send one."
                )
            ]
        if self.claimed_at is not None:
            return [_("This link was already used; it works only once. Log in instead.")]
        if self.expires_at <= moment:
            return [
                _("This link expired on %(day)s; ask the secretariat to send a new one.")
                % {"day": timezone.localtime(self.expires_at).strftime("%Y-%m-%d %H:%M")}
            ]
        return []

    def person_blockers(self, person) -> list[str]:
        """Why `person` (signed in) cannot claim: the invitation is for one address and unit."""
        blockers = []
        if (person.email or "").strip().lower() != self.email.strip().lower():
            blockers.append(
                _(
                    "This invitation is for the owner of %(email)s; you are signed in as someone "
                    "else. Sign out, or sign in with the account of that address."
                )
                % {"email": self.masked_email}
            )
        elif person.unit_id not in (None, self.unit_id):
            blockers.append(
                _("Your account belongs to another unit, %(unit)s.") % {"unit": person.unit}
            )
        if person.is_secretariat or person.is_authority:
            blockers.append(_("Secretariat and authority accounts cannot represent a unit."))
        return blockers


class JoinedBy(models.TextChoices):
    SIGNATURE = "signature", _("signature")
    IMPORT = "import", _("imported member list")
    REINSTATED = "reinstated", _("reinstated after a review annulled a revocation")


class EndedBy(models.TextChoices):
    WITHDRAWAL = "withdrawal", _("withdrawal")
    REVOCATION = "revocation", _("revocation of membership")


class MembershipQuerySet(models.QuerySet):
    def covering(self, moment):
        """Intervals during which their unit was a member at `moment`."""
        return self.filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=moment), started_at__lte=moment
        )

    def started_between(self, start, end):
        return self.filter(started_at__gte=start, started_at__lt=end)

    def ended_between(self, start, end):
        return self.filter(ended_at__gte=start, ended_at__lt=end)


class Membership(models.Model):
    """One interval during which a unit was a member: [started_at, ended_at).

    `ended_at` is set when the end is known, which may be in the future: a withdrawal notice
    effective on a later date ends the interval at 00:00 of that date, so every question about a
    moment gets the same answer whether or not the withdrawal duty has run yet.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    started_at = models.DateTimeField(_("member since"))
    joined_by = models.CharField(_("joined by"), max_length=16, choices=JoinedBy.choices)
    signature = models.OneToOneField(
        "Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="membership"
    )
    imported_in = models.ForeignKey(
        "MemberImport", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    ended_at = models.DateTimeField(_("member until"), null=True, blank=True)
    ended_by = models.CharField(_("left by"), max_length=16, choices=EndedBy.choices, blank=True)
    end_reason = models.TextField(_("reason for leaving"), blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "started_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [models.Index(fields=["started_at"]), models.Index(fields=["ended_at"])]
        constraints = [
            # A unit is in at most one interval whose end is not yet known.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(ended_at__isnull=True),
                name="one_open_membership_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=models.F("started_at")),
                name="membership_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, ended_by="")
                | Q(ended_at__isnull=False) & ~Q(ended_by=""),
                name="an_ended_membership_says_how",
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.started_at:%Y-%m-%d}–{self.ended_at or ''}"


class Capacity(models.TextChoices):
    LEGAL_REP = "legal_rep", _("legal representative")
    DELEGATE = "delegate", _("authorised delegate")


def sealed_scan_path(signature, filename):
    return private_path(f"sealed/{signature.unit_id}", filename)


class Signature(models.Model):
    """A unit's signature binding it to one exact text (Art. 25): who, in what capacity, when, and
    the SHA-256 of the canonical text they were shown."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="signatures")
    version = models.ForeignKey(
        "convention.Version", on_delete=models.PROTECT, related_name="signatures"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    signer_name = models.CharField(_("signed by"), max_length=150)
    capacity = models.CharField(_("capacity"), max_length=16, choices=Capacity.choices)
    # The grant (with the authorisation letter, for a delegate) valid on the day of signing.
    grant = models.ForeignKey(
        "accounts.RoleGrant", on_delete=models.PROTECT, related_name="signatures"
    )
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    sha256 = models.CharField(_("SHA-256 of the signed text"), max_length=64)
    text_format = models.CharField(max_length=40)
    sealed_scan = InertFileField(
        _("scan of the sealed signature page"),
        upload_to=sealed_scan_path,
        blank=True,
        kinds=DOCUMENT_KINDS,
        sha256_field="sealed_scan_sha256",
    )
    sealed_scan_sha256 = models.CharField(
        _("SHA-256 of the scan"), max_length=64, blank=True, editable=False
    )
    sealed_scan_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(fields=["unit", "version"], name="a_unit_signs_a_version_once"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.version}"


class WithdrawalStatus(models.TextChoices):
    PENDING = "pending", _("notified, not yet effective")
    EFFECTIVE = "effective", _("effective")
    # Taken back by the unit before its date: the membership goes on as if no notice was given.
    RETRACTED = "retracted", _("retracted before it took effect")


class Withdrawal(models.Model):
    """A member's notice that it leaves (Art. 27): no approval, effective on its date."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="withdrawals")
    # One standing notice per interval (see the constraint); a retracted one stays on record.
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="withdrawals")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    effective_on = models.DateField(_("effective on"))
    effective_at = models.DateTimeField(_("effective from"))
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=WithdrawalStatus.choices,
        default=WithdrawalStatus.PENDING,
    )
    took_effect_at = models.DateTimeField(null=True, blank=True)
    retracted_at = models.DateTimeField(_("retracted"), null=True, blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        indexes = [models.Index(fields=["status", "effective_at"])]
        constraints = [
            # A unit cannot withdraw twice from the same membership, but may give notice again
            # after retracting one.
            models.UniqueConstraint(
                fields=["membership"],
                condition=~Q(status="retracted"),
                name="one_standing_notice_per_membership",
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.effective_on}"

    def blockers_to_retract(self, now: datetime) -> list[str]:
        """Why the notice cannot be taken back at `now`: only until it takes effect."""
        if self.status == WithdrawalStatus.RETRACTED:
            return [_("This notice of withdrawal was already retracted.")]
        if self.status == WithdrawalStatus.EFFECTIVE or self.effective_at <= now:
            from gongyue.core.deadlines import china_date

            return [
                _(
                    "The notice took effect on %(day)s and can no longer be retracted; to come "
                    "back, the unit applies to join again."
                )
                % {"day": china_date(self.effective_at)}
            ]
        return []


class MemberImport(models.Model):
    """One all-or-nothing import of an association's existing member list."""

    source_name = models.CharField(_("file"), max_length=200)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    count = models.PositiveIntegerField(_("members"))

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")

    def __str__(self):
        return f"{self.source_name} ({self.count})"


class RegisterListQuerySet(models.QuerySet):
    def current(self):
        """The records nobody corrected: the one list in force for each period."""
        return self.filter(corrected_by__isnull=True)

    def blockers_to_publish_in_order(self, period, convention) -> list[str]:
        """Lists are published in order: the first is the period in which the convention took
        effect, and each later one only once the list before it is out (none skipped)."""
        from gongyue.core.deadlines import china_date

        from .periods import period_containing

        if convention is None or convention.effective_at is None:
            return [_("The convention has not taken effect yet; there is no list to publish.")]
        first = period_containing(convention.effective_at, period.kind)
        if period.starts_on < first.starts_on:
            return [
                _(
                    "The convention took effect on %(day)s; the first list is the one for "
                    "%(first)s, and %(period)s comes before it."
                )
                % {
                    "day": china_date(convention.effective_at),
                    "first": first.label,
                    "period": period.label,
                }
            ]
        previous = period.previous()
        if period != first and not self.filter(period=previous.key).exists():
            return [
                _(
                    "Publish the list for %(previous)s first: lists are published in order, "
                    "none skipped."
                )
                % {"previous": previous.label}
            ]
        return []


class RegisterList(models.Model):
    """A published list of the units that joined and left in one period (Art. 27).

    Immutable once saved: the rows computed at publication are stored with their SHA-256, and a
    correction is a new record that cites the one it corrects.
    """

    period = models.CharField(_("period"), max_length=10)  # e.g. 2026-Q3, see periods.py
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    joined = models.JSONField(_("joined"))
    left = models.JSONField(_("left"))
    sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("corrects"),
    )
    note = models.TextField(_("note"), blank=True)

    objects = RegisterListQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-published_at"]
        verbose_name = _("published list")
        verbose_name_plural = _("published lists")
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(corrects__isnull=True),
                name="one_original_list_per_period",
            ),
        ]

    def __str__(self):
        return self.period

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Published lists never change; publish a correction instead.")
        self.sha256 = self.digest(self.joined, self.left)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Published lists are never deleted.")

    @staticmethod
    def facts(joined, left) -> tuple:
        """What the list asserts, without the names: a unit renamed later does not change it."""
        return (
            tuple((r["unit"], r["date"], r["by"]) for r in joined),
            tuple((r["unit"], r["date"], r["by"], r.get("reason", "")) for r in left),
        )

    def matches(self, rows: dict) -> bool:
        """Whether rows computed from the timeline assert what this record asserts."""
        return self.facts(self.joined, self.left) == self.facts(rows["joined"], rows["left"])

    @staticmethod
    def digest(joined, left) -> str:
        data = json.dumps(
            {"joined": joined, "left": left},
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(data.encode()).hexdigest()
