"""API calls without a cookie skip the session, CSRF-cookie, authentication and messages
middleware (the screening API's hot path, docs/performance.md), and still get every check and
header: a token is still needed (401), bad input is still refused (400), a signed-in browser
still needs its CSRF token (403), and the answer carries the same security headers. The site's
Content-Security-Policy is built once per worker and is the header django-csp would write."""

import json

import pytest
from csp.constants import HEADER
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import Client, RequestFactory

from gongyue.accounts.models import ApiToken
from gongyue.core.middleware import SecurityHeadersMiddleware, is_cookieless_api_call

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Language",
    "Vary",
)


@pytest.fixture
def token(rep_a):
    _row, secret = ApiToken.issue(rep_a, name="cli")
    return secret


@pytest.mark.parametrize(
    ("path", "cookie", "lean"),
    [
        ("/api/v1/screening/screen/batch", None, True),
        ("/api/v1/accounts/me/tokens", "", True),  # an empty Cookie header is no cookie
        ("/api/v1/accounts/me/tokens", "sessionid=abc", False),
        ("/api/v1/accounts/me/tokens", "django_language=en", False),
        ("/api/v1/docs", None, False),  # a page: Swagger UI with its CSRF cookie
        ("/screening/ping", None, False),
        ("/accounts/login/", None, False),
    ],
)
def test_only_api_calls_without_any_cookie_take_the_short_way(path, cookie, lean):
    extra = {} if cookie is None else {"HTTP_COOKIE": cookie}
    request = RequestFactory().get(path, **extra)
    if cookie is None:
        del request.META["HTTP_COOKIE"]
    assert is_cookieless_api_call(request) is lean


def test_a_token_call_without_cookies_has_no_session_and_the_same_security_headers(
    client, token, rep_a
):
    answer = client.get("/api/v1/accounts/me/tokens", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200
    assert not hasattr(answer.wsgi_request, "session")  # the session middleware was skipped
    assert answer.wsgi_request.user == rep_a  # the token said who it is
    assert not answer.cookies  # no session, CSRF or message cookie set
    client.force_login(rep_a)
    browser = client.get("/api/v1/accounts/me/tokens")
    assert browser.status_code == 200 and hasattr(browser.wsgi_request, "session")
    for header in SECURITY_HEADERS:
        assert answer[header] == browser[header], header
    assert answer["X-Frame-Options"] == "DENY" and answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Vary"] == "Cookie"


def test_a_call_without_cookies_or_a_token_is_anonymous_and_gets_401(client, db):
    answer = client.post(
        "/api/v1/accounts/me/tokens", {"name": "x"}, content_type="application/json"
    )
    assert answer.status_code == 401 and answer.json()["code"] == "unauthenticated"
    assert not answer.wsgi_request.user.is_authenticated
    assert not ApiToken.objects.exists()


def test_a_revoked_token_without_cookies_gets_401(client, rep_a, token):
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    answer = client.get("/api/v1/accounts/me/tokens", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 401


@pytest.mark.parametrize("bad", ["\ud800", "a\x00b"])
def test_a_token_call_without_cookies_is_still_refused_for_nul_or_a_lone_surrogate(
    client, rep_a, token, bad
):
    answer = client.post(
        "/api/v1/accounts/me/tokens",
        json.dumps({"name": bad}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 400 and list(answer.json()["fields"]) == ["name"]
    assert ApiToken.objects.count() == 1  # only the caller's own


def test_a_signed_in_browser_still_needs_its_csrf_token_on_the_api(rep_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep_a)
    answer = client.post(
        "/api/v1/accounts/me/tokens", {"name": "x"}, content_type="application/json"
    )
    assert answer.status_code == 403 and answer.json()["code"] == "csrf_failed"
    assert not ApiToken.objects.exists()


def test_a_stale_session_cookie_alone_does_not_authenticate_or_skip_the_csrf_check(rep_a):
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = "no-such-session"
    answer = client.post(
        "/api/v1/accounts/me/tokens", {"name": "x"}, content_type="application/json"
    )
    assert answer.status_code == 401
    assert hasattr(answer.wsgi_request, "session")  # a cookie: the whole middleware stack


def test_the_api_docs_still_set_the_csrf_cookie_for_try_it_out(client, db):
    answer = client.get("/api/v1/docs")
    assert answer.status_code == 200 and hasattr(answer.wsgi_request, "session")


# -- the Content-Security-Policy header, built once --------------------------------------------


def _respond(path, response=None, **request_attributes):
    middleware = SecurityHeadersMiddleware(lambda request: response or HttpResponse("ok"))
    request = RequestFactory().get(path)
    for name, value in request_attributes.items():
        setattr(request, name, value)
    return middleware(request)


def test_the_header_built_once_is_the_one_django_csp_builds(db):
    SecurityHeadersMiddleware._built.clear()
    for _ in range(2):  # built, then from what was built
        assert _respond("/")[HEADER] == build_policy()
        inline = build_policy(update=SecurityHeadersMiddleware.INLINE_STYLES)
        assert _respond("/api/v1/docs")[HEADER] == inline
    assert "'unsafe-inline'" in inline and "'unsafe-inline'" not in build_policy()


def test_a_changed_policy_setting_is_followed(settings):
    _respond("/")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert _respond("/")[HEADER] == "default-src 'none'"


def test_a_response_with_its_own_policy_or_a_views_update_keeps_it():
    own = HttpResponse("file")
    own[HEADER] = "sandbox"
    assert _respond("/media/x", own)[HEADER] == "sandbox"
    updated = HttpResponse("ok")
    updated._csp_update = {"img-src": ["https://example.org"]}
    assert "https://example.org" in _respond("/", updated)[HEADER]
    exempt = HttpResponse("ok")
    exempt._csp_exempt = True
    assert HEADER not in _respond("/", exempt)


def test_a_nonce_used_by_a_page_goes_into_the_policy_and_none_may_be_asked_for_after(settings):
    from csp.constants import NONCE

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    assert "script-src 'self' 'nonce-abc'" in _respond("/", _csp_nonce="abc")[HEADER]
    request = RequestFactory().get("/")
    SecurityHeadersMiddleware(lambda r: HttpResponse("ok"))(request)
    from csp.exceptions import CSPNonceError

    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


# -- the screening endpoints resolve first -------------------------------------------------------


def test_the_screening_endpoints_are_the_first_api_addresses_tried_and_no_other_router_overlaps():
    from django.urls import resolve

    from gongyue.api.urls import FIRST_PREFIX, ROUTERS, api

    patterns = [str(url.pattern) for url in api.urls[0]]
    assert patterns[:2] == ["screening/screen", "screening/screen/batch"]
    # Moving them first changes nothing only because no other router's addresses start so.
    others = [prefix for prefix, _router in ROUTERS if prefix.strip("/") + "/" != FIRST_PREFIX]
    assert not any(prefix.lstrip("/").startswith(FIRST_PREFIX) for prefix in others)
    assert resolve("/api/v1/screening/screen/batch").url_name == "screen_batch"
    assert resolve("/api/v1/docs").url_name == "openapi-view"
    assert resolve("/api/v1/cases/disputes/").url_name == "list_disputes"


def test_the_language_middleware_adds_cookie_to_vary_without_losing_what_the_view_set():
    from gongyue.core.middleware import LanguageMiddleware

    def view_with_vary(request):
        response = HttpResponse("ok")
        response["Vary"] = "Accept-Language"
        return response

    request = RequestFactory().get("/")
    assert LanguageMiddleware(view_with_vary)(request)["Vary"] == "Accept-Language, Cookie"
    plain = LanguageMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/"))
    assert plain["Vary"] == "Cookie"
