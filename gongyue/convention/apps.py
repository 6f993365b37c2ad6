from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConventionConfig(AppConfig):
    name = "gongyue.convention"
    label = "convention"
    verbose_name = _("Convention")
