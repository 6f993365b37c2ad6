import json
import re

from csp.constants import HEADER, UNSAFE_INLINE
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import SuspiciousOperation
from django.core.signals import setting_changed
from django.db import DataError
from django.http import Http404, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

# -- API calls that carry no cookie ----------------------------------------------------------------

API_PREFIX = "/api/v1/"
# The API's documentation is a page (Swagger UI, with a CSRF token for "try it out").
API_PAGES_PREFIX = "/api/v1/docs"


def is_cookieless_api_call(request) -> bool:
    """An API call without a cookie: a program with a token (or nothing). It has no
    session, no CSRF cookie, no messages and no language cookie to read, so the middleware that
    only reads or writes those has nothing to do for it. A call that carries any cookie (a
    browser, signed in or not) takes every middleware, CSRF check included."""
    return (
        not request.META.get("HTTP_COOKIE")  # absent or empty: no cookie
        and request.path_info.startswith(API_PREFIX)
        and not request.path_info.startswith(API_PAGES_PREFIX)
    )


class PagesOnly:
    """Mixed into a Django middleware: it does nothing for a cookieless API call (above), whose
    answer would be the same without it; the screening API is the hot path, and these four
    cost a fifth of a bare request (docs/performance.md)."""

    def __call__(self, request):
        if not self.async_mode and is_cookieless_api_call(request):
            return self.skip(request)
        return super().__call__(request)

    def skip(self, request):
        return self.get_response(request)


class PageSessionMiddleware(PagesOnly, SessionMiddleware):
    """No cookie, so no session to load; nothing in the API writes one."""


class PageCsrfViewMiddleware(PagesOnly, CsrfViewMiddleware):
    """Without a cookie there is no CSRF cookie to read or renew. Its view check still runs
    (process_view is not skipped): the API's views are exempt and check CSRF in their session
    authentication, which a call without a cookie never passes; any other view finds no CSRF
    cookie and is refused, as before."""


async def _anonymous_auser():
    return AnonymousUser()


class PageAuthenticationMiddleware(PagesOnly, AuthenticationMiddleware):
    """Without a session cookie nobody is signed in: the user is anonymous until the API's token
    authentication says who it is."""

    def skip(self, request):
        request.user = AnonymousUser()
        request.auser = _anonymous_auser
        return self.get_response(request)


class PageMessageMiddleware(PagesOnly, MessageMiddleware):
    """Messages are for pages; they are kept in the session or a cookie, neither of which a
    cookieless call has."""


class LanguageMiddleware:
    """Chinese unless the visitor chose otherwise: the language switch's cookie, then the
    signed-in person's preference, then LANGUAGE_CODE. The browser's Accept-Language is not
    consulted, because the platform's working language is Chinese (an English browser still
    gets the Chinese page, with the switch one click away). API calls are programs that say
    what they want: there Accept-Language is honoured.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        elif language not in self.codes:
            user = getattr(request, "user", None)
            language = (
                user.language
                if user is not None and user.is_authenticated
                else settings.LANGUAGE_CODE
            )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if "Vary" in response.headers:
            patch_vary_headers(response, ("Cookie",))
        else:  # what patch_vary_headers writes then, without parsing the header (every request)
            response.headers["Vary"] = "Cookie"
        response.headers.setdefault("Content-Language", language)
        return response


# Integers a database column can hold: larger ones in a URL name nothing (404), instead of
# overflowing in the database driver.
MAX_URL_INT = 2**63 - 1
# A JSON body can carry NUL or a lone surrogate only as a \u escape; only then is it parsed here.
# What the database drivers raise for an integer no column holds (SQLite, PostgreSQL).
OUT_OF_RANGE = (OverflowError, DataError)
SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")
# A surrogate's own UTF-8 bytes (ED A0-BF): json.loads decodes bytes with "surrogatepass".
RAW_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")


def suspect_json(body: bytes) -> bool:
    """Whether a JSON body may hold NUL or a lone surrogate once parsed (searched apart: one
    pattern with both would try every byte, ten times slower on a large body)."""
    return bool(SUSPECT_ESCAPE.search(body) or (b"\xed" in body and RAW_SURROGATE.search(body)))


def bad_char(text: str) -> bool:
    """True when the text holds NUL or a lone surrogate, which no database column can store."""
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def first_bad_in(value, path: str = "") -> str | None:
    """The dotted path of the first string (key or value) in a JSON value with a bad char."""
    if isinstance(value, str):
        return path or "__all__" if bad_char(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if bad_char(str(key)):
                return where
            if found := first_bad_in(item, where):
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if found := first_bad_in(item, f"{path}.{index}" if path else str(index)):
                return found
    return None


def first_bad_input(request) -> str | None:
    """Where the request carries NUL or a lone surrogate: a field name, or None."""
    if bad_char(request.path):
        return "path"
    for source in (request.GET, request.COOKIES):
        for key, values in source.lists() if hasattr(source, "lists") else source.items():
            for value in values if isinstance(values, list) else [values]:
                if bad_char(key) or bad_char(value):
                    return key
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or request.path.startswith(
        tuple(settings.INPUT_CHECK_OWN_TEXT_PATHS)
    ):
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return None  # Too large to read: the view (or Django) refuses it for its size.
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        if suspect_json(body):
            try:
                return first_bad_in(json.loads(body))
            except ValueError:
                return None  # Not JSON: the endpoint's parser answers that.
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if request.method != "POST":
            return None
        for key, values in request.POST.lists():
            if bad_char(key) or any(bad_char(value) for value in values):
                return key
        for key, files in request.FILES.lists():
            if any(bad_char(f.name or "") for f in files):
                return key
    return None


class InputCheckMiddleware:
    """Refuses, with 400, any request whose input holds NUL or a lone surrogate: in the path,
    the query, a cookie, a form field, a file name or anywhere in a JSON body. One place for
    every page and endpoint, before a view or the session can hand the text to a database
    (PostgreSQL refuses NUL; no UTF-8 column stores a lone surrogate). The API answers in its
    error format; pages with the 400 page.

    It also answers 404 for a URL whose integer is larger than any row id, before the view
    passes it to the database driver.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = first_bad_input(request)
        if field is not None:
            return self.refuse(request, field)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in [*view_args, *view_kwargs.values()]:
            if isinstance(value, int) and not -MAX_URL_INT <= value <= MAX_URL_INT:
                raise Http404("No such number.")
        return None

    def process_exception(self, request, exception):
        # A number no column can hold (a form's choice, a page number) is bad input, not a bug.
        if isinstance(exception, OUT_OF_RANGE):
            return bad_request(request, SuspiciousOperation(str(exception)))
        return None

    @staticmethod
    def refuse(request, field: str):
        language = (
            translation.get_language_from_request(request)
            if request.path.startswith("/api/")
            else request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        )
        if language not in {code for code, _name in settings.LANGUAGES}:
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            message = _(
                "The input contains a NUL character or a lone surrogate, which cannot be stored."
            )
            if request.path.startswith("/api/"):
                body = {"code": "invalid", "message": message, "fields": {field: [message]}}
                return JsonResponse(body, status=400)
            response = bad_request(request, SuspiciousOperation(message))
        return response


# What django-csp's view decorators set on a response.
_CSP_VIEW_ATTRIBUTES = frozenset(
    f"_csp_{kind}{ro}" for kind in ("exempt", "config", "update", "replace") for ro in ("", "_ro")
)


class SecurityHeadersMiddleware(CSPMiddleware):
    """The site-wide Content-Security-Policy (django-csp, from CONTENT_SECURITY_POLICY) and the
    Permissions-Policy header (PERMISSIONS_POLICY). Pages load scripts and styles only from the
    platform's static files; the API docs (Swagger UI) and the admin also set inline styles, so
    only there styles may be inline — scripts never are. A response that brings its own policy
    (a served upload's sandbox) keeps it.
    """

    INLINE_STYLES = {"style-src": [UNSAFE_INLINE], "img-src": ["data:"]}
    # The header as django-csp writes it, built once per worker for the two policies the
    # middleware itself sets (building it took a fifth of a bare request): key True for the
    # paths with inline styles. Emptied when a test changes the settings.
    _built: dict = {}

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith(tuple(settings.CSP_INLINE_STYLE_PATHS)) and not parts.update:
            parts.update = self.INLINE_STYLES
        return parts

    def _plain(self, request, response) -> bool:
        """True when the response gets exactly the site's policy (or the inline-style one):
        no nonce used, nothing set by the view, no report-only policy, not a debug page."""
        return not (
            settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or HEADER in response
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (settings.CONTENT_SECURITY_POLICY or {}).get("EXCLUDE_URL_PREFIXES")
            or not _CSP_VIEW_ATTRIBUTES.isdisjoint(vars(response))
        )

    def process_response(self, request, response):
        if self._plain(request, response):
            inline = request.path.startswith(tuple(settings.CSP_INLINE_STYLE_PATHS))
            header = self._built.get(inline)
            if header is None:
                header = build_policy(update=self.INLINE_STYLES if inline else None)
                self._built[inline] = header
            if header:
                response[HEADER] = header
            # As django-csp does: a nonce asked for after the header is written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        else:
            response = super().process_response(request, response)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def _forget_built_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "CSP_INLINE_STYLE_PATHS":
        SecurityHeadersMiddleware._built.clear()


setting_changed.connect(_forget_built_policies)
