"""Background duty of disputes, complaints and public criticism: once a deadline has passed,
tell whoever must act that it is overdue — the secretariat head for a mediator not yet named,
the secretariat for unanswered criticism, the authority for an unanswered complaint (never the
secretariat). Each row is claimed with a conditional UPDATE, so two workers flag it once.
(Reminders two days before each deadline are scheduled by the actions themselves.)"""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse

from gongyue.core.duties import duty
from gongyue.core.notify import notify
from gongyue.organisations.queries import secretariat_people

from .actions.complaints import authority_people
from .models import (
    Complaint,
    ComplaintStatus,
    Criticism,
    CriticismStatus,
    Dispute,
    DisputeStatus,
)
from .models.disputes import rule_now

MAIL = "cases/mail/"


# No deadline of these ends sooner than its days in calendar days: rows younger than that are
# not even read.
def _older_than(now, key):
    return now - timedelta(days=rule_now(key))


def _flag(model, pk, field, now) -> bool:
    return bool(model.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(**{field: now}))


@duty("cases.redress_overdue")
def flag_overdue_redress(now) -> int:
    flagged = 0
    for dispute in Dispute.objects.filter(
        status=DisputeStatus.MEDIATION_REQUESTED,
        assignment_overdue_at__isnull=True,
        mediation_requested_at__lte=_older_than(now, "mediation_assignment_days"),
    ):
        if dispute.assignment_deadline().has_passed(now):
            with transaction.atomic():
                if _flag(Dispute, dispute.pk, "assignment_overdue_at", now):
                    notify(
                        [p for p in secretariat_people() if p.is_secretariat_head],
                        kind="dispute",
                        template=MAIL + "assignment_overdue",
                        context={"number": dispute.pk},
                        url=reverse("cases:dispute_queue"),
                    )
                    flagged += 1
    for criticism in Criticism.objects.exclude(status=CriticismStatus.ANSWERED).filter(
        overdue_flagged_at__isnull=True,
        received_at__lte=_older_than(now, "criticism_answer_days"),
    ):
        if criticism.answer_deadline().has_passed(now):
            with transaction.atomic():
                if _flag(Criticism, criticism.pk, "overdue_flagged_at", now):
                    notify(
                        secretariat_people(),
                        kind="criticism",
                        template=MAIL + "criticism_overdue",
                        context={"number": criticism.pk},
                        url=reverse("cases:criticism_detail", args=[criticism.pk]),
                    )
                    flagged += 1
    for complaint in Complaint.objects.filter(
        status=ComplaintStatus.FILED,
        overdue_flagged_at__isnull=True,
        filed_at__lte=_older_than(now, "complaint_answer_days"),
    ):
        if complaint.answer_deadline().has_passed(now):
            with transaction.atomic():
                if _flag(Complaint, complaint.pk, "overdue_flagged_at", now):
                    notify(
                        authority_people(),
                        kind="complaint",
                        template=MAIL + "complaint_overdue",
                        context={"number": complaint.pk},
                        url=reverse("cases:complaint", args=[complaint.pk]),
                    )
                    flagged += 1
    return flagged
