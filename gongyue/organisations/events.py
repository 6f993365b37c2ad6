"""The audit event types of units, applications, signatures, delegates, withdrawal and lists."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationsEvent(models.TextChoices):
    APPLICATION_CREATED = "organisations.application_created", _("Application started")
    APPLICATION_CHANGED = "organisations.application_changed", _("Application changed")
    APPLICATION_SUBMITTED = "organisations.application_submitted", _("Application submitted")
    APPLICATION_RETURNED = "organisations.application_returned", _("Application returned")
    APPLICATION_REJECTED = "organisations.application_rejected", _("Application rejected")
    APPLICATION_APPROVED = "organisations.application_approved", _("Application approved")
    LICENCE_ATTACHED = "organisations.licence_attached", _("Business licence attached")
    LEGAL_REP_INVITED = "organisations.legal_rep_invited", _("Legal representative invited")
    LEGAL_REP_CLAIMED = (
        "organisations.legal_rep_claimed",
        _("Legal representative took up the role"),
    )
    DELEGATE_AUTHORISED = "organisations.delegate_authorised", _("Delegate authorised")
    DELEGATE_REVOKED = "organisations.delegate_revoked", _("Delegate revoked")
    CONVENTION_SIGNED = "organisations.convention_signed", _("Convention signed")
    SEALED_PAGE_RECEIVED = "organisations.sealed_page_received", _("Sealed signature page received")
    FOUNDERS_NAMED = "organisations.founders_named", _("Founding units named")
    CONVENTION_PUBLISHED = "organisations.convention_published", _("Convention published")
    CONVENTION_DATES_RECORDED = (
        "organisations.convention_dates_recorded",
        _("Convention dates recorded"),
    )
    WITHDRAWAL_NOTIFIED = "organisations.withdrawal_notified", _("Withdrawal notified")
    WITHDRAWAL_RETRACTED = "organisations.withdrawal_retracted", _("Withdrawal notice retracted")
    WITHDRAWAL_EFFECTIVE = "organisations.withdrawal_effective", _("Withdrawal took effect")
    MEMBERSHIP_REVOKED = "organisations.membership_revoked", _("Membership revoked")
    MEMBERSHIP_REINSTATED = "organisations.membership_reinstated", _("Membership reinstated")
    REGISTER_PUBLISHED = "organisations.register_published", _("Join and leave list published")
    MEMBERS_IMPORTED = "organisations.members_imported", _("Members imported")


# What the public relies on: the platform signs its chain head when one of these is recorded.
PUBLICATIONS = [OrganisationsEvent.CONVENTION_PUBLISHED, OrganisationsEvent.REGISTER_PUBLISHED]
