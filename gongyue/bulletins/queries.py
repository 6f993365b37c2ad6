"""Reads that span models: who a bulletin is addressed to, inboxes, receipts, yearly summaries."""

import statistics
from collections import Counter
from datetime import timedelta

from django.db.models import Count, F, FloatField, Q
from django.db.models.functions import Cast, NullIf, Round

from gongyue.accounts.models import SIGNING_ROLES, UNIT_ROLES, RoleGrant, User
from gongyue.core.access import is_authority, is_secretariat
from gongyue.core.deadlines import CHINA
from gongyue.organisations.models import Unit

from .models import (
    ANSWERED,
    Answer,
    Bulletin,
    BulletinStatus,
    CampaignStatus,
    Receipt,
    Request,
    RequestKind,
    Response,
    ResponseStatus,
)


def addressed_units(bulletin, moment):
    """The member units a bulletin reaches at `moment`: every member, or those of its categories.

    Asked once, at publication (or when a campaign opens); the answer is frozen as rows.
    """
    units = Unit.objects.members(moment)
    if bulletin.categories:
        units = units.filter(categories__code__in=bulletin.categories).distinct()
    return units


def people_of(unit_ids):
    return User.objects.filter(is_active=True, unit__in=unit_ids)


def signers_of(unit_ids):
    """The people who may sign for these units today (legal representatives, valid delegates)."""
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active()
        .filter(unit__in=unit_ids, role__in=SIGNING_ROLES)
        .values("user"),
    )


def visible_bulletins(user):
    """Published bulletins a person may list: public ones, and members-only ones for members,
    the secretariat and the authority (see access.reads_members_only)."""
    from .access import reads_members_only

    bulletins = Bulletin.objects.published()
    if reads_members_only(user):
        return bulletins
    if user.is_authenticated and user.unit_id:
        return bulletins.filter(Q(audience="public") | Q(receipts__unit=user.unit_id)).distinct()
    return bulletins.public()


def inbox(unit_id):
    """A unit's addressed bulletins, newest first, with its receipt on each row."""
    return (
        Receipt.objects.filter(unit=unit_id, bulletin__status="published")
        .select_related("bulletin", "read_by", "acknowledged_by")
        .order_by("-bulletin__published_at", "-bulletin__pk")
    )


def receipts(bulletin):
    return Receipt.objects.filter(bulletin=bulletin).select_related(
        "unit", "read_by", "acknowledged_by"
    )


def visible_requests(user):
    if is_secretariat(user):
        return Request.objects.all()
    if is_authority(user):
        return Request.objects.filter(submission__isnull=False)
    if user.is_authenticated and user.unit_id:
        return Request.objects.filter(unit=user.unit_id)
    return Request.objects.none()


OUTCOMES = ["open", "answered", "forwarded", "authority_answered", "closed"]


def yearly_summary(year: int) -> dict:
    """Counts by kind and outcome, and the median days from receipt to the first answer."""
    rows = list(
        Request.objects.in_year(year).only(
            "kind", "received_at", "answered_at", "forwarded_at", "authority_answered_at",
            "closed_at", "status",
        )
    )  # fmt: skip
    counts = Counter((r.kind, r.outcome) for r in rows)
    days = [
        (r.first_answer_at.astimezone(CHINA).date() - r.received_at.astimezone(CHINA).date()).days
        for r in rows
        if r.first_answer_at
    ]
    return {
        "year": year,
        "total": len(rows),
        "table": [
            {
                "kind": kind,
                "label": label,
                "counts": [counts[(kind, outcome)] for outcome in OUTCOMES],
                "total": sum(counts[(kind, outcome)] for outcome in OUTCOMES),
            }
            for kind, label in RequestKind.choices
        ],
        "outcomes": OUTCOMES,
        "answered": len(days),
        "median_days": statistics.median(days) if days else None,
    }


# Compliance campaigns ----------------------------------------------------------------------------


def unit_people_with_roles(unit_ids):
    """The people holding a unit role today (legal representative, delegate, staff)."""
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active()
        .filter(unit__in=unit_ids, role__in=UNIT_ROLES)
        .values("user"),
    )


def _percent(part, whole):
    """part * 100 / whole in the database, to one decimal; None when whole is 0 (PostgreSQL
    refuses a division by zero where SQLite answers NULL)."""
    return Round(Cast(part, FloatField()) * 100.0 / NullIf(Cast(whole, FloatField()), 0.0), 1)


def campaign_report(campaign) -> dict:
    """The campaign's figures, each computed in the database: one query per table.

    Per question: units that answered, those whose answer is compliant and its share; per
    article: units that answered any of its questions, those with no non-compliant answer and
    their share; the distribution of yes/no and choice answers; findings by kind; and the
    addressed units that have not submitted.
    """
    answers = Answer.objects.filter(response__campaign=campaign, response__status__in=ANSWERED)
    per_question = list(
        answers.values("question")
        .annotate(
            answered=Count("response", distinct=True),
            assessed=Count("pk", filter=Q(compliant__isnull=False)),
            compliant_n=Count("pk", filter=Q(compliant=True)),
        )
        .annotate(share=_percent(F("compliant_n"), F("assessed")))
        .order_by("question")
    )
    per_article = list(
        answers.filter(compliant__isnull=False)
        .values("question__article", "question__article_number")
        .annotate(
            units=Count("response", distinct=True),
            failing=Count("response", filter=Q(compliant=False), distinct=True),
        )
        .annotate(
            compliant_n=F("units") - F("failing"),
            share=_percent(F("units") - F("failing"), F("units")),
        )
        .order_by("question__article_number")
    )
    distribution = list(
        answers.filter(question__answer_type__in=["yes_no", "choice"])
        .values("question", "value")
        .annotate(n=Count("pk"))
        .order_by("question", "value")
    )
    responses = Response.objects.filter(campaign=campaign)
    totals = responses.aggregate(
        addressed=Count("pk"),
        submitted=Count("pk", filter=Q(status__in=ANSWERED)),
        compliant=Count("pk", filter=Q(finding="compliant")),
        to_improve=Count("pk", filter=Q(finding="to_improve")),
        suspected=Count("pk", filter=Q(finding="suspected_violation")),
    )
    missing = list(
        responses.exclude(status__in=ANSWERED)
        .select_related("unit")
        .order_by("unit__name")
        .values_list("unit__name", flat=True)
    )
    return {
        "per_question": {row["question"]: row for row in per_question},
        "per_article": per_article,
        "distribution": distribution,
        "totals": totals,
        "missing": missing,
    }


def campaign_evidence(campaign):
    """The file evidence of the units that submitted, with what was kept of each file."""
    return (
        Answer.objects.filter(response__campaign=campaign, response__status__in=ANSWERED)
        .exclude(file="")
        .select_related("response__unit", "question")
        .order_by("response__unit__name", "question__position")
    )


# Overdue lists -----------------------------------------------------------------------------------

# Not handed in: what a campaign's deadline is waiting for.
NOT_SUBMITTED = [ResponseStatus.PENDING, ResponseStatus.DRAFT]


def days_overdue(ends_at, now) -> int:
    """Whole days since the last day of a period that ended at `ends_at` (the next day's
    00:00 in China): 1 on the day after the last day."""
    return (now.astimezone(CHINA).date() - ends_at.astimezone(CHINA).date()).days + 1


def with_overdue_days(rows, ends_at_of, now) -> list:
    """Each row with the last day of its period and the days since, for the overdue lists."""
    rows = list(rows)
    for row in rows:
        ends_at = ends_at_of(row)
        row.last_day = ends_at.astimezone(CHINA).date() - timedelta(days=1)
        row.days_overdue = days_overdue(ends_at, now)
    return rows


def overdue_acknowledgements(now):
    """Every addressed unit that has not acknowledged a published bulletin asking for it whose
    deadline has passed, oldest deadline first; bulletin and unit come with each row."""
    return (
        Receipt.objects.filter(
            bulletin__status=BulletinStatus.PUBLISHED,
            bulletin__ack_required=True,
            bulletin__ack_due_at__lte=now,
            acknowledged_at__isnull=True,
        )
        .select_related("bulletin", "unit")
        .order_by("bulletin__ack_due_at", "bulletin_id", "unit__name", "pk")
    )


def overdue_campaign_responses(now):
    """Every addressed unit that has not submitted its answers to an open campaign whose
    deadline has passed, oldest deadline first; campaign and unit come with each row."""
    return (
        Response.objects.filter(
            campaign__status=CampaignStatus.OPEN,
            campaign__due_at__lte=now,
            status__in=NOT_SUBMITTED,
        )
        .select_related("campaign", "unit")
        .order_by("campaign__due_at", "campaign_id", "unit__name", "pk")
    )


def overdue_counts(now) -> dict:
    """How many (bulletin, unit) acknowledgements and (campaign, unit) answers are overdue."""
    return {
        "acknowledgements": overdue_acknowledgements(now).order_by().count(),
        "answers": overdue_campaign_responses(now).order_by().count(),
    }
