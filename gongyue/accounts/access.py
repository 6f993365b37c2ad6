from django.http import Http404
from django.shortcuts import get_object_or_404

from gongyue.core.models import Notification

from .models import ApiToken


def get_token_for_user(user, token_id) -> ApiToken:
    """A person sees only their own tokens."""
    return get_object_or_404(ApiToken, pk=token_id, user=user)


def get_notification_for_user(user, notification_id) -> Notification:
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Notification, pk=notification_id, recipient=user)
