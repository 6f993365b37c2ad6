"""Background duties of bulletins: scheduled publication, and reminders to units that have not
read a bulletin or not acknowledged it before its deadline. Each claims its bulletin with a
conditional UPDATE, so two workers running at once act once."""

from gongyue.core.duties import duty
from gongyue.core.errors import ActionRefused

from .models import Bulletin, BulletinStatus


@duty("bulletins.publish_due")
def publish_due_bulletins(now) -> int:
    from .actions import do_publish_bulletin

    published = 0
    for bulletin in Bulletin.objects.due(now).order_by("publish_at", "pk"):
        # The action re-reads under a lock: a bulletin another worker published is refused.
        if Bulletin.objects.filter(pk=bulletin.pk, status=BulletinStatus.SCHEDULED).exists():
            try:
                do_publish_bulletin(bulletin, actor="system", now=now)
                published += 1
            except ActionRefused:  # another worker published it first
                continue
    return published


@duty("bulletins.read_reminders")
def remind_unread_bulletins(now) -> int:
    """Once per bulletin, BULLETIN_READ_REMINDER_DAYS after publication."""
    from .actions import do_remind_unread
    from .actions.bulletins import read_reminder_due_before

    sent = 0
    due = Bulletin.objects.published().filter(
        read_reminder_sent_at__isnull=True, published_at__lte=read_reminder_due_before(now)
    )
    for bulletin in due:
        if Bulletin.objects.filter(pk=bulletin.pk, read_reminder_sent_at__isnull=True).update(
            read_reminder_sent_at=now
        ):
            sent += do_remind_unread(bulletin, actor="system", now=now)
    return sent


@duty("bulletins.ack_reminders")
def remind_unacknowledged_bulletins(now) -> int:
    """Once per bulletin, BULLETIN_ACK_REMINDER_DAYS before its acknowledgement deadline."""
    from .actions import do_remind_unread
    from .actions.bulletins import ack_reminder_due_before

    sent = 0
    due = Bulletin.objects.published().filter(
        ack_required=True,
        ack_reminder_sent_at__isnull=True,
        ack_due_at__gt=now,
        ack_due_at__lte=ack_reminder_due_before(now),
    )
    for bulletin in due:
        if Bulletin.objects.filter(pk=bulletin.pk, ack_reminder_sent_at__isnull=True).update(
            ack_reminder_sent_at=now
        ):
            sent += do_remind_unread(bulletin, actor="system", now=now, acknowledgement=True)
    return sent


@duty("bulletins.campaign_reminders")
def remind_campaigns(now) -> int:
    """Once per campaign, CAMPAIGN_REMINDER_DAYS before its deadline, units that have not
    submitted are reminded."""
    from datetime import timedelta

    from django.conf import settings

    from .actions import do_remind_campaign
    from .models import Campaign

    sent = 0
    due = Campaign.objects.filter(
        status="open",
        reminder_sent_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + timedelta(days=settings.CAMPAIGN_REMINDER_DAYS),
    )
    for campaign in due:
        if Campaign.objects.filter(pk=campaign.pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        ):
            sent += do_remind_campaign(campaign, now=now)
    return sent
