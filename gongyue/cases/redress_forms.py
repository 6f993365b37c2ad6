"""The forms of disputes, complaints and public criticism, shared by the pages and the API."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongyue.accounts.models import SECRETARIAT_ROLES, RoleGrant, User
from gongyue.core.uploads import DOCUMENT_KINDS, UploadField
from gongyue.organisations.models import Unit

from .models import ComplaintTarget, CriticismAbout, CriticismKind

TEXT = 20_000


def secretariat_choices():
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active().filter(role__in=SECRETARIAT_ROLES).values("user"),
    ).order_by("display_name", "username")


def text_field(label, *, required=True, rows=6):
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class DisputeForm(forms.Form):
    respondent = forms.ModelChoiceField(
        label=_("The other member unit"),
        queryset=Unit.objects.order_by("name"),
        error_messages={"invalid_choice": _("Choose a unit from the list.")},
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    statement = text_field(_("What the dispute is about"), rows=8)


class DisputeMessageForm(forms.Form):
    body = text_field(_("Message"))
    document = UploadField(label=_("Document (PDF, PNG or JPEG)"), required=False)


class AgreementForm(forms.Form):
    text = text_field(_("Agreement text"), rows=8)


class EndDisputeForm(forms.Form):
    reason = text_field(_("Why the dispute ends without settlement"), rows=3)


class AssignMediatorForm(forms.Form):
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = secretariat_choices()


class RecusalForm(forms.Form):
    note = text_field(_("Why you will not mediate (optional)"), required=False, rows=2)


class ComplaintForm(forms.Form):
    target = forms.ChoiceField(label=_("The complaint is about"), choices=ComplaintTarget.choices)
    staff = forms.ModelChoiceField(
        label=_("Staff member (when the complaint is about one)"),
        queryset=User.objects.none(),
        required=False,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = text_field(_("The complaint"), rows=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = secretariat_choices()


class ComplaintAnswerForm(forms.Form):
    answer = text_field(_("The authority's answer"))


class ComplaintCloseForm(forms.Form):
    note = text_field(_("Closing note (optional)"), required=False, rows=2)


class CriticismForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CriticismKind.choices)
    about = forms.ChoiceField(label=_("About"), choices=CriticismAbout.choices)
    unit = forms.ModelChoiceField(
        label=_("Member unit (when it is about one)"),
        queryset=Unit.objects.none(),
        required=False,
    )
    text = text_field(_("Your criticism or complaint"), rows=10)
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=100, required=False)
    contact_email = forms.EmailField(
        label=_("Your e-mail, to receive the answer (optional)"), required=False
    )
    attachment = UploadField(
        label=_("Attachment (optional; PDF, PNG or JPEG)"), kinds=DOCUMENT_KINDS, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Membership is read when the form is built, not when the module was imported.
        self.fields["unit"].queryset = Unit.objects.members().order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("about") == CriticismAbout.MEMBER and not data.get("unit"):
            self.add_error("unit", _("Choose the member unit the criticism is about."))
        return data


class ReceiptForm(forms.Form):
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=2**31 - 1)
    code = forms.CharField(label=_("Receipt code"), max_length=40)


class TriageForm(forms.Form):
    note = text_field(_("Internal note (optional)"), required=False, rows=3)


class CriticismAnswerForm(forms.Form):
    answer = text_field(_("Answer"), rows=6)


class FiguresForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
