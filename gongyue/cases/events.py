"""The cases app's audit event types, declared once (ARCHITECTURE.md convention 7): one
TextChoices per noun (cases; disputes, complaints and criticism)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseEvent(models.TextChoices):
    CASE_REPORTED = "cases.case_reported", _("violation reported")
    CASE_OPENED = "cases.case_opened", _("case opened on the secretariat's own initiative")
    CASE_TRIAGED = "cases.case_triaged", _("report triaged: investigation opened")
    CASE_UNFOUNDED = "cases.case_unfounded", _("report closed as unfounded")
    CONFLICT_DECLARED = "cases.conflict_declared", _("conflict declared, recusal recorded")
    CASE_ASSIGNED = "cases.case_assigned", _("case assigned")
    EVIDENCE_REDACTED = "cases.evidence_redacted", _("evidence redacted for the accused")
    ACCUSED_NOTIFIED = "cases.accused_notified", _("accused unit notified")
    REPLY_SUBMITTED = "cases.reply_submitted", _("accused unit replied")
    FINDING_RECORDED = "cases.finding_recorded", _("finding recorded")
    SANCTION_DECIDED = "cases.sanction_decided", _("sanction decided")
    REVIEW_REQUESTED = "cases.review_requested", _("review requested")
    REVIEW_DECIDED = "cases.review_decided", _("review decided")
    RESULT_PUBLISHED = "cases.result_published", _("result published to all members")


# Members rely on these: the platform signs its chain head when one is recorded.
PUBLICATIONS = [CaseEvent.RESULT_PUBLISHED, CaseEvent.SANCTION_DECIDED]
