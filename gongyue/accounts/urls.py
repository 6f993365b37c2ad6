from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from gongyue.core.ratelimit import anonymous_rate_limit

from . import views
from .forms import LimitedPasswordResetForm

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    # Guessing passwords is limited by django-axes (settings: LOGIN_FAILURE_LIMIT), per account
    # and per address, here and on /admin/login/.
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path(
        "password/reset/",
        # Mail-bombing through resets is limited per address and per account (see the form).
        anonymous_rate_limit("password_reset", limit_setting="PASSWORD_RESET_PER_ADDRESS_PER_HOUR")(
            auth_views.PasswordResetView.as_view(
                form_class=LimitedPasswordResetForm,
                success_url=reverse_lazy("accounts:password_reset_done"),
                email_template_name="registration/password_reset_email.txt",
            )
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("tokens/", views.create_token, name="create_token"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("preferences/", views.preferences, name="preferences"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", views.mark_read, name="mark_read"),
]
