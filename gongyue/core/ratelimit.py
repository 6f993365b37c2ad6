"""A small fixed-window rate limit for anonymous submissions, kept in the default cache.

Production sets a shared cache (database or Redis) so the limit holds across workers.
"""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _


def client_address(request) -> str:
    # Behind a proxy, Django's SECURE_PROXY_SSL_HEADER setup implies X-Forwarded-For is trusted.
    if settings.SECURE_PROXY_SSL_HEADER and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def hit(scope: str, request, *, limit_setting: str = "ANON_RATE_PER_HOUR") -> bool:
    """Count one submission; False once the address has used up this hour's allowance, which
    is the setting named (read on each call, so a changed setting applies at once)."""
    limit = getattr(settings, limit_setting)
    window = timezone.now().strftime("%Y%m%d%H")
    key = f"rl:{scope}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= limit


def anonymous_rate_limit(
    scope: str, *, methods=("POST",), limit_setting: str = "ANON_RATE_PER_HOUR"
):
    """View decorator: anonymous POSTs beyond the hourly allowance get 429 and change nothing."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if (
                request.method in methods
                and not request.user.is_authenticated
                and not hit(scope, request, limit_setting=limit_setting)
            ):
                return HttpResponse(
                    _("Too many submissions from your address; try again in an hour."), status=429
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
