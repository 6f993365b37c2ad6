"""Delegates: the legal representative's written authorisation, and its revocation (Art. 25)."""

from datetime import date

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from gongyue.accounts.models import Role, RoleGrant, User
from gongyue.audit.log import record
from gongyue.core.errors import ActionRefused
from gongyue.core.notify import notify

from ..models import Unit

MAIL = "organisations/mail/"


def _find_or_create_person(email: str, name: str, unit) -> tuple[User, bool]:
    person = User.objects.select_for_update().filter(email__iexact=email).order_by("pk").first()
    if person is not None:
        return person, False
    base = email.split("@")[0][:100] or "delegate"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}{n}"
    person = User(username=username, email=email, display_name=name, unit=unit)
    person.set_unusable_password()
    person.save()
    return person, True


@transaction.atomic
def do_authorise_delegate(
    unit, *, actor, email: str, name: str, valid_from: date, valid_until: date, letter
) -> RoleGrant:
    """Record the legal representative's written authorisation of a delegate (Art. 25).

    The delegate may then sign and vote for the unit on the days of the validity period. A person
    without an account gets one, with a link to choose a password.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    today = timezone.localdate()
    if (
        not RoleGrant.objects.active(today)
        .filter(user=actor, unit=unit, role=Role.LEGAL_REP)
        .exists()
    ):
        raise ActionRefused(
            _("Only the unit's legal representative may authorise a delegate."),
            code="forbidden",
            status=403,
        )
    blockers = []
    if valid_until < valid_from:
        blockers.append(_("The authorisation cannot end before it starts."))
    elif valid_until < today:
        blockers.append(_("The validity period has already ended."))
    person, created = _find_or_create_person(email.strip(), name.strip(), unit)
    if person.pk == actor.pk:
        blockers.append(_("The legal representative signs in person and needs no authorisation."))
    if person.unit_id not in (None, unit.pk):
        blockers.append(_("%(person)s belongs to another unit.") % {"person": person})
    if person.is_secretariat or person.is_authority:
        blockers.append(_("Secretariat and authority accounts cannot represent a unit."))
    existing = RoleGrant.objects.filter(
        user=person, role=Role.DELEGATE, unit=unit, revoked_at__isnull=True
    ).first()
    if existing:
        blockers.append(
            _("%(person)s already holds an authorisation (until %(until)s); revoke it first.")
            % {"person": person, "until": existing.valid_until or "—"}
        )
    if blockers:
        raise ActionRefused(*blockers, code="cannot_authorise")
    if person.unit_id is None:
        person.unit = unit
        person.save(update_fields=["unit"])
    grant = RoleGrant(
        user=person,
        role=Role.DELEGATE,
        unit=unit,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by=actor,
    )
    grant.document.save(letter.name, letter, save=False)
    grant.save()
    record(
        "organisations.delegate_authorised",
        actor=actor,
        subject=grant,
        new={
            "unit": unit.pk,
            "person": person.pk,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "new_account": created,
        },
    )
    context = {
        "unit": unit.name,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "by": str(actor),
        "username": person.username,
        "email": person.email,
    }
    if created:
        uid = urlsafe_base64_encode(force_bytes(person.pk))
        context["set_password_path"] = reverse(
            "accounts:password_reset_confirm",
            args=[uid, default_token_generator.make_token(person)],
        )
    notify(
        [person],
        kind="membership",
        template=MAIL + "delegate_authorised",
        context=context,
        url=reverse("organisations:unit", args=[unit.pk]),
    )
    return grant


@transaction.atomic
def do_revoke_delegate(grant, *, actor) -> RoleGrant:
    grant = (
        RoleGrant.objects.select_for_update(of=("self",))
        .select_related("user", "unit")
        .get(pk=grant.pk)
    )
    if grant.role != Role.DELEGATE:
        raise ActionRefused(_("This is not a delegate's authorisation."), code="not_a_delegate")
    if grant.revoked_at is not None:
        raise ActionRefused(_("This authorisation was already revoked."), code="already_revoked")
    grant.revoked_at, grant.revoked_by = timezone.now(), actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    record(
        "organisations.delegate_revoked",
        actor=actor,
        subject=grant,
        old={"valid_until": grant.valid_until},
        new={"revoked": True},
    )
    notify(
        [grant.user],
        kind="membership",
        template=MAIL + "delegate_revoked",
        context={"unit": grant.unit.name, "by": str(actor)},
    )
    return grant
