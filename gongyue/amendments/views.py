"""Pages of amendments: proposals with their diff, sponsorship, ballots, votes and records."""

import json
from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongyue.convention.diff import diff_structures
from gongyue.convention.models import ArticleIdentity, Convention
from gongyue.core.access import is_secretariat, login_required
from gongyue.core.deadlines import start_of_day
from gongyue.core.errors import ActionRefused
from gongyue.core.forms import perform

from . import actions, queries
from .access import (
    can_propose,
    can_see_votes,
    get_annex_for_user,
    get_ballot_for_user,
    get_convention_for_amendment,
    get_interpretation,
    get_proposal_for_user,
    require_interpreter,
    superseded_interpretation,
)
from .forms import (
    AnnexProposalForm,
    AnnexSignForm,
    AnnexWithdrawForm,
    AsAtForm,
    EditFormSet,
    EditsProposalForm,
    InterpretationForm,
    OpenBallotForm,
    ProposalForm,
    VoteForm,
    edits_from,
)
from .models import (
    Annex,
    AnnexSignature,
    Ballot,
    Interpretation,
    Proposal,
    ProposalStatus,
    Vote,
)


def index(request):
    proposals = (
        Proposal.objects.visible_to(request.user)
        .select_related("proposer_unit", "ballot")
        .order_by("-created_at", "-pk")[:200]
    )
    return render(
        request,
        "amendments/index.html",
        {"proposals": proposals, "can_propose": can_propose(request.user)},
    )


@login_required
def propose(request):
    convention = get_convention_for_amendment(request.user)
    if not can_propose(request.user):
        raise Http404
    form = ProposalForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        unit = None if is_secretariat(request.user) else request.user.unit
        done = perform(
            form,
            lambda data: actions.do_create_proposal(
                convention,
                actor=request.user,
                unit=unit,
                title=data["title"],
                reasons=data["reasons"],
                text=data["file"].read(),
                source_name=data["file"].name,
            ),
        )
        if done:
            messages.success(
                request, _("The proposal is saved as a draft; read it, then submit it.")
            )
            return redirect("amendments:proposal", done.result.pk)
        status = done.status
    return render(request, "amendments/propose.html", {"form": form}, status=status)


@login_required
def propose_edits(request):
    """Propose changes to chosen articles; the page shows the consolidated text's diff once
    saved as a draft, before anyone supports it."""
    convention = get_convention_for_amendment(request.user)
    if not can_propose(request.user):
        raise Http404
    form = EditsProposalForm(request.POST or None)
    formset = EditFormSet(request.POST or None, prefix="edits")
    status = 200
    if request.method == "POST":
        status = 400
        if formset.is_valid():
            unit = None if is_secretariat(request.user) else request.user.unit
            done = perform(
                form,
                lambda data: actions.do_create_proposal(
                    convention,
                    actor=request.user,
                    unit=unit,
                    title=data["title"],
                    reasons=data["reasons"],
                    edits=edits_from(formset),
                ),
            )
            if done:
                messages.success(
                    request, _("The proposal is saved as a draft; read it, then submit it.")
                )
                return redirect("amendments:proposal", done.result.pk)
            status = done.status
    articles = convention.versions.in_force().first().structure["articles"]
    return render(
        request,
        "amendments/propose_edits.html",
        {"form": form, "formset": formset, "articles": articles},
        status=status,
    )


def _proposal_page(request, proposal, *, status=200, **extra):
    now = timezone.now()
    user = request.user
    sponsorships = list(
        proposal.sponsorships.standing().select_related("unit").order_by("sponsored_at", "pk")
    )
    counting = set(queries.counting_sponsors(proposal, now).values_list("unit_id", flat=True))
    ballot = Ballot.objects.filter(proposal=proposal).first()
    context = {
        "proposal": proposal,
        "diff": diff_structures(*proposal.structures()),
        "sponsorships": sponsorships,
        "counting": counting,
        "ballot": ballot,
        "may_edit": proposal.status == ProposalStatus.DRAFT
        and (
            (
                proposal.proposer_unit_id
                and user.is_authenticated
                and user.unit_id == proposal.proposer_unit_id
            )
            or (proposal.by_secretariat and is_secretariat(user))
        ),
        "sponsor_blockers": actions.blockers_to_sponsor(proposal, getattr(user, "unit", None), now)
        if user.is_authenticated and user.unit_id and proposal.status == ProposalStatus.SPONSORING
        else None,
        "sponsors_mine": user.is_authenticated
        and any(s.unit_id == user.unit_id for s in sponsorships),
        "open_blockers": actions.blockers_to_open(proposal) if is_secretariat(user) else None,
        "may_publish": is_secretariat(user) and not actions.blockers_to_publish(proposal),
        "open_form": extra.pop("open_form", None) or OpenBallotForm(),
        **extra,
    }
    return render(request, "amendments/proposal.html", context, status=status)


def proposal(request, proposal_id):
    return _proposal_page(request, get_proposal_for_user(request.user, proposal_id))


def _proposal_step(to: str, action, done_message):
    """A page that runs one form-less action on a proposal (submit, sponsor, …) for the person
    the access helper lets through, and shows a refusal above the proposal."""

    @login_required
    @require_POST
    def view(request, proposal_id):
        proposal = get_proposal_for_user(request.user, proposal_id, to=to)
        return _run(request, proposal, lambda: action(proposal, actor=request.user), done_message)

    return view


submit = _proposal_step(
    "edit", actions.do_submit_proposal, gettext_lazy("The proposal is submitted.")
)
sponsor = _proposal_step(
    "sponsor", actions.do_sponsor_proposal, gettext_lazy("Your unit now sponsors this proposal.")
)
unsponsor = _proposal_step(
    "sponsor",
    actions.do_withdraw_sponsorship,
    gettext_lazy("Your unit's sponsorship is withdrawn."),
)
publish = _proposal_step(
    "publish",
    actions.do_publish_amendment,
    gettext_lazy("The amendment is published: its text is in force from today."),
)


@login_required
@require_POST
def open_ballot(request, proposal_id):
    proposal = get_proposal_for_user(request.user, proposal_id, to="open")
    form = OpenBallotForm(request.POST)
    done = perform(
        form, lambda data: actions.do_open_ballot(proposal, actor=request.user, days=data["days"])
    )
    if done:
        messages.success(request, _("The ballot is open."))
        return redirect("amendments:ballot", done.result.pk)
    return _proposal_page(request, proposal, status=done.status, open_form=form)


def _run(request, proposal, action, done_message):
    """Run a form-less action; a refusal is shown above the proposal, nothing changed."""
    try:
        with transaction.atomic():
            action()
    except ActionRefused as refused:
        return _proposal_page(request, proposal, status=refused.status, refusal=refused.blockers)
    messages.success(request, done_message)
    return redirect("amendments:proposal", proposal.pk)


def article_history(request, identity_id):
    identity = get_object_or_404(ArticleIdentity, pk=identity_id)
    history = queries.article_history(identity)
    if not history:
        raise Http404
    return render(request, "amendments/article_history.html", {"history": history})


def as_at(request):
    """The text in force on a date: redirects to that version's reader."""
    convention = Convention.objects.current()
    form = AsAtForm(request.GET or None)
    version = None
    if convention and form.is_valid():
        moment = start_of_day(form.cleaned_data["date"] + timedelta(days=1)) - timedelta(
            microseconds=1
        )
        version = queries.version_as_at(convention, moment)
        if version is not None:
            return redirect("convention:version", version.number)
    status = 404 if form.is_bound and form.is_valid() else (400 if form.is_bound else 200)
    return render(request, "amendments/as_at.html", {"form": form}, status=status)


def _ballot_page(request, ballot, *, status=200, form=None):
    user = request.user
    mine = None
    if user.is_authenticated and user.unit_id:
        mine = Vote.objects.filter(ballot=ballot, unit_id=user.unit_id).first()
    in_electorate = bool(
        user.is_authenticated
        and user.unit_id
        and ballot.electors.filter(unit_id=user.unit_id).exists()
    )
    show_votes = can_see_votes(user, ballot)
    counts = ballot.counts if not ballot.is_open else queries.ballot_counts(ballot)
    context = {
        "ballot": ballot,
        "proposal": ballot.proposal,
        "mine": mine,
        "in_electorate": in_electorate,
        "form": form or VoteForm(initial={"choice": mine.choice if mine else None}),
        "counts": counts if show_votes else None,
        "votes": (
            Vote.objects.filter(ballot=ballot)
            .select_related("unit")
            .order_by("unit__name", "unit_id")
            if show_votes
            else None
        ),
        "electors": ballot.electors.order_by("name", "unit_id"),
        "may_close": ballot.is_open and is_secretariat(user) and ballot.closes_at <= timezone.now(),
    }
    return render(request, "amendments/ballot.html", context, status=status)


def ballot(request, ballot_id):
    return _ballot_page(request, get_ballot_for_user(request.user, ballot_id))


@login_required
@require_POST
def close(request, ballot_id):
    ballot = get_ballot_for_user(request.user, ballot_id, to="close")
    try:
        actions.do_close_ballot(ballot)
    except ActionRefused as refused:
        for blocker in refused.blockers:
            messages.error(request, blocker)
        return _ballot_page(request, ballot, status=refused.status)
    messages.success(request, _("The ballot is closed."))
    return redirect("amendments:ballot", ballot.pk)


@login_required
@require_POST
def vote(request, ballot_id):
    ballot = get_ballot_for_user(request.user, ballot_id, to="vote")
    form = VoteForm(request.POST)
    done = perform(
        form, lambda data: actions.do_cast_vote(ballot, actor=request.user, choice=data["choice"])
    )
    if done:
        messages.success(
            request,
            _(
                "Your unit's vote is recorded. Its receipt is %(receipt)s; keep it to find the vote later."
            )
            % {"receipt": done.result.receipt},
        )
        return redirect("amendments:ballot", ballot.pk)
    return _ballot_page(request, ballot, status=done.status, form=form)


def _json_download(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def ballot_record(request, ballot_id):
    ballot = get_ballot_for_user(request.user, ballot_id)
    if ballot.is_open:
        raise Http404
    data = json.dumps(queries.ballot_record_data(ballot), ensure_ascii=False, indent=1)
    return _json_download(data.encode(), f"ballot-{ballot.pk}.json")


def electorate(request, ballot_id):
    ballot = get_ballot_for_user(request.user, ballot_id)
    return _json_download(
        queries.electorate_list_bytes(ballot), f"ballot-{ballot.pk}-electorate.json"
    )


def receipt(request):
    """Look a vote up by its receipt: the ballot, and — where the person may see it — the unit
    and the choice it records (public once the ballot closed; before, the unit's own)."""
    code = request.GET.get("code", "").strip().lower()
    found = None
    if code:
        found = (
            Vote.objects.filter(receipt=code)
            .select_related("ballot", "ballot__proposal", "unit")
            .first()
        )
    show = found is not None and (
        can_see_votes(request.user, found.ballot)
        or (request.user.is_authenticated and request.user.unit_id == found.unit_id)
    )
    return render(
        request,
        "amendments/receipt.html",
        {"code": code, "found": found, "show": show},
        status=404 if code and found is None else 200,
    )


# Annexes (Art. 28) --------------------------------------------------------------------------------


def annexes(request):
    published = Annex.objects.published().filter(convention=Convention.objects.current())
    return render(request, "amendments/annexes.html", {"annexes": published})


@login_required
def propose_annex(request):
    convention = get_convention_for_amendment(request.user)
    form = AnnexProposalForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        done = perform(
            form,
            lambda data: actions.do_create_annex_proposal(
                convention,
                actor=request.user,
                unit=request.user.unit,
                title=data["title"],
                sub_industry=data["sub_industry"],
                reasons=data["reasons"],
                text=data["file"].read(),
            ),
        )
        if done:
            messages.success(
                request, _("The proposal is saved as a draft; read it, then submit it.")
            )
            return redirect("amendments:proposal", done.result.pk)
        status = done.status
    return render(request, "amendments/propose_annex.html", {"form": form}, status=status)


def _annex_page(request, annex, *, status=200, refusal=None):
    user = request.user
    current = annex.version_in_force
    signatures = (
        AnnexSignature.objects.standing()
        .filter(annex=annex)
        .select_related("unit", "version")
        .order_by("unit__name", "pk")
    )
    mine = None
    if user.is_authenticated and user.unit_id:
        mine = next((s for s in signatures if s.unit_id == user.unit_id), None)
    context = {
        "annex": annex,
        "current": current,
        "versions": annex.versions.exclude(status="draft").order_by("-number"),
        "signatures": signatures,
        "mine": mine,
        "can_sign": bool(user.is_authenticated and user.unit_id),
        "sign_form": AnnexSignForm(initial={"sha256": current.sha256 if current else ""}),
        "withdraw_form": AnnexWithdrawForm(),
        "refusal": refusal,
    }
    return render(request, "amendments/annex.html", context, status=status)


def annex(request, annex_id):
    return _annex_page(request, get_annex_for_user(request.user, annex_id))


@login_required
@require_POST
def sign_annex(request, annex_id):
    annex = get_annex_for_user(request.user, annex_id, to="sign")
    form = AnnexSignForm(request.POST)
    done = perform(
        form, lambda data: actions.do_sign_annex(annex, actor=request.user, sha256=data["sha256"])
    )
    if done:
        messages.success(request, _("Your unit has signed the annex."))
        return redirect("amendments:annex", annex.pk)
    errors = [e for errors in form.errors.values() for e in errors]
    return _annex_page(request, annex, status=done.status, refusal=errors)


@login_required
@require_POST
def withdraw_from_annex(request, annex_id):
    annex = get_annex_for_user(request.user, annex_id, to="sign")
    form = AnnexWithdrawForm(request.POST)
    done = perform(
        form,
        lambda data: actions.do_withdraw_from_annex(
            annex, actor=request.user, reason=data["reason"]
        ),
    )
    if done:
        messages.success(request, _("Your unit has withdrawn from the annex."))
        return redirect("amendments:annex", annex.pk)
    errors = [e for errors in form.errors.values() for e in errors]
    return _annex_page(request, annex, status=done.status, refusal=errors)


# Interpretations (Art. 29) ------------------------------------------------------------------------


def interpretations(request):
    convention = Convention.objects.current()
    found = (
        Interpretation.objects.filter(convention=convention)
        .select_related("supersedes", "superseded_by")
        .prefetch_related("articles__appearances")
        .order_by("-number")
    )
    return render(
        request,
        "amendments/interpretations.html",
        {"interpretations": found, "can_interpret": is_secretariat(request.user)},
    )


def interpretation(request, interpretation_id):
    found = get_interpretation(interpretation_id)
    in_force = found.convention.versions.in_force().first()
    articles = (
        in_force.articles.filter(identity__in=found.articles.all()).order_by("number")
        if in_force
        else []
    )
    return render(
        request,
        "amendments/interpretation.html",
        {"interpretation": found, "articles": articles, "in_force": in_force},
    )


@login_required
def publish_interpretation(request):
    require_interpreter(request.user)
    convention = get_convention_for_amendment(request.user)
    form = InterpretationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        done = perform(
            form,
            lambda data: actions.do_publish_interpretation(
                convention,
                actor=request.user,
                title=data["title"],
                text=data["text"],
                article_numbers=data["articles"],
                issued_on=data["issued_on"],
                supersedes=superseded_interpretation(convention, data["supersedes"]),
            ),
        )
        if done:
            messages.success(request, _("The interpretation is published."))
            return redirect("amendments:interpretation", done.result.pk)
        status = done.status
    return render(request, "amendments/interpretation_form.html", {"form": form}, status=status)
