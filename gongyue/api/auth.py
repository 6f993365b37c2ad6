"""API authentication: a personal token (Authorization: Bearer gy_…) or the browser session."""

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from gongyue.accounts.models import ApiToken

from .errors import ApiError


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        try:
            found = (
                ApiToken.objects.usable()
                .select_related("user")
                .get(digest=ApiToken.digest_of(token))
            )
        except ApiToken.DoesNotExist:
            return None
        if not found.user.is_active:
            return None
        # One write per minute at most, so busy API clients do not write on every call.
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class Session(SessionAuth):
    """The browser session. A caller without one is unauthenticated (401) before anything else;
    a signed-in browser that fails the CSRF check is refused (403) with a sentence it can read."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        try:
            return super().__call__(request)
        except HttpError:
            raise ApiError(
                403,
                "csrf_failed",
                _("The request lacks a valid CSRF token; reload the page and try again."),
            ) from None


class OptionalAuth:
    """Lets anonymous callers through to public endpoints while still reading a token if sent."""

    def __call__(self, request):
        user = TokenAuth()(request) or Session()(request)
        if user:
            request.user = user
        return True


token_or_session = [TokenAuth(), Session()]
public = [OptionalAuth()]
