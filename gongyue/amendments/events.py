"""The audit event types of amendments, declared once (ARCHITECTURE.md convention 7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AmendmentEvent(models.TextChoices):
    PROPOSAL_CREATED = "amendments.proposal_created", _("amendment proposal drafted")
    PROPOSAL_SUBMITTED = "amendments.proposal_submitted", _("amendment proposal submitted")
    PROPOSAL_SPONSORED = "amendments.proposal_sponsored", _("amendment proposal sponsored")
    SPONSORSHIP_WITHDRAWN = "amendments.sponsorship_withdrawn", _("sponsorship withdrawn")
    PROPOSAL_LAPSED = "amendments.proposal_lapsed", _("amendment proposal lapsed")
    BALLOT_OPENED = "amendments.ballot_opened", _("ballot opened")
    VOTE_CAST = "amendments.vote_cast", _("vote cast")
    BALLOT_CLOSED = "amendments.ballot_closed", _("ballot closed")
    AMENDMENT_PUBLISHED = "amendments.amendment_published", _("amendment published")
    ANNEX_PUBLISHED = "amendments.annex_published", _("annex published")
    ANNEX_SIGNED = "amendments.annex_signed", _("annex signed")
    ANNEX_WITHDRAWN = "amendments.annex_withdrawn", _("unit withdrew from an annex")
    INTERPRETATION_PUBLISHED = "amendments.interpretation_published", _("interpretation published")


# What the public relies on: recording one of these stores a signed chain head (audit.heads).
PUBLICATIONS = {
    AmendmentEvent.BALLOT_CLOSED,
    AmendmentEvent.AMENDMENT_PUBLISHED,
    AmendmentEvent.ANNEX_PUBLISHED,
    AmendmentEvent.INTERPRETATION_PUBLISHED,
}
