from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Choice


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reasons = forms.CharField(
        label=_("Statement of reasons"), widget=forms.Textarea, max_length=20_000
    )
    file = forms.FileField(
        label=_("The whole text as amended (UTF-8 plain text, as an imported version)")
    )


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your unit's vote"), choices=Choice.choices, widget=forms.RadioSelect
    )


class OpenBallotForm(forms.Form):
    days = forms.IntegerField(
        label=_("Days the ballot stays open"), min_value=1, max_value=365, required=False
    )
