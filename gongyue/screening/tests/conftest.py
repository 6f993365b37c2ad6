import pytest

from gongyue.screening import service
from gongyue.screening.engine import available_backends


@pytest.fixture(params=available_backends())
def backend(request):
    """Each engine test runs once per matcher back end this machine has."""
    return request.param


@pytest.fixture(autouse=True)
def fresh_service(settings):
    """Each test starts without a loaded engine, and workers look for a new version on every
    request (tests of the reload interval set their own)."""
    settings.SCREENING_RELOAD_SECONDS = 0
    service.reset()
    yield
    service.reset()


@pytest.fixture
def unit_a(unit_a):
    """Screening is for members: here unit A is one."""
    from gongyue.core.testing import make_member

    make_member(unit_a)
    return unit_a


@pytest.fixture
def add_term(secretariat):
    """add_term("冰毒", action="block", …) adds a term as the secretariat; returns the row."""
    from gongyue.screening import actions

    def add(term, category="other", action="block", **fields):
        row, _version = actions.do_add_term(
            actor=secretariat, term=term, category=category, action=action, **fields
        )
        return row

    return add


@pytest.fixture
def member_token(rep_a):
    """A personal API token of member unit A's legal representative."""
    from gongyue.accounts.models import ApiToken

    _token, secret = ApiToken.issue(rep_a, "screening")
    return secret


@pytest.fixture
def api(client):
    """api(method, path, token=…, json=… | body=bytes | data=…) calls /api/v1/screening/…"""
    import json as jsonlib

    def call(
        method,
        path,
        *,
        token=None,
        json=None,
        body=None,
        data=None,
        content_type="application/json",
    ):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        url = "/api/v1/screening" + path
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False).encode()
        if method == "get":
            return client.get(url, data or {}, **headers)
        if data is not None:
            return getattr(client, method)(url, data, **headers)
        return getattr(client, method)(url, body or b"", content_type=content_type, **headers)

    return call
