"""Amendments API under /api/v1/amendments/: the pages' access helpers, forms and actions."""

import json
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from gongyue.api.auth import public
from gongyue.api.errors import ApiError, Error, cleaned
from gongyue.core.access import is_secretariat

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
    EditFormSet,
    EditsProposalForm,
    InterpretationForm,
    OpenBallotForm,
    ProposalForm,
    VoteForm,
    edits_from,
)
from .models import Annex, AnnexSignature, Ballot, Interpretation, Proposal, Vote

router = Router(tags=["amendments"])


class AmendmentProposalOut(Schema):
    id: int
    title: str
    reasons: str
    kind: str
    status: str
    proposer_unit_id: int | None
    base_version: int
    version: int | None
    annex_id: int | None
    proposed_sha256: str
    submitted_at: datetime | None
    members_at_submission: int | None
    sponsors_needed: int | None
    sponsors: int
    sponsorship_closes_at: datetime | None
    ballot_id: int | None


class BallotOut(Schema):
    id: int
    proposal_id: int
    subject: str
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    closed_early: bool
    threshold: dict
    agrees_needed: int
    electorate_size: int
    electorate_sha256: str
    result: str
    counts: dict | None


class ProposalIn(Schema):
    title: str
    reasons: str


class EditIn(Schema):
    operation: str
    article: int
    text: str = ""


class EditsProposalIn(Schema):
    title: str
    reasons: str
    edits: list[EditIn]


class AnnexProposalIn(Schema):
    title: str
    sub_industry: str
    reasons: str


class AnnexOut(Schema):
    id: int
    number: int | None
    title: str
    sub_industry: str
    published_at: datetime | None
    version: int | None
    sha256: str | None
    text: str | None
    signatories: list[int]


class AnnexSignIn(Schema):
    sha256: str


class AnnexWithdrawIn(Schema):
    reason: str = ""


class InterpretationIn(Schema):
    title: str
    text: str
    articles: list[int]
    issued_on: date | None = None
    supersedes: int | None = None


class InterpretationOut(Schema):
    id: int
    number: int
    issued_on: date
    title: str
    text: str
    article_identities: list[int]
    supersedes: int | None
    superseded_by: int | None


class VoteIn(Schema):
    choice: str


class VoteOut(Schema):
    ballot_id: int
    unit_id: int
    choice: str
    cast_at: datetime
    receipt: str


class OpenIn(Schema):
    days: int | None = None


def proposal_out(proposal, now=None) -> dict:
    ballot = Ballot.objects.filter(proposal=proposal).values_list("pk", flat=True).first()
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "reasons": proposal.reasons,
        "kind": proposal.kind,
        "status": proposal.status,
        "proposer_unit_id": proposal.proposer_unit_id,
        "base_version": proposal.base_version.number,
        "version": proposal.version.number if proposal.version_id else None,
        "annex_id": proposal.annex_version.annex_id if proposal.annex_version_id else None,
        "proposed_sha256": proposal.proposed_sha256,
        "submitted_at": proposal.submitted_at,
        "members_at_submission": proposal.members_at_submission,
        "sponsors_needed": proposal.sponsors_needed,
        "sponsors": queries.counting_sponsors(proposal, now or timezone.now()).count(),
        "sponsorship_closes_at": proposal.sponsorship_closes_at,
        "ballot_id": ballot,
    }


def ballot_out(ballot, user) -> dict:
    return {
        "id": ballot.pk,
        "proposal_id": ballot.proposal_id,
        "subject": ballot.proposal.title,
        "opened_at": ballot.opened_at,
        "closes_at": ballot.closes_at,
        "closed_at": ballot.closed_at,
        "closed_early": ballot.closed_early,
        "threshold": ballot.threshold.as_dict(),
        "agrees_needed": ballot.agrees_needed,
        "electorate_size": ballot.electorate_size,
        "electorate_sha256": ballot.electorate_sha256,
        "result": ballot.result,
        "counts": (ballot.counts if not ballot.is_open else queries.ballot_counts(ballot))
        if can_see_votes(user, ballot)
        else None,
    }


def vote_out(vote) -> dict:
    return {
        "ballot_id": vote.ballot_id,
        "unit_id": vote.unit_id,
        "choice": vote.choice,
        "cast_at": vote.cast_at,
        "receipt": vote.receipt,
    }


@router.get("/proposals", response=list[AmendmentProposalOut], auth=public)
def list_proposals(request):
    proposals = Proposal.objects.visible_to(request.user).select_related(
        "base_version", "version", "annex_version"
    )
    return [proposal_out(p) for p in proposals[:500]]


@router.post("/proposals", response={201: AmendmentProposalOut})
def create_proposal(request, payload: Form[ProposalIn], file: File[UploadedFile]):
    """Draft a proposal (multipart: title, reasons and the whole amended text as `file`)."""
    convention = get_convention_for_amendment(request.user)
    if not can_propose(request.user):
        raise ApiError(403, "forbidden", _("Only the secretariat or a member unit proposes."))
    data = cleaned(ProposalForm(request.POST, request.FILES))
    unit = None if is_secretariat(request.user) else request.user.unit
    proposal = actions.do_create_proposal(
        convention,
        actor=request.user,
        unit=unit,
        title=data["title"],
        reasons=data["reasons"],
        text=data["file"].read(),
        source_name=data["file"].name,
    )
    return Status(201, proposal_out(proposal))


@router.post("/proposals/edits", response={201: AmendmentProposalOut})
def create_proposal_from_edits(request, payload: EditsProposalIn):
    """Draft a proposal as edits of chosen articles: `operation` is `change`, `insert_after`
    (article 0: before the first) or `delete`; the articles are then numbered again."""
    convention = get_convention_for_amendment(request.user)
    if not can_propose(request.user):
        raise ApiError(403, "forbidden", _("Only the secretariat or a member unit proposes."))
    data = cleaned(EditsProposalForm({"title": payload.title, "reasons": payload.reasons}))
    formset = EditFormSet(
        {
            "edits-TOTAL_FORMS": str(len(payload.edits)),
            "edits-INITIAL_FORMS": "0",
            **{
                f"edits-{i}-{key}": value
                for i, edit in enumerate(payload.edits)
                for key, value in edit.dict().items()
            },
        },
        prefix="edits",
    )
    if not formset.is_valid():
        fields = {
            f"edits.{i}.{name}": [str(m) for m in messages]
            for i, errors in enumerate(formset.errors)
            for name, messages in errors.items()
        }
        for message in formset.non_form_errors():
            fields.setdefault("edits", []).append(str(message))
        raise ApiError(400, "invalid", next(iter(fields.values()))[0], fields)
    unit = None if is_secretariat(request.user) else request.user.unit
    proposal = actions.do_create_proposal(
        convention,
        actor=request.user,
        unit=unit,
        title=data["title"],
        reasons=data["reasons"],
        edits=edits_from(formset),
    )
    return Status(201, proposal_out(proposal))


@router.get("/proposals/{proposal_id}", response=AmendmentProposalOut, auth=public)
def get_proposal(request, proposal_id: int):
    return proposal_out(get_proposal_for_user(request.user, proposal_id))


@router.post("/proposals/{proposal_id}/submit", response=AmendmentProposalOut)
def submit_proposal(request, proposal_id: int):
    proposal = get_proposal_for_user(request.user, proposal_id, to="edit")
    return proposal_out(actions.do_submit_proposal(proposal, actor=request.user))


@router.post("/proposals/{proposal_id}/sponsors", response={201: AmendmentProposalOut})
def sponsor_proposal(request, proposal_id: int):
    proposal = get_proposal_for_user(request.user, proposal_id, to="sponsor")
    actions.do_sponsor_proposal(proposal, actor=request.user)
    return Status(201, proposal_out(get_proposal_for_user(request.user, proposal_id)))


@router.delete("/proposals/{proposal_id}/sponsors/mine", response=AmendmentProposalOut)
def withdraw_sponsorship(request, proposal_id: int):
    proposal = get_proposal_for_user(request.user, proposal_id, to="sponsor")
    actions.do_withdraw_sponsorship(proposal, actor=request.user)
    return proposal_out(get_proposal_for_user(request.user, proposal_id))


@router.post("/proposals/{proposal_id}/ballot", response={201: BallotOut})
def open_ballot(request, proposal_id: int, payload: OpenIn = None):
    proposal = get_proposal_for_user(request.user, proposal_id, to="open")
    data = cleaned(OpenBallotForm({"days": payload.days if payload else None}))
    ballot = actions.do_open_ballot(proposal, actor=request.user, days=data["days"])
    return Status(201, ballot_out(ballot, request.user))


@router.get("/ballots/{ballot_id}", response=BallotOut, auth=public)
def get_ballot(request, ballot_id: int):
    return ballot_out(get_ballot_for_user(request.user, ballot_id), request.user)


@router.post("/ballots/{ballot_id}/close", response=BallotOut)
def close_ballot(request, ballot_id: int):
    """Close a ballot whose deadline has passed (secretariat; the worker's duty does the same);
    409 before the deadline."""
    ballot = get_ballot_for_user(request.user, ballot_id, to="close")
    actions.do_close_ballot(ballot)
    return ballot_out(get_ballot_for_user(request.user, ballot_id), request.user)


@router.put("/ballots/{ballot_id}/vote", response=VoteOut)
def cast_vote(request, ballot_id: int, payload: VoteIn):
    """Cast or change the unit's vote: `agree`, `disagree` or `abstain`."""
    ballot = get_ballot_for_user(request.user, ballot_id, to="vote")
    data = cleaned(VoteForm({"choice": payload.choice}))
    return vote_out(actions.do_cast_vote(ballot, actor=request.user, choice=data["choice"]))


@router.get("/ballots/{ballot_id}/vote", response=VoteOut)
def my_vote(request, ballot_id: int):
    ballot = get_ballot_for_user(request.user, ballot_id, to="vote")
    vote = Vote.objects.filter(ballot=ballot, unit_id=request.user.unit_id).first()
    if vote is None:
        raise ApiError(404, "not_found", _("Your unit has not voted in this ballot."))
    return vote_out(vote)


@router.get("/ballots/{ballot_id}/record", response={200: dict, 409: Error}, auth=public)
def ballot_record(request, ballot_id: int):
    """The public record of a closed ballot (docs/ballot-record.md); 409 while it is open."""
    ballot = get_ballot_for_user(request.user, ballot_id)
    if ballot.is_open:
        raise ApiError(409, "open", _("The record exists once the ballot has closed."))
    body = json.dumps(queries.ballot_record_data(ballot), ensure_ascii=False)
    return HttpResponse(body.encode(), content_type="application/json; charset=utf-8")


def annex_out(annex) -> dict:
    current = annex.version_in_force
    return {
        "id": annex.pk,
        "number": annex.number,
        "title": annex.title,
        "sub_industry": annex.sub_industry,
        "published_at": annex.published_at,
        "version": current.number if current else None,
        "sha256": current.sha256 if current else None,
        "text": current.canonical_text if current else None,
        "signatories": list(
            AnnexSignature.objects.standing()
            .filter(annex=annex)
            .order_by("unit_id")
            .values_list("unit_id", flat=True)
        ),
    }


@router.get("/annexes", response=list[AnnexOut], auth=public)
def list_annexes(request):
    return [annex_out(a) for a in Annex.objects.published()]


@router.post("/annexes", response={201: AmendmentProposalOut})
def propose_annex(request, payload: Form[AnnexProposalIn], file: File[UploadedFile]):
    """Propose a sub-industry agreement (multipart: title, sub_industry, reasons and `file`)."""
    convention = get_convention_for_amendment(request.user)
    data = cleaned(AnnexProposalForm(request.POST, request.FILES))
    proposal = actions.do_create_annex_proposal(
        convention,
        actor=request.user,
        unit=request.user.unit,
        title=data["title"],
        sub_industry=data["sub_industry"],
        reasons=data["reasons"],
        text=data["file"].read(),
    )
    return Status(201, proposal_out(proposal))


@router.get("/annexes/{annex_id}", response=AnnexOut, auth=public)
def get_annex(request, annex_id: int):
    return annex_out(get_annex_for_user(request.user, annex_id))


@router.post("/annexes/{annex_id}/signatures", response={201: AnnexOut})
def sign_annex(request, annex_id: int, payload: AnnexSignIn):
    """Sign the annex in force; `sha256` is the hash of the text the signer read."""
    annex = get_annex_for_user(request.user, annex_id, to="sign")
    data = cleaned(AnnexSignForm({"sha256": payload.sha256}))
    actions.do_sign_annex(annex, actor=request.user, sha256=data["sha256"])
    return Status(201, annex_out(annex))


@router.post("/annexes/{annex_id}/withdrawal", response=AnnexOut)
def withdraw_from_annex(request, annex_id: int, payload: AnnexWithdrawIn):
    annex = get_annex_for_user(request.user, annex_id, to="sign")
    data = cleaned(AnnexWithdrawForm({"reason": payload.reason}))
    actions.do_withdraw_from_annex(annex, actor=request.user, reason=data["reason"])
    return annex_out(annex)


@router.post("/proposals/{proposal_id}/publish", response=AmendmentProposalOut)
def publish(request, proposal_id: int):
    """Publish an adopted amendment (its text is in force from now) or annex (secretariat)."""
    proposal = get_proposal_for_user(request.user, proposal_id, to="publish")
    return proposal_out(actions.do_publish_amendment(proposal, actor=request.user))


def interpretation_out(found) -> dict:
    superseded_by = Interpretation.objects.filter(supersedes=found).values_list("number", flat=True)
    return {
        "id": found.pk,
        "number": found.number,
        "issued_on": found.issued_on,
        "title": found.title,
        "text": found.text,
        "article_identities": sorted(a.pk for a in found.articles.all()),
        "supersedes": found.supersedes.number if found.supersedes_id else None,
        "superseded_by": superseded_by.first(),
    }


@router.get("/interpretations", response=list[InterpretationOut], auth=public)
def list_interpretations(request):
    found = Interpretation.objects.select_related("supersedes").prefetch_related("articles")
    return [interpretation_out(i) for i in found]


@router.get("/interpretations/{interpretation_id}", response=InterpretationOut, auth=public)
def get_interpretation_endpoint(request, interpretation_id: int):
    return interpretation_out(get_interpretation(interpretation_id))


@router.post("/interpretations", response={201: InterpretationOut})
def publish_interpretation(request, payload: InterpretationIn):
    """Publish an interpretation (secretariat): `articles` are numbers in the version in force."""
    require_interpreter(request.user)
    convention = get_convention_for_amendment(request.user)
    data = cleaned(
        InterpretationForm(
            {
                "title": payload.title,
                "text": payload.text,
                "articles": ",".join(str(n) for n in payload.articles),
                "issued_on": payload.issued_on,
                "supersedes": payload.supersedes,
            }
        )
    )
    found = actions.do_publish_interpretation(
        convention,
        actor=request.user,
        title=data["title"],
        text=data["text"],
        article_numbers=data["articles"],
        issued_on=data["issued_on"],
        supersedes=superseded_interpretation(convention, data["supersedes"]),
    )
    return Status(201, interpretation_out(found))
