"""Who may screen content and who maintains the lexicon.

Screening is a service for members (Art. 9, 10, 12, 13): anyone signed in whose unit is a
member as of now (the membership timeline's ``Unit.objects.members()``), and the secretariat.
``can_use_screening`` is the one place that rule lives; every page and endpoint asks it.

The lexicon is the secretariat's alone, and confidential: a published list of the terms looked
for would be a guide to getting round them. For anyone else the lexicon pages and endpoints
answer 403 before looking anything up, so they do not tell which terms exist.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from gongyue.core.access import is_secretariat
from gongyue.organisations.models import Unit

from .models import AllowPhrase, LexiconTerm


def can_use_screening(user) -> bool:
    """Signed in, and belonging to a member unit or to the secretariat."""
    if not user.is_authenticated:
        return False
    if user.unit_id is not None and Unit.objects.members().filter(pk=user.unit_id).exists():
        return True
    return user.is_secretariat


def check_can_use_screening(user) -> None:
    if not can_use_screening(user):
        raise PermissionDenied(_("Screening is a service for member units and the secretariat."))


def can_manage_lexicon(user) -> bool:
    return is_secretariat(user)


def check_can_manage_lexicon(user) -> None:
    if not can_manage_lexicon(user):
        raise PermissionDenied(_("Only the secretariat maintains the lexicon."))


def get_term_for_user(user, term_id) -> LexiconTerm:
    """A lexicon term, live or removed: 403 for anyone but the secretariat, then 404 if missing."""
    check_can_manage_lexicon(user)
    return get_object_or_404(LexiconTerm, pk=term_id)


def get_allow_phrase_for_user(user, phrase_id) -> AllowPhrase:
    check_can_manage_lexicon(user)
    return get_object_or_404(AllowPhrase, pk=phrase_id)
