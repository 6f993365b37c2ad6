"""The audit event types of the screening lexicon."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScreeningEvent(models.TextChoices):
    TERM_ADDED = "screening.term_added", _("Lexicon term added")
    TERM_CHANGED = "screening.term_changed", _("Lexicon term changed")
    TERM_REMOVED = "screening.term_removed", _("Lexicon term removed")
    ALLOW_PHRASE_ADDED = "screening.allow_phrase_added", _("Allowed phrase added")
    ALLOW_PHRASE_REMOVED = "screening.allow_phrase_removed", _("Allowed phrase removed")
    LEXICON_IMPORTED = "screening.lexicon_imported", _("Lexicon imported")
