"""The registry's audit event types (the values passed to ``gongyue.audit.log.record``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    ENTRIES_SUBMITTED = "registry.entries_submitted", _("registry entries submitted")
    ENTRY_APPROVED = "registry.entry_approved", _("registry entry approved")
    ENTRY_REJECTED = "registry.entry_rejected", _("registry entry rejected")
    ENTRY_DELISTED = "registry.entry_delisted", _("registry entry delisted")
    ENTRY_EXPIRED = "registry.entry_expired", _("registry entry expired")
    EVIDENCE_ADDED = "registry.evidence_added", _("registry evidence added")
    UNIT_TRUSTED = "registry.unit_trusted", _("unit trusted as registry submitter")
    UNIT_UNTRUSTED = "registry.unit_untrusted", _("unit no longer a trusted registry submitter")
    APPEAL_FILED = "registry.appeal_filed", _("registry appeal filed")
    APPEAL_DECIDED = "registry.appeal_decided", _("registry appeal decided")
