"""Compliance campaigns (Art. 18, 19): build, open to the addressed units, answer (draft, then
submit before the deadline), review, ask for more, record a finding, publish a summary."""

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.accounts.models import UNIT_ROLES
from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.errors import ActionRefused, refuse_if
from gongyue.core.notify import notify

from .. import queries
from ..events import BulletinEvent
from ..models import (
    Answer,
    AnswerType,
    Campaign,
    CampaignStatus,
    Finding,
    Question,
    Response,
    ResponseStatus,
)

MAIL = "bulletins/mail/"


def _secretariat_only(actor, message):
    if getattr(actor, "is_authenticated", False) and not actor.is_secretariat:
        raise ActionRefused(message, code="forbidden", status=403)


@transaction.atomic
def do_create_campaign(*, actor, convention, data: dict) -> Campaign:
    _secretariat_only(actor, _("Only the secretariat runs compliance campaigns."))
    campaign = Campaign.objects.create(
        convention=convention,
        created_by=actor,
        title=data["title"],
        description=data.get("description", ""),
        categories=data.get("categories", []),
        days=data["days"],
    )
    record(
        BulletinEvent.CAMPAIGN_CREATED,
        actor=actor,
        subject=campaign,
        new={"title": campaign.title, "categories": campaign.categories, "days": campaign.days},
        visibility=Visibility.SECRETARIAT,
    )
    return campaign


@transaction.atomic
def do_add_question(campaign, *, actor, data: dict) -> Question:
    """Add a question tied to an article of the version in force (`data["article"]`)."""
    _secretariat_only(actor, _("Only the secretariat runs compliance campaigns."))
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise ActionRefused(_("Questions are added while the campaign is a draft."), code="open")
    article = data["article"]
    position = (campaign.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    question = Question.objects.create(
        campaign=campaign,
        position=position,
        text=data["text"],
        article_id=article.identity_id,
        article_number=article.number,
        answer_type=data["answer_type"],
        choices=data.get("choices", []),
        compliant_values=data.get("compliant_values", []),
        required=data.get("required", False),
    )
    record(
        BulletinEvent.QUESTION_ADDED,
        actor=actor,
        subject=campaign,
        new={
            "position": position,
            "text": question.text,
            "article_identity": question.article_id,
            "article": question.article_number,
            "answer_type": question.answer_type,
        },
        visibility=Visibility.SECRETARIAT,
    )
    return question


@transaction.atomic
def do_open_campaign(campaign, *, actor, now=None) -> Campaign:
    """Send the questionnaire to the member units (all, or of its categories) as of now."""
    _secretariat_only(actor, _("Only the secretariat runs compliance campaigns."))
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    version = campaign.convention.versions.in_force().first()
    refuse_if(campaign.blockers_to_open(version), code="cannot_open")
    units = list(queries.addressed_units(campaign, now).values_list("pk", flat=True))
    if not units:
        raise ActionRefused(
            _("No member unit is in the chosen categories; the campaign would reach nobody."),
            code="no_addressees",
            status=400,
        )
    campaign.status, campaign.opened_at = CampaignStatus.OPEN, now
    campaign.due_at = campaign.deadline().ends_at
    campaign.save(update_fields=["status", "opened_at", "due_at"])
    Response.objects.bulk_create(Response(campaign=campaign, unit_id=pk) for pk in units)
    record(
        BulletinEvent.CAMPAIGN_OPENED,
        actor=actor,
        subject=campaign,
        new={"addressed_units": len(units), "due_at": campaign.due_at},
        visibility=Visibility.MEMBERS,
    )
    notify(
        queries.unit_people_with_roles(units),
        kind="campaign",
        template=MAIL + "campaign_opened",
        context={"title": campaign.title, "due": campaign.deadline().last_day},
        url=reverse("bulletins:campaign", args=[campaign.pk]),
    )
    return campaign


def _refuse_unless_answerer(response, actor):
    if not (
        getattr(actor, "is_authenticated", False)
        and actor.has_role(*UNIT_ROLES, unit=response.unit_id)
    ):
        raise ActionRefused(
            _("Only the unit's signer or staff answer for it."), code="forbidden", status=403
        )


@transaction.atomic
def do_save_answers(response, *, actor, answers: dict, submit: bool, now=None) -> Response:
    """Save the unit's answers (a draft), and with `submit` hand them in.

    `answers` maps each question to its cleaned value: a string, a number, or an (upload, kind)
    pair for file evidence; a question left out keeps its earlier answer.
    """
    now = now or timezone.now()
    response = Response.objects.select_for_update().select_related("campaign").get(pk=response.pk)
    _refuse_unless_answerer(response, actor)
    campaign = response.campaign
    if not response.accepts_answers(now):
        raise ActionRefused(
            _("The campaign closed for answers at %(when)s.")
            % {"when": timezone.localtime(campaign.due_at).strftime("%Y-%m-%d %H:%M")},
            code="past_deadline",
        )
    target = ResponseStatus.SUBMITTED if submit else ResponseStatus.DRAFT
    if not response.can_become(target):
        raise ActionRefused(
            _("The answers are “%(status)s” and cannot be changed now.")
            % {"status": response.get_status_display()},
            code="invalid_transition",
        )
    existing = {a.question_id: a for a in response.answers.all()}
    evidence = []
    for question, value in answers.items():
        if value in (None, "", []):
            continue
        answer = existing.get(question.pk) or Answer(response=response, question=question)
        if question.answer_type == AnswerType.FILE:
            upload, kind = value
            # The field checks the content again, names the file and sets answer.sha256.
            answer.file.save(upload.name, upload, save=False)
            answer.value, answer.compliant = upload.name[-200:], None
            answer.file_name, answer.file_kind, answer.file_size = (
                upload.name[-200:],
                kind,
                upload.size,
            )
            evidence.append(
                {
                    "question": question.position,
                    "name": answer.file_name,
                    "kind": kind,
                    "size": upload.size,
                    "sha256": answer.sha256,
                }
            )
        else:
            answer.value = str(value)
            answer.compliant = question.is_compliant(answer.value)
        answer.save()
        existing[question.pk] = answer
    if submit:
        missing = [
            q.position for q in campaign.questions.all() if q.required and q.pk not in existing
        ]
        if missing:
            raise ActionRefused(
                *[_("Answer question %(n)s; it is required.") % {"n": n} for n in missing],
                code="missing_answers",
                status=400,
            )
    old = response.status
    response.status = target
    if submit:
        response.submitted_at, response.submitted_by = now, actor
        # What was asked is answered: a later request for more opens it again.
        response.more_requested_at = None
    response.save(update_fields=["status", "submitted_at", "submitted_by", "more_requested_at"])
    record(
        BulletinEvent.ANSWERS_SUBMITTED if submit else BulletinEvent.ANSWERS_SAVED,
        actor=actor,
        subject=campaign,
        old={"unit": response.unit_id, "status": old},
        new={
            "unit": response.unit_id,
            "status": response.status,
            "answers": len(existing),
            "evidence": evidence,
        },
        visibility=Visibility.SECRETARIAT,
    )
    return response


@transaction.atomic
def do_request_more(response, *, actor, note: str) -> Response:
    _secretariat_only(actor, _("Only the secretariat reviews answers."))
    response = Response.objects.select_for_update().select_related("campaign").get(pk=response.pk)
    if not response.can_become(ResponseStatus.MORE_REQUESTED):
        raise ActionRefused(_("Only submitted answers can be reviewed."), code="not_submitted")
    response.status, response.review_note = ResponseStatus.MORE_REQUESTED, note
    response.more_requested_at = timezone.now()
    response.save(update_fields=["status", "review_note", "more_requested_at"])
    record(
        BulletinEvent.MORE_REQUESTED,
        actor=actor,
        subject=response.campaign,
        new={"unit": response.unit_id, "note": note},
        visibility=Visibility.SECRETARIAT,
    )
    notify(
        queries.unit_people_with_roles([response.unit_id]),
        kind="campaign",
        template=MAIL + "more_requested",
        context={"title": response.campaign.title, "note": note},
        url=reverse("bulletins:campaign", args=[response.campaign_id]),
    )
    return response


@transaction.atomic
def do_record_finding(response, *, actor, finding: str, note: str = "") -> Response:
    """The finding for one unit; a suspected violation is flagged for the cases app."""
    _secretariat_only(actor, _("Only the secretariat reviews answers."))
    response = Response.objects.select_for_update().select_related("campaign").get(pk=response.pk)
    if not response.can_become(ResponseStatus.REVIEWED):
        raise ActionRefused(_("Only submitted answers can be reviewed."), code="not_submitted")
    if finding != Finding.COMPLIANT and not note.strip():
        raise ActionRefused(
            _("Say what is to improve or what is suspected."),
            code="invalid",
            field="note",
            status=400,
        )
    now = timezone.now()
    response.status = ResponseStatus.REVIEWED
    response.finding, response.finding_note = finding, note
    response.found_at, response.found_by = now, actor
    if finding == Finding.SUSPECTED_VIOLATION:
        response.case_flagged_at = now
    response.save()
    record(
        BulletinEvent.FINDING_RECORDED,
        actor=actor,
        subject=response.campaign,
        new={
            "unit": response.unit_id,
            "finding": finding,
            "flagged_for_case": finding == Finding.SUSPECTED_VIOLATION,
        },
        visibility=Visibility.SECRETARIAT,
    )
    notify(
        queries.unit_people_with_roles([response.unit_id]),
        kind="campaign",
        template=MAIL + "finding_recorded",
        context={
            "title": response.campaign.title,
            "finding": response.get_finding_display(),
            "note": note,
        },
        url=reverse("bulletins:campaign", args=[response.campaign_id]),
    )
    return response


@transaction.atomic
def do_publish_campaign_summary(campaign, *, actor) -> Campaign:
    """Members may then read the campaign's figures (no unit names)."""
    _secretariat_only(actor, _("Only the secretariat runs compliance campaigns."))
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.is_open:
        raise ActionRefused(_("Only an opened campaign has figures to publish."), code="draft")
    if campaign.summary_published_at:
        raise ActionRefused(_("The summary is already published."), code="already_published")
    campaign.summary_published_at = timezone.now()
    campaign.save(update_fields=["summary_published_at"])
    record(
        BulletinEvent.SUMMARY_PUBLISHED,
        actor=actor,
        subject=campaign,
        new={"summary_published_at": campaign.summary_published_at},
        visibility=Visibility.MEMBERS,
    )
    return campaign


def do_remind_campaign(campaign, *, actor="system", now=None) -> int:
    """Remind the units that have not submitted; returns how many."""
    pending = Response.objects.filter(
        campaign=campaign, status__in=[ResponseStatus.PENDING, ResponseStatus.DRAFT]
    )
    units = list(pending.values_list("unit_id", flat=True))
    if not units:
        return 0
    with transaction.atomic():
        record(
            BulletinEvent.CAMPAIGN_REMINDED,
            actor=actor,
            subject=campaign,
            new={"units": len(units)},
            visibility=Visibility.SECRETARIAT,
        )
        notify(
            queries.unit_people_with_roles(units),
            kind="campaign",
            template=MAIL + "campaign_reminder",
            context={"title": campaign.title, "due": campaign.deadline().last_day},
            url=reverse("bulletins:campaign", args=[campaign.pk]),
        )
    return len(units)
