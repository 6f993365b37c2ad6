"""The audit event types of the convention's text and rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConventionEvent(models.TextChoices):
    VERSION_IMPORTED = "convention.version_imported", _("Convention text imported")
    VERSION_ADOPTED = "convention.version_adopted", _("Convention version adopted")
    DRAFT_DISCARDED = "convention.draft_discarded", _("Draft version discarded")
    RULES_CHANGED = "convention.rules_changed", _("Rule settings changed")


# Adopting a version changes the binding text: the platform signs its chain head then.
PUBLICATIONS = [ConventionEvent.VERSION_ADOPTED]
