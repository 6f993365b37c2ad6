"""The audit event types of people, grants and tokens (values are what record() receives)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountsEvent(models.TextChoices):
    ROLE_GRANTED = "accounts.role_granted", _("Role granted")
    ROLE_REVOKED = "accounts.role_revoked", _("Role revoked")
    TOKEN_CREATED = "accounts.token_created", _("API token created")
    TOKEN_REVOKED = "accounts.token_revoked", _("API token revoked")
    PREFERENCES_CHANGED = "accounts.preferences_changed", _("Preferences changed")
    # Site-admin edits (gongyue/accounts/admin.py): who can read and do what changes here.
    PERSON_CREATED = "accounts.person_created", _("Account created in the admin")
    PERSON_CHANGED = "accounts.person_changed", _("Account changed in the admin")
    PASSWORD_SET = "accounts.password_set", _("Password set in the admin")
    GROUP_CHANGED = "accounts.group_changed", _("Admin group changed")
    GROUP_DELETED = "accounts.group_deleted", _("Admin group deleted")
