from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongyue.core.errors import ActionRefused
from gongyue.core.refusals import FileRefused
from gongyue.core.uploads import read_text_upload

from .actions import parse_upload


class ImportForm(forms.Form):
    """An uploaded convention text. Valid once it parses; the problems keep their line numbers."""

    file = forms.FileField(
        label=_("Convention text"),
        help_text=_("A plain-text file in UTF-8: chapters 第…章, articles 第…条, items （一）…"),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_bytes = b""
        self.parsed = None
        self.problems = ()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.data_bytes = read_text_upload(upload)
        try:
            self.parsed = parse_upload(self.data_bytes)
        except FileRefused as invalid:
            self.problems = invalid.problems
            raise ValidationError(invalid.blockers, code="invalid_text") from None
        except ActionRefused as refused:
            raise ValidationError(refused.blockers, code=refused.code) from None
        return upload


class AdoptForm(forms.Form):
    """Adopting is irreversible: the secretariat head confirms, having read what happens."""

    confirm = forms.BooleanField(
        label=_(
            "I adopt this text: it becomes the text in force, the version before it is "
            "superseded, and the member units and founders are told."
        ),
        error_messages={"required": _("Confirm the adoption: tick the box above the button.")},
    )


class ConfirmImportForm(forms.Form):
    """Saves the previewed text, which waits in the session under its hash."""

    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class DiffForm(forms.Form):
    """Two versions to compare, by number ("from" and "to" in the query string)."""

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (
                v.number,
                _("Version %(number)s (%(status)s)")
                % {"number": v.number, "status": v.get_status_display()},
            )
            for v in versions
        ]
        messages = {"invalid_choice": _("There is no version %(value)s.")}
        self.fields["from"] = forms.TypedChoiceField(
            label=_("From"), choices=choices, coerce=int, error_messages=messages
        )
        self.fields["to"] = forms.TypedChoiceField(
            label=_("To"), choices=choices, coerce=int, error_messages=messages
        )
        self.versions = {v.number: v for v in versions}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("from") is not None and cleaned.get("from") == cleaned.get("to"):
            self.add_error(
                "to",
                _(
                    "Choose two different versions: a version compared with itself has no differences."
                ),
            )
        return cleaned

    @property
    def pair(self):
        return self.versions[self.cleaned_data["from"]], self.versions[self.cleaned_data["to"]]
