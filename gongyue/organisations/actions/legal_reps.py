"""The legal representative's signing role: invited by mail on approval, claimed once through a
signed link (Art. 25; RULES.md rule 1)."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.accounts.models import Role, RoleGrant, User
from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.errors import ActionRefused
from gongyue.core.notify import notify

from .. import queries
from ..models import Application, ApplicationStatus, LegalRepInvitation, Unit
from ..tasks import send_invitation_mail

MAIL = "organisations/mail/"


def make_legal_rep(person, unit, *, actor) -> tuple[RoleGrant, list[int]]:
    """Give `person` the unit's legal representative role; a unit has one legal representative,
    so anyone else's open grant ends. Returns the grant and the ids of the grants ended."""
    now = timezone.now()
    others = RoleGrant.objects.select_for_update().filter(
        unit=unit, role=Role.LEGAL_REP, revoked_at__isnull=True
    )
    retired = [g.pk for g in others if g.user_id != person.pk]
    RoleGrant.objects.filter(pk__in=retired).update(revoked_at=now, revoked_by=actor_or_none(actor))
    grant = RoleGrant.objects.filter(
        user=person, unit=unit, role=Role.LEGAL_REP, revoked_at__isnull=True
    ).first() or RoleGrant.objects.create(
        user=person,
        role=Role.LEGAL_REP,
        unit=unit,
        granted_by=actor_or_none(actor),
        valid_from=timezone.localdate(now),
    )
    # The contact's staff grant is not needed once the same person is the legal representative.
    RoleGrant.objects.filter(
        user=person, unit=unit, role=Role.UNIT_STAFF, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=actor_or_none(actor))
    return grant, retired


def actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def invite_legal_rep(application, unit, *, actor, now=None) -> LegalRepInvitation:
    """Withdraw any pending invitation for the application and send a new one (a new link)."""
    now = now or timezone.now()
    LegalRepInvitation.objects.filter(
        application=application, claimed_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=now)
    invitation = LegalRepInvitation.objects.create(
        application=application,
        unit=unit,
        name=application.legal_rep_name,
        email=application.legal_rep_email,
        created_at=now,
        created_by=actor_or_none(actor),
        expires_at=now + timedelta(days=settings.LEGAL_REP_CLAIM_DAYS),
    )
    send_invitation_mail.enqueue(invitation.pk)
    return invitation


@transaction.atomic
def do_resend_legal_rep_invitation(application, *, actor) -> LegalRepInvitation:
    """The secretariat sends the named legal representative a new link (the old one stops
    working): when the first expired, was lost, or went to a mistyped address."""
    if not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat sends invitations."), code="forbidden", status=403
        )
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.APPROVED or application.unit_id is None:
        raise ActionRefused(
            _("Only an approved application's legal representative is invited."),
            code="not_approved",
        )
    if application.legal_rep_invitations.filter(claimed_at__isnull=False).exists():
        raise ActionRefused(
            _("The legal representative has already claimed the role."), code="already_claimed"
        )
    invitation = invite_legal_rep(application, application.unit, actor=actor)
    record(
        "organisations.legal_rep_invited",
        actor=actor,
        subject=invitation,
        new={
            "application": application.pk,
            "unit": application.unit_id,
            "expires_at": invitation.expires_at,
        },
        visibility=Visibility.SECRETARIAT,
    )
    return invitation


@transaction.atomic
def do_claim_legal_rep(invitation, *, nonce: str, actor, account: dict | None = None) -> RoleGrant:
    """The invited legal representative claims the unit's signing role through their link.

    Signed in, `actor` must be the owner of the invited address; anonymous, `account` (username,
    display_name, password) opens an account for that address. The link works once.
    """
    invitation = (
        LegalRepInvitation.objects.select_for_update().select_related("unit").get(pk=invitation.pk)
    )
    now = timezone.now()
    blockers = invitation.link_blockers(nonce, now)
    if blockers:
        raise ActionRefused(*blockers, code="link_unusable", status=410)
    unit = Unit.objects.select_for_update().get(pk=invitation.unit_id)
    created = False
    if getattr(actor, "is_authenticated", False):
        person = User.objects.select_for_update().get(pk=actor.pk)
        blockers = invitation.person_blockers(person)
        if blockers:
            mismatch = (person.email or "").strip().lower() != invitation.email.strip().lower()
            raise ActionRefused(
                *blockers, code="forbidden" if mismatch else "cannot_claim", status=403
            )
    else:
        if account is None:
            raise ActionRefused(_("Sign in or open an account first."), code="invalid", status=400)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ActionRefused(
                _("An account with this email exists already; sign in and open the link again."),
                code="duplicate",
            )
        person = User(
            username=account["username"],
            email=invitation.email,
            display_name=account.get("display_name") or invitation.name,
            unit=unit,
        )
        person.set_password(account["password"])
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            raise ActionRefused(
                _("This user name is taken; choose another."), code="duplicate", field="username"
            ) from None
        created = True
    if person.unit_id is None:
        person.unit = unit
        person.save(update_fields=["unit"])
    grant, retired = make_legal_rep(person, unit, actor=person)
    invitation.claimed_at, invitation.claimed_by = now, person
    invitation.save(update_fields=["claimed_at", "claimed_by"])
    record(
        "organisations.legal_rep_claimed",
        actor=person,
        subject=invitation,
        new={
            "unit": unit.pk,
            "person": person.pk,
            "grant": grant.pk,
            "new_account": created,
            "legal_rep_grants_ended": retired,
        },
        visibility=Visibility.SECRETARIAT,
    )
    contacts = [invitation.application.applicant] if invitation.application.applicant_id else []
    notify(
        [*contacts, *queries.secretariat_people()],
        kind="membership",
        template=MAIL + "legal_rep_claimed",
        context={"unit": unit.name, "name": str(person)},
        url=reverse("organisations:unit", args=[unit.pk]),
    )
    notify(
        [person],
        kind="membership",
        template=MAIL + "legal_rep_welcome",
        context={"unit": unit.name, "username": person.username},
        url=reverse("organisations:sign", args=[unit.pk]),
    )
    return grant
