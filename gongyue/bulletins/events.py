"""The bulletins app's audit event types, declared once (ARCHITECTURE.md convention 7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BulletinEvent(models.TextChoices):
    BULLETIN_CREATED = "bulletins.bulletin_created", _("bulletin drafted")
    BULLETIN_SCHEDULED = "bulletins.bulletin_scheduled", _("bulletin scheduled")
    BULLETIN_PUBLISHED = "bulletins.bulletin_published", _("bulletin published")
    BULLETIN_READ = "bulletins.bulletin_read", _("bulletin read by a unit")
    BULLETIN_ACKNOWLEDGED = "bulletins.bulletin_acknowledged", _("bulletin acknowledged")
    UNREAD_REMINDED = "bulletins.unread_reminded", _("units reminded to read a bulletin")
    REQUEST_SENT = "bulletins.request_sent", _("request or suggestion sent")
    REQUEST_ANSWERED = "bulletins.request_answered", _("request answered by the secretariat")
    REQUEST_FORWARDED = "bulletins.request_forwarded", _("requests forwarded to the authority")
    AUTHORITY_REPLIED = "bulletins.authority_replied", _("authority replied")
    REQUEST_CLOSED = "bulletins.request_closed", _("request closed")
    CAMPAIGN_CREATED = "bulletins.campaign_created", _("compliance campaign drafted")
    QUESTION_ADDED = "bulletins.question_added", _("question added to a campaign")
    CAMPAIGN_OPENED = "bulletins.campaign_opened", _("compliance campaign opened")
    ANSWERS_SAVED = "bulletins.answers_saved", _("campaign answers saved")
    ANSWERS_SUBMITTED = "bulletins.answers_submitted", _("campaign answers submitted")
    MORE_REQUESTED = "bulletins.more_requested", _("more information requested")
    FINDING_RECORDED = "bulletins.finding_recorded", _("finding recorded")
    SUMMARY_PUBLISHED = "bulletins.summary_published", _("campaign summary published")
    CAMPAIGN_REMINDED = "bulletins.campaign_reminded", _("units reminded to answer a campaign")


# Rows that put something before members or the public: each stores a signed chain head, so
# what was published, and when, can be proved later against the platform's public key. The
# authority's reply is correspondence with the submitting units, not a publication; its row is
# covered by the next signed head like any other.
PUBLICATIONS = {
    BulletinEvent.BULLETIN_PUBLISHED,
    BulletinEvent.SUMMARY_PUBLISHED,
}
