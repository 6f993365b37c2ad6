from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Choice


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reasons = forms.CharField(
        label=_("Statement of reasons"), widget=forms.Textarea, max_length=20_000
    )
    file = forms.FileField(
        label=_("The whole text as amended (UTF-8 plain text, as an imported version)")
    )


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your unit's vote"), choices=Choice.choices, widget=forms.RadioSelect
    )


class OpenBallotForm(forms.Form):
    days = forms.IntegerField(
        label=_("Days the ballot stays open"), min_value=1, max_value=365, required=False
    )


class EditsProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reasons = forms.CharField(
        label=_("Statement of reasons"), widget=forms.Textarea, max_length=20_000
    )


class EditForm(forms.Form):
    operation = forms.ChoiceField(
        label=_("Edit"),
        choices=[
            ("", "—"),
            ("change", _("change article")),
            ("insert_after", _("insert a new article after")),
            ("delete", _("delete article")),
        ],
        required=False,
    )
    article = forms.IntegerField(
        label=_("Article number (in the version in force; 0: before the first)"),
        min_value=0,
        max_value=999,
        required=False,
    )
    text = forms.CharField(
        label=_("New text (one line a paragraph, items as （一）…)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20_000,
    )

    def clean(self):
        data = super().clean()
        if data.get("operation") and data.get("article") is None:
            self.add_error("article", _("Name the article."))
        if data.get("operation") in ("change", "insert_after") and not data.get("text", "").strip():
            self.add_error("text", _("An inserted or changed article needs its text."))
        return data


EditFormSet = forms.formset_factory(EditForm, extra=3, max_num=50, absolute_max=50)


def edits_from(formset):
    from .consolidate import Edit

    return [
        Edit(row["operation"], row["article"], row.get("text", ""))
        for row in formset.cleaned_data
        if row.get("operation")
    ]


class AsAtForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class AnnexProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    sub_industry = forms.CharField(label=_("Sub-industry it covers"), max_length=200)
    reasons = forms.CharField(
        label=_("Statement of reasons"), widget=forms.Textarea, max_length=20_000
    )
    file = forms.FileField(
        label=_("The agreement's text (UTF-8 plain text, in the same form as the convention)")
    )


class AnnexSignForm(forms.Form):
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


class AnnexWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class InterpretationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    articles = forms.CharField(
        label=_("Articles it interprets (numbers in the version in force, e.g. 9, 12)"),
        max_length=200,
    )
    text = forms.CharField(label=_("Text"), widget=forms.Textarea, max_length=50_000)
    issued_on = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    supersedes = forms.IntegerField(
        label=_("Supersedes interpretation number (optional)"), min_value=1, required=False
    )

    def clean_articles(self):
        raw = self.cleaned_data["articles"].replace("，", ",").replace("、", ",")
        try:
            numbers = sorted({int(part) for part in raw.split(",") if part.strip()})
        except ValueError:
            raise forms.ValidationError(_("Give article numbers separated by commas.")) from None
        if not numbers or any(n < 1 or n > 999 for n in numbers):
            raise forms.ValidationError(_("Give article numbers separated by commas."))
        return numbers
