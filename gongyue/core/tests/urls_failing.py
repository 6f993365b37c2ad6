"""The site's URLs plus one page that fails, to see the 500 page (tests only)."""

from django.urls import path

from config.urls import urlpatterns as site


def failing(request):
    raise RuntimeError("a bug")


urlpatterns = [*site, path("failing/", failing)]
