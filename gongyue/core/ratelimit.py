"""Client addresses and small fixed-window counters kept in the default cache.

Production sets a shared cache (database or Redis: CACHE_BACKEND) so that a limit holds across
workers; with the default per-process memory cache each worker counts on its own.
"""

import ipaddress
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext as _


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str:
    """The address of the client that sent the request.

    Without BEHIND_PROXY it is the connection's peer (REMOTE_ADDR), and X-Forwarded-For is
    ignored. Behind TRUSTED_PROXY_COUNT proxies, each of which appends the address it received
    the request from, the client is the right-most hop that no trusted proxy vouches for: the
    TRUSTED_PROXY_COUNT-th entry from the right. Entries to its left were sent by the client
    and prove nothing, so a forged left-most entry changes nothing. django-axes uses this
    function too (AXES_CLIENT_IP_CALLABLE).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.BEHIND_PROXY:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        return remote
    trusted = max(1, settings.TRUSTED_PROXY_COUNT)
    # Fewer entries than trusted proxies: every entry was written by one of ours.
    hop = hops[-trusted] if len(hops) >= trusted else hops[0]
    return _valid_address(hop) or remote


def count(key: str, *, window: int, amount: int = 1) -> tuple[int, int]:
    """Add ``amount`` to the counter ``key`` of the current ``window``-second window.

    Returns the new count and the seconds until the window ends. One cache round trip in the
    common case (the counter exists); two when a window starts.
    """
    now = time.time()
    start = int(now // window) * window
    full = f"{key}:{start}"
    try:
        value = cache.incr(full, amount)
    except ValueError:  # the window's first hit (or its key expired)
        if cache.add(full, amount, timeout=window + 1):
            value = amount
        else:  # another request started the window meanwhile
            value = cache.incr(full, amount)
    return value, max(1, int(start + window - now + 0.999))


def uncount(key: str, *, window: int, amount: int = 1) -> None:
    """Take back what :func:`count` added for a request that was then refused."""
    start = int(time.time() // window) * window
    try:
        cache.decr(f"{key}:{start}", amount)
    except ValueError:
        pass


def hit(scope: str, request, *, limit_setting: str = "ANON_RATE_PER_HOUR") -> bool:
    """Count one submission; False once the address has used up this hour's allowance, which
    is the setting named (read on each call, so a changed setting applies at once)."""
    value, _wait = count(f"rl:{scope}:{client_address(request)}", window=3600)
    return value <= getattr(settings, limit_setting)


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
                response = HttpResponse(
                    _("Too many submissions from your address; try again in an hour."), status=429
                )
                response["Retry-After"] = "3600"
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
