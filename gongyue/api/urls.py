"""The API under /api/v1/: each app keeps its endpoints in its own api.py as a Router."""

from ninja import NinjaAPI, Swagger

from . import errors, language
from .auth import token_or_session

# The hot path: its URL patterns come first (see Api._get_urls).
FIRST_PREFIX = "screening/"


class Api(NinjaAPI):
    def _get_urls(self):
        # Django tries URL patterns in order; the screening endpoints came after the fifty of
        # the routers added before theirs, a seventh of a one-post request. No other router's
        # prefix overlaps theirs, so every address resolves to the same view as before, and the
        # OpenAPI document (built from the routers) keeps its order.
        urls = super()._get_urls()
        return sorted(urls, key=lambda url: not str(url.pattern).startswith(FIRST_PREFIX))

    def get_openapi_schema(self, *args, **kwargs):
        # Built per request, so it follows the caller's Accept-Language (core.middleware); every
        # operation then lists the error statuses it can answer.
        schema = super().get_openapi_schema(*args, **kwargs)
        return errors.document_errors(language.translate_schema(schema))


api = Api(
    title=language.TITLE,
    version="1",
    description=language.DESCRIPTION,
    auth=token_or_session,
    urls_namespace="api",
    # Deep links put a link inside each operation's toggle button, which assistive technology
    # cannot reach (axe-core: nested-interactive; docs/accessibility.md).
    docs=Swagger(settings={"deepLinking": False}),
)
errors.install(api)

ROUTERS = [
    ("/accounts/", "gongyue.accounts.api.router"),
    ("/convention/", "gongyue.convention.api.router"),
    ("/members/", "gongyue.organisations.api.router"),
    ("/screening/", "gongyue.screening.api.router"),
    ("/registry/", "gongyue.registry.api.router"),
    ("/audit/", "gongyue.audit.api.router"),
    ("/amendments/", "gongyue.amendments.api.router"),
    ("/bulletins/", "gongyue.bulletins.api.router"),
    ("/requests/", "gongyue.bulletins.api.requests_router"),
    ("/campaigns/", "gongyue.bulletins.campaign_api.router"),
    ("/cases/disputes/", "gongyue.cases.redress_api.disputes_router"),
    ("/cases/complaints/", "gongyue.cases.redress_api.complaints_router"),
    ("/cases/criticism/", "gongyue.cases.redress_api.criticism_router"),
    ("/cases/", "gongyue.cases.api.router"),
]


for prefix, router in ROUTERS:
    api.add_router(prefix, router)
