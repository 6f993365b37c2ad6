"""Background duties of cases. The reminders two working days before each deadline (triage,
reply, review) are Reminder rows the core reminder duty sends; this one flags each case whose
triage is overdue to the secretariat once, claiming it with a conditional UPDATE."""

from gongyue.core.duties import duty

from . import redress_duties  # noqa: F401 (disputes, complaints and criticism register theirs)
from .models import Case


@duty("cases.triage_overdue")
def flag_overdue_triage(now) -> int:
    from django.urls import reverse

    from gongyue.core.notify import notify

    from . import queries

    flagged = 0
    for case in Case.objects.triage_overdue(now).filter(overdue_flagged_at__isnull=True):
        if Case.objects.filter(pk=case.pk, overdue_flagged_at__isnull=True).update(
            overdue_flagged_at=now
        ):
            notify(
                queries.secretariat_people(),
                kind="case",
                template="cases/mail/triage_overdue",
                context={"number": case.number},
                url=reverse("organisations:dashboard"),
            )
            flagged += 1
    return flagged
