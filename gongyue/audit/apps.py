from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "gongyue.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self):
        from . import checks, registry  # noqa: F401 (checks registers itself)

        # Every app's events.py, read once all apps are loaded.
        registry.collect()
