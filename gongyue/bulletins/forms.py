"""Forms used by both the pages and the API, so both apply the same checks and messages."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongyue.core.uploads import DOCUMENT_KINDS, check_upload
from gongyue.organisations.models import Category

from .models import Audience, BulletinKind, Request, RequestKind

MAX_ATTACHMENTS = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files, each checked for size and real type; cleans to (upload, kind) pairs."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(uploads) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("At most %(n)s files.") % {"n": MAX_ATTACHMENTS}, code="too_many"
            )
        cleaned, errors = [], []
        for upload in uploads:
            single = super().clean(upload, initial)
            try:
                cleaned.append((single, check_upload(single, kinds=DOCUMENT_KINDS)))
            except ValidationError as error:
                errors.extend(
                    ValidationError(f"{single.name}: {message}", code=error.code)
                    for message in error.messages
                )
        if errors:
            raise ValidationError(errors)
        return cleaned


def files_of(request_files, name: str = "attachments") -> dict:
    """The uploads of a multipart request, as the form expects them (a list per field)."""
    return {name: request_files.getlist(name)} if request_files else {}


class BulletinForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=50_000,
        help_text=_("Markdown: # headings, - lists, [links](https://…). HTML is removed."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=BulletinKind.choices)
    audience = forms.ChoiceField(
        label=_("Who may read it"), choices=Audience.choices, initial=Audience.MEMBERS
    )
    all_members = forms.BooleanField(label=_("Address every member unit"), required=False)
    categories = forms.MultipleChoiceField(
        label=_("Or the member units of these categories"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty to publish now."),
    )
    ack_required = forms.BooleanField(
        label=_("Ask each unit to acknowledge it (its signer confirms it has taken note)"),
        required=False,
    )
    ack_days = forms.IntegerField(
        label=_("Days to acknowledge, counted from the day after publication"),
        min_value=1,
        max_value=365,
        required=False,
    )
    attachments = AttachmentsField(label=_("Attachments (PDF, PNG or JPEG)"))

    def clean_publish_at(self):
        at = self.cleaned_data.get("publish_at")
        if at and at <= timezone.now():
            raise ValidationError(_("The scheduled time must be in the future."), code="past")
        return at

    def clean(self):
        data = super().clean()
        if data.get("all_members"):
            data["categories"] = []
        elif "categories" in data and not data["categories"]:
            self.add_error(
                "categories",
                ValidationError(
                    _("Address the bulletin to every member or to at least one category."),
                    code="no_addressees",
                ),
            )
        if data.get("ack_required") and not data.get("ack_days"):
            data["ack_days"] = settings.BULLETIN_ACK_DAYS
        return data


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    title = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000
    )
    attachments = AttachmentsField(label=_("Attachments (PDF, PNG or JPEG)"))


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000
    )


class ForwardForm(forms.Form):
    """Forward one request, or merge several on one matter into one submission."""

    requests = forms.ModelMultipleChoiceField(
        label=_("Requests to forward together"),
        queryset=Request.objects.filter(submission__isnull=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose the requests to forward."),
            "invalid_choice": _("A chosen request is unknown or was already forwarded."),
        },
    )
    title = forms.CharField(label=_("Title of the submission"), max_length=200)
    body = forms.CharField(
        label=_("Text of the submission"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=50_000,
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 6}), max_length=50_000
    )


class SummaryForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
