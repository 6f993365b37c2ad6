"""Signing in with the user name or the email address."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from .models import User

# The path `login()` names when a view signs someone in without a password (registration).
LOGIN_BACKEND = "gongyue.accounts.backends.UsernameOrEmailBackend"


def account_for(login: str) -> User | None:
    """The account a login name means: a user name first, else an address only one account has."""
    user = User.objects.filter(username=login).first()
    if user is None and "@" in login:
        matches = list(User.objects.filter(email__iexact=login.strip())[:2])
        user = matches[0] if len(matches) == 1 else None
    return user


def axes_username(request, credentials=None) -> str | None:
    """The name django-axes counts failures under (AXES_USERNAME_CALLABLE): the account's user
    name whether the person typed it or their address, so guesses split between the two count
    against one account. A name that is no account's is counted as typed (addresses in lower
    case, as they match whatever their case)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        login = credentials.get(field)
    else:
        login = getattr(request, "data", None) or getattr(request, "POST", {})
        login = login.get(field) if hasattr(login, "get") else None
    if not login or not isinstance(login, str):
        return login
    user = account_for(login)
    if user is not None:
        return user.username
    return login.strip().lower() if "@" in login else login


class UsernameOrEmailBackend(ModelBackend):
    """A delegate is told their user name, but may not keep it: the address they were invited at
    works too. An address shared by two accounts identifies nobody, so it is not accepted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = account_for(username)
        if user is None:
            # Hash anyway, so a wrong name takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
