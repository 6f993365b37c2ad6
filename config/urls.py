from django.contrib import admin
from django.urls import include, path

from gongyue.api.urls import api

urlpatterns = [
    # First: the screening API is the hot path, and a page's address fails this prefix at once.
    path("api/v1/", api.urls),
    path("", include("gongyue.portal.urls")),
    path("accounts/", include("gongyue.accounts.urls")),
    path("convention/", include("gongyue.convention.urls")),
    path("members/", include("gongyue.organisations.urls")),
    path("screening/", include("gongyue.screening.urls")),
    path("bulletins/", include("gongyue.bulletins.urls")),
    path("registry/", include("gongyue.registry.urls")),
    path("audit/", include("gongyue.audit.urls")),
    path("amendments/", include("gongyue.amendments.urls")),
    path("cases/", include("gongyue.cases.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
