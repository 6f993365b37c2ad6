from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AmendmentsConfig(AppConfig):
    name = "gongyue.amendments"
    label = "amendments"
    verbose_name = _("Amendments")

    def ready(self):
        from gongyue.convention import article_notes

        from .notes import interpretation_notes

        article_notes.register(interpretation_notes)
