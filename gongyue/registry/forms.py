"""Forms the pages and the API share, so that both check the same way with the same words."""

from datetime import datetime, time

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongyue.core.uploads import UploadField

from .actions import Item
from .models import EVIDENCE_KINDS, MAX_TEXT_CHARS, MAX_VALUE_CHARS, Category, Kind, Status

KIND_CHOICES = [("", _("recognise it")), *list(Kind.choices)]


class SubmitForm(forms.Form):
    value = forms.CharField(
        label=_("Domain, URL, IP address, network or hash"), max_length=MAX_VALUE_CHARS
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES, required=False)
    include_subdomains = forms.BooleanField(
        label=_("Also every subdomain (for a domain)"), required=False
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=MAX_TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you saw, where and when."),
    )
    sample_sha256 = forms.CharField(label=_("Sample SHA-256"), max_length=64, required=False)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        help_text=_("Leave empty for the category's default."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    screenshot = UploadField(
        label=_("Screenshot (PNG or JPEG)"), kinds=EVIDENCE_KINDS, required=False
    )

    def item(self) -> Item:
        data = self.cleaned_data
        expires = data.get("expires_on")
        return Item(
            value=data["value"],
            kind=data["kind"],
            include_subdomains=data["include_subdomains"],
            category=data["category"],
            evidence=data["evidence"],
            sample_sha256=data["sample_sha256"].strip(),
            expires_at=timezone.make_aware(datetime.combine(expires, time(23, 59)))
            if expires
            else None,
        )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("approve")), ("reject", _("reject"))]
    )
    note = forms.CharField(
        label=_("Reason or note"),
        max_length=MAX_TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    override = forms.BooleanField(
        label=_("Override the warning list (secretariat head)"), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reason for rejecting."))
        return data


class DelistForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=MAX_TEXT_CHARS)


class AppealForm(forms.Form):
    name = forms.CharField(label=_("Your name or organisation"), max_length=200)
    contact = forms.CharField(label=_("Contact (email or phone)"), max_length=200)
    grounds = forms.CharField(
        label=_("Grounds"), max_length=MAX_TEXT_CHARS, widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=MAX_TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("uphold", _("uphold: delist the entry")), ("dismiss", _("dismiss"))],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=MAX_TEXT_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReceiptForm(forms.Form):
    appeal = forms.IntegerField(label=_("Appeal number"), min_value=1)
    code = forms.CharField(label=_("Receipt code"), max_length=40)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Value"), max_length=MAX_VALUE_CHARS, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("any")), *list(Category.choices)], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("any")), *list(Status.choices)], required=False
    )


class CheckForm(forms.Form):
    """The link check: one URL, host or hash a line."""

    values = forms.CharField(
        label=_("URLs, hosts or hashes, one a line"), widget=forms.Textarea(attrs={"rows": 6})
    )

    def clean_values(self):
        values = [v.strip() for v in self.cleaned_data["values"].splitlines() if v.strip()]
        check_count(values)
        return values


def check_count(values) -> None:
    limit = settings.REGISTRY_MAX_CHECK
    if not values:
        raise forms.ValidationError(_("Send at least one value."), code="empty")
    if len(values) > limit:
        raise forms.ValidationError(
            _("%(count)s values were sent; at most %(limit)s are checked at once.")
            % {"count": f"{len(values):,}", "limit": f"{limit:,}"},
            code="too_many",
        )


class EvidenceForm(forms.Form):
    """A screenshot for a sighting your unit submitted (the page's and the API's)."""

    screenshot = UploadField(label=_("Screenshot (PNG or JPEG)"), kinds=EVIDENCE_KINDS)


class TrustForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("trust", _("trust its submissions")), ("untrust", _("review them first"))],
    )
