from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from gongyue.core.ratelimit import count

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


class LimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending at most PASSWORD_RESET_MAILS_PER_ACCOUNT mails to one
    account in PASSWORD_RESET_WINDOW_HOURS, and links to SITE_URL (not to whatever Host header
    the request carried). Beyond the allowance nothing is sent and the page says the same as
    always, so it tells nobody whether the address has an account."""

    def get_users(self, email):
        window = settings.PASSWORD_RESET_WINDOW_HOURS * 3600
        for user in super().get_users(email):
            sent, _wait = count(f"rl:password_reset_mail:{user.pk}", window=window)
            if sent <= settings.PASSWORD_RESET_MAILS_PER_ACCOUNT:
                yield user

    def save(self, **kwargs):
        site = urlsplit(settings.SITE_URL)
        kwargs["domain_override"] = site.netloc
        kwargs["use_https"] = site.scheme == "https"
        kwargs["extra_email_context"] = {
            "site_name": settings.SITE_NAME,
            **(kwargs.get("extra_email_context") or {}),
        }
        return super().save(**kwargs)
