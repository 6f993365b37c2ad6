"""Shared pieces of authorisation.

Each object kind has one `get_<thing>_for_user()` helper in its app's access.py that every view
and endpoint calls: it raises Http404 when the object is missing or invisible to the user, and
PermissionDenied when the user may see it but not do what is asked. The role checks they share
live here.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def is_secretariat(user) -> bool:
    return user.is_authenticated and user.is_secretariat


def is_authority(user) -> bool:
    return user.is_authenticated and user.is_authority


def require(allowed: bool) -> None:
    """Raise PermissionDenied unless allowed."""
    if not allowed:
        raise PermissionDenied


def role_required(test):
    """Page decorator: anonymous users go to the login page, the wrong role gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(test(request.user))
            return view(request, *args, **kwargs)

        # Lets a test find every page that needs a role (core/tests/test_access.py).
        wrapped.required_role = test.__name__
        return wrapped

    return decorator


secretariat_required = role_required(is_secretariat)
login_required = role_required(lambda user: True)
