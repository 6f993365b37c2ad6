"""Compliance campaigns under /api/v1/campaigns/: the pages' access helpers, forms and actions."""

from datetime import date, datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status

from gongyue.api.errors import ApiError, cleaned
from gongyue.convention.models import Convention
from gongyue.core.uploads import serve_upload

from . import actions, queries
from .access import get_campaign_for_user, get_response_for_user, require_secretariat
from .api import page_of
from .forms import AnswersForm, CampaignForm, QuestionForm, ReviewForm
from .models import Campaign, Response

router = Router(tags=["campaigns"])


class QuestionOut(Schema):
    id: int
    position: int
    text: str
    article_number: int
    article_identity: int
    answer_type: str
    choices: list[str]
    compliant_values: list[str]
    required: bool


class CampaignOut(Schema):
    id: int
    title: str
    description: str
    categories: list[str]
    status: str
    days: int
    opened_at: datetime | None
    due_at: datetime | None
    summary_published_at: datetime | None
    questions: list[QuestionOut]


class CampaignIn(Schema):
    title: str = ""
    description: str = ""
    all_members: bool = False
    categories: list[str] = []
    days: int | None = None


class QuestionIn(Schema):
    text: str = ""
    article: int | None = None
    answer_type: str = ""
    choices: list[str] = []
    compliant_values: list[str] = []
    required: bool = False


class CampaignEvidenceOut(Schema):
    answer_id: int
    question_id: int
    name: str
    kind: str
    size: int | None
    sha256: str


class ResponseOut(Schema):
    id: int
    unit_id: int
    status: str
    submitted_at: datetime | None
    finding: str
    finding_note: str
    review_note: str
    case_flagged_at: datetime | None
    answers: dict[str, str]
    evidence: list[CampaignEvidenceOut]


class CampaignOverdueOut(Schema):
    campaign_id: int
    title: str
    unit_id: int
    unit: str
    status: str
    due_at: datetime
    last_day: date
    days_overdue: int


class CampaignReviewIn(Schema):
    decision: str = ""
    note: str = ""


def question_out(q) -> dict:
    return {
        "id": q.pk,
        "position": q.position,
        "text": q.text,
        "article_number": q.article_number,
        "article_identity": q.article_id,
        "answer_type": q.answer_type,
        "choices": q.choices,
        "compliant_values": q.compliant_values,
        "required": q.required,
    }


def campaign_out(c) -> dict:
    return {
        **{name: getattr(c, name) for name in CampaignOut.model_fields if name != "questions"},
        "questions": [question_out(q) for q in c.questions.all()],
    }


def response_out(r) -> dict:
    answers = list(r.answers.all())
    return {
        **{
            name: getattr(r, name)
            for name in ResponseOut.model_fields
            if name not in {"answers", "evidence"}
        },
        "answers": {str(a.question_id): a.value for a in answers},
        "evidence": [
            {
                "answer_id": a.pk,
                "question_id": a.question_id,
                "name": a.file_name or a.value,
                "kind": a.file_kind,
                "size": a.file_size,
                "sha256": a.sha256,
            }
            for a in answers
            if a.file
        ],
    }


def _version(campaign):
    return campaign.convention.versions.in_force().first()


@router.get("/", response=list[CampaignOut])
def list_campaigns(request):
    """The secretariat's campaigns, or those your unit is asked to answer."""
    if request.user.is_secretariat:
        campaigns = Campaign.objects.all()
    else:
        campaigns = Campaign.objects.filter(
            status="open", responses__unit=request.user.unit_id or 0
        )
    return [campaign_out(c) for c in campaigns.prefetch_related("questions")[:200]]


@router.get("/overdue", response=list[CampaignOverdueOut])
def overdue_answers(request, offset: int = 0, limit: int = 100):
    """Every unit that has not submitted its answers to an open campaign past its deadline
    (the secretariat), oldest deadline first; `offset` and `limit` (at most 1000) page through."""
    require_secretariat(request.user)
    now = timezone.now()
    rows = queries.with_overdue_days(
        page_of(queries.overdue_campaign_responses(now), offset, limit),
        lambda r: r.campaign.due_at,
        now,
    )
    return [
        {
            "campaign_id": r.campaign_id,
            "title": r.campaign.title,
            "unit_id": r.unit_id,
            "unit": r.unit.name,
            "status": r.status,
            "due_at": r.campaign.due_at,
            "last_day": r.last_day,
            "days_overdue": r.days_overdue,
        }
        for r in rows
    ]


@router.post("/", response={201: CampaignOut})
def create_campaign(request, payload: CampaignIn):
    require_secretariat(request.user)
    convention = Convention.objects.current()
    if convention is None:
        raise ApiError(409, "no_convention", "There is no convention.")
    data = cleaned(CampaignForm(payload.dict()))
    campaign = actions.do_create_campaign(actor=request.user, convention=convention, data=data)
    return Status(201, campaign_out(campaign))


@router.get("/{campaign_id}", response=CampaignOut)
def read_campaign(request, campaign_id: int):
    return campaign_out(get_campaign_for_user(request.user, campaign_id))


@router.post("/{campaign_id}/questions", response={201: QuestionOut})
def add_question(request, campaign_id: int, payload: QuestionIn):
    """Add a question; `article` is the article's number in the version in force."""
    campaign = get_campaign_for_user(request.user, campaign_id, to="manage")
    data = cleaned(QuestionForm(payload.dict(), version=_version(campaign)))
    return Status(
        201, question_out(actions.do_add_question(campaign, actor=request.user, data=data))
    )


@router.post("/{campaign_id}/open", response=CampaignOut)
def open_campaign(request, campaign_id: int):
    campaign = get_campaign_for_user(request.user, campaign_id, to="manage")
    return campaign_out(actions.do_open_campaign(campaign, actor=request.user))


@router.get("/{campaign_id}/responses/mine", response=ResponseOut)
def my_response(request, campaign_id: int):
    campaign = get_campaign_for_user(request.user, campaign_id)
    return response_out(
        get_object_or_404(Response, campaign=campaign, unit=request.user.unit_id or 0)
    )


@router.post("/{campaign_id}/responses/mine", response=ResponseOut)
def answer(request, campaign_id: int):
    """Save your unit's answers (form fields q<question id>, files for evidence); `submit=1`
    hands them in."""
    campaign = get_campaign_for_user(request.user, campaign_id)
    response = get_object_or_404(Response, campaign=campaign, unit=request.user.unit_id or 0)
    submitting = request.POST.get("submit") in {"1", "true"}
    form = AnswersForm(
        request.POST,
        request.FILES,
        questions=list(campaign.questions.all()),
        answered=set(response.answers.values_list("question_id", flat=True)),
        submitting=submitting,
    )
    cleaned(form)
    return response_out(
        actions.do_save_answers(
            response, actor=request.user, answers=form.answers(), submit=submitting
        )
    )


@router.get("/{campaign_id}/responses", response=list[ResponseOut])
def list_responses(request, campaign_id: int):
    campaign = get_campaign_for_user(request.user, campaign_id, to="manage")
    return [response_out(r) for r in campaign.responses.prefetch_related("answers")]


@router.get("/responses/{response_id}/files/{answer_id}", response={200: None})
def download_evidence(request, response_id: int, answer_id: int) -> HttpResponse:
    """A file of evidence, to the unit and the secretariat (served inert: core.uploads)."""
    response = get_response_for_user(request.user, response_id)
    answer = get_object_or_404(response.answers.exclude(file=""), pk=answer_id)
    return serve_upload(answer.file, answer.download_stem)


@router.post("/responses/{response_id}/review", response=ResponseOut)
def review(request, response_id: int, payload: CampaignReviewIn):
    """`decision`: more (ask for more), compliant, to_improve or suspected_violation."""
    response = get_response_for_user(request.user, response_id, to="review")
    data = cleaned(ReviewForm(payload.dict()))
    if data["decision"] == "more":
        result = actions.do_request_more(response, actor=request.user, note=data["note"])
    else:
        result = actions.do_record_finding(
            response, actor=request.user, finding=data["decision"], note=data["note"]
        )
    return response_out(result)


@router.get("/{campaign_id}/report", response=dict)
def report(request, campaign_id: int):
    campaign = get_campaign_for_user(request.user, campaign_id, to="manage")
    data = queries.campaign_report(campaign)
    return {
        "per_question": list(data["per_question"].values()),
        "per_article": data["per_article"],
        "distribution": data["distribution"],
        "totals": data["totals"],
        "missing": data["missing"],
    }


@router.post("/{campaign_id}/summary", response=CampaignOut)
def publish_summary(request, campaign_id: int):
    campaign = get_campaign_for_user(request.user, campaign_id, to="manage")
    return campaign_out(actions.do_publish_campaign_summary(campaign, actor=request.user))
