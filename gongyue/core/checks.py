"""Checks that stop a misconfigured start (Django's system checks, and the WSGI/ASGI entry)."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

SECRET_KEY_MISSING = (
    "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE, a file holding it) to a long"
    " random value, e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(50))';"
    " or set DEBUG=true for a local demo."
)


def secret_key_is_set() -> bool:
    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        return False


@register()
def check_secret_key(app_configs=None, **kwargs):
    return [] if secret_key_is_set() else [Error(SECRET_KEY_MISSING, id="gongyue.E001")]


def require_secret_key() -> None:
    """Raise at the start of a server process that has no key (gunicorn runs no system checks)."""
    if not secret_key_is_set():
        raise ImproperlyConfigured(SECRET_KEY_MISSING)
