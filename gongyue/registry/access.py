"""Who may do what with the registry.

Submitting, fetching members-only feeds and checking links are services for member units'
people (membership as of now, ``Unit.objects.members()``) and the
secretariat, who alone review entries and decide appeals. An entry that was listed is public
(its page shows its history without who submitted it); one that never was is seen only by the
secretariat and the unit that submitted it.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from gongyue.core.access import is_secretariat
from gongyue.core.receipts import check_receipt
from gongyue.organisations.models import Unit

from .models import Appeal, AppealFile, Entry, EvidenceFile, Sighting


def member_unit(user):
    """The member unit a person acts for, or None."""
    if not user.is_authenticated or user.unit_id is None:
        return None
    return Unit.objects.members().filter(pk=user.unit_id).first()


def can_use_registry(user) -> bool:
    """Fetch members-only feeds and check links: member units' people and the secretariat."""
    return is_secretariat(user) or member_unit(user) is not None


def check_can_use_registry(user) -> None:
    if not can_use_registry(user):
        raise PermissionDenied(_("The registry's feeds and link check are for member units."))


def check_can_submit(user):
    """The member unit the person submits for; 403 for anyone else."""
    unit = member_unit(user)
    if unit is None:
        raise PermissionDenied(_("Only the people of a member unit submit to the registry."))
    return unit


def check_can_review(user) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat reviews the registry."))


def get_unit_to_trust(user, unit_id) -> Unit:
    """A unit the secretariat makes a trusted submitter, or no longer: 403 for anyone else
    (before the unit is looked up, so that nobody else learns which numbers exist)."""
    check_can_review(user)
    return get_object_or_404(Unit, pk=unit_id)


def get_entry_for_user(user, entry_id, *, to: str = "view") -> Entry:
    """`to`: "view" (public once listed; otherwise the secretariat and the submitting unit),
    "review" (secretariat)."""
    entry = get_object_or_404(Entry.objects.select_related("unit"), pk=entry_id)
    own = user.is_authenticated and user.unit_id == entry.unit_id
    if not (entry.is_public or own or is_secretariat(user)):
        raise Http404
    if to == "review":
        check_can_review(user)
    return entry


def get_entries_to_review(user, entry_ids) -> list[Entry]:
    """Entries the secretariat reviews together: 403 for anyone else (before any is looked
    up), 404 when a number names no entry."""
    check_can_review(user)
    entries = list(Entry.objects.select_related("unit").filter(pk__in=entry_ids))
    if len(entries) != len(set(entry_ids)):
        raise Http404
    return entries


def is_appellant(user, appeal: Appeal) -> bool:
    return user.is_authenticated and (
        appeal.submitted_by_id == user.pk or bool(appeal.unit_id and appeal.unit_id == user.unit_id)
    )


def get_appeal_for_user(user, appeal_id, *, to: str = "view") -> Appeal:
    """An appeal: its appellant (person or unit) and the secretariat; decided by the secretariat."""
    appeal = get_object_or_404(Appeal.objects.select_related("entry", "unit"), pk=appeal_id)
    if not (is_appellant(user, appeal) or is_secretariat(user)):
        raise Http404
    if to == "decide":
        check_can_review(user)
    return appeal


def can_see_evidence(user, sighting: Sighting) -> bool:
    """Evidence is the secretariat's and the submitting unit's, never the public's."""
    if is_secretariat(user):
        return True
    return user.is_authenticated and user.unit_id is not None and user.unit_id == sighting.unit_id


def get_evidence_file_for_user(user, file_id) -> EvidenceFile:
    """A screenshot: 404 for anyone but the unit that handed it in and the secretariat."""
    row = get_object_or_404(
        EvidenceFile.objects.select_related("sighting", "sighting__entry"), pk=file_id
    )
    if not can_see_evidence(user, row.sighting):
        raise Http404
    return row


def get_sighting_for_evidence(user, entry_id) -> Sighting:
    """The latest sighting of an entry by the person's unit, to attach a screenshot to: 404
    when the entry is invisible, 403 when the unit never submitted it (or is no member)."""
    entry = get_entry_for_user(user, entry_id)
    unit = check_can_submit(user)
    sighting = entry.sightings.filter(unit=unit).order_by("-at", "-pk").first()
    if sighting is None:
        raise PermissionDenied(_("Your unit has not submitted this entry."))
    return sighting


def get_appeal_for_upload(user, appeal_id, code: str = "") -> Appeal:
    """An appeal its appellant adds a screenshot to: the person or unit with an account, or
    whoever has its receipt code; 404 for anyone else, so nobody learns which numbers exist."""
    appeal = get_object_or_404(Appeal.objects.select_related("entry"), pk=appeal_id)
    if not (is_appellant(user, appeal) or check_receipt(code or "", appeal.receipt_digest or None)):
        raise Http404
    return appeal


def get_appeal_file_for_user(user, file_id) -> AppealFile:
    """A screenshot with an appeal: 404 for anyone but the secretariat and the appellant with
    an account (a person without one handed it in and does not need it back)."""
    row = get_object_or_404(AppealFile.objects.select_related("appeal"), pk=file_id)
    if not (is_secretariat(user) or is_appellant(user, row.appeal)):
        raise Http404
    return row
