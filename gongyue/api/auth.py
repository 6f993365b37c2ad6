"""API authentication: a personal token (Authorization: Bearer gy_…) or the browser session."""

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from gongyue.accounts.models import ApiToken


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


class OptionalAuth:
    """Lets anonymous callers through to public endpoints while still reading a token if sent."""

    def __call__(self, request):
        user = TokenAuth()(request) or SessionAuth()(request)
        if user:
            request.user = user
        return True


token_or_session = [TokenAuth(), SessionAuth()]
public = [OptionalAuth()]
