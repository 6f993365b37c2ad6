"""Forms used by both the pages and the API, so both apply the same checks and messages."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from gongyue.core.uploads import read_text_upload

from . import lexicon
from .actions import ImportMode
from .models import MAX_TERM_CHARS, SEVERITIES, Action, Category


def check_text(text: str) -> None:
    """Raise ValidationError when a text cannot be screened: empty, too long (code
    "too_long"), or holding a lone surrogate, which is not a character (JSON lets a client
    send "\\ud800" on its own)."""
    if not text:
        raise ValidationError(gettext("The text is empty; send the text to screen."), code="empty")
    limit = settings.SCREENING_MAX_TEXT_CHARS
    if len(text) > limit:
        raise ValidationError(
            gettext("The text has %(length)s characters; the limit is %(limit)s.")
            % {"length": f"{len(text):,}", "limit": f"{limit:,}"},
            code="too_long",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            gettext(
                "The text holds an unpaired surrogate (U+%(code)04X) at character %(at)s, which is not "
                "a character; send valid Unicode (in JSON a \\uD800–\\uDFFF escape must be one of a pair)."
            )
            % {"code": ord(text[exc.start]), "at": exc.start},
            code="surrogate",
        ) from None


class TryForm(forms.Form):
    """The try page: paste a text, see what screening finds."""

    text = forms.CharField(
        label=_("Text to screen"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = gettext("At most %(limit)s characters.") % {
            "limit": f"{settings.SCREENING_MAX_TEXT_CHARS:,}"
        }

    def clean_text(self):
        text = self.cleaned_data["text"].replace("\r\n", "\n")
        check_text(text)
        return text


class TermForm(forms.Form):
    term = forms.CharField(label=_("Term"), max_length=MAX_TERM_CHARS)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    action = forms.ChoiceField(label=pgettext_lazy("screening", "Action"), choices=Action.choices)
    severity = forms.TypedChoiceField(
        label=_("Severity"),
        choices=[(n, str(n)) for n in SEVERITIES],
        coerce=int,
        initial=1,
        help_text=_("1 (mild) to 5 (grave)"),
    )
    collapse_repeats = forms.BooleanField(
        label=_("Also match repeated characters"),
        required=False,
        help_text=_("冰冰毒毒 matches 冰毒"),
    )
    pinyin = forms.BooleanField(
        label=_("Also match pinyin"), required=False, help_text=_("bingdu and bd match 冰毒")
    )
    note = forms.CharField(label=_("Note for the version"), max_length=300, required=False)

    def clean_term(self):
        term = self.cleaned_data["term"]
        if not lexicon.key_of(term):
            raise ValidationError(
                gettext(
                    "The term normalises to nothing: it has only spaces, punctuation, symbols or invisible characters, which screening ignores."
                ),
                code="nothing_left",
            )
        return term

    @property
    def term_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in lexicon.Entry.FIELDS}


class TermChangeForm(TermForm):
    """The API's partial change: only the fields sent are changed."""

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        for name in list(self.fields):
            if name not in data:
                del self.fields[name]

    @property
    def term_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in lexicon.Entry.FIELDS
            if name in self.cleaned_data
        }


class AllowPhraseForm(forms.Form):
    phrase = forms.CharField(label=_("Phrase"), max_length=MAX_TERM_CHARS)
    note = forms.CharField(label=_("Note for the version"), max_length=300, required=False)

    def clean_phrase(self):
        phrase = self.cleaned_data["phrase"]
        if not lexicon.key_of(phrase):
            raise ValidationError(
                gettext(
                    "The phrase normalises to nothing: it has only spaces, punctuation, symbols or invisible characters, which screening ignores."
                ),
                code="nothing_left",
            )
        return phrase


class RemoveForm(forms.Form):
    note = forms.CharField(label=_("Note for the version"), max_length=300, required=False)


MODE_CHOICES = [
    (
        ImportMode.MERGE,
        _("Merge: add the file's terms and update those already in the lexicon; remove nothing"),
    ),
    (
        ImportMode.REPLACE,
        _("Replace: the lexicon becomes the file; terms the file lacks are removed"),
    ),
]


class ImportForm(forms.Form):
    """A lexicon CSV; valid once every row passes. Problems keep their row numbers."""

    file = forms.FileField(
        label=_("Lexicon file (CSV)"),
        help_text=_(
            "UTF-8 CSV with the header term,category,action and optionally severity, "
            "collapse_repeats, pinyin; action allow makes the row an allowed phrase."
        ),
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=MODE_CHOICES, initial=ImportMode.MERGE, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note for the version"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload = None
        self.problems = ()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        data = read_text_upload(upload)
        try:
            self.upload = lexicon.read_upload(data, source=upload.name)
        except lexicon.InvalidLexicon as invalid:
            self.problems = invalid.problems
            raise ValidationError(invalid.blockers, code="invalid_lexicon") from None
        return upload


class ConfirmImportForm(forms.Form):
    """Carries out the previewed import, which waits in the session under its hash."""

    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


class FilterForm(forms.Form):
    """Search and filters of the lexicon list (in the query string)."""

    STATES = [
        ("live", _("in the lexicon")),
        ("removed", pgettext_lazy("lexicon", "removed")),
        ("all", _("all")),
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_TERM_CHARS)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", "—"), *Category.choices]
    )
    action = forms.ChoiceField(
        label=pgettext_lazy("screening", "Action"),
        required=False,
        choices=[("", "—"), *Action.choices],
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATES)

    def filter(self, terms):
        """The terms matching the search: by what was typed or by normalised form."""
        data = self.cleaned_data if self.is_valid() else {}
        state = data.get("state") or "live"
        if state != "all":
            terms = terms.filter(is_active=state == "live")
        if data.get("category"):
            terms = terms.filter(category=data["category"])
        if data.get("action"):
            terms = terms.filter(action=data["action"])
        if q := (data.get("q") or "").strip():
            key = lexicon.key_of(q)
            condition = Q(term__icontains=q)
            if key:
                condition |= Q(key__contains=key)
            terms = terms.filter(condition)
        return terms
