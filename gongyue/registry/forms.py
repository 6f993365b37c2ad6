"""Forms the pages and the API share, so that both check the same way with the same words."""

import csv
import io
from datetime import datetime, time

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongyue.core.errors import ActionRefused
from gongyue.core.textfiles import Undecodable, decode_table_text
from gongyue.core.uploads import UploadField, read_text_upload
from gongyue.organisations.models import Unit

from .actions import InvalidBatch, Item, check_batch_size, item_problems
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


class EntryIdsField(forms.Field):
    """Entries chosen by number (ticked boxes on a page, a list of numbers in the API)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Choose at least one entry."),
        "invalid": _("Entries are chosen by their numbers."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        super().validate(value)
        limit = settings.REGISTRY_MAX_BATCH
        if len(value) > limit:
            raise forms.ValidationError(
                _("At most %(limit)s entries are reviewed at once.") % {"limit": f"{limit:,}"},
                code="too_many",
            )


class ReviewManyForm(ReviewForm):
    """The same decision for many entries awaiting review; no warning-list override (the head
    gives that entry by entry, on its page)."""

    entries = EntryIdsField()
    override = None


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
    screenshot = UploadField(
        label=_("Screenshot (PNG or JPEG)"),
        kinds=EVIDENCE_KINDS,
        required=False,
        help_text=_("Only the secretariat sees it."),
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
    q = forms.CharField(label=_("Indicator"), max_length=MAX_VALUE_CHARS, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("any")), *list(Category.choices)], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("any")), *list(Status.choices)], required=False
    )
    mine = forms.BooleanField(label=_("Only my unit's submissions and sightings"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or not user.is_authenticated or user.unit_id is None:
            del self.fields["mine"]


class ReviewQueueForm(forms.Form):
    """The review queue's filters: one unit's entries (its batch, say), or one category's."""

    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("any")
    )
    category = SearchForm.base_fields["category"]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


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


class SightForm(forms.Form):
    """A member unit saw a public entry too: a sighting for it, as if submitted again."""

    evidence = SubmitForm.base_fields["evidence"]
    screenshot = SubmitForm.base_fields["screenshot"]

    def item(self, entry) -> Item:
        return Item(
            value=entry.value,
            kind=entry.kind,
            include_subdomains=entry.include_subdomains,
            category=entry.category,
            evidence=self.cleaned_data["evidence"],
        )


class TrustForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("trust", _("trust its submissions")), ("untrust", _("review them first"))],
    )


def batch_items(rows: list[dict]) -> tuple[list[Item], list[tuple[int, str, str]]]:
    """Each row (SubmitForm's fields) through SubmitForm, then the good ones through the
    action's own checks, so that one pass names every bad row (for the API's batches and the
    batch page): the items, and every problem as (row from 0, field, message)."""
    items, numbers, problems = [], [], []
    for number, row in enumerate(rows):
        form = SubmitForm(row)
        if form.is_valid():
            items.append(form.item())
            numbers.append(number)
        else:
            problems += [
                (number, name, str(m)) for name, found in form.errors.items() for m in found
            ]
    if items:
        problems += [
            (numbers[row], field, message)
            for row, field, message in as_form_problems(item_problems(items))
        ]
    return items, sorted(problems, key=lambda problem: problem[0])


#: The form's name for an Item attribute the action names in its problems.
ITEM_FIELDS = {"expires_at": "expires_on"}


def as_form_problems(rows) -> list[tuple[int, str, str]]:
    """The action's problems, (row, field, message), with the fields named as the form and the
    API name them."""
    return [(row, ITEM_FIELDS.get(field, field), message) for row, field, message in rows]


#: A batch file's columns: SubmitForm's field names, or the Chinese headers people type.
BATCH_COLUMNS = {
    "值": "value",
    "指标": "value",
    "类型": "kind",
    "类别": "category",
    "含子域名": "include_subdomains",
    "证据": "evidence",
    "样本SHA-256": "sample_sha256",
    "到期日": "expires_on",
}
_TRUE = {"1", "true", "yes", "y", "on", "是"}


class BatchForm(forms.Form):
    """Up to REGISTRY_MAX_BATCH indicators at once, all or none: pasted one a line, or a CSV
    file (UTF-8 or GBK, as spreadsheets save it) with a ``value`` column and, if wanted,
    ``category``, ``kind``, ``include_subdomains``, ``evidence``, ``sample_sha256`` and
    ``expires_on``; what a line or a row leaves out, the fields below give."""

    values = forms.CharField(
        label=_("Indicators, one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Blank lines and lines starting with # are skipped."),
    )
    file = forms.FileField(
        label=_("Or a CSV file"),
        required=False,
        help_text=_(
            "A header row naming the columns: value (required), category, kind, "
            "include_subdomains, evidence, sample_sha256, expires_on."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=Category.choices,
        help_text=_("For lines and rows without one."),
    )
    include_subdomains = forms.BooleanField(
        label=_("Also every subdomain (for a domain)"), required=False
    )
    evidence = SubmitForm.base_fields["evidence"]
    expires_on = SubmitForm.base_fields["expires_on"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if bool(data.get("values", "").strip()) == bool(data.get("file")):
            raise forms.ValidationError(
                _("Paste the indicators or choose a CSV file, not both."), code="one_source"
            )
        common = {
            "kind": "",
            "sample_sha256": "",
            "category": data["category"],
            "include_subdomains": data["include_subdomains"],
            "evidence": data["evidence"],
            "expires_on": data["expires_on"],
        }
        if data.get("file"):
            places, rows = self._csv_rows(data["file"], common)
        else:
            places, rows = self._lines(data["values"], common)
        try:
            check_batch_size(len(rows))
        except ActionRefused as refused:
            raise forms.ValidationError(refused.blockers, code="batch_size") from None
        self.places, self.rows = places, rows
        self.batch, problems = batch_items(rows)
        if problems:
            raise forms.ValidationError(self.describe(problems), code="invalid_batch")
        return data

    @staticmethod
    def _lines(text: str, common: dict):
        places, rows = [], []
        for number, line in enumerate(text.splitlines(), start=1):
            value = line.strip()
            if value and not value.startswith("#"):
                places.append(("line", number))
                rows.append({**common, "value": value})
        return places, rows

    def _csv_rows(self, upload, common: dict):
        try:
            text, _encoding = decode_table_text(read_text_upload(upload))
        except Undecodable as bad:
            raise forms.ValidationError(
                _("The file is neither UTF-8 nor GBK text (%(where)s); save it as CSV.")
                % {"where": bad},
                code="not_text",
            ) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = [BATCH_COLUMNS.get(h.strip(), h.strip().lower()) for h in next(reader, [])]
            table = list(reader)
        except csv.Error as error:
            raise forms.ValidationError(
                _("The file is not readable as CSV (%(error)s).") % {"error": error}, code="not_csv"
            ) from None
        if "value" not in header:
            raise forms.ValidationError(
                _("The header row has no value column (found: %(found)s).")
                % {"found": ", ".join(header) or "-"},
                code="no_value_column",
            )
        labels = {str(label): code for code, label in Category.choices}
        places, rows = [], []
        # Rows numbered as spreadsheets number them: the header is row 1.
        for number, cells in enumerate(table, start=2):
            if not any(c.strip() for c in cells):
                continue
            row = dict(common)
            for name, cell in zip(header, cells, strict=False):
                cell = cell.strip()
                if name in SubmitForm.base_fields and cell:
                    row[name] = cell
            row["category"] = labels.get(row["category"], row["category"])
            if isinstance(row["include_subdomains"], str):
                row["include_subdomains"] = row["include_subdomains"].lower() in _TRUE
            places.append(("row", number))
            rows.append(row)
        return places, rows

    def describe(self, problems) -> list[str]:
        """Each problem with the line or row the person sees and the value it is about."""
        out = []
        for index, field, message in problems:
            place, number = self.places[index]
            label = str(SubmitForm.base_fields[field].label)
            value = self.rows[index]["value"]
            said = f"{value}: {message}" if field == "value" else f"{value} · {label}: {message}"
            template = (
                gettext("line %(line)s: %(message)s")
                if place == "line"
                else gettext("row %(row)s: %(message)s")
            )
            out.append(template % {place: number, "message": said})
        return out

    def refusal(self, invalid: InvalidBatch) -> ActionRefused:
        """The action's refusal of bad rows, numbered as this form's lines or rows."""
        problems = as_form_problems(invalid.rows)
        return ActionRefused(*self.describe(problems), code="invalid_batch", status=400)
