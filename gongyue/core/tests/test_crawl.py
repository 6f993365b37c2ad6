"""No page and no read of the API answers 5xx on the demo data (issue 8.4): every route of the URL
conf (the admin's pages too) and every GET operation of the OpenAPI document, with the demo's
own ids in the path, fetched anonymously and as each person of the demo."""

import gc
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from gongyue.accounts.models import ApiToken, Role, RoleGrant, User
from gongyue.api.urls import api
from gongyue.cases.models import Case, CaseFile
from gongyue.convention.models import Version
from gongyue.core.models import Notification
from gongyue.organisations.models import Application, RegisterList, Signature, Unit
from gongyue.organisations.registers import current_period
from gongyue.screening.models import AllowPhrase, LexiconTerm

PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>|\{(\w+)\}")


def first(queryset, field="pk"):
    return queryset.order_by(field).values_list(field, flat=True).first()


def sample_values() -> dict:
    """A value for each path parameter, taken from the demo's rows (or a harmless stand-in)."""
    return {
        "unit_id": first(Unit.objects.filter(memberships__isnull=False)) or first(Unit.objects),
        "application_id": first(Application.objects),
        "term_id": first(LexiconTerm.objects),
        "phrase_id": first(AllowPhrase.objects),
        "signature_id": first(Signature.objects),
        "grant_id": first(RoleGrant.objects.filter(role=Role.DELEGATE)),
        "list_id": first(RegisterList.objects),
        "number": first(Version.objects, "number"),
        "period": current_period().key,
        "notification_id": first(Notification.objects),
        "token_id": first(ApiToken.objects),
        "uidb64": "MQ",
        "token": "set-password",
        "name": "all.rpz",  # a registry feed
        "case_id": first(Case.objects),
        "file_id": first(CaseFile.objects),
    }


def page_routes(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(("api/", "admin/")):
            continue  # the API from its OpenAPI document, the admin from its registry
        if isinstance(entry, URLResolver):
            yield from page_routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield "/" + route.replace("^", "").replace("$", "")


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        if (pk := first(model._default_manager)) is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk]))
    return urls


def api_get_paths() -> list[str]:
    schema = api.get_openapi_schema()
    return [
        "/api/v1" + path.removeprefix("/api/v1")
        for path, ops in schema["paths"].items()
        if "get" in ops
    ]


def fill(route: str, values: dict) -> str | None:
    def value(match):
        name = match[2] or match[3]
        if values.get(name) is not None:
            return str(values[name])
        # An app's id without a sample here: the first row, or a 404, is still a page to try.
        return "1" if name.endswith("_id") else "\0"

    url = PARAMETER.sub(value, route)
    return None if "\0" in url else url


def page_urls(values: dict) -> list[str]:
    """Every page of the URL conf (the admin and the API apart) with the sample values filled in;
    the accessibility crawl visits the same list."""
    return [u for u in (fill(r, values) for r in sorted(set(page_routes()))) if u]


@pytest.fixture
def _forget_the_demo_engine():
    """The screening pages load the demo's engine into this process; later tests start clean."""
    from gongyue.screening import service

    yield
    service.reset()
    gc.collect()


@pytest.mark.django_db(transaction=False)
@pytest.mark.usefixtures("_forget_the_demo_engine")
def test_no_page_or_api_read_answers_a_server_error_for_anyone(settings):
    call_command("load_demo", verbosity=0)
    ApiToken.issue(User.objects.get(username="mishuchu"), name="crawl")  # the demo has none
    values = sample_values()
    routes = sorted(set(page_routes()))
    urls = page_urls(values)
    unfilled = [r for r in routes if fill(r, values) is None]
    urls += admin_urls() + [u for u in (fill(p, values) for p in api_get_paths()) if u]
    assert len(urls) >= 120 and not unfilled, unfilled

    # One person per role the demo gives (the first by user name), and someone with no role.
    people, roles = [None], set()
    for user in User.objects.order_by("username").prefetch_related("grants"):
        held = frozenset(g.role for g in user.unrevoked_grants)
        if held not in roles:
            roles.add(held)
            people.append(user)
    assert {r for held in roles for r in held} >= {r.value for r in Role}
    failures = []
    for person in people:
        client = Client(raise_request_exception=False)
        if person is not None:
            client.force_login(person)
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(
                    (getattr(person, "username", "anonymous"), url, response.status_code)
                )
    assert not failures
