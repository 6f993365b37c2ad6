"""Leaving: a member's withdrawal notice (Art. 27), its retraction before it takes effect, and
revocation of membership (Art. 22)."""

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.deadlines import china_date, start_of_day
from gongyue.core.errors import ActionRefused, refuse_if
from gongyue.core.notify import notify

from .. import queries
from ..models import EndedBy, JoinedBy, Membership, Unit, Withdrawal, WithdrawalStatus

MAIL = "organisations/mail/"


@transaction.atomic
def do_give_withdrawal_notice(
    unit, *, actor, effective_on: date | None = None, reason: str = ""
) -> Withdrawal:
    """A member leaves by notifying the secretariat, without approval (Art. 27).

    The notice is effective on its date (default: the day it is received): today it ends the
    membership now, a later date at 00:00 of that date, when the withdrawal duty tells everyone.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    now = timezone.now()
    today = china_date(now)
    if unit.signing_grant(actor, today) is None:
        raise ActionRefused(
            _(
                "Only the unit's legal representative or a delegate with a valid authorisation "
                "may give notice."
            ),
            code="forbidden",
            status=403,
        )
    effective_on = effective_on or today
    membership = unit.current_membership(now)
    if membership is None:
        raise ActionRefused(
            _("%(unit)s is not a member, so it cannot withdraw.") % {"unit": unit},
            code="not_a_member",
        )
    if membership.ended_at is not None:
        raise ActionRefused(
            _("%(unit)s has already given notice; it leaves on %(day)s.")
            % {"unit": unit, "day": china_date(membership.ended_at)},
            code="already_withdrawing",
        )
    if effective_on < today:
        raise ActionRefused(
            _("The date cannot be earlier than the day the notice is received."),
            code="invalid",
            field="effective_on",
            status=400,
        )
    effective_at = now if effective_on == today else start_of_day(effective_on)
    immediate = effective_at <= now
    withdrawal = Withdrawal.objects.create(
        unit=unit,
        membership=membership,
        given_by=actor,
        received_at=now,
        effective_on=effective_on,
        effective_at=effective_at,
        reason=(reason or "").strip(),
        status=WithdrawalStatus.EFFECTIVE if immediate else WithdrawalStatus.PENDING,
        took_effect_at=now if immediate else None,
    )
    membership.ended_at, membership.ended_by = effective_at, EndedBy.WITHDRAWAL
    membership.end_reason = withdrawal.reason
    membership.save(update_fields=["ended_at", "ended_by", "end_reason"])
    record(
        "organisations.withdrawal_notified",
        actor=actor,
        subject=withdrawal,
        visibility=Visibility.PUBLIC,
        new={
            "unit": unit.pk,
            "effective_on": effective_on,
            "effective_at": effective_at,
            "immediate": immediate,
        },
    )
    notify(
        [*queries.secretariat_people(), *queries.unit_signers(unit)],
        kind="membership",
        template=MAIL + "withdrawal_notified",
        context={"unit": unit.name, "effective_on": effective_on, "immediate": immediate},
        url=reverse("organisations:public_unit", args=[unit.pk]),
    )
    return withdrawal


@transaction.atomic
def do_retract_withdrawal(withdrawal, *, actor) -> Withdrawal:
    """Take back a notice of withdrawal before it takes effect: the membership goes on.

    The notice stays on record as retracted; once its date has come (or a revocation ended the
    membership first) it can no longer be taken back.
    """
    withdrawal = Withdrawal.objects.select_for_update().select_related("unit").get(pk=withdrawal.pk)
    unit = withdrawal.unit
    now = timezone.now()
    if unit.signing_grant(actor, china_date(now)) is None:
        raise ActionRefused(
            _(
                "Only the unit's legal representative or a delegate with a valid authorisation "
                "may retract the notice."
            ),
            code="forbidden",
            status=403,
        )
    refuse_if(withdrawal.blockers_to_retract(now), code="cannot_retract")
    membership = Membership.objects.select_for_update().get(pk=withdrawal.membership_id)
    old = {"status": withdrawal.status, "ended_at": membership.ended_at}
    withdrawal.status = WithdrawalStatus.RETRACTED
    withdrawal.retracted_at, withdrawal.retracted_by = now, actor
    withdrawal.save(update_fields=["status", "retracted_at", "retracted_by"])
    membership.ended_at, membership.ended_by, membership.end_reason = None, "", ""
    membership.save(update_fields=["ended_at", "ended_by", "end_reason"])
    record(
        "organisations.withdrawal_retracted",
        actor=actor,
        subject=withdrawal,
        visibility=Visibility.PUBLIC,
        old=old,
        new={"status": WithdrawalStatus.RETRACTED, "ended_at": None},
    )
    notify(
        [*queries.secretariat_people(), *queries.unit_signers(unit)],
        kind="membership",
        template=MAIL + "withdrawal_retracted",
        context={"unit": unit.name, "effective_on": withdrawal.effective_on},
        url=reverse("organisations:public_unit", args=[unit.pk]),
    )
    return withdrawal


def do_complete_withdrawal(withdrawal, *, actor="system", now=None) -> bool:
    """Mark a pending withdrawal effective at its date; returns False if another worker did.

    The membership already ends at `effective_at`, so counts are right even before this runs;
    this records the moment and tells the unit and the secretariat.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The conditional UPDATE is the claim: only one worker gets rowcount 1.
        claimed = Withdrawal.objects.filter(
            pk=withdrawal.pk, status=WithdrawalStatus.PENDING, effective_at__lte=now
        ).update(status=WithdrawalStatus.EFFECTIVE, took_effect_at=now)
        if not claimed:
            return False
        withdrawal = Withdrawal.objects.select_related("unit").get(pk=withdrawal.pk)
        record(
            "organisations.withdrawal_effective",
            actor=actor,
            subject=withdrawal,
            visibility=Visibility.PUBLIC,
            old={"status": WithdrawalStatus.PENDING},
            new={"status": WithdrawalStatus.EFFECTIVE},
        )
        notify(
            [*queries.secretariat_people(), *queries.unit_signers(withdrawal.unit)],
            kind="membership",
            template=MAIL + "withdrawal_effective",
            context={"unit": withdrawal.unit.name, "effective_on": withdrawal.effective_on},
            url=reverse("organisations:public_unit", args=[withdrawal.unit_id]),
        )
    return True


@transaction.atomic
def do_revoke_membership(unit, *, actor, reason: str) -> Membership:
    """End a membership by decision (Art. 22, 取消成员资格); the cases app calls this."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat revokes a membership."), code="forbidden", status=403
        )
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(
            _("Give the reasons for the revocation."), code="invalid", field="reason", status=400
        )
    now = timezone.now()
    membership = unit.current_membership(now)
    if membership is None:
        raise ActionRefused(_("%(unit)s is not a member.") % {"unit": unit}, code="not_a_member")
    old = {"ended_at": membership.ended_at, "ended_by": membership.ended_by}
    # A pending withdrawal gives way: the unit leaves now, by revocation.
    Withdrawal.objects.filter(membership=membership, status=WithdrawalStatus.PENDING).update(
        status=WithdrawalStatus.EFFECTIVE, took_effect_at=now
    )
    membership.ended_at, membership.ended_by, membership.end_reason = (
        now,
        EndedBy.REVOCATION,
        reason,
    )
    membership.save(update_fields=["ended_at", "ended_by", "end_reason"])
    record(
        "organisations.membership_revoked",
        actor=actor,
        subject=membership,
        visibility=Visibility.PUBLIC,
        old=old,
        new={"ended_at": now, "ended_by": EndedBy.REVOCATION, "reason": reason},
    )
    notify(
        queries.unit_signers(unit),
        kind="membership",
        template=MAIL + "membership_revoked",
        context={"unit": unit.name, "reason": reason},
        url=reverse("organisations:public_unit", args=[unit.pk]),
    )
    return membership


@transaction.atomic
def do_reinstate_membership(unit, *, actor, reason: str, origin=None) -> Membership:
    """Restore a revoked membership (a review annulled the revocation, Art. 22): a new interval
    from now, `joined_by=reinstated`; the revoked interval stays on record as it was.

    `origin` is what decided it (the case), named in the audit row.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not getattr(actor, "is_secretariat", False):
        raise ActionRefused(
            _("Only the secretariat reinstates a membership."), code="forbidden", status=403
        )
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(
            _("Give the reasons for the reinstatement."), code="invalid", field="reason", status=400
        )
    now = timezone.now()
    if unit.current_membership(now) is not None:
        raise ActionRefused(
            _("%(unit)s is already a member.") % {"unit": unit}, code="already_member"
        )
    last = unit.memberships.order_by("-started_at").first()
    if last is None or last.ended_by != EndedBy.REVOCATION:
        raise ActionRefused(_("Only a revoked membership can be reinstated."), code="not_revoked")
    membership = Membership.objects.create(unit=unit, started_at=now, joined_by=JoinedBy.REINSTATED)
    record(
        "organisations.membership_reinstated",
        actor=actor,
        subject=membership,
        visibility=Visibility.PUBLIC,
        old={"revoked_membership": last.pk, "ended_at": last.ended_at},
        new={
            "started_at": now,
            "joined_by": JoinedBy.REINSTATED,
            "reason": reason,
            "origin": str(origin) if origin is not None else "",
        },
    )
    notify(
        queries.unit_signers(unit),
        kind="membership",
        template=MAIL + "membership_reinstated",
        context={"unit": unit.name, "reason": reason},
        url=reverse("organisations:public_unit", args=[unit.pk]),
    )
    return membership
