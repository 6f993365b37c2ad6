from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """An organisation (单位) known to the platform: an applicant, a member, or a former member."""

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("Unified Social Credit Code"), max_length=18, unique=True, null=True, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return self.name
