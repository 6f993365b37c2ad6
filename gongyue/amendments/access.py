"""Who may see and do what with amendment proposals and ballots.

Every view and endpoint goes through these helpers: Http404 when the object is missing or
invisible to the person, PermissionDenied when they may see it but not do what they ask. Whether
a person may act *for a unit* (sponsor, vote) is the signer rule, checked by the action itself.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from gongyue.convention.models import Convention
from gongyue.core.access import is_secretariat

from .models import Ballot, Proposal


def get_convention_for_amendment(user) -> Convention:
    """The convention whose text a proposal would change: the one with a version in force."""
    return get_object_or_404(Convention.objects.filter(versions__status="adopted").distinct()[:1])


def can_propose(user) -> bool:
    """The executing body, or a person of a unit (the action checks the unit is a member and the
    person may act for it)."""
    return user.is_authenticated and (is_secretariat(user) or user.unit_id is not None)


def get_proposal_for_user(user, proposal_id, *, to: str = "view") -> Proposal:
    """`to`: "view"; "edit" (submit: its proposer's unit, or the secretariat for its own
    proposals); "sponsor" (a person of a unit); "open" and "publish" (the secretariat)."""
    proposal = get_object_or_404(
        Proposal.objects.visible_to(user).select_related(
            "convention",
            "version",
            "base_version",
            "annex_version__annex",
            "proposer_unit",
            "proposed_by",
        ),
        pk=proposal_id,
    )
    if to == "edit":
        own_unit = proposal.proposer_unit_id and user.unit_id == proposal.proposer_unit_id
        if not (own_unit or (proposal.by_secretariat and is_secretariat(user))):
            raise PermissionDenied(_("Only the proposer submits or withdraws a proposal."))
    elif to == "sponsor":
        if not user.is_authenticated or user.unit_id is None:
            raise PermissionDenied(_("Only member units sponsor proposals."))
    elif to == "open" and not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat opens a ballot."))
    elif to == "publish" and not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat publishes an adopted amendment."))
    return proposal


def get_ballot_for_user(user, ballot_id, *, to: str = "view") -> Ballot:
    """Ballots are public. `to`: "view"; "vote" (a person of a unit: the action checks the
    electorate and the signer rule); "close" (the secretariat, once the deadline passed)."""
    ballot = get_object_or_404(
        Ballot.objects.select_related("proposal", "proposal__convention"), pk=ballot_id
    )
    if to == "vote" and (not user.is_authenticated or user.unit_id is None):
        raise PermissionDenied(_("Only member units vote."))
    if to == "close" and not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat closes a ballot."))
    return ballot


def can_see_votes(user, ballot) -> bool:
    """Votes are public once the ballot closes; before, only the secretariat sees them all."""
    return not ballot.is_open or is_secretariat(user)


def get_annex_for_user(user, annex_id, *, to: str = "view"):
    """Annexes are public once published; a proposed one is seen through its proposal.
    `to`: "view"; "sign" (a person of a unit: the action checks membership and the signer rule)."""
    from .models import Annex

    annex = get_object_or_404(Annex.objects.published(), pk=annex_id)
    if to == "sign" and (not user.is_authenticated or user.unit_id is None):
        raise PermissionDenied(_("Only member units sign annexes."))
    return annex


def get_interpretation(interpretation_id):
    """Interpretations are public (Art. 29: published)."""
    from .models import Interpretation

    return get_object_or_404(
        Interpretation.objects.select_related("supersedes", "convention"), pk=interpretation_id
    )


def require_interpreter(user) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the executing body interprets the convention."))


def superseded_interpretation(convention, number):
    """The interpretation a new one supersedes, by its number; a field error when unknown."""
    from gongyue.core.errors import ActionRefused

    from .models import Interpretation

    if number is None:
        return None
    found = Interpretation.objects.filter(convention=convention, number=number).first()
    if found is None:
        raise ActionRefused(
            _("There is no interpretation %(n)s.") % {"n": number},
            code="invalid",
            field="supersedes",
            status=400,
        )
    return found
