"""Pages of a case. Each finds its case through access.py and changes state only through the
actions, with the forms the API uses too."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongyue.convention.parser import article_label
from gongyue.core.access import login_required, secretariat_required
from gongyue.core.deadlines import deadline
from gongyue.core.forms import ask_to_confirm, perform
from gongyue.core.uploads import serve_upload

from . import actions, queries
from .access import (
    get_case_file_for_user,
    get_case_for_user,
    get_result_for_user,
    reads_results,
    role_in_case,
)
from .forms import (
    AssignForm,
    FindingForm,
    NoticeForm,
    OwnInitiativeForm,
    PublishForm,
    RecusalForm,
    RedactForm,
    ReplyForm,
    ReportForm,
    ReviewDecisionForm,
    ReviewRequestForm,
    SanctionForm,
    TriageForm,
    files_of,
)
from .models import Case, CaseFile, CaseStatus, FileRole, last_day

PAGE_SIZE = 50


def _posted(request, files: str | None = None):
    if request.method != "POST":
        return ()
    return (request.POST, files_of(request.FILES, files)) if files else (request.POST,)


@login_required
def case_list(request):
    """The cases the person may open: the secretariat's queue, or a unit's own."""
    cases = (
        queries.visible_cases(request.user)
        .select_related("accused")
        .order_by("-received_at", "-pk")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/case_list.html",
        {"page": page, "can_report": _can_report(request.user), "now": timezone.now()},
    )


def _can_report(user) -> bool:
    return bool(user.unit_id) and user.unit.is_member(timezone.now())


@login_required
def report(request):
    """A member reports another member unit (Art. 21)."""
    form = ReportForm(*_posted(request, "evidence"))
    status = 200
    if request.method == "POST":
        done = perform(
            form,
            lambda data: actions.do_report_case(
                actor=request.user, data=data, evidence=data["evidence"]
            ),
        )
        if done:
            case = done.result
            messages.success(
                request,
                _("Your report is received as case %(number)s.") % {"number": case.number},
            )
            return redirect("cases:case", case.pk)
        status = done.status
    return render(
        request,
        "cases/report_form.html",
        {"form": form, "own_initiative": False, "can_report": _can_report(request.user)},
        status=status,
    )


@secretariat_required
def open_case(request):
    """The secretariat investigates on its own initiative."""
    form = OwnInitiativeForm(*_posted(request, "evidence"))
    status = 200
    if request.method == "POST":
        done = perform(
            form,
            lambda data: actions.do_open_case(
                actor=request.user, data=data, evidence=data["evidence"]
            ),
        )
        if done:
            messages.success(
                request, _("Case %(number)s is opened.") % {"number": done.result.number}
            )
            return redirect("cases:case", done.result.pk)
        status = done.status
    return render(
        request,
        "cases/report_form.html",
        {"form": form, "own_initiative": True, "can_report": True},
        status=status,
    )


def _deadline_of(event, key):
    return deadline(event, queries.convention_rule(key)) if event else None


def case_context(request, case, **forms) -> dict:
    """Everything the case page shows, in a fixed number of queries whatever the history."""
    user = request.user
    role = role_in_case(user, case)
    now = timezone.now()
    files = list(CaseFile.objects.filter(case=case).select_related("uploaded_by").order_by("pk"))
    if role == "accused":
        files = [f for f in files if not f.redacted_for_accused]
    elif role == "reporter":
        files = [f for f in files if f.role != FileRole.REPLY]
    finding = getattr(case, "finding", None)
    relied = set()
    if finding is not None:
        relied = {f.pk for f in finding.evidence_relied_on.all()}
    sanction = getattr(case, "sanction", None)
    review = getattr(case, "review", None)
    secretariat = role == "secretariat"
    investigator = secretariat and (case.assigned_to_id == user.pk or user.is_secretariat_head)
    signer = role == "accused" and case.accused.signing_grant(user, timezone.localdate())
    context = {
        "case": case,
        "article_labels": [article_label(n) for n in case.articles],
        "finding_article_labels": [article_label(n) for n in finding.articles] if finding else [],
        "role": role,
        "now": now,
        "evidence": [f for f in files if f.role == FileRole.EVIDENCE],
        "reply_files": [f for f in files if f.role == FileRole.REPLY],
        "finding": finding,
        "relied": relied,
        "sanction": sanction,
        "review": review,
        # The reporter's identity: never to the accused without consent.
        "show_reporter": role in ("secretariat", "reporter")
        or (role == "accused" and case.named_to_accused),
        "secretariat": secretariat,
        "investigator": investigator,
        "history": queries.history(case) if secretariat else [],
        "triage_deadline": _deadline_of(case.received_at, "case_triage_days"),
        "reply_deadline": _deadline_of(case.notified_at, "case_reply_days"),
        "review_deadline": _deadline_of(
            sanction.decided_at if sanction else None, "case_review_days"
        ),
        "reply_last_day": last_day(case.reply_due_at),
        "find_blockers": case.blockers_to_find(now) if case.status == CaseStatus.NOTIFIED else [],
        "sanction_blockers": actions.blockers_to_sanction(case) if finding else [],
        "review_blockers": actions.blockers_to_request_review(case, now) if sanction else [],
        "reviewer_blockers": actions.reviewer_blockers(case, user)
        if secretariat and review and not review.decided_at
        else [],
        "can_reply": role == "accused" and not case.blockers_to_reply(now),
        "can_ask_review": bool(signer) and sanction is not None and not review,
    }
    if secretariat:
        context.update(
            triage_form=forms.get("triage_form") or TriageForm(),
            recusal_form=forms.get("recusal_form") or RecusalForm(),
            assign_form=forms.get("assign_form") or AssignForm(),
            review_decision_form=forms.get("review_decision_form") or ReviewDecisionForm(),
            recusals=list(case.recusals.all()),
        )
    if investigator:
        context.update(
            redact_form=forms.get("redact_form") or RedactForm(case=case),
            notice_form=forms.get("notice_form") or NoticeForm(),
            finding_form=forms.get("finding_form") or FindingForm(case=case),
            sanction_form=forms.get("sanction_form") or SanctionForm(),
            publish_form=forms.get("publish_form") or PublishForm(),
            publish_blockers=actions.blockers_to_publish(case),
        )
    if role == "accused":
        context.update(
            reply_form=forms.get("reply_form") or ReplyForm(),
            review_form=forms.get("review_form") or ReviewRequestForm(),
        )
    context["refusal"] = forms.get("refusal")
    return context


def _load(request, case_id, to="view"):
    case = get_case_for_user(request.user, case_id, to=to)
    # The page's one-to-one rows in one query.
    return (
        Case.objects.select_related(
            "accused", "reporter_unit", "reporter", "assigned_to", "finding", "sanction", "review"
        )
        .prefetch_related(
            "recusals", Prefetch("finding__evidence_relied_on", queryset=CaseFile.objects.all())
        )
        .get(pk=case.pk)
    )


@login_required
def case_page(request, case_id):
    case = _load(request, case_id)
    return render(request, "cases/case.html", case_context(request, case))


@login_required
def case_file(request, case_id, file_id):
    case, case_file = get_case_file_for_user(request.user, case_id, file_id)
    return serve_upload(case_file.file, f"{case.number}-{case_file.pk}")


def _step(
    request,
    case_id,
    *,
    to,
    form_class,
    form_name,
    act,
    done_message,
    files=None,
    confirm=None,
    form_kwargs=None,
):
    """One posted step: the same access helper, form and action as the API."""
    case = _load(request, case_id, to=to)
    kwargs = {"case": case} if form_kwargs else {}
    form = form_class(*_posted(request, files), **kwargs)
    if confirm and (page := ask_to_confirm(request, confirm, form=form)):
        return page
    done = perform(form, lambda data: act(case, data))
    if done:
        messages.success(request, done_message)
        return redirect("cases:case", case.pk)
    case = _load(request, case_id)
    # The refusal is shown above the page too: the form it came from may no longer be offered.
    refusal = [str(error) for error in form.non_field_errors()]
    return render(
        request,
        "cases/case.html",
        case_context(request, case, **{form_name: form, "refusal": refusal}),
        status=done.status,
    )


@secretariat_required
@require_POST
def triage(request, case_id):
    return _step(
        request,
        case_id,
        to="handle",
        form_class=TriageForm,
        form_name="triage_form",
        act=lambda case, data: actions.do_triage_case(case, actor=request.user, **data),
        done_message=_("The report is triaged."),
    )


@secretariat_required
@require_POST
def recuse(request, case_id):
    return _step(
        request,
        case_id,
        to="handle",
        form_class=RecusalForm,
        form_name="recusal_form",
        act=lambda case, data: actions.do_declare_conflict(case, actor=request.user, **data),
        done_message=_("Your recusal is recorded."),
    )


@secretariat_required
@require_POST
def assign(request, case_id):
    return _step(
        request,
        case_id,
        to="handle",
        form_class=AssignForm,
        form_name="assign_form",
        act=lambda case, data: actions.do_assign_case(case, actor=request.user, **data),
        done_message=_("The case is assigned."),
    )


@secretariat_required
@require_POST
def redact(request, case_id):
    return _step(
        request,
        case_id,
        to="investigate",
        form_class=RedactForm,
        form_name="redact_form",
        form_kwargs=True,
        act=lambda case, data: actions.do_redact_file(
            case, actor=request.user, case_file=data["file"], reason=data["reason"]
        ),
        done_message=_("The evidence is withheld from the reported unit."),
    )


@secretariat_required
@require_POST
def notice(request, case_id):
    return _step(
        request,
        case_id,
        to="investigate",
        form_class=NoticeForm,
        form_name="notice_form",
        confirm=_(
            "The reported unit will see the allegations, the articles and the evidence not "
            "withheld from it, and its reply period starts."
        ),
        act=lambda case, data: actions.do_notify_accused(case, actor=request.user, **data),
        done_message=_("The reported unit is notified."),
    )


@login_required
@require_POST
def reply(request, case_id):
    return _step(
        request,
        case_id,
        to="reply",
        form_class=ReplyForm,
        form_name="reply_form",
        files="files",
        act=lambda case, data: actions.do_reply_to_case(
            case, actor=request.user, statement=data["statement"], files=data["files"]
        ),
        done_message=_("Your unit's reply is recorded."),
    )


@secretariat_required
@require_POST
def finding(request, case_id):
    return _step(
        request,
        case_id,
        to="investigate",
        form_class=FindingForm,
        form_name="finding_form",
        form_kwargs=True,
        act=lambda case, data: actions.do_record_finding(case, actor=request.user, data=data),
        done_message=_("The finding is recorded."),
    )


@secretariat_required
@require_POST
def sanction(request, case_id):
    return _step(
        request,
        case_id,
        to="investigate",
        form_class=SanctionForm,
        form_name="sanction_form",
        confirm=_("The sanction takes effect at once and the unit is told."),
        act=lambda case, data: actions.do_decide_sanction(case, actor=request.user, **data),
        done_message=_("The sanction is decided."),
    )


@login_required
@require_POST
def ask_review(request, case_id):
    return _step(
        request,
        case_id,
        to="review",
        form_class=ReviewRequestForm,
        form_name="review_form",
        act=lambda case, data: actions.do_request_review(case, actor=request.user, **data),
        done_message=_("Your request for review is recorded."),
    )


@secretariat_required
@require_POST
def decide_review(request, case_id):
    return _step(
        request,
        case_id,
        to="decide_review",
        form_class=ReviewDecisionForm,
        form_name="review_decision_form",
        confirm=_("The review decision is final."),
        act=lambda case, data: actions.do_decide_review(case, actor=request.user, **data),
        done_message=_("The review is decided."),
    )


@secretariat_required
@require_POST
def publish(request, case_id):
    return _step(
        request,
        case_id,
        to="investigate",
        form_class=PublishForm,
        form_name="publish_form",
        confirm=_("Every member will be able to read the result; the reporter is not named."),
        act=lambda case, data: actions.do_publish_result(case, actor=request.user, **data),
        done_message=_("The result is published to all members."),
    )


# Published results (members only) ----------------------------------------------------------------


@login_required
def result_list(request):
    """The published results of every investigation, to people of member units."""
    if not reads_results(request.user):
        raise PermissionDenied(_("Published results are for the members."))
    cases = (
        Case.objects.published()
        .select_related("accused", "finding", "sanction", "review")
        .order_by("-published_at", "-pk")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/case_results.html", {"page": page})


@login_required
def result(request, case_id):
    case = get_result_for_user(request.user, case_id)
    return render(request, "cases/case_result.html", {"case": case})
