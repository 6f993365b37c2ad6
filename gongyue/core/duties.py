"""Background duties: functions that do what is due at a moment (deadlines, reminders).

Apps register theirs in their own duties.py with @duty; `gongyue run_duties` runs each once and
`gongyue worker` runs them in a loop. Every duty must be idempotent and claim the rows it acts
on with a conditional UPDATE, so that two workers running at once never act twice.
"""

from django.db import transaction
from django.utils import timezone

from .models import Reminder

REGISTRY: dict = {}


def duty(name: str):
    def register(function):
        REGISTRY[name] = function
        return function

    return register


def run_due_duties(now=None) -> dict[str, int]:
    """Run every registered duty once; returns how many items each handled."""
    now = now or timezone.now()
    return {name: function(now) for name, function in sorted(REGISTRY.items())}


@duty("core.reminders")
def send_due_reminders(now) -> int:
    from .notify import notify

    sent = 0
    due = Reminder.objects.filter(sent_at__isnull=True, due_at__lte=now).select_related("recipient")
    for reminder in due:
        with transaction.atomic():
            # The conditional UPDATE is the claim: only one worker gets rowcount 1.
            if not Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
                sent_at=now
            ):
                continue
            notify(
                [reminder.recipient],
                kind=reminder.kind,
                template=reminder.template,
                context=reminder.context,
                url=reminder.url,
                topic=reminder.key,
            )
        sent += 1
    return sent


def schedule_reminder(
    *, key: str, recipient, due_at, kind: str, template: str, context=None, url=""
):
    """Create or move the reminder for (key, recipient); an already sent one is left alone."""
    reminder, created = Reminder.objects.get_or_create(
        key=key,
        recipient=recipient,
        defaults={
            "due_at": due_at,
            "kind": kind,
            "template": template,
            "context": context or {},
            "url": url,
        },
    )
    if not created and reminder.sent_at is None:
        Reminder.objects.filter(pk=reminder.pk).update(
            due_at=due_at, kind=kind, template=template, context=context or {}, url=url
        )
    return reminder
