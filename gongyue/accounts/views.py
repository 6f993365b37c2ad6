from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongyue.core.access import login_required
from gongyue.core.errors import ActionRefused

from . import actions
from .access import get_notification_for_user, get_token_for_user
from .forms import PreferencesForm, TokenForm


@login_required
def home(request):
    """The signed-in person's page: roles, inbox, API tokens and preferences."""
    user = request.user
    context = {
        "grants": user.active_grants,
        "notifications": user.notifications.all()[:20],
        "unread": user.notifications.unread().count(),
        "tokens": user.api_tokens.usable(),
        "token_form": TokenForm(),
        "preferences_form": PreferencesForm(
            initial={"language": user.language, "muted_mail_kinds": user.muted_mail_kinds}
        ),
        "new_token": request.session.pop("new_token", None),
    }
    return render(request, "accounts/home.html", context)


@login_required
@require_POST
def create_token(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        _token, secret = actions.do_create_token(request.user, name=form.cleaned_data["name"])
        # Shown once on the next page, then gone: only its hash is stored.
        request.session["new_token"] = secret
        messages.success(request, _("Token created. Copy it now; it will not be shown again."))
    else:
        messages.error(request, _("Give the token a name."))
    return redirect("accounts:home")


@login_required
@require_POST
def revoke_token(request, token_id):
    token = get_token_for_user(request.user, token_id)
    try:
        actions.do_revoke_token(token, actor=request.user)
        messages.success(request, _("Token revoked."))
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
    return redirect("accounts:home")


@login_required
@require_POST
def preferences(request):
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the preferences."))
        return redirect("accounts:home")
    actions.do_update_preferences(
        request.user,
        actor=request.user,
        language=form.cleaned_data["language"],
        muted_mail_kinds=form.cleaned_data["muted_mail_kinds"],
    )
    messages.success(request, _("Preferences saved."))
    response = redirect("accounts:home")
    from django.conf import settings

    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"])
    return response


@login_required
def inbox(request):
    notifications = request.user.notifications.all()[:200]
    return render(request, "accounts/inbox.html", {"notifications": notifications})


@login_required
@require_POST
def mark_read(request, notification_id):
    notification = actions.do_mark_read(get_notification_for_user(request.user, notification_id))
    return redirect(notification.url or "accounts:inbox")


def locked_out(request, response=None, credentials=None):
    """What django-axes answers a login attempt from a locked-out account or address (429)."""
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    page = render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.LOGIN_FAILURE_LIMIT, "lockout_minutes": minutes},
        status=429,
    )
    page["Retry-After"] = str(minutes * 60)
    return page
