from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from gongyue.api.errors import ApiError, cleaned

from . import actions
from .access import get_notification_for_user
from .forms import PreferencesForm
from .models import ApiToken

router = Router(tags=["accounts"])


class RoleGrantOut(Schema):
    role: str
    unit_id: int | None
    valid_from: date
    valid_until: date | None


class MeOut(Schema):
    username: str
    name: str
    email: str
    language: str
    unit_id: int | None
    roles: list[RoleGrantOut]


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    url: str
    created_at: datetime
    read: bool


class TokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class NewTokenOut(TokenOut):
    secret: str


@router.get("/me", response=MeOut)
def me(request):
    user = request.user
    return {
        "username": user.get_username(),
        "name": str(user),
        "email": user.email,
        "language": user.language,
        "unit_id": user.unit_id,
        "roles": [
            {
                "role": g.role,
                "unit_id": g.unit_id,
                "valid_from": g.valid_from,
                "valid_until": g.valid_until,
            }
            for g in user.active_grants
        ],
    }


@router.get("/me/notifications", response=list[NotificationOut])
def notifications(request, unread: bool = False):
    qs = request.user.notifications.all()
    if unread:
        qs = qs.unread()
    return [notification_out(n) for n in qs[:200]]


def notification_out(n) -> dict:
    return {
        "id": n.id,
        "kind": n.kind,
        "subject": n.subject,
        "body": n.body,
        "url": n.url,
        "created_at": n.created_at,
        "read": n.is_read,
    }


class PreferencesIn(Schema):
    language: str | None = None
    muted_mail_kinds: list[str] | None = None


@router.patch("/me", response=MeOut)
def change_preferences(request, payload: PreferencesIn):
    """Change the language and the kinds of notification not sent by mail (the page's form)."""
    user = request.user
    data = {"language": user.language, "muted_mail_kinds": user.muted_mail_kinds}
    data.update(payload.dict(exclude_unset=True))
    form = PreferencesForm(data)
    cleaned(form)
    actions.do_update_preferences(user, actor=user, **form.cleaned_data)
    return me(request)


@router.post("/me/notifications/{notification_id}/read", response=NotificationOut)
def mark_read(request, notification_id: int):
    notification = actions.do_mark_read(get_notification_for_user(request.user, notification_id))
    return notification_out(notification)


@router.get("/me/tokens", response=list[TokenOut])
def tokens(request):
    return list(request.user.api_tokens.usable())


@router.post("/me/tokens", response={201: NewTokenOut})
def create_token(request, payload: TokenIn):
    token, secret = actions.do_create_token(request.user, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "secret": secret})


@router.delete("/me/tokens/{token_id}", response={204: None})
def revoke_token(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    if token.revoked_at is not None:
        raise ApiError(404, "not_found", "Not found.")
    actions.do_revoke_token(token, actor=request.user)
    return Status(204, None)
