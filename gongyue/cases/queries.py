"""Reads of cases that span models: who is told, what a person may list, the overdue ones, and
the case page's history in a fixed number of queries."""

from datetime import timedelta

from django.db.models import Q

from gongyue.accounts.models import SECRETARIAT_ROLES, Role, RoleGrant, User
from gongyue.audit.models import AuditEntry
from gongyue.convention.models import Convention
from gongyue.convention.parser import article_label
from gongyue.core.deadlines import is_working_day, start_of_day

from .models import Case, CaseStatus, last_day


def people_of(unit_id):
    """Everyone of a unit (its legal representative, delegates and staff)."""
    return User.objects.filter(is_active=True, unit_id=unit_id)


def secretariat_people():
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active().filter(role__in=SECRETARIAT_ROLES).values("user"),
    )


def secretariat_heads():
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active().filter(role=Role.SECRETARIAT_HEAD).values("user"),
    )


def member_people(moment=None):
    """Everyone of a unit that is a member now: the audience of published results and notices."""
    from gongyue.organisations.models import Unit

    return User.objects.filter(is_active=True, unit__in=Unit.objects.members(moment).values("pk"))


def convention_rule(key: str):
    """A rule's value for the convention the platform runs (its default when there is none)."""
    from gongyue.convention.rules import RULES_BY_KEY

    convention = Convention.objects.current()
    return convention.rule(key) if convention else RULES_BY_KEY[key].default


def article_choices() -> list[tuple[int, str]]:
    """The articles of the version in force, as (number, "第N条 beginning of its text")."""
    convention = Convention.objects.current()
    version = convention.version_in_force if convention else None
    if version is None:
        return []
    choices = []
    for article in version.structure.get("articles", []):
        paragraphs = article.get("paragraphs") or [{}]
        text = (paragraphs[0].get("text") or "")[:40]
        choices.append((article["number"], f"{article_label(article['number'])} {text}"))
    return choices


def working_days_before(day, count: int):
    """The day `count` working days before `day` (when a reminder goes out)."""
    found = 0
    while found < count:
        day -= timedelta(days=1)
        if is_working_day(day)[0]:
            found += 1
    return day


def reminder_moment(ends_at):
    """00:00 of the day two working days before a period's last day."""
    return start_of_day(working_days_before(last_day(ends_at), 2))


def visible_cases(user):
    """The cases a person may open: the secretariat's (but not those it is recused from), a
    unit's own reports, and those against it once it has been notified."""
    if not user.is_authenticated:
        return Case.objects.none()
    if user.is_secretariat:
        return Case.objects.exclude(recusals__person=user)
    if not user.unit_id:
        return Case.objects.none()
    return Case.objects.filter(
        Q(reporter_unit=user.unit_id) | Q(accused=user.unit_id, notified_at__isnull=False)
    )


def overdue(now) -> dict:
    """What the secretariat dashboard flags: triage past its deadline, and notified cases whose
    reply deadline passed without a reply (the finding may now be recorded)."""
    return {
        "triage": list(Case.objects.triage_overdue(now).select_related("accused")[:50]),
        "reply": list(Case.objects.reply_lapsed(now).select_related("accused")[:50]),
    }


def history(case):
    """The case's audit rows, oldest first, as (when, what, who), in one query."""
    from gongyue.audit.registry import label

    rows = AuditEntry.objects.filter(subject_type="cases.case", subject_id=str(case.pk))
    return [
        (at, label(action), actor)
        for at, action, actor in rows.order_by("seq").values_list("at", "action", "actor_label")
    ]


def open_statuses():
    return [
        CaseStatus.RECEIVED,
        CaseStatus.INVESTIGATING,
        CaseStatus.NOTIFIED,
    ]
