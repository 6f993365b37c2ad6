"""State changes for people and their grants. Each writes one audit row."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.audit.log import record
from gongyue.core.errors import ActionRefused

from .models import ApiToken, RoleGrant


@transaction.atomic
def do_grant_role(
    user, role, *, actor, unit=None, valid_from=None, valid_until=None, document=None
) -> RoleGrant:
    if RoleGrant.objects.filter(user=user, role=role, unit=unit, revoked_at__isnull=True).exists():
        raise ActionRefused(_("This person already holds this role."), code="duplicate")
    grant = RoleGrant(
        user=user,
        role=role,
        unit=unit,
        granted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if valid_from:
        grant.valid_from = valid_from
    grant.valid_until = valid_until
    if document is not None:
        grant.document = document
    grant.full_clean(exclude=["document"])
    grant.save()
    record(
        "accounts.role_granted",
        actor=actor,
        subject=grant,
        new={
            "user": user.pk,
            "role": role,
            "unit": getattr(unit, "pk", None),
            "valid_from": grant.valid_from,
            "valid_until": grant.valid_until,
        },
    )
    return grant


@transaction.atomic
def do_revoke_role(grant, *, actor) -> RoleGrant:
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is not None:
        raise ActionRefused(_("This grant was already revoked."), code="already_revoked")
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    record(
        "accounts.role_revoked",
        actor=actor,
        subject=grant,
        old={"role": grant.role},
        new={"revoked": True},
    )
    return grant


@transaction.atomic
def do_create_token(user, *, name: str) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name:
        raise ActionRefused(_("Give the token a name."), code="invalid", field="name", status=400)
    token, secret = ApiToken.issue(user, name)
    record(
        "accounts.token_created",
        actor=user,
        subject=token,
        new={"name": name, "prefix": token.prefix},
        visibility="secretariat",
    )
    return token, secret


@transaction.atomic
def do_revoke_token(token, *, actor) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ActionRefused(_("This token was already revoked."), code="already_revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        "accounts.token_revoked",
        actor=actor,
        subject=token,
        new={"revoked": True},
        visibility="secretariat",
    )
    return token


@transaction.atomic
def do_update_preferences(user, *, actor, language: str, muted_mail_kinds: list[str]):
    old = {"language": user.language, "muted_mail_kinds": user.muted_mail_kinds}
    user.language = language
    user.muted_mail_kinds = sorted(set(muted_mail_kinds))
    user.save(update_fields=["language", "muted_mail_kinds"])
    record(
        "accounts.preferences_changed",
        actor=actor,
        subject=user,
        old=old,
        new={"language": user.language, "muted_mail_kinds": user.muted_mail_kinds},
        visibility="secretariat",
    )
    return user


def do_mark_read(notification):
    """Mark a message in a person's own inbox as read. Not audited: it is no decision, only
    the reader's own place in their inbox."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
