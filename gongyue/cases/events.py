"""The cases app's audit event types, declared once (ARCHITECTURE.md convention 7): one
TextChoices per noun (cases; disputes, complaints and criticism)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DisputeEvent(models.TextChoices):
    """Disputes between members and their mediation (Art. 20): confidential to the parties and
    the mediator, so their rows are kept at the secretariat's level and show only their digest."""

    OPENED = "cases.dispute_opened", _("dispute opened")
    MESSAGE_ADDED = "cases.dispute_message_added", _("dispute negotiation recorded")
    MEDIATION_REQUESTED = "cases.dispute_mediation_requested", _("mediation requested")
    RECUSAL_RECORDED = "cases.dispute_recusal_recorded", _("mediator recusal recorded")
    MEDIATOR_ASSIGNED = "cases.dispute_mediator_assigned", _("mediator assigned")
    AGREEMENT_PROPOSED = "cases.dispute_agreement_proposed", _("settlement agreement proposed")
    AGREEMENT_ACCEPTED = "cases.dispute_agreement_accepted", _("settlement agreement accepted")
    SETTLED = "cases.dispute_settled", _("dispute settled")
    NOT_SETTLED = "cases.dispute_not_settled", _("dispute ended without settlement")


class ComplaintEvent(models.TextChoices):
    """Complaints about the executing body to the authority (Art. 23): authority-only rows."""

    FILED = "cases.complaint_filed", _("complaint to the authority filed")
    ANSWERED = "cases.complaint_answered", _("complaint answered by the authority")
    CLOSED = "cases.complaint_closed", _("complaint closed by the authority")


class CriticismEvent(models.TextChoices):
    """Criticism and complaints from the public (Art. 17)."""

    RECEIVED = "cases.criticism_received", _("public criticism received")
    TRIAGED = "cases.criticism_triaged", _("public criticism triaged")
    ANSWERED = "cases.criticism_answered", _("public criticism answered")


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
