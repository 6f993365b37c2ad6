"""Forms used by both the pages and the API, so both apply the same checks and messages."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongyue.core.uploads import DOCUMENT_KINDS, KINDS, UploadField
from gongyue.organisations.models import Category

from .models import AnswerType, Audience, BulletinKind, Finding, Request, RequestKind

MAX_ATTACHMENTS = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(UploadField):
    """Several files (one `<input type=file multiple>`), each checked for size and real type by
    core.uploads; cleans to (upload, detected kind) pairs. Any bad file refuses them all."""

    def __init__(self, *, kinds=DOCUMENT_KINDS, **kwargs):
        kwargs.setdefault("required", False)
        accept = ",".join(KINDS[k].mime for k in kinds)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(kinds=kinds, **kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(uploads) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("At most %(n)s files.") % {"n": MAX_ATTACHMENTS}, code="too_many"
            )
        cleaned, errors = [], []
        for upload in uploads:
            try:
                single = super().clean(upload, initial)
            except ValidationError as error:
                name = getattr(upload, "name", "")
                # check_upload gives its active-content problems as a list without codes.
                errors.extend(
                    ValidationError(f"{name}: {message}", code=item.code or "active_content")
                    for item in error.error_list
                    for message in item.messages
                )
                continue
            if single:
                cleaned.append((single, single.detected_kind))
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


# Compliance campaigns ----------------------------------------------------------------------------


def split_lines(value) -> list[str]:
    if isinstance(value, list | tuple):
        items = value
    else:
        items = re.split(r"[\n;；]+", value or "")
    return list(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


class LinesField(forms.CharField):
    """A list of short strings: a JSON list from the API, or one per line from a textarea."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        return split_lines(value)

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value):
        for item in value:
            if len(item) > 200:
                raise ValidationError(_("Each line has at most 200 characters."), code="long")


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10_000,
    )
    all_members = forms.BooleanField(label=_("Address every member unit"), required=False)
    categories = forms.MultipleChoiceField(
        label=_("Or the member units of these categories"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    days = forms.IntegerField(
        label=_("Days to answer, counted from the day after it opens"),
        min_value=1,
        max_value=365,
    )

    def clean(self):
        data = super().clean()
        if data.get("all_members"):
            data["categories"] = []
        elif "categories" in data and not data["categories"]:
            self.add_error(
                "categories",
                ValidationError(
                    _("Address the campaign to every member or to at least one category."),
                    code="no_addressees",
                ),
            )
        return data


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=500)
    article = forms.ModelChoiceField(
        label=_("Article of the convention in force"),
        queryset=None,
        to_field_name="number",
        error_messages={
            "required": _("Tie the question to an article of the convention in force."),
            "invalid_choice": _("That article is not in the convention in force."),
        },
    )
    answer_type = forms.ChoiceField(label=_("Answer type"), choices=AnswerType.choices)
    choices = LinesField(label=_("Choices (one per line)"), required=False)
    compliant_values = LinesField(
        label=_("Answers that count as compliant (yes, no or choices; one per line)"),
        required=False,
    )
    required = forms.BooleanField(label=_("Required"), required=False)

    def __init__(self, *args, version=None, **kwargs):
        from gongyue.convention.models import Article

        super().__init__(*args, **kwargs)
        self.fields["article"].queryset = Article.objects.filter(version=version).order_by("number")
        self.fields["article"].label_from_instance = lambda a: f"{a} {a.text[:40]}"

    def clean(self):
        data = super().clean()
        kind, choices = data.get("answer_type"), data.get("choices") or []
        if kind == AnswerType.CHOICE and len(choices) < 2:
            self.add_error("choices", _("A choice question needs at least two choices."))
        allowed = {"yes_no": {"yes", "no"}, "choice": set(choices)}.get(kind, set())
        compliant = data.get("compliant_values") or []
        if compliant and not set(compliant) <= allowed:
            self.add_error(
                "compliant_values",
                _("Compliant answers must be among the question's possible answers."),
            )
        if kind != AnswerType.CHOICE:
            data["choices"] = []
        return data


YES_NO = [("yes", _("yes")), ("no", _("no"))]


class AnswersForm(forms.Form):
    """One field per question; on submit the required ones must be answered, now or in a draft
    saved before (a field left empty keeps the earlier answer)."""

    def __init__(self, *args, questions, answered=(), submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = {f"q{q.pk}": q for q in questions}
        for name, q in self.questions.items():
            label = f"{q.position}. {q.text}"
            required = submitting and q.required and q.pk not in answered
            if q.answer_type == AnswerType.YES_NO:
                field = forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect)
            elif q.answer_type == AnswerType.CHOICE:
                field = forms.ChoiceField(
                    choices=[(c, c) for c in q.choices], widget=forms.RadioSelect
                )
            elif q.answer_type == AnswerType.NUMBER:
                field = forms.DecimalField(max_digits=18, decimal_places=4)
            elif q.answer_type == AnswerType.TEXT:
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
            else:
                field = UploadField(kinds=DOCUMENT_KINDS)
            field.label, field.required = label, required
            self.fields[name] = field

    def clean(self):
        data = super().clean()
        for name, q in self.questions.items():
            upload = data.get(name)
            if q.answer_type == AnswerType.FILE and upload:
                # UploadField checked it and noted the kind it read from the content.
                data[name] = (upload, upload.detected_kind)
        return data

    def answers(self) -> dict:
        return {q: self.cleaned_data.get(name) for name, q in self.questions.items()}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("more", _("ask for more")), *Finding.choices],
    )
    note = forms.CharField(
        label=_("What is asked, to improve or suspected"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )
