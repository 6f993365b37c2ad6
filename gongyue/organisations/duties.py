"""Background duties of membership: withdrawals taking effect at their date, and the reminder that
a period's join/leave list is due. Both are idempotent and safe to run twice at once."""

from django.urls import reverse

from gongyue.core.duties import duty, schedule_reminder

from .models import RegisterList, Withdrawal, WithdrawalStatus


@duty("organisations.withdrawals")
def complete_due_withdrawals(now) -> int:
    """Withdrawals whose date has come take effect without anyone clicking (Art. 27)."""
    from .actions import do_complete_withdrawal

    due = Withdrawal.objects.filter(
        status=WithdrawalStatus.PENDING, effective_at__lte=now
    ).order_by("effective_at")
    return sum(do_complete_withdrawal(withdrawal, now=now) for withdrawal in due)


@duty("organisations.register_due")
def remind_register_due(now) -> int:
    """Remind the secretariat, when a period ends, to publish its list; returns reminders scheduled.

    The reminder for the current period is scheduled for the moment it ends, and the one for the
    period just ended is due at once if its list is still unpublished; `schedule_reminder` keys
    them by period, so running this again changes nothing, and core.reminders claims each once.
    """
    from .queries import secretariat_people
    from .registers import current_period

    current = current_period(now)
    periods = [current]
    if not RegisterList.objects.filter(period=current.previous().key).exists():
        periods.append(current.previous())
    people = list(secretariat_people())
    scheduled = 0
    for period in periods:
        for person in people:
            reminder = schedule_reminder(
                key=f"register:{period.key}",
                recipient=person,
                due_at=period.end,
                kind="reminder",
                template="organisations/mail/register_due",
                context={"period": period.label},
                url=reverse("organisations:register_admin") + f"?period={period.key}",
            )
            scheduled += reminder.sent_at is None
    return scheduled
