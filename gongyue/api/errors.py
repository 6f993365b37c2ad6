"""The API's one error format: {"code", "message", "fields": {name: [messages]}}.

Every error the API answers has it, whatever raised it: an endpoint, ninja's validation, the
input checks in front of every view (gongyue.core.middleware), an unknown /api/ URL, or a bug
(500, with DEBUG on or off; the traceback goes to the log, never to the caller).
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from gongyue.core.errors import ActionRefused

from .language import validation_message

logger = logging.getLogger("django.request")

# The largest offset a list endpoint accepts: databases refuse larger OFFSETs (SQLite with a
# type error), and no list is that long.
MAX_OFFSET = 2**31 - 1

# Statuses every operation of a kind can answer with, added to the OpenAPI document (see
# `document_errors`): what the input checks, ninja's validation, the access helpers and the
# actions raise, which endpoints do not list one by one.
SECURED_STATUSES = (401, 403)
INPUT_STATUSES = (400, 422)
PATH_STATUSES = (404,)
WRITE_STATUSES = (409,)
DESCRIPTIONS = {
    400: "The input was refused (a field, a form rule, a NUL or lone surrogate).",
    401: "No valid credentials: send a token (Authorization: Bearer …) or sign in.",
    403: "Signed in, but not allowed to do this (or the CSRF check failed).",
    404: "Not found, or not visible to you.",
    409: "The action is not allowed in the current state.",
    413: "The request is too large.",
    422: "The request does not match the schema.",
    429: "Too many requests; wait for Retry-After seconds.",
    500: "A server error; it is logged.",
}


class Error(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ApiError(Exception):
    """Raise from an endpoint to answer with the error format and a status."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        self.status, self.code, self.message, self.fields = status, code, str(message), fields or {}
        super().__init__(message)


def error_response(api, request, status: int, code: str, message: str, fields=None):
    return api.create_response(
        request, {"code": code, "message": str(message), "fields": fields or {}}, status=status
    )


def form_errors(form) -> ApiError:
    """Turn a bound, invalid Django form into a 400 in the error format."""
    fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    first = next(iter(fields.values()), [_("Invalid input.")])[0]
    return ApiError(400, "invalid", first, fields)


def cleaned(form) -> dict:
    """The form's cleaned data, or a 400 in the error format: how every endpoint validates."""
    if not form.is_valid():
        raise form_errors(form)
    return form.cleaned_data


def error_body(code: str, message, fields=None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def document_errors(schema: dict) -> dict:
    """Add the error statuses each operation can answer to an OpenAPI document, in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", Error.model_json_schema())
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            statuses = [500]
            params = operation.get("parameters", [])
            # Every write reads input, declared or read from the form by the endpoint itself.
            if params or operation.get("requestBody") or method != "get":
                statuses += INPUT_STATUSES
            if any(p.get("in") == "path" for p in params):
                statuses += PATH_STATUSES
            if operation.get("security"):
                statuses += SECURED_STATUSES
                if method != "get":
                    statuses += WRITE_STATUSES
            # ninja keys responses by int; one key per status, as a string, as JSON has it.
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            operation["responses"] = responses
            for status in sorted(set(statuses)):
                responses.setdefault(
                    str(status),
                    {
                        "description": DESCRIPTIONS[status],
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
            for status, response in responses.items():
                if response.get("description") in ("", "OK") and int(status) in DESCRIPTIONS:
                    response["description"] = DESCRIPTIONS[int(status)]
    return schema


def install(api) -> None:
    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def out_of_range(request, exc):
        # A number larger than any column holds, sent where an id or a count was expected.
        return error_response(api, request, 400, "invalid", _("A number is out of range."))

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.error("Internal Server Error: %s", request.path, exc_info=exc)
        return error_response(
            api, request, 500, "server_error", _("Something went wrong on our side; it is logged.")
        )

    @api.exception_handler(ApiError)
    def api_error(request, exc):
        return error_response(api, request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            loc = [str(part) for part in error.get("loc", [])]
            # The first part says where the value came from (body, query, file…), not which field.
            if loc and loc[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
                loc = loc[1:]
            loc = [part for part in loc if part != "payload"]
            fields.setdefault(".".join(loc) or "__all__", []).append(validation_message(error))
        return error_response(api, request, 422, "invalid", _("The request is not valid."), fields)

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc):
        if hasattr(exc, "error_dict"):
            fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        else:
            fields = {"__all__": [str(m) for m in exc.messages]}
        message = next(iter(fields.values()))[0]
        return error_response(api, request, 400, "invalid", message, fields)

    @api.exception_handler(ActionRefused)
    def action_refused(request, exc):
        fields = {exc.field: exc.blockers} if exc.field else {}
        return error_response(api, request, exc.status, exc.code, "; ".join(exc.blockers), fields)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        # An access helper may say who is allowed; otherwise the general sentence.
        return error_response(
            api, request, 403, "forbidden", str(exc) or _("You are not allowed to do this.")
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return error_response(
            api, request, 401, "unauthenticated", _("Sign in or send an API token.")
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return error_response(api, request, exc.status_code, "error", str(exc))
