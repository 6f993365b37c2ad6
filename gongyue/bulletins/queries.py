"""Reads that span models: who a bulletin is addressed to, inboxes, receipts, yearly summaries."""

import statistics
from collections import Counter

from django.db.models import Q

from gongyue.accounts.models import SIGNING_ROLES, RoleGrant, User
from gongyue.core.access import is_authority, is_secretariat
from gongyue.core.deadlines import CHINA
from gongyue.organisations.queries import members_as_of

from .models import Bulletin, Receipt, Request, RequestKind


def addressed_units(bulletin, moment):
    """The member units a bulletin reaches at `moment`: every member, or those of its categories.

    Asked once, at publication; the answer is frozen as the bulletin's receipts.
    (Call site for `Unit.objects.members(moment)` when the organisations app offers it.)
    """
    units = members_as_of(moment)
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
