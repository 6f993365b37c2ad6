from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from gongyue.core.ratelimit import anonymous_rate_limit


def test_anonymous_posts_beyond_the_hourly_allowance_get_429(settings, db):
    from django.contrib.auth.models import AnonymousUser

    settings.ANON_RATE_PER_HOUR = 3
    cache.clear()
    calls = []

    @anonymous_rate_limit("test")
    def view(request):
        calls.append(1)
        return HttpResponse("ok")

    statuses = []
    for _ in range(5):
        request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
        request.user = AnonymousUser()
        statuses.append(view(request).status_code)
    assert statuses == [200, 200, 200, 429, 429] and len(calls) == 3
    other = RequestFactory().post("/", REMOTE_ADDR="203.0.113.8")
    other.user = AnonymousUser()
    assert view(other).status_code == 200
