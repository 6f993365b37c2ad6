"""Pages of compliance campaigns: build and open (secretariat), answer (units), review, report
(page, CSV, PDF) and the members' summary."""

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongyue.convention.models import Convention
from gongyue.core.access import is_secretariat, login_required, secretariat_required
from gongyue.core.errors import ActionRefused
from gongyue.core.forms import Outcome, perform
from gongyue.core.uploads import serve_upload

from . import actions, queries
from .access import get_campaign_for_user, get_response_for_user
from .forms import AnswersForm, CampaignForm, QuestionForm, ReviewForm
from .models import ANSWERED, Answer, Campaign, Response


def _version(campaign):
    return campaign.convention.versions.in_force().first()


@login_required
def campaign_list(request):
    """The secretariat's campaigns; a unit's open campaigns and every published summary."""
    if is_secretariat(request.user):
        campaigns = Campaign.objects.all()
        responses = {}
    else:
        responses = {
            r.campaign_id: r
            for r in Response.objects.filter(
                unit=request.user.unit_id or 0, campaign__status="open"
            )
        }
        campaigns = Campaign.objects.filter(status="open").filter(
            pk__in=list(responses)
        ) | Campaign.objects.filter(summary_published_at__isnull=False)
    rows = [(c, responses.get(c.pk)) for c in campaigns.distinct().order_by("-created_at")]
    return render(request, "bulletins/campaigns.html", {"rows": rows})


@secretariat_required
def new_campaign(request):
    form = CampaignForm(request.POST if request.method == "POST" else None)
    done = Outcome()
    if request.method == "POST":
        convention = Convention.objects.current()
        if convention is None:
            raise Http404
        if done := perform(
            form,
            lambda data: actions.do_create_campaign(
                actor=request.user, convention=convention, data=data
            ),
        ):
            return redirect("bulletins:campaign", done.result.pk)
    return render(request, "bulletins/campaign_form.html", {"form": form}, status=done.status)


def _manage_page(request, campaign, *, status=200, question_form=None, refusal=None):
    version = _version(campaign)
    return render(
        request,
        "bulletins/campaign_manage.html",
        {
            "campaign": campaign,
            "questions": campaign.questions.all(),
            "question_form": question_form or QuestionForm(version=version),
            "blockers": campaign.blockers_to_open(version) if not campaign.is_open else [],
            "responses": campaign.responses.select_related("unit").order_by("unit__name"),
            "deadline": campaign.deadline(),
            "refusal": refusal,
        },
        status=status,
    )


def _answer_page(request, campaign, response, *, status=200, form=None):
    response.campaign = campaign
    answers = {a.question_id: a for a in response.answers.all()}
    questions = list(campaign.questions.all())
    if form is None:
        form = AnswersForm(
            questions=questions,
            initial={f"q{qid}": a.value for qid, a in answers.items() if not a.file},
        )
    return render(
        request,
        "bulletins/campaign_answer.html",
        {
            "campaign": campaign,
            "response": response,
            "form": form,
            "answers": answers,
            "deadline": campaign.deadline(),
            "open_for_answers": response.accepts_answers(timezone.now())
            and response.status not in ("submitted", "reviewed"),
        },
        status=status,
    )


@login_required
def campaign(request, campaign_id):
    campaign = get_campaign_for_user(request.user, campaign_id)
    if is_secretariat(request.user):
        return _manage_page(request, campaign)
    response = get_object_or_404(Response, campaign=campaign, unit=request.user.unit_id)
    return _answer_page(request, campaign, response)


@secretariat_required
@require_POST
def add_question(request, campaign_id):
    campaign = get_campaign_for_user(request.user, campaign_id, to="manage")
    form = QuestionForm(request.POST, version=_version(campaign))
    if done := perform(
        form, lambda data: actions.do_add_question(campaign, actor=request.user, data=data)
    ):
        return redirect("bulletins:campaign", campaign.pk)
    return _manage_page(request, campaign, status=done.status, question_form=form)


@secretariat_required
@require_POST
def open_campaign(request, campaign_id):
    campaign = get_campaign_for_user(request.user, campaign_id, to="manage")
    try:
        actions.do_open_campaign(campaign, actor=request.user)
    except ActionRefused as refused:
        return _manage_page(
            request, campaign, status=refused.status, refusal="; ".join(refused.blockers)
        )
    messages.success(request, _("The questionnaire is sent to the member units."))
    return redirect("bulletins:campaign", campaign.pk)


@login_required
@require_POST
def answer(request, campaign_id):
    campaign = get_campaign_for_user(request.user, campaign_id)
    response = get_object_or_404(Response, campaign=campaign, unit=request.user.unit_id or 0)
    submitting = request.POST.get("submit") == "1"
    answered = set(response.answers.values_list("question_id", flat=True))
    form = AnswersForm(
        request.POST,
        request.FILES,
        questions=list(campaign.questions.all()),
        answered=answered,
        submitting=submitting,
    )
    done = perform(
        form,
        lambda data: actions.do_save_answers(
            response, actor=request.user, answers=form.answers(), submit=submitting
        ),
    )
    if done:
        messages.success(request, _("Submitted.") if submitting else _("Draft saved."))
        return redirect("bulletins:campaign", campaign.pk)
    response.refresh_from_db()
    return _answer_page(request, campaign, response, status=done.status, form=form)


@secretariat_required
def review(request, response_id):
    response = get_response_for_user(request.user, response_id, to="review")
    form = ReviewForm(request.POST if request.method == "POST" else None)
    done = Outcome()
    if request.method == "POST":

        def decide(data):
            if data["decision"] == "more":
                return actions.do_request_more(response, actor=request.user, note=data["note"])
            return actions.do_record_finding(
                response, actor=request.user, finding=data["decision"], note=data["note"]
            )

        if done := perform(form, decide):
            messages.success(request, _("Recorded."))
            return redirect("bulletins:campaign", response.campaign_id)
    answers = {a.question_id: a for a in response.answers.all()}
    return render(
        request,
        "bulletins/campaign_review.html",
        {
            "response": response,
            "rows": [(q, answers.get(q.pk)) for q in response.campaign.questions.all()],
            "form": form,
        },
        status=done.status,
    )


@login_required
def evidence(request, response_id, answer_id):
    response = get_response_for_user(request.user, response_id)
    answer = get_object_or_404(Answer, pk=answer_id, response=response)
    if not answer.file:
        raise Http404
    return serve_upload(answer.file, answer.download_stem)


def report_rows(campaign, report):
    """Questions with their figures and answer distribution, for the page and the PDF."""
    distribution: dict = {}
    for row in report["distribution"]:
        distribution.setdefault(row["question"], []).append((row["value"], row["n"]))
    return [
        (q, report["per_question"].get(q.pk), distribution.get(q.pk, []))
        for q in campaign.questions.all()
    ]


def _report_context(campaign):
    report = queries.campaign_report(campaign)
    return {"campaign": campaign, "report": report, "rows": report_rows(campaign, report)}


@secretariat_required
def report(request, campaign_id, fmt="html"):
    campaign = get_campaign_for_user(request.user, campaign_id, to="manage")
    if fmt == "csv":
        return _report_csv(campaign)
    context = _report_context(campaign)
    if fmt == "pdf":
        import weasyprint

        with translation.override("zh-hans"):
            html = render_to_string("bulletins/campaign_report_pdf.html", context)
        response = HttpResponse(
            weasyprint.HTML(string=html).write_pdf(), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.pdf"'
        return response
    context["evidence"] = queries.campaign_evidence(campaign)
    return render(request, "bulletins/campaign_report.html", context)


CSV_COLUMNS = [
    "unit",
    "uscc",
    "status",
    "finding",
    "question",
    "article",
    "answer_type",
    "answer",
    "compliant",
    "evidence_name",
    "evidence_kind",
    "evidence_size",
    "evidence_sha256",
]


def _report_csv(campaign) -> HttpResponse:
    """One row per answer of every unit that submitted: what the report's figures count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    answers = (
        Answer.objects.filter(response__campaign=campaign, response__status__in=ANSWERED)
        .select_related("response__unit", "question")
        .order_by("response__unit__name", "question__position")
    )
    for a in answers:
        writer.writerow(
            [
                a.response.unit.name,
                a.response.unit.uscc or "",
                a.response.status,
                a.response.finding,
                a.question.position,
                a.question.article_number,
                a.question.answer_type,
                a.value,
                {True: "yes", False: "no", None: ""}[a.compliant],
                *(
                    [a.file_name or a.value, a.file_kind, a.file_size or "", a.sha256]
                    if a.file
                    else ["", "", "", ""]
                ),
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.csv"'
    return response


@secretariat_required
@require_POST
def publish_summary(request, campaign_id):
    campaign = get_campaign_for_user(request.user, campaign_id, to="manage")
    try:
        actions.do_publish_campaign_summary(campaign, actor=request.user)
        messages.success(request, _("The summary is published to members."))
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
    return redirect("bulletins:campaign_report", campaign.pk)


@login_required
def summary(request, campaign_id):
    """The figures members may read once published: shares and distributions, no unit names."""
    campaign = get_campaign_for_user(request.user, campaign_id, to="summary")
    if campaign.summary_published_at is None:
        raise Http404
    return render(request, "bulletins/campaign_summary.html", _report_context(campaign))
