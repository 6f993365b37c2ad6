"""Who may see and do what with units, applications, authorisations and signatures.

Every view and endpoint goes through these helpers: Http404 when the object is missing or
invisible to the person, PermissionDenied when they may see it but not do what they ask.
Whether the person may *sign* or *withdraw* for a unit on a given day is a rule of the
convention (Art. 25), checked by the action itself at the moment it acts.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from gongyue.accounts.models import Role, RoleGrant
from gongyue.convention.models import Convention
from gongyue.core.access import is_secretariat

from .models import (
    Application,
    LegalRepInvitation,
    Membership,
    RegisterList,
    Signature,
    Unit,
    Withdrawal,
)


class InvalidClaimLink(Http404):
    """A claim link whose signature does not check out: forged, cut short or mistyped."""


def get_invitation_for_claim(token: str) -> tuple[LegalRepInvitation, str]:
    """The invitation a claim link names, with the nonce it carries. Anyone holding the link may
    see the invitation; whether they may claim it is the action's to decide."""
    invitation, nonce = LegalRepInvitation.objects.from_token(token)
    if invitation is None:
        raise InvalidClaimLink(
            _(
                "This link is not valid. Check that you opened it whole, as it came in the mail, "
                "or ask the secretariat to send a new one."
            )
        )
    return invitation, nonce


def _belongs_to(user, unit_id) -> bool:
    """People of a unit: its account holders and anyone holding a grant for it today."""
    return user.is_authenticated and (
        user.unit_id == unit_id or any(g.unit_id == unit_id for g in user.active_grants)
    )


def _is_legal_rep(user, unit_id) -> bool:
    return user.is_authenticated and user.has_role(Role.LEGAL_REP, unit=unit_id)


def require_secretariat(user) -> None:
    """For API endpoints: 403 unless the person is secretariat staff."""
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat may do this."))


def get_application_for_user(user, application_id, *, to: str = "view") -> Application:
    """`to`: "view" (applicant, secretariat), "edit" (applicant), "review" (secretariat)."""
    application = get_object_or_404(
        Application.objects.select_related("applicant", "unit"), pk=application_id
    )
    mine = user.is_authenticated and application.applicant_id == user.pk
    if not (mine or is_secretariat(user)):
        raise Http404
    if to == "edit" and not mine:
        raise PermissionDenied(_("Only the applicant changes an application."))
    if to == "review" and not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat reviews applications."))
    return application


def get_unit_for_user(user, unit_id, *, to: str = "view") -> Unit:
    """The unit's own pages. `to`: "view" (its people, secretariat), "act" (its people: signing
    and withdrawal are then checked by the action), "authorise" (its legal representative)."""
    unit = get_object_or_404(Unit, pk=unit_id)
    if not (_belongs_to(user, unit.pk) or is_secretariat(user)):
        raise Http404
    if to == "act" and not _belongs_to(user, unit.pk):
        raise PermissionDenied(_("Only the unit's own representatives act for it."))
    if to == "authorise" and not _is_legal_rep(user, unit.pk):
        raise PermissionDenied(
            _("Only the unit's legal representative may authorise or revoke a delegate.")
        )
    return unit


def get_withdrawal_for_user(user, withdrawal_id, *, to: str = "view") -> Withdrawal:
    """A notice of withdrawal, through its unit's own pages: `to` as for get_unit_for_user."""
    withdrawal = get_object_or_404(Withdrawal.objects.select_related("unit"), pk=withdrawal_id)
    get_unit_for_user(user, withdrawal.unit_id, to=to)
    return withdrawal


def get_public_unit(unit_id) -> Unit:
    """A unit's public page exists once it has been a member; applicants stay private."""
    if not Membership.objects.filter(unit_id=unit_id).exists():
        raise Http404
    return get_object_or_404(Unit, pk=unit_id)


def get_delegate_grant_for_user(user, grant_id, *, to: str = "view") -> RoleGrant:
    """A delegate's authorisation: seen by the unit's legal representative, the delegate and the
    secretariat; revoked by the legal representative (or the secretariat, on the unit's request)."""
    grant = get_object_or_404(
        RoleGrant.objects.select_related("user", "unit"), pk=grant_id, role=Role.DELEGATE
    )
    allowed_to_revoke = _is_legal_rep(user, grant.unit_id) or is_secretariat(user)
    if not (allowed_to_revoke or (user.is_authenticated and grant.user_id == user.pk)):
        raise Http404
    if to == "revoke" and not allowed_to_revoke:
        raise PermissionDenied(
            _("Only the unit's legal representative may revoke an authorisation.")
        )
    return grant


def get_signature_for_user(user, signature_id, *, to: str = "view") -> Signature:
    """A signature's private parts (signature page, sealed scan): the unit's people and the
    secretariat see them; the unit's signers or the secretariat hand in the sealed scan."""
    signature = get_object_or_404(
        Signature.objects.select_related("unit", "version", "signer"), pk=signature_id
    )
    if not (_belongs_to(user, signature.unit_id) or is_secretariat(user)):
        raise Http404
    if to == "attach" and not (
        is_secretariat(user) or user.has_role(Role.LEGAL_REP, Role.DELEGATE, unit=signature.unit_id)
    ):
        raise PermissionDenied(
            _(
                "Only the unit's legal representative, a delegate or the secretariat hand in the "
                "sealed page."
            )
        )
    return signature


def get_register_list(list_id) -> RegisterList:
    return get_object_or_404(RegisterList, pk=list_id)


def get_current_convention() -> Convention:
    convention = Convention.objects.current()
    if convention is None:
        raise Http404
    return convention
