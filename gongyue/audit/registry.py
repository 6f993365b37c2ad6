"""The event types the audit log accepts, collected from each app's `events.py`.

Each installed app may declare its types once, in `<app>/events.py`, as one or more
`models.TextChoices` whose values are the dotted strings passed to `record()` and whose labels
are shown on /audit/. An app lists the types that publish something the public relies on in
`PUBLICATIONS`; recording one of them stores a signed chain head (see `gongyue.audit.heads`).
"""

from importlib import import_module

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import module_has_submodule

MODULE = "events"

# code -> label (lazy), filled by collect() when the audit app is ready.
EVENT_TYPES: dict[str, object] = {}
PUBLICATIONS: set[str] = set()


class UnknownEventType(ValueError):
    """record() was given a type no app declared: a typo would otherwise slip into the chain."""


def declared_in(module) -> list[type[models.TextChoices]]:
    """The TextChoices classes defined (not imported) in an events module."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, models.TextChoices)
        and value.__module__ == module.__name__
    ]


def collect() -> None:
    """Read every installed app's events module; a type declared twice is a configuration error."""
    found: dict[str, object] = {}
    publications: set[str] = set()
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, MODULE):
            continue
        module = import_module(f"{config.name}.{MODULE}")
        for choices in declared_in(module):
            for code, label in choices.choices:
                if code in found:
                    raise ImproperlyConfigured(f"audit event type {code!r} is declared twice")
                found[code] = label
        publications.update(str(code) for code in getattr(module, "PUBLICATIONS", ()))
    if unknown := publications - found.keys():
        raise ImproperlyConfigured(f"PUBLICATIONS name undeclared event types: {sorted(unknown)}")
    EVENT_TYPES.clear()
    EVENT_TYPES.update(found)
    PUBLICATIONS.clear()
    PUBLICATIONS.update(publications)


def check_known(code: str) -> str:
    if code not in EVENT_TYPES:
        raise UnknownEventType(
            f"unknown audit event type {code!r}: declare it in its app's {MODULE}.py"
        )
    return str(code)


def label(code: str) -> str:
    """The type's label in the active language, or the code itself for types no longer declared."""
    return str(EVENT_TYPES.get(code, code))


def choices() -> list[tuple[str, str]]:
    """(code, label) of every declared type, grouped by app as declared."""
    return [(code, str(name)) for code, name in EVENT_TYPES.items()]
