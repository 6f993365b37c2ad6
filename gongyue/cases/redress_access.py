"""Who may see and do what with disputes, complaints to the authority and public criticism.

Http404 when the object is missing or invisible, PermissionDenied when visible but not allowed.
A dispute is its two parties' and, once named, its mediator's; the secretariat sees one only
while it waits for a mediator, and then only to name one or to recuse. A complaint about the
executing body is its unit's and the authority's: every secretariat account and every site
administrator (superusers included) is refused, whatever other role they hold.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from gongyue.core.access import is_secretariat

from .actions.disputes import is_party, is_signer_for
from .models import Complaint, Criticism, Dispute, DisputeAgreement, DisputeStatus


def get_dispute_for_user(user, dispute_id, *, to: str = "view") -> Dispute:
    """`to`: "view" and "write" (the parties and the mediator), "accept" (a signer of a party),
    "assign" (the secretariat, while the dispute waits for a mediator)."""
    dispute = get_object_or_404(
        Dispute.objects.select_related("claimant", "respondent", "mediator", "opened_by"),
        pk=dispute_id,
    )
    insider = user.is_authenticated and (is_party(user, dispute) or dispute.mediator_id == user.pk)
    if to == "assign":
        if is_secretariat(user) and dispute.status == DisputeStatus.MEDIATION_REQUESTED:
            return dispute
        if insider:
            raise PermissionDenied(_("Only the secretariat names a mediator."))
        raise Http404
    if not insider:
        raise Http404
    if to == "accept" and not (is_party(user, dispute) and is_signer_for(user, user.unit_id)):
        raise PermissionDenied(
            _("Only a party's legal representative or delegate accepts a settlement.")
        )
    return dispute


def get_agreement_for_user(user, dispute_id, agreement_id, *, to="view") -> DisputeAgreement:
    dispute = get_dispute_for_user(user, dispute_id, to=to)
    agreement = get_object_or_404(DisputeAgreement, pk=agreement_id, dispute=dispute)
    agreement.dispute = dispute
    return agreement


def refuses_complaints(user) -> bool:
    """Secretariat accounts and site administrators never see Art. 23 complaints."""
    return user.is_authenticated and (
        user.is_secretariat or user.is_site_admin or user.is_superuser or user.is_staff
    )


def reads_complaints_as_authority(user) -> bool:
    return user.is_authenticated and user.is_authority and not refuses_complaints(user)


def require_complaint_list(user) -> None:
    """The list of complaints: the authority's, and each unit's own; refused to the secretariat."""
    if refuses_complaints(user):
        raise PermissionDenied(_("Complaints about the executing body are for the authority."))


def get_complaint_for_user(user, complaint_id, *, to: str = "view") -> Complaint:
    """`to`: "view" (the filing unit's people, the authority), "handle" (the authority)."""
    if not user.is_authenticated or refuses_complaints(user):
        raise Http404
    complaint = get_object_or_404(
        Complaint.objects.select_related("unit", "filed_by", "staff", "answered_by"),
        pk=complaint_id,
    )
    authority = reads_complaints_as_authority(user)
    own = bool(user.unit_id) and user.unit_id == complaint.unit_id
    if not (authority or own):
        raise Http404
    if to == "handle" and not authority:
        raise PermissionDenied(_("Only the authority answers and closes a complaint."))
    return complaint


def get_criticism_for_user(user, criticism_id) -> Criticism:
    """Public criticism is handled by the secretariat; the sender reads it with the receipt."""
    if not is_secretariat(user):
        raise Http404
    return get_object_or_404(Criticism.objects.select_related("unit"), pk=criticism_id)
