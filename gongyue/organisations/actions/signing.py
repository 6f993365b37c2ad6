"""Signing the version in force, and the sealed page that follows (Art. 25, RULES.md 1–2)."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.accounts.models import Role
from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.convention.actions import founders_signed_at, take_effect
from gongyue.convention.canonical import CANONICAL_FORMAT
from gongyue.convention.models import Convention, Version
from gongyue.core.deadlines import china_date
from gongyue.core.errors import ActionRefused, refuse_if
from gongyue.core.notify import notify

from .. import queries
from ..models import (
    Application,
    ApplicationStatus,
    Capacity,
    JoinedBy,
    Membership,
    Signature,
    Unit,
)

MAIL = "organisations/mail/"


def signer_name(unit, actor, grant) -> str:
    """The name that goes on the signature page: the legal representative's name as the
    secretariat recorded it from the licence, or the delegate's name from the authorisation."""
    if grant.role == Role.LEGAL_REP and unit.legal_rep_name:
        return unit.legal_rep_name
    return str(actor)


@transaction.atomic
def do_sign_convention(unit, *, actor, version, sha256: str) -> Signature:
    """The unit's legal representative or a valid delegate signs the version in force.

    `sha256` is the hash of the text the signer was shown; a mismatch means they read another
    text and nothing is signed. A unit that is not a member becomes one; when the last founder
    of a convention not yet in effect signs, the convention takes effect (Art. 25).
    """
    # The convention row is locked first so that two last founders signing at once cannot both
    # miss each other's signature; the unit row so that one unit's two requests queue.
    convention = Convention.objects.select_for_update().get(pk=version.convention_id)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    version = Version.objects.get(pk=version.pk)
    now = timezone.now()
    # Who signs is refused first, and alone, with 403: the rest is none of a stranger's business.
    grant = unit.signing_grant(actor, china_date(now))
    if grant is None:
        raise ActionRefused(
            *unit.signer_blockers(actor, china_date(now)), code="not_a_signer", status=403
        )
    if Signature.objects.filter(unit=unit, version=version).exists():
        raise ActionRefused(
            _("This unit has already signed version %(number)s.") % {"number": version.number},
            code="already_signed",
        )
    refuse_if(unit.blockers_to_sign(actor, now, version=version, sha256=sha256), code="cannot_sign")
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                unit=unit,
                version=version,
                signer=actor,
                signer_name=signer_name(unit, actor, grant)[:150],
                capacity=Capacity.LEGAL_REP if grant.role == Role.LEGAL_REP else Capacity.DELEGATE,
                grant=grant,
                signed_at=now,
                sha256=version.sha256,
                text_format=getattr(version, "canonical_format", CANONICAL_FORMAT),
            )
    except IntegrityError:
        raise ActionRefused(
            _("This unit has already signed version %(number)s.") % {"number": version.number},
            code="already_signed",
        ) from None
    joined = not unit.is_member(now)
    if joined:
        Membership.objects.create(
            unit=unit, started_at=now, joined_by=JoinedBy.SIGNATURE, signature=signature
        )
        Application.objects.filter(
            unit=unit, status=ApplicationStatus.APPROVED, joined_at__isnull=True
        ).update(joined_at=now)
    took_effect = None
    if (
        convention.effective_at is None
        and (signed_at := founders_signed_at(convention)) is not None
    ):
        took_effect = take_effect(convention, signed_at)
    record(
        "organisations.convention_signed",
        actor=actor,
        subject=signature,
        visibility=Visibility.PUBLIC,
        new={
            "unit": unit.pk,
            "version": version.pk,
            "sha256": signature.sha256,
            "capacity": signature.capacity,
            "grant": grant.pk,
            "joined": joined,
            "convention_effective_at": convention.effective_at if took_effect else None,
        },
    )
    notify(
        queries.unit_signers(unit),
        kind="membership",
        template=MAIL + "convention_signed",
        context={
            "unit": unit.name,
            "title": version.title,
            "number": version.number,
            "sha256": signature.sha256,
            "signer": signature.signer_name,
            "joined": joined,
        },
        url=reverse("organisations:unit", args=[unit.pk]),
    )
    return signature


@transaction.atomic
def do_attach_sealed_scan(signature, *, actor, upload) -> Signature:
    """Keep the scan of the printed signature page, sealed by the unit (RULES.md rule 2)."""
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    if signature.sealed_scan:
        raise ActionRefused(_("The sealed page is already on file."), code="already_attached")
    signature.sealed_scan.save(upload.name, upload, save=False)
    signature.sealed_scan_at = timezone.now()
    signature.save(update_fields=["sealed_scan", "sealed_scan_at"])
    record(
        "organisations.sealed_page_received",
        actor=actor,
        subject=signature,
        new={"file": signature.sealed_scan.name.rsplit("/", 1)[-1]},
    )
    return signature
