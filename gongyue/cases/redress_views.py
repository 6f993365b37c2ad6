"""Pages of disputes (Art. 20), complaints to the authority (Art. 23) and public criticism
(Art. 17). Each view finds its object through redress_access, validates with redress_forms and
changes state only through the actions, as the API does."""

import csv
import io

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongyue.core.access import is_secretariat, login_required, secretariat_required
from gongyue.core.forms import Outcome, ask_to_confirm, perform
from gongyue.core.ratelimit import hit
from gongyue.core.receipts import check_receipt
from gongyue.core.uploads import serve_upload

from . import actions
from .models import Complaint, Criticism, Dispute, DisputeMessage, DisputeStatus
from .redress_access import (
    get_agreement_for_user,
    get_complaint_for_user,
    get_criticism_for_user,
    get_dispute_for_user,
    reads_complaints_as_authority,
    require_complaint_list,
)
from .redress_forms import (
    AgreementForm,
    AssignMediatorForm,
    ComplaintAnswerForm,
    ComplaintCloseForm,
    ComplaintForm,
    CriticismAnswerForm,
    CriticismForm,
    DisputeForm,
    DisputeMessageForm,
    EndDisputeForm,
    FiguresForm,
    ReceiptForm,
    RecusalForm,
    TriageForm,
)

PAGE_SIZE = 50


def _posted(request):
    return (request.POST, request.FILES) if request.method == "POST" else (None,)


# Disputes ----------------------------------------------------------------------------------------


@login_required
def dispute_list(request):
    """Your unit's disputes and those you mediate."""
    user = request.user
    rows = Dispute.objects.filter(
        Q(claimant_id=user.unit_id) | Q(respondent_id=user.unit_id) | Q(mediator=user)
        if user.unit_id
        else Q(mediator=user)
    ).select_related("claimant", "respondent")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/dispute_list.html",
        {"page": page, "secretariat": is_secretariat(user)},
    )


@login_required
def dispute_new(request):
    form = DisputeForm(*_posted(request))
    done = Outcome()
    if request.method == "POST":
        if done := perform(form, lambda data: actions.do_open_dispute(actor=request.user, **data)):
            return redirect("cases:dispute", done.result.pk)
    return render(request, "cases/dispute_form.html", {"form": form}, status=done.status)


def _dispute_page(request, dispute, *, status=200, refusal=(), **forms):
    user = request.user
    messages = dispute.messages.select_related("author", "unit")
    agreements = list(dispute.agreements.select_related("proposed_by"))
    current = next((a for a in agreements if a.is_current), None)
    signer = actions.disputes.is_party(user, dispute) and actions.disputes.is_signer_for(
        user, user.unit_id
    )
    context = {
        "dispute": dispute,
        "refusal": refusal,
        "dispute_messages": messages,
        "agreements": agreements,
        "current": current,
        "is_party": actions.disputes.is_party(user, dispute),
        "is_mediator": dispute.mediator_id == user.pk,
        "can_accept": bool(
            signer and current and dispute.is_open and not current.accepted_by_unit(user.unit_id)
        ),
        "assignment_deadline": dispute.assignment_deadline(),
        "mediation_deadline": dispute.mediation_deadline(),
        "message_form": forms.get("message_form") or DisputeMessageForm(),
        "agreement_form": forms.get("agreement_form") or AgreementForm(),
        "end_form": forms.get("end_form") or EndDisputeForm(),
    }
    return render(request, "cases/dispute_detail.html", context, status=status)


@login_required
def dispute_detail(request, dispute_id):
    return _dispute_page(request, get_dispute_for_user(request.user, dispute_id))


@login_required
@require_POST
def dispute_message(request, dispute_id):
    dispute = get_dispute_for_user(request.user, dispute_id, to="write")
    form = DisputeMessageForm(request.POST, request.FILES)
    if done := perform(
        form,
        lambda data: actions.do_add_dispute_message(
            dispute, actor=request.user, body=data["body"], document=data.get("document")
        ),
    ):
        return redirect("cases:dispute", dispute.pk)
    return _dispute_page(request, dispute, status=done.status, message_form=form)


@login_required
def dispute_document(request, dispute_id, message_id):
    dispute = get_dispute_for_user(request.user, dispute_id)
    message = get_object_or_404(DisputeMessage, pk=message_id, dispute=dispute)
    return serve_upload(message.document, f"dispute-{dispute.pk}-{message.pk}")


@login_required
@require_POST
def dispute_mediation(request, dispute_id):
    dispute = get_dispute_for_user(request.user, dispute_id, to="write")
    form = RecusalForm(request.POST)  # its only field is optional: it carries the refusal
    if done := perform(
        form, lambda data: actions.do_request_mediation(dispute, actor=request.user)
    ):
        return redirect("cases:dispute", dispute.pk)
    return _dispute_page(request, dispute, status=done.status, refusal=form.non_field_errors())


@login_required
@require_POST
def dispute_agreement(request, dispute_id):
    dispute = get_dispute_for_user(request.user, dispute_id, to="write")
    form = AgreementForm(request.POST)
    if done := perform(
        form,
        lambda data: actions.do_propose_agreement(dispute, actor=request.user, text=data["text"]),
    ):
        return redirect("cases:dispute", dispute.pk)
    return _dispute_page(request, dispute, status=done.status, agreement_form=form)


@login_required
@require_POST
def dispute_accept(request, dispute_id, agreement_id):
    agreement = get_agreement_for_user(request.user, dispute_id, agreement_id, to="accept")
    if page := ask_to_confirm(
        request,
        _(
            "Your unit accepts this settlement text. Once both parties have accepted it, the "
            "dispute is settled and cannot be reopened."
        ),
        button=_("Accept for my unit"),
    ):
        return page
    form = RecusalForm(request.POST)
    if done := perform(
        form, lambda data: actions.do_accept_agreement(agreement, actor=request.user)
    ):
        return redirect("cases:dispute", dispute_id)
    return _dispute_page(
        request, agreement.dispute, status=done.status, refusal=form.non_field_errors()
    )


@login_required
@require_POST
def dispute_end(request, dispute_id):
    dispute = get_dispute_for_user(request.user, dispute_id, to="write")
    form = EndDisputeForm(request.POST)
    if page := ask_to_confirm(
        request,
        _("The dispute ends without settlement; this cannot be undone."),
        form=form,
        button=_("End without settlement"),
    ):
        return page
    if done := perform(
        form,
        lambda data: actions.do_end_dispute_unsettled(
            dispute, actor=request.user, reason=data["reason"]
        ),
    ):
        return redirect("cases:dispute", dispute.pk)
    return _dispute_page(request, dispute, status=done.status, end_form=form)


def _queue_page(request, *, status=200, form=None, failed=None):
    rows = (
        Dispute.objects.filter(status=DisputeStatus.MEDIATION_REQUESTED)
        .select_related("claimant", "respondent")
        .prefetch_related("recusals__person")
        .order_by("mediation_requested_at")
    )
    items = [
        {
            "dispute": d,
            "deadline": d.assignment_deadline(),
            "recused": [r.person for r in d.recusals.all()],
            "form": form if failed == d.pk else AssignMediatorForm(),
        }
        for d in rows
    ]
    return render(
        request,
        "cases/dispute_queue.html",
        {"items": items, "recusal_form": RecusalForm()},
        status=status,
    )


@secretariat_required
def dispute_queue(request):
    """Disputes waiting for a mediator: the parties and dates only, never the file."""
    return _queue_page(request)


@secretariat_required
@require_POST
def dispute_assign(request, dispute_id):
    dispute = get_dispute_for_user(request.user, dispute_id, to="assign")
    form = AssignMediatorForm(request.POST)
    if done := perform(
        form,
        lambda data: actions.do_assign_mediator(
            dispute, actor=request.user, mediator=data["mediator"]
        ),
    ):
        return redirect("cases:dispute_queue")
    return _queue_page(request, status=done.status, form=form, failed=dispute.pk)


@secretariat_required
@require_POST
def dispute_recuse(request, dispute_id):
    dispute = get_dispute_for_user(request.user, dispute_id, to="assign")
    form = RecusalForm(request.POST)
    if done := perform(
        form,
        lambda data: actions.do_declare_dispute_conflict(
            dispute, actor=request.user, note=data["note"]
        ),
    ):
        return redirect("cases:dispute_queue")
    return _queue_page(request, status=done.status)


# Complaints to the authority -----------------------------------------------------------------------


@login_required
def complaint_list(request):
    """The authority's complaints, or your unit's; never shown to the secretariat."""
    require_complaint_list(request.user)
    user = request.user
    if reads_complaints_as_authority(user):
        rows = Complaint.objects.all()
    elif user.unit_id:
        rows = Complaint.objects.filter(unit_id=user.unit_id)
    else:
        rows = Complaint.objects.none()
    page = Paginator(rows.select_related("unit"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/complaint_list.html",
        {"page": page, "authority": reads_complaints_as_authority(user)},
    )


@login_required
def complaint_new(request):
    require_complaint_list(request.user)
    form = ComplaintForm(*_posted(request))
    done = Outcome()
    if request.method == "POST":
        if done := perform(
            form, lambda data: actions.do_file_complaint(actor=request.user, **data)
        ):
            return redirect("cases:complaint", done.result.pk)
    return render(request, "cases/complaint_form.html", {"form": form}, status=done.status)


def _complaint_page(request, complaint, *, status=200, answer_form=None, close_form=None):
    return render(
        request,
        "cases/complaint_detail.html",
        {
            "complaint": complaint,
            "deadline": complaint.answer_deadline(),
            "authority": reads_complaints_as_authority(request.user),
            "answer_form": answer_form or ComplaintAnswerForm(),
            "close_form": close_form or ComplaintCloseForm(),
        },
        status=status,
    )


@login_required
def complaint_detail(request, complaint_id):
    return _complaint_page(request, get_complaint_for_user(request.user, complaint_id))


@login_required
@require_POST
def complaint_answer(request, complaint_id):
    complaint = get_complaint_for_user(request.user, complaint_id, to="handle")
    form = ComplaintAnswerForm(request.POST)
    if done := perform(
        form,
        lambda data: actions.do_answer_complaint(
            complaint, actor=request.user, answer=data["answer"]
        ),
    ):
        return redirect("cases:complaint", complaint.pk)
    return _complaint_page(request, complaint, status=done.status, answer_form=form)


@login_required
@require_POST
def complaint_close(request, complaint_id):
    complaint = get_complaint_for_user(request.user, complaint_id, to="handle")
    form = ComplaintCloseForm(request.POST)
    if page := ask_to_confirm(
        request, _("The complaint is closed; this cannot be undone."), form=form
    ):
        return page
    if done := perform(
        form,
        lambda data: actions.do_close_complaint(complaint, actor=request.user, note=data["note"]),
    ):
        return redirect("cases:complaint", complaint.pk)
    return _complaint_page(request, complaint, status=done.status, close_form=form)


# Public criticism --------------------------------------------------------------------------------


def _too_many(request, template, context):
    context["too_many"] = True
    response = render(request, template, context, status=429)
    response["Retry-After"] = "3600"
    return response


def criticism_new(request):
    """Anyone sends criticism; the page answers with the receipt code, shown once."""
    form = CriticismForm(*_posted(request))
    done = Outcome()
    if request.method == "POST":
        if not hit("criticism", request):
            return _too_many(request, "cases/criticism_form.html", {"form": CriticismForm()})
        if done := perform(form, lambda data: actions.do_receive_criticism(data=data)):
            criticism, code = done.result
            return render(
                request,
                "cases/criticism_receipt.html",
                {"criticism": criticism, "code": code, "deadline": criticism.answer_deadline()},
                status=201,
            )
    return render(request, "cases/criticism_form.html", {"form": form}, status=done.status)


def find_by_receipt(number: int, code: str) -> Criticism | None:
    """The criticism with this number and code, or None; the same work either way."""
    found = Criticism.objects.filter(pk=number).first()
    if not check_receipt(code, found.receipt_digest if found else None):
        return None
    return found


def criticism_status(request):
    """The sender follows their criticism with its number and receipt code (posted, so the
    code never lands in a URL or a log); rate limited per address, wrong or unknown alike."""
    form = ReceiptForm(request.POST or None)
    found, status = None, 200
    if request.method == "POST":
        if not hit("criticism-receipt", request):
            return _too_many(request, "cases/criticism_status.html", {"form": ReceiptForm()})
        if not form.is_valid():
            status = 400
        elif (
            found := find_by_receipt(form.cleaned_data["number"], form.cleaned_data["code"])
        ) is None:
            form.add_error(None, _("No criticism has this number and receipt code."))
            status = 404
    return render(
        request,
        "cases/criticism_status.html",
        {"form": form, "criticism": found, "deadline": found.answer_deadline() if found else None},
        status=status,
    )


def criticism_figures(request, fmt="html"):
    """Yearly figures, public: received, answered, median days to answer."""
    form = FiguresForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or timezone.now().year
    figures = Criticism.objects.figures(year)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["year", "received", "answered", "median_days_to_answer"])
        writer.writerow(
            [year, figures["received"], figures["answered"], figures["median_days"] or ""]
        )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="criticism-{year}.csv"'
        return response
    return render(request, "cases/criticism_figures.html", {"figures": figures, "year": year})


@secretariat_required
def criticism_manage(request):
    rows = Criticism.objects.select_related("unit").order_by("status", "received_at")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/criticism_manage.html", {"page": page})


def _criticism_page(request, criticism, *, status=200, triage_form=None, answer_form=None):
    return render(
        request,
        "cases/criticism_detail.html",
        {
            "criticism": criticism,
            "deadline": criticism.answer_deadline(),
            "triage_form": triage_form or TriageForm(),
            "answer_form": answer_form or CriticismAnswerForm(),
        },
        status=status,
    )


@secretariat_required
def criticism_detail(request, criticism_id):
    return _criticism_page(request, get_criticism_for_user(request.user, criticism_id))


@secretariat_required
def criticism_attachment(request, criticism_id):
    criticism = get_criticism_for_user(request.user, criticism_id)
    return serve_upload(criticism.attachment, f"criticism-{criticism.pk}")


@secretariat_required
@require_POST
def criticism_triage(request, criticism_id):
    criticism = get_criticism_for_user(request.user, criticism_id)
    form = TriageForm(request.POST)
    if done := perform(
        form,
        lambda data: actions.do_triage_criticism(criticism, actor=request.user, note=data["note"]),
    ):
        return redirect("cases:criticism_detail", criticism.pk)
    return _criticism_page(request, criticism, status=done.status, triage_form=form)


@secretariat_required
@require_POST
def criticism_answer(request, criticism_id):
    criticism = get_criticism_for_user(request.user, criticism_id)
    form = CriticismAnswerForm(request.POST)
    if done := perform(
        form,
        lambda data: actions.do_answer_criticism(
            criticism, actor=request.user, answer=data["answer"]
        ),
    ):
        return redirect("cases:criticism_detail", criticism.pk)
    return _criticism_page(request, criticism, status=done.status, answer_form=form)
