"""Errors under /api/ that no endpoint answered (an unknown URL, a wrong method, a crash outside
ninja, Django's own refusals) still come back in the API's error format, not as an HTML page."""

import logging

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from .errors import error_body

logger = logging.getLogger("django.request")

CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
}


def message_for(status: int) -> str:
    return {
        400: _("The request is not valid."),
        401: _("Sign in or send an API token."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        429: _("Too many requests; try again later."),
    }.get(status, _("Something went wrong on our side; it is logged."))


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or request.path.startswith("/api/v1/docs")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        language = translation.get_language_from_request(request)
        with translation.override(language):
            body = error_body(
                CODES.get(status, "server_error" if status >= 500 else "error"), message_for(status)
            )
        replaced = JsonResponse(body, status=status)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replaced[header] = response[header]
        return replaced
