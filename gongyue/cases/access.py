"""Who may see and do what with a case (RULES.md rules 12, 13, 17).

Http404 when the case is missing or invisible to the person, PermissionDenied when they may
see it but not do what they ask. A case is seen by the secretariat (except those recused), the
reporting unit's people, and the accused unit's people once it has been notified; its published
result by everyone of a member unit, the secretariat and the authority. Nobody else, the site
administrator and the authority included, sees an open case.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.core.access import is_authority, is_secretariat

from .models import Case, CaseFile, FileRole

CASE_RELATED = ("accused", "reporter_unit", "reporter", "assigned_to", "opened_by")


def role_in_case(user, case) -> str:
    """ "secretariat", "recused", "reporter", "accused" or "" (no part in it)."""
    if not user.is_authenticated:
        return ""
    if is_secretariat(user):
        # Recusals are prefetched by the page; a bare case asks the database.
        recused = any(r.person_id == user.pk for r in case.recusals.all())
        return "recused" if recused else "secretariat"
    if user.unit_id and user.unit_id == case.reporter_unit_id:
        return "reporter"
    if user.unit_id and user.unit_id == case.accused_id and case.notified_at is not None:
        return "accused"
    return ""


def get_case_for_user(user, case_id, *, to: str = "view") -> Case:
    """`to`: "view"; "handle" (the secretariat: triage, recusal, assignment); "investigate"
    (the assigned person or the head: redaction, notice, finding, sanction, publication);
    "reply" (the accused unit's people); "review" (the accused unit asks for a review);
    "decide_review" (the secretariat; who may is checked by the action)."""
    case = get_object_or_404(
        Case.objects.select_related(*CASE_RELATED).prefetch_related("recusals"), pk=case_id
    )
    role = role_in_case(user, case)
    if role in ("", "recused"):
        raise Http404
    allowed = {
        "view": True,
        "handle": role == "secretariat",
        "decide_review": role == "secretariat",
        "investigate": role == "secretariat"
        and (case.assigned_to_id == user.pk or user.is_secretariat_head),
        "reply": role == "accused",
        "review": role == "accused",
    }[to]
    if not allowed:
        raise PermissionDenied(_("You may see this case but not do that."))
    return case


def get_case_file_for_user(user, case_id, file_id) -> tuple[Case, CaseFile]:
    """A file of a case: the accused never gets what is redacted for it; the reporter gets the
    evidence, not the reply."""
    case = get_case_for_user(user, case_id)
    case_file = get_object_or_404(CaseFile, pk=file_id, case=case)
    role = role_in_case(user, case)
    if role == "accused" and case_file.redacted_for_accused:
        raise Http404
    if role == "reporter" and case_file.role == FileRole.REPLY:
        raise Http404
    return case, case_file


def reads_results(user) -> bool:
    """Published results are for people of a member unit, the secretariat and the authority."""
    if not user.is_authenticated:
        return False
    if is_secretariat(user) or is_authority(user):
        return True
    return bool(user.unit_id) and user.unit.is_member(timezone.now())


def get_result_for_user(user, case_id) -> Case:
    case = get_object_or_404(
        Case.objects.select_related("accused", "finding", "sanction", "review").filter(
            published_at__isnull=False
        ),
        pk=case_id,
    )
    if not reads_results(user):
        raise Http404
    return case
