"""Who may see and do what with bulletins, requests and submissions to the authority.

Every view and endpoint goes through these helpers: Http404 when the object is missing or
invisible to the person, PermissionDenied when they may see it but not do what they ask.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.core.access import is_authority, is_secretariat

from .models import Bulletin, Campaign, Receipt, Request, Response, Submission


def require_secretariat(user) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat may do this."))


def reads_members_only(user) -> bool:
    """Members-only bulletins are for people of a member unit, the secretariat and the authority;
    the unit's membership is asked of the timeline at this moment."""
    if not user.is_authenticated:
        return False
    if is_secretariat(user) or is_authority(user):
        return True
    return bool(user.unit_id) and user.unit.is_member(timezone.now())


def get_bulletin_for_user(user, bulletin_id, *, to: str = "view") -> Bulletin:
    """`to`: "view" (anyone it is published to), "manage" (the secretariat: drafts, receipts),
    "acknowledge" (people of an addressed unit; who signs is checked by the action)."""
    bulletin = get_object_or_404(Bulletin.objects.select_related("created_by"), pk=bulletin_id)
    if not bulletin.is_published:
        if not is_secretariat(user):
            raise Http404
    elif not bulletin.is_public and not (
        reads_members_only(user)
        or (
            user.is_authenticated
            and user.unit_id
            and Receipt.objects.filter(bulletin=bulletin, unit=user.unit_id).exists()
        )
    ):
        raise Http404
    if to == "manage" and not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat manages bulletins."))
    if to == "acknowledge" and not (
        user.is_authenticated
        and user.unit_id
        and Receipt.objects.filter(bulletin=bulletin, unit=user.unit_id).exists()
    ):
        raise PermissionDenied(_("This bulletin is not addressed to your unit."))
    return bulletin


def get_request_for_user(user, request_id, *, to: str = "view") -> Request:
    """A request is seen by its unit, the secretariat and, once forwarded, the authority.

    `to`: "view", "handle" (the secretariat answers, forwards, closes).
    """
    request = get_object_or_404(
        Request.objects.select_related("unit", "sent_by", "submission"), pk=request_id
    )
    own = user.is_authenticated and user.unit_id == request.unit_id
    forwarded_to_me = is_authority(user) and request.submission_id is not None
    if not (own or is_secretariat(user) or forwarded_to_me):
        raise Http404
    if to == "handle" and not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat handles requests."))
    return request


def get_submission_for_user(user, submission_id, *, to: str = "view") -> Submission:
    """A submission is the authority's and the secretariat's; each submitting unit may read it
    (its own request shows beside it, never the others'). `to`: "view", "reply" (authority)."""
    submission = get_object_or_404(Submission, pk=submission_id)
    submitter = (
        user.is_authenticated
        and user.unit_id
        and submission.requests.filter(unit=user.unit_id).exists()
    )
    if not (is_authority(user) or is_secretariat(user) or submitter):
        raise Http404
    if to == "reply" and not is_authority(user):
        raise PermissionDenied(_("Only the authority replies to a submission."))
    return submission


def get_campaign_for_user(user, campaign_id, *, to: str = "view") -> Campaign:
    """`to`: "view" (the secretariat; people of an addressed unit once open), "manage"
    (the secretariat), "summary" (any member once the summary is published)."""
    campaign = get_object_or_404(Campaign.objects.select_related("convention"), pk=campaign_id)
    addressed = (
        campaign.is_open
        and user.is_authenticated
        and bool(user.unit_id)
        and Response.objects.filter(campaign=campaign, unit=user.unit_id).exists()
    )
    summary = (
        to == "summary" and campaign.summary_published_at is not None and reads_members_only(user)
    )
    if not (is_secretariat(user) or addressed or summary):
        raise Http404
    if to == "manage" and not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat runs compliance campaigns."))
    return campaign


def get_response_for_user(user, response_id, *, to: str = "view") -> Response:
    """A unit's answers: its people and the secretariat see them; the secretariat reviews."""
    response = get_object_or_404(
        Response.objects.select_related("campaign", "unit"), pk=response_id
    )
    own = user.is_authenticated and user.unit_id == response.unit_id
    if not (own or is_secretariat(user)) or not response.campaign.is_open:
        raise Http404
    if to == "review" and not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat reviews answers."))
    return response
