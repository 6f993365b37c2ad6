from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongyue.organisations.models import Unit

from . import registry
from .models import ActorKind

PAGE_SIZES = [25, 50, 100, 200]


def event_choices():
    return [("", _("all events")), *registry.choices()]


class LogFilterForm(forms.Form):
    """The filters of /audit/; each is a query parameter, so other pages can link to a view of
    the log (e.g. ?actor_kind=secretariat for what the secretariat did, Art. 23)."""

    action = forms.ChoiceField(label=_("Event"), choices=event_choices, required=False)
    actor_kind = forms.ChoiceField(
        label=_("Acted as"), choices=[("", _("anyone")), *ActorKind.choices], required=False
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.order_by("name"),
        required=False,
        empty_label=_("all units"),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=pgettext_lazy("audit", "Subject"), max_length=100, required=False)
    per_page = forms.TypedChoiceField(
        label=_("Per page"),
        choices=[(n, n) for n in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=50,
    )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period is before its start."))
        return data

    def filter(self, entries):
        """Narrow `entries` by every filter that is valid (an invalid one is shown, not applied)."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("actor_kind"):
            entries = entries.filter(actor_kind=data["actor_kind"])
        if data.get("unit"):
            entries = entries.filter(unit_id=data["unit"].pk)
        # Dates are the association's local days (Asia/Shanghai), stored times are UTC.
        if data.get("since"):
            entries = entries.filter(at__gte=self.start_of(data["since"]))
        if data.get("until") and "until" not in self.errors:
            entries = entries.filter(at__lt=self.start_of(data["until"] + timedelta(days=1)))
        if q := (data.get("q") or "").strip():
            entries = entries.filter(Q(subject_label__icontains=q) | Q(subject_id=q))
        return entries

    @property
    def page_size(self) -> int:
        return self.cleaned_data.get("per_page") or 50

    @staticmethod
    def start_of(day):
        return timezone.make_aware(datetime.combine(day, time.min))
