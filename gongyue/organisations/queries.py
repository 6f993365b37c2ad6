"""Read-side questions about membership. `members_as_of()` is the only definition of "member":
the directory, the registers, every count and (later) every electorate ask it."""

from datetime import datetime

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from gongyue.accounts.models import SECRETARIAT_ROLES, SIGNING_ROLES, Role, RoleGrant, User
from gongyue.core.deadlines import china_date

from .models import EndedBy, Membership, Unit
from .periods import Period


def members_as_of(moment: datetime | None = None):
    """The units that were members at `moment` (default: now), annotated with `member_since`.

    Membership intervals are half-open, [started_at, ended_at): a unit whose withdrawal takes
    effect at 00:00 on 1 October is a member at 23:59 on 30 September and not at 00:00.
    """
    moment = moment or timezone.now()
    covering = (
        Membership.objects.covering(moment).filter(unit=OuterRef("pk")).order_by("-started_at")
    )
    return Unit.objects.annotate(member_since=Subquery(covering.values("started_at")[:1])).filter(
        member_since__isnull=False
    )


def is_member(unit, moment: datetime | None = None) -> bool:
    return members_as_of(moment).filter(pk=unit.pk).exists()


def current_membership(unit, moment: datetime | None = None) -> Membership | None:
    return Membership.objects.covering(moment or timezone.now()).filter(unit=unit).first()


def directory(*, q: str = "", category: str = "", city: str = "", moment=None):
    """Members as of now for the public directory, searchable by name and filterable."""
    units = members_as_of(moment).prefetch_related("categories").order_by("name", "pk")
    if q:
        units = units.filter(Q(name__icontains=q) | Q(uscc=q.strip().upper()))
    if category:
        units = units.filter(categories__code=category)
    if city:
        units = units.filter(city=city)
    return units


def member_cities(moment=None) -> list[str]:
    return list(
        members_as_of(moment)
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


def legal_reps(unit):
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active().filter(unit=unit, role=Role.LEGAL_REP).values("user"),
    )
