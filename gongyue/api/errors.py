"""The API's one error format: {"code", "message", "fields": {name: [messages]}}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from gongyue.core.errors import ActionRefused

from .language import validation_message


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


def install(api) -> None:
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
