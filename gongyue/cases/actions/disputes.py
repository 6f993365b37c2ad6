"""Disputes (Art. 20): opened by one member unit with another, negotiated between them,
mediated by a secretariat person who is not conflicted when either asks, and ended settled (an
agreement a signer of each party accepted) or not settled. Audit rows carry ids and statuses,
never the texts, which are the parties' and the mediator's."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.accounts.models import SIGNING_ROLES, User
from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.duties import schedule_reminder
from gongyue.core.errors import ActionRefused
from gongyue.core.notify import notify
from gongyue.organisations.models import Unit
from gongyue.organisations.queries import secretariat_people

from ..events import DisputeEvent
from ..models import (
    Dispute,
    DisputeAgreement,
    DisputeMessage,
    DisputeRecusal,
    DisputeStatus,
    RecusalReason,
)

MAIL = "cases/mail/"
VISIBILITY = Visibility.SECRETARIAT
# Reminders go out this long before a deadline ends (two working days, roughly).
REMIND_BEFORE = timedelta(days=2)


def party_people(dispute):
    return User.objects.filter(is_active=True, unit__in=dispute.party_ids)


def is_party(user, dispute) -> bool:
    return bool(getattr(user, "unit_id", None)) and user.unit_id in dispute.party_ids


def is_signer_for(user, unit_id) -> bool:
    return user.unit_id == unit_id and user.has_role(*SIGNING_ROLES, unit=unit_id)


def conflict_of(person, dispute) -> str:
    """Why `person` may not mediate `dispute`, or ""."""
    if person.unit_id and person.unit_id in dispute.party_ids:
        return str(RecusalReason.WORKS_FOR_PARTY.label)
    recusal = dispute.recusals.filter(person=person).first()
    return recusal.get_reason_display() if recusal else ""


def _url(dispute) -> str:
    return reverse("cases:dispute", args=[dispute.pk])


def _tell(people, dispute, template: str, **context):
    notify(
        people,
        kind="dispute",
        template=MAIL + template,
        context={"number": dispute.pk, **context},
        url=_url(dispute),
        topic=f"dispute:{dispute.pk}:{template}",
    )


def _locked(dispute) -> Dispute:
    return Dispute.objects.select_for_update().get(pk=dispute.pk)


def _refuse_unless_open(dispute):
    if not dispute.is_open:
        raise ActionRefused(
            _("This dispute has ended (%(status)s); nothing more can be recorded.")
            % {"status": dispute.get_status_display()},
            code="dispute_ended",
        )


def _refuse_unless_party_or_mediator(actor, dispute):
    if not (is_party(actor, dispute) or dispute.mediator_id == actor.pk):
        raise ActionRefused(
            _("Only the two parties and the mediator act in a dispute."),
            code="forbidden",
            status=403,
        )


@transaction.atomic
def do_open_dispute(*, actor, respondent: Unit, subject: str, statement: str) -> Dispute:
    """A person of a member unit opens a dispute with another member unit."""
    now = timezone.now()
    if not actor.unit_id or not actor.unit.is_member(now):
        raise ActionRefused(
            _("Only people of a member unit open disputes."), code="forbidden", status=403
        )
    if respondent.pk == actor.unit_id:
        raise ActionRefused(
            _("A dispute is with another member unit, not your own."),
            code="own_unit",
            field="respondent",
            status=400,
        )
    if not respondent.is_member(now):
        raise ActionRefused(
            _("%(unit)s is not a member unit; disputes are between members.")
            % {"unit": respondent.name},
            code="not_a_member",
            field="respondent",
            status=400,
        )
    dispute = Dispute.objects.create(
        claimant_id=actor.unit_id,
        respondent=respondent,
        opened_by=actor,
        subject=subject,
        statement=statement,
        opened_at=now,
    )
    record(
        DisputeEvent.OPENED,
        actor=actor,
        subject=dispute,
        new={"claimant": dispute.claimant_id, "respondent": respondent.pk},
        visibility=VISIBILITY,
    )
    _tell(
        User.objects.filter(is_active=True, unit=respondent),
        dispute,
        "dispute_opened",
        claimant=str(actor.unit),
    )
    return dispute


@transaction.atomic
def do_add_dispute_message(dispute, *, actor, body: str, document=None) -> DisputeMessage:
    """A party or the mediator adds to the record: a message, optionally with a document
    (checked by the form: PDF, PNG or JPEG)."""
    dispute = _locked(dispute)
    _refuse_unless_party_or_mediator(actor, dispute)
    _refuse_unless_open(dispute)
    message = DisputeMessage(
        dispute=dispute,
        author=actor,
        unit_id=actor.unit_id if is_party(actor, dispute) else None,
        body=body,
        in_mediation=dispute.status == DisputeStatus.MEDIATING,
    )
    if document:
        message.document_name = document.name[-200:]
        message.document.save(document.name, document, save=False)
    message.save()
    record(
        DisputeEvent.MESSAGE_ADDED,
        actor=actor,
        subject=dispute,
        new={"message": message.pk, "document_sha256": message.document_sha256 or None},
        visibility=VISIBILITY,
    )
    others = [p for p in party_people(dispute) if p.unit_id != actor.unit_id]
    if dispute.mediator_id and dispute.mediator_id != actor.pk:
        others.append(dispute.mediator)
    _tell(others, dispute, "dispute_message")
    return message


@transaction.atomic
def do_request_mediation(dispute, *, actor) -> Dispute:
    """Either party asks the secretariat to mediate, once. Secretariat people who work for
    either party are recorded as recused at once."""
    dispute = _locked(dispute)
    if not is_party(actor, dispute):
        raise ActionRefused(_("Only a party asks for mediation."), code="forbidden", status=403)
    if dispute.mediation_requested_at:
        raise ActionRefused(
            _("Mediation was already asked for on %(day)s.")
            % {"day": timezone.localtime(dispute.mediation_requested_at).date()},
            code="already_requested",
        )
    _refuse_unless_open(dispute)
    now = timezone.now()
    old = dispute.status
    dispute.status = DisputeStatus.MEDIATION_REQUESTED
    dispute.mediation_requested_at, dispute.mediation_requested_by = now, actor
    dispute.save(update_fields=["status", "mediation_requested_at", "mediation_requested_by"])
    record(
        DisputeEvent.MEDIATION_REQUESTED,
        actor=actor,
        subject=dispute,
        old={"status": old},
        new={"status": dispute.status},
        visibility=VISIBILITY,
    )
    secretariat = list(secretariat_people())
    for person in secretariat:
        if person.unit_id and person.unit_id in dispute.party_ids:
            _record_recusal(dispute, person, RecusalReason.WORKS_FOR_PARTY, actor="system")
    due = dispute.assignment_deadline()
    queue = reverse("cases:dispute_queue")
    notify(
        secretariat,
        kind="dispute",
        template=MAIL + "mediation_requested",
        context={"number": dispute.pk, "due": due.last_day},
        url=queue,
        topic=f"dispute:{dispute.pk}:assign",
    )
    for person in secretariat:
        if person.is_secretariat_head:
            schedule_reminder(
                key=f"dispute:{dispute.pk}:assign",
                recipient=person,
                due_at=due.ends_at - REMIND_BEFORE,
                kind="dispute",
                template=MAIL + "assignment_reminder",
                context={"number": dispute.pk, "due": due.last_day.isoformat()},
                url=queue,
            )
    _tell(
        [p for p in party_people(dispute) if p.pk != actor.pk],
        dispute,
        "mediation_requested_party",
    )
    return dispute


def _record_recusal(dispute, person, reason, *, actor, note: str = "") -> DisputeRecusal:
    recusal, created = DisputeRecusal.objects.get_or_create(
        dispute=dispute, person=person, defaults={"reason": reason, "note": note}
    )
    if created:
        record(
            DisputeEvent.RECUSAL_RECORDED,
            actor=actor,
            subject=dispute,
            new={"person": person.pk, "reason": reason},
            visibility=VISIBILITY,
        )
    return recusal


@transaction.atomic
def do_declare_dispute_conflict(dispute, *, actor, note: str = "") -> DisputeRecusal:
    """A secretariat person declares a conflict: they will not mediate this dispute."""
    if not actor.is_secretariat:
        raise ActionRefused(
            _("Only secretariat people declare conflicts."), code="forbidden", status=403
        )
    dispute = _locked(dispute)
    if dispute.recusals.filter(person=actor).exists():
        raise ActionRefused(_("Your recusal is already recorded."), code="already_recused")
    return _record_recusal(dispute, actor, RecusalReason.DECLARED, actor=actor, note=note)


@transaction.atomic
def do_assign_mediator(dispute, *, actor, mediator) -> Dispute:
    """The secretariat names a mediator: a secretariat person with no conflict."""
    if not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat names a mediator."), code="forbidden", status=403
        )
    dispute = _locked(dispute)
    if dispute.status != DisputeStatus.MEDIATION_REQUESTED:
        raise ActionRefused(
            _("This dispute is “%(status)s”; a mediator is named once mediation is asked for.")
            % {"status": dispute.get_status_display()},
            code="invalid_transition",
        )
    if not mediator.is_secretariat:
        raise ActionRefused(
            _("The mediator is a person of the secretariat."),
            code="not_secretariat",
            field="mediator",
        )
    if conflict := conflict_of(mediator, dispute):
        raise ActionRefused(
            _("%(person)s may not mediate this dispute: %(reason)s.")
            % {"person": mediator, "reason": conflict},
            code="conflicted",
            field="mediator",
        )
    now = timezone.now()
    dispute.status = DisputeStatus.MEDIATING
    dispute.mediator, dispute.mediator_assigned_at = mediator, now
    dispute.save(update_fields=["status", "mediator", "mediator_assigned_at"])
    record(
        DisputeEvent.MEDIATOR_ASSIGNED,
        actor=actor,
        subject=dispute,
        old={"status": DisputeStatus.MEDIATION_REQUESTED},
        new={"status": dispute.status, "mediator": mediator.pk},
        visibility=VISIBILITY,
    )
    due = dispute.mediation_deadline()
    _tell([mediator, *party_people(dispute)], dispute, "mediator_assigned", due=due.last_day)
    schedule_reminder(
        key=f"dispute:{dispute.pk}:mediation",
        recipient=mediator,
        due_at=due.ends_at - REMIND_BEFORE,
        kind="dispute",
        template=MAIL + "mediation_reminder",
        context={"number": dispute.pk, "due": due.last_day.isoformat()},
        url=_url(dispute),
    )
    return dispute


@transaction.atomic
def do_propose_agreement(dispute, *, actor, text: str) -> DisputeAgreement:
    """A party or the mediator proposes a settlement text; it replaces any earlier proposal."""
    dispute = _locked(dispute)
    _refuse_unless_party_or_mediator(actor, dispute)
    _refuse_unless_open(dispute)
    now = timezone.now()
    dispute.agreements.filter(superseded_at__isnull=True).update(superseded_at=now)
    agreement = DisputeAgreement.objects.create(
        dispute=dispute, text=text, proposed_by=actor, proposed_at=now
    )
    record(
        DisputeEvent.AGREEMENT_PROPOSED,
        actor=actor,
        subject=dispute,
        new={"agreement": agreement.pk},
        visibility=VISIBILITY,
    )
    _tell(party_people(dispute), dispute, "agreement_proposed")
    return agreement


@transaction.atomic
def do_accept_agreement(agreement, *, actor) -> DisputeAgreement:
    """A signer (legal representative or delegate) of a party accepts the current proposal for
    their unit; once both parties have, the dispute is settled."""
    dispute = _locked(agreement.dispute)
    agreement = DisputeAgreement.objects.select_for_update().get(pk=agreement.pk)
    if not is_party(actor, dispute):
        raise ActionRefused(
            _("Only the parties accept a settlement."), code="forbidden", status=403
        )
    if not is_signer_for(actor, actor.unit_id):
        raise ActionRefused(
            _("Only your unit's legal representative or a delegate accepts a settlement."),
            code="not_a_signer",
            status=403,
        )
    _refuse_unless_open(dispute)
    if not agreement.is_current:
        raise ActionRefused(
            _("A newer proposal replaced this one; read and accept that one."), code="superseded"
        )
    side = "claimant" if actor.unit_id == dispute.claimant_id else "respondent"
    if getattr(agreement, f"{side}_accepted_at"):
        raise ActionRefused(_("Your unit has already accepted this text."), code="already_accepted")
    now = timezone.now()
    setattr(agreement, f"{side}_accepted_at", now)
    setattr(agreement, f"{side}_accepted_by", actor)
    agreement.save(update_fields=[f"{side}_accepted_at", f"{side}_accepted_by"])
    record(
        DisputeEvent.AGREEMENT_ACCEPTED,
        actor=actor,
        subject=dispute,
        new={"agreement": agreement.pk, "side": side, "unit": actor.unit_id},
        visibility=VISIBILITY,
    )
    if agreement.accepted_by_both:
        old = dispute.status
        dispute.status, dispute.ended_at = DisputeStatus.SETTLED, now
        dispute.save(update_fields=["status", "ended_at"])
        record(
            DisputeEvent.SETTLED,
            actor=actor,
            subject=dispute,
            old={"status": old},
            new={"status": dispute.status, "agreement": agreement.pk},
            visibility=VISIBILITY,
        )
        people = list(party_people(dispute))
        if dispute.mediator_id:
            people.append(dispute.mediator)
        _tell(people, dispute, "dispute_settled")
    else:
        _tell(
            [p for p in party_people(dispute) if p.unit_id != actor.unit_id],
            dispute,
            "agreement_accepted",
        )
    return agreement


@transaction.atomic
def do_end_dispute_unsettled(dispute, *, actor, reason: str) -> Dispute:
    """A party or the mediator records that the dispute ends without settlement."""
    dispute = _locked(dispute)
    _refuse_unless_party_or_mediator(actor, dispute)
    _refuse_unless_open(dispute)
    old = dispute.status
    dispute.status, dispute.ended_at = DisputeStatus.NOT_SETTLED, timezone.now()
    dispute.end_reason = reason
    dispute.save(update_fields=["status", "ended_at", "end_reason"])
    record(
        DisputeEvent.NOT_SETTLED,
        actor=actor,
        subject=dispute,
        old={"status": old},
        new={"status": dispute.status},
        visibility=VISIBILITY,
    )
    people = [p for p in party_people(dispute) if p.pk != actor.pk]
    if dispute.mediator_id and dispute.mediator_id != actor.pk:
        people.append(dispute.mediator)
    _tell(people, dispute, "dispute_not_settled")
    return dispute
