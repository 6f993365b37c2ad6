"""The API in the caller's language: the OpenAPI document's title and description, and the
messages of requests that do not fit an endpoint's schema (pydantic writes them in English)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

TITLE = gettext_noop("gongyue API")
DESCRIPTION = gettext_noop(
    "Read the convention, act on membership and screen content. "
    "Authenticate with a personal token (Authorization: Bearer …) created on your account page."
)

# pydantic's error types, as the API's one error format says them to people.
VALIDATION_MESSAGES = {
    "missing": gettext_noop("This field is required."),
    "int_parsing": gettext_noop("Enter a whole number."),
    "int_type": gettext_noop("Enter a whole number."),
    "float_parsing": gettext_noop("Enter a number."),
    "bool_parsing": gettext_noop("Enter true or false."),
    "string_type": gettext_noop("Enter a text."),
    "string_too_long": gettext_noop("The text is too long."),
    "string_too_short": gettext_noop("The text is too short."),
    "list_type": gettext_noop("Send a list."),
    "dict_type": gettext_noop("Send an object."),
    "model_attributes_type": gettext_noop("Send an object."),
    "date_from_datetime_parsing": gettext_noop("Enter a date as YYYY-MM-DD."),
    "date_parsing": gettext_noop("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": gettext_noop("Enter a date and time in ISO 8601."),
    "json_invalid": gettext_noop("The body is not valid JSON."),
    "enum": gettext_noop("Choose one of the allowed values."),
    "literal_error": gettext_noop("Choose one of the allowed values."),
    "extra_forbidden": gettext_noop("This field is not expected."),
}


def validation_message(error: dict) -> str:
    """One pydantic error in the active language (pydantic's own English when unknown)."""
    message = VALIDATION_MESSAGES.get(error.get("type", ""))
    return _(message) if message else error.get("msg", "")


def translate_schema(schema: dict) -> dict:
    """The OpenAPI document with its title and description in the active language."""
    info = schema.get("info", {})
    if info.get("title") == TITLE:
        info["title"] = _(TITLE)
    if info.get("description") == DESCRIPTION:
        info["description"] = _(DESCRIPTION)
    return schema
