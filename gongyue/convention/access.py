"""Who may see which convention version, and who may change them.

Anyone reads adopted and superseded versions. Drafts (and discarded drafts) exist only for the
secretariat: for anyone else they are missing (404), so their existence does not leak. Importing,
adopting and discarding are the secretariat's (403 for anyone else who can see the version).
"""

from django.http import Http404
from django.utils.translation import gettext as _

from gongyue.core.access import is_secretariat, require

from .models import Convention, Version


def can_manage_versions(user) -> bool:
    return is_secretariat(user)


def check_can_manage_versions(user) -> None:
    """403 unless the user may import, adopt and discard versions."""
    require(can_manage_versions(user))


def get_convention_for_user(user) -> Convention:
    """The convention the platform runs; 404 before the first import."""
    convention = Convention.objects.current()
    if convention is None:
        raise Http404(_("No convention has been imported yet."))
    return convention


def versions_for_user(user, convention):
    return convention.versions.visible_to(user).order_by("-number")


def get_version_for_user(user, number, *, convention=None) -> Version:
    """Version `number` of the convention, if the user may read it; 404 otherwise."""
    convention = convention or get_convention_for_user(user)
    try:
        # A version made by an adopted amendment names it and its ballot (amendments app).
        version = (
            convention.versions.visible_to(user)
            .select_related("proposal__ballot")
            .get(number=number)
        )
    except (Version.DoesNotExist, ValueError, TypeError):
        raise Http404(_("There is no version %(number)s.") % {"number": number}) from None
    version.convention = convention  # saves a query wherever the version's convention is read
    return version


def get_version_to_manage(user, number, *, convention=None) -> Version:
    """Like get_version_for_user, then 403 unless the user may adopt or discard versions."""
    version = get_version_for_user(user, number, convention=convention)
    require(can_manage_versions(user))
    return version
