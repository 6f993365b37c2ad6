"""Reads that span models: the directory, the registers, and who to tell about a unit.

Whether a unit is a member is asked of the model (`Unit.objects.members(moment)`,
`unit.is_member(moment)`), the one definition of "member"."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from gongyue.accounts.models import SECRETARIAT_ROLES, SIGNING_ROLES, RoleGrant, User
from gongyue.core.deadlines import china_date

from .models import EndedBy, Membership, Unit
from .periods import Period


def directory(*, q: str = "", category: str = "", city: str = "", moment=None):
    """Members as of now for the public directory, searchable by name and filterable."""
    units = Unit.objects.members(moment).prefetch_related("categories").order_by("name", "pk")
    if q:
        units = units.filter(Q(name__icontains=q) | Q(uscc=q.strip().upper()))
    if category:
        units = units.filter(categories__code=category)
    if city:
        units = units.filter(city=city)
    return units


def member_cities(moment=None) -> list[str]:
    return list(
        Unit.objects.members(moment)
        .exclude(city="")
        .order_by("city")
        .values_list("city", flat=True)
        .distinct()
    )


def register_rows(period: Period, now: datetime | None = None) -> dict[str, list[dict]]:
    """The units that joined and left in a period, computed from the timeline.

    Only what has happened by `now` counts, so a provisional list of the current period never
    shows a withdrawal whose date has not yet come.
    """
    now = now or timezone.now()
    until = min(period.end, now)
    joined = (
        Membership.objects.started_between(period.start, until)
        .select_related("unit")
        .order_by("started_at", "unit__name", "pk")
    )
    left = (
        Membership.objects.ended_between(period.start, until)
        .select_related("unit")
        .order_by("ended_at", "unit__name", "pk")
    )
    return {
        "joined": [
            {
                "unit": m.unit_id,
                "name": m.unit.name,
                "uscc": m.unit.uscc or "",
                "date": china_date(m.started_at).isoformat(),
                "by": m.joined_by,
            }
            for m in joined
        ],
        "left": [
            {
                "unit": m.unit_id,
                "name": m.unit.name,
                "uscc": m.unit.uscc or "",
                "date": china_date(m.ended_at).isoformat(),
                "by": m.ended_by,
                # A revocation's reasons are a public decision; a withdrawal's are the unit's own.
                "reason": m.end_reason if m.ended_by == EndedBy.REVOCATION else "",
            }
            for m in left
        ],
    }


def secretariat_people():
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active().filter(role__in=SECRETARIAT_ROLES).values("user"),
    )


def unit_signers(unit):
    """The people who may sign for the unit today: its legal representative and valid delegates."""
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active().filter(unit=unit, role__in=SIGNING_ROLES).values("user"),
    )
