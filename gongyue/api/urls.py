"""The API under /api/v1/: each app keeps its endpoints in its own api.py as a Router."""

from ninja import NinjaAPI

from . import errors
from .auth import token_or_session

api = NinjaAPI(
    title="gongyue API",
    version="1",
    description="Read the convention, act on membership and screen content. "
    "Authenticate with a personal token (Authorization: Bearer …) created on your account page.",
    auth=token_or_session,
    urls_namespace="api",
)
errors.install(api)

ROUTERS = [
    ("/accounts/", "gongyue.accounts.api.router"),
    ("/convention/", "gongyue.convention.api.router"),
    ("/members/", "gongyue.organisations.api.router"),
    ("/screening/", "gongyue.screening.api.router"),
    ("/registry/", "gongyue.registry.api.router"),
    ("/audit/", "gongyue.audit.api.router"),
    ("/bulletins/", "gongyue.bulletins.api.router"),
    ("/requests/", "gongyue.bulletins.api.requests_router"),
    ("/campaigns/", "gongyue.bulletins.campaign_api.router"),
]


for prefix, router in ROUTERS:
    api.add_router(prefix, router)
