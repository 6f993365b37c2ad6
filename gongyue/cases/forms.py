"""Forms of the case steps, used by both the pages and the API (same checks, same messages)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongyue.accounts.models import User
from gongyue.core.uploads import DOCUMENT_KINDS, check_upload
from gongyue.organisations.models import Unit

from . import queries
from .models import CaseFile, Measure, ReviewOutcome

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class CaseFilesField(forms.FileField):
    """Several files, each checked for size (CASE_FILE_MAX_BYTES) and real type; cleans to
    (upload, kind) pairs."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(uploads) > MAX_FILES:
            raise ValidationError(_("At most %(n)s files.") % {"n": MAX_FILES}, code="too_many")
        cleaned, errors = [], []
        for upload in uploads:
            single = super().clean(upload, initial)
            try:
                kind = check_upload(
                    single, kinds=DOCUMENT_KINDS, max_bytes=settings.CASE_FILE_MAX_BYTES
                )
                cleaned.append((single, kind))
            except ValidationError as error:
                errors.extend(
                    ValidationError(f"{single.name}: {message}", code=error.code)
                    for message in error.messages
                )
        if errors:
            raise ValidationError(errors)
        return cleaned


def files_of(request_files, name: str) -> dict:
    return {name: request_files.getlist(name)} if request_files else {}


class ArticlesField(forms.TypedMultipleChoiceField):
    """Articles of the convention in force, read when the form is made."""

    def __init__(self, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault(
            "error_messages", {"required": _("Pick at least one article of the convention.")}
        )
        super().__init__(choices=queries.article_choices, **kwargs)


class AccusedField(forms.ModelChoiceField):
    """Any unit on record; the action refuses one's own unit and non-members with a reason."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Unit.objects.order_by("name"),
            label=_("Unit reported"),
            error_messages={"invalid_choice": _("Choose a unit on record.")},
            **kwargs,
        )


class OwnInitiativeForm(forms.Form):
    accused = AccusedField()
    articles = ArticlesField(label=_("Articles breached"))
    facts = forms.CharField(
        label=_("Facts"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000
    )
    occurred_on = forms.DateField(
        label=_("When it happened"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    evidence = CaseFilesField(label=_("Evidence (PDF, PNG or JPEG)"))


class ReportForm(OwnInitiativeForm):
    named_to_accused = forms.BooleanField(
        label=_("I agree that the reported unit is told who reported it"), required=False
    )


class TriageForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("investigate", _("Open an investigation")),
            ("unfounded", _("Close as unfounded")),
        ],
    )
    reasons = forms.CharField(
        label=_("Reasons (the reporter reads them)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10_000,
    )


class RecusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Your conflict of interest"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
    )


class AssignForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        error_messages={"invalid_choice": _("Choose a person of the secretariat.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = queries.secretariat_people().order_by("username")


class RedactForm(forms.Form):
    file = forms.ModelChoiceField(
        label=_("Evidence"),
        queryset=CaseFile.objects.none(),
        error_messages={"invalid_choice": _("Choose a piece of evidence of this case.")},
    )
    reason = forms.CharField(
        label=_("Why it is withheld from the accused"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["file"].queryset = case.files.filter(role="evidence")


class NoticeForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the reported unit"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10_000,
    )


class ReplyForm(forms.Form):
    statement = forms.CharField(
        label=_("Your unit's statement"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20_000,
    )
    files = CaseFilesField(label=_("Files (PDF, PNG or JPEG)"))


class FindingForm(forms.Form):
    verified = forms.TypedChoiceField(
        label=_("Is the violation verified as true?"),
        choices=[("yes", _("Yes, verified")), ("no", _("No, not verified"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    facts = forms.CharField(
        label=_("Facts established"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000
    )
    articles = ArticlesField(label=_("Articles"))
    adverse_effect = forms.TypedChoiceField(
        label=_("Did it cause an adverse effect?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
        error_messages={"required": _("A finding states its reasons.")},
    )
    evidence_relied_on = forms.ModelMultipleChoiceField(
        label=_("Evidence relied on"),
        queryset=CaseFile.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence_note = forms.CharField(
        label=_("Other evidence relied on"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5_000,
    )
    redress = forms.CharField(
        label=_("Redress available"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5_000,
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["evidence_relied_on"].queryset = case.files.all()
            self.fields["articles"].initial = case.articles


class SanctionForm(forms.Form):
    measure = forms.ChoiceField(label=_("Measure"), choices=Measure.choices)
    reasons = forms.CharField(
        label=_("Reasons for the measure"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20_000,
        error_messages={"required": _("A sanction states its reasons.")},
    )


class ReviewRequestForm(forms.Form):
    grounds = forms.CharField(
        label=_("Grounds for the review"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
        error_messages={"required": _("Give the grounds for the review.")},
    )


class ReviewDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=ReviewOutcome.choices)
    new_measure = forms.ChoiceField(
        label=_("The measure, if changed"),
        choices=[("", "—"), *Measure.choices],
        required=False,
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20_000,
        error_messages={"required": _("A review decision states its reasons.")},
    )


class PublishForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary for all members (the reporter is never named)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10_000,
    )
