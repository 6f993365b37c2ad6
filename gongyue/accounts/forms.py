from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Kinds of notification a person may choose not to receive by mail; apps add theirs here.
MAIL_KINDS = [
    ("reminder", _("deadline reminders")),
    ("membership", _("membership and applications")),
    ("convention", _("convention versions")),
    ("amendment", _("amendments and ballots")),
]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    muted_mail_kinds = forms.MultipleChoiceField(
        label=_("Do not send these by mail (they still reach your inbox)"),
        choices=MAIL_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
