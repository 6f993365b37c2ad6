from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MailState(models.TextChoices):
    NOT_WANTED = "not_wanted", _("not wanted")
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person: always in the inbox, and by mail unless they muted its kind."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=64)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    # What the message is about (a reminder's key), so that the act it asks for can settle it.
    topic = models.CharField(max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    mail_state = models.CharField(max_length=16, choices=MailState.choices)
    mail_attempts = models.PositiveSmallIntegerField(default=0)
    mail_sent_at = models.DateTimeField(null=True, blank=True)
    mail_error = models.CharField(max_length=500, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Reminder(models.Model):
    """A notification to be sent at a future moment, e.g. a deadline warning.

    The `send_due_reminders` duty claims each due row with a conditional UPDATE, so two workers
    running at once send it exactly once.
    """

    due_at = models.DateTimeField(_("due"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=64)
    template = models.CharField(max_length=200)
    context = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    # Identifies what the reminder is about, so re-scheduling replaces instead of duplicating.
    key = models.CharField(max_length=200)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "recipient"], name="one_reminder_per_key_and_recipient"
            )
        ]
        indexes = [models.Index(fields=["sent_at", "due_at"])]

    def __str__(self):
        return f"{self.key} → {self.recipient_id} at {self.due_at:%Y-%m-%d %H:%M}"
