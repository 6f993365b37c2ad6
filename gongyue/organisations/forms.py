"""Forms used by both the pages and the API, so both apply the same checks and messages."""

import re

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongyue.accounts.models import User
from gongyue.core.uploads import DOCUMENT_KINDS, UploadField, read_text_upload

from .models import (
    APPLICATION_FIELDS,
    OPTIONAL_APPLICATION_FIELDS,
    Application,
    Category,
    Unit,
    declaration_missing_message,
    declaration_text,
    joining_declaration_required,
    uscc_holder_blockers,
)
from .validators import validate_icp, validate_id_last4, validate_uscc, validate_website


class LineListField(forms.Field):
    """A list of strings: a JSON list from the API, or one per line (or `;`) from a textarea."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *, item_validator, **kwargs):
        self.item_validator = item_validator
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = re.split(r"[\n;；]+", value)
        return [str(item).strip() for item in value if str(item).strip()]

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def clean(self, value):
        items = super().clean(value)
        cleaned, errors = [], []
        for item in items:
            try:
                cleaned.append(self.item_validator(item))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(cleaned))


class RegistrationForm(UserCreationForm):
    """An account for an organisation's legal representative, who then fills in the application."""

    email = forms.EmailField(label=_("Email"))
    display_name = forms.CharField(label=_("Your name"), max_length=100)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "display_name", "email"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _("An account with this email exists already; log in instead."), code="duplicate"
            )
        return email


class ApplicationForm(forms.ModelForm):
    """The application to join. A draft needs only the name; submitting needs everything else
    except the ICP numbers and websites (`submitting=True` makes those fields required)."""

    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    icp_numbers = LineListField(
        label=_("ICP filing numbers"),
        item_validator=validate_icp,
        required=False,
        help_text=_("One per line, e.g. 赣ICP备2021003257号-1."),
    )
    websites = LineListField(
        label=_("Websites"),
        item_validator=validate_website,
        required=False,
        help_text=_("One per line."),
    )
    # No max_length: a whole document number gets the message that says to give four characters.
    legal_rep_id_last4 = forms.CharField(
        label=_("Last four characters of the document number"),
        required=False,
        help_text=_("Only the last four; the platform does not keep whole document numbers."),
    )
    licence = UploadField(
        kinds=DOCUMENT_KINDS,
        label=_("Scan of the business licence (PDF, PNG or JPEG)"),
        required=False,
    )

    class Meta:
        model = Application
        fields = APPLICATION_FIELDS

    def __init__(self, *args, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        for name, field in self.fields.items():
            field.required = name == "name" or (
                submitting and name not in OPTIONAL_APPLICATION_FIELDS and name != "licence"
            )
        self.fields["uscc"].help_text = _("18 characters, as on the business licence.")
        self.fields["legal_rep_name"].help_text = _("As on the business licence.")
        self.fields["legal_rep_email"].help_text = _(
            "Unless you are this person, they are invited at this address to claim the unit's "
            "signing role."
        )
        self.fields["applicant_is_legal_rep"].help_text = _(
            "The secretariat then checks it against the licence; until then, and otherwise, you "
            "are the unit's contact."
        )
        self.fields["accepts_rules"].label = declaration_text()
        if self.instance.pk and self.instance.licence_scan:
            self.fields["licence"].help_text = _("A scan is on file; a new one replaces it.")

    def clean_legal_rep_id_last4(self):
        value = self.cleaned_data.get("legal_rep_id_last4", "")
        return validate_id_last4(value) if value else ""

    def clean(self):
        data = super().clean()
        if self.submitting:
            if not data.get("licence") and not self.instance.licence_scan:
                if "licence" not in self.errors:
                    self.add_error("licence", _("Attach the scan of the business licence."))
            if joining_declaration_required() and not data.get("accepts_rules"):
                self.add_error("accepts_rules", declaration_missing_message())
        return data

    def clean_uscc(self):
        value = self.cleaned_data.get("uscc", "")
        if not value:
            return ""
        code = validate_uscc(value)
        blockers = uscc_holder_blockers(code, exclude_application=self.instance)
        if blockers:
            raise ValidationError(blockers[0], code="duplicate")
        return code


class ReasonsForm(forms.Form):
    """The secretariat's reasons to return or reject an application (a note when approving)."""

    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )


class ReviewForm(ReasonsForm):
    """The review: reasons, and on approval the confirmation that the applicant is the legal
    representative, checked against the licence."""

    confirm_legal_rep = forms.BooleanField(
        label=_(
            "I checked the business licence: the applicant is the legal representative named "
            "there (name, document type and last four characters match)."
        ),
        required=False,
    )


class LicenceForm(forms.Form):
    licence = UploadField(
        kinds=DOCUMENT_KINDS, label=_("Scan of the business licence (PDF, PNG or JPEG)")
    )


class ClaimForm(forms.Form):
    """A signed-in legal representative confirms the claim."""

    confirm = forms.BooleanField(
        label=_("I am this unit's legal representative and take up its signing role."),
        error_messages={"required": _("Confirm that you are the unit's legal representative.")},
    )


class ClaimAccountForm(UserCreationForm):
    """An account for the invited legal representative; the address is the invited one."""

    display_name = forms.CharField(label=_("Your name"), max_length=100)
    confirm = ClaimForm.base_fields["confirm"]

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "display_name"]


class DelegateForm(forms.Form):
    """The legal representative's written authorisation of a delegate (Art. 25)."""

    name = forms.CharField(label=_("Delegate's name"), max_length=100)
    email = forms.EmailField(label=_("Delegate's email"))
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    letter = UploadField(label=_("Signed authorisation letter (PDF, PNG or JPEG)"))

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The authorisation cannot end before it starts."))
        elif end and end < timezone.localdate():
            self.add_error("valid_until", _("The validity period has already ended."))
        return data


class SignForm(forms.Form):
    """Signing binds the unit to the text shown: the page sends back the hash of what it showed."""

    sha256 = forms.CharField(widget=forms.HiddenInput, min_length=64, max_length=64)
    confirm = forms.BooleanField(
        label=_("I have read the text above and sign it on behalf of the unit."),
        error_messages={"required": _("Confirm that you have read the text and sign it.")},
    )


class ScanForm(forms.Form):
    scan = UploadField(label=_("Scan of the sealed signature page (PDF, PNG or JPEG)"))


class WithdrawalForm(forms.Form):
    effective_on = forms.DateField(
        label=_("Effective on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to withdraw on the day the notice is received."),
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def clean_effective_on(self):
        day = self.cleaned_data.get("effective_on")
        if day and day < timezone.localdate():
            raise ValidationError(
                _("The date cannot be earlier than the day the notice is received."), code="past"
            )
        return day


class FoundersForm(forms.Form):
    units = forms.ModelMultipleChoiceField(
        label=_("Founders"),
        queryset=Unit.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Name at least one founder.")},
    )


class PublishConventionForm(forms.Form):
    published_on = forms.DateField(
        label=_("Published on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for today."),
    )


class ConventionDatesForm(forms.Form):
    effective_on = forms.DateField(
        label=_("Took effect on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    published_on = forms.DateField(
        label=_("Published on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RegisterPublishForm(forms.Form):
    period = forms.CharField(label=_("Period"), max_length=10)
    corrects = forms.IntegerField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def clean_period(self):
        from .periods import period_from_key

        period = period_from_key(self.cleaned_data["period"].strip())
        if period is None:
            raise ValidationError(
                _("Name a period as 2026-Q3, 2026-07, 2026-H2 or 2026."), code="invalid"
            )
        return period


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Member list (CSV, UTF-8)"))
    dry_run = forms.BooleanField(label=_("Only check the file; import nothing"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        return upload.name, read_text_upload(upload)


class DirectoryForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("all categories")), *list(Category.choices)],
    )
    city = forms.CharField(label=_("City"), required=False, max_length=50)
