"""Signing in with the user name or the email address."""

from django.contrib.auth.backends import ModelBackend

from .models import User

# The path `login()` names when a view signs someone in without a password (registration).
LOGIN_BACKEND = "gongyue.accounts.backends.UsernameOrEmailBackend"


class UsernameOrEmailBackend(ModelBackend):
    """A delegate is told their user name, but may not keep it: the address they were invited at
    works too. An address shared by two accounts identifies nobody, so it is not accepted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = User.objects.filter(username=username).first()
        if user is None and "@" in username:
            matches = list(User.objects.filter(email__iexact=username.strip())[:2])
            user = matches[0] if len(matches) == 1 else None
        if user is None:
            # Hash anyway, so a wrong name takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
