import json as jsonlib

import pytest

from gongyue.registry import service


@pytest.fixture(autouse=True)
def feed_dir(settings, tmp_path):
    """Each test publishes into its own folder; workers look for a new publication every time."""
    settings.REGISTRY_FEED_DIR = tmp_path / "feeds"
    settings.REGISTRY_RELOAD_SECONDS = 0
    service.reset()
    yield settings.REGISTRY_FEED_DIR
    service.reset()


@pytest.fixture
def unit_a(unit_a):
    """The registry is for members: units A and B are members here."""
    from gongyue.core.testing import make_member

    make_member(unit_a)
    return unit_a


@pytest.fixture
def unit_b(unit_b):
    from gongyue.core.testing import make_member

    make_member(unit_b)
    return unit_b


@pytest.fixture
def submit(rep_a, unit_a):
    """submit("evil.example", category=…, actor=…, unit=…) submits one indicator; returns the entry."""
    from gongyue.registry.actions import Item, do_submit_entries

    def run(value, category="phishing", *, actor=None, unit=None, **fields):
        (result,) = do_submit_entries(
            [Item(value=value, category=category, **fields)],
            actor=actor or rep_a,
            unit=unit or unit_a,
        )
        return result.entry

    return run


@pytest.fixture
def listed(submit, secretariat):
    """listed("evil.example") submits and approves an indicator; returns the entry."""
    from gongyue.registry.actions import do_approve_entry

    def run(value, category="phishing", **fields):
        return do_approve_entry(submit(value, category, **fields), actor=secretariat)

    return run


@pytest.fixture
def member_token(rep_a):
    from gongyue.accounts.models import ApiToken

    _token, secret = ApiToken.issue(rep_a, "registry")
    return secret


@pytest.fixture
def secretariat_token(secretariat):
    from gongyue.accounts.models import ApiToken

    _token, secret = ApiToken.issue(secretariat, "registry")
    return secret


@pytest.fixture
def api(client):
    """api(method, path, token=…, json=…) calls /api/v1/registry/…"""

    def call(method, path, *, token=None, json=None, data=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        url = "/api/v1/registry" + path
        if method == "get":
            return client.get(url, data or {}, **headers)
        body = jsonlib.dumps(json if json is not None else {}, ensure_ascii=False).encode()
        return getattr(client, method)(url, body, content_type="application/json", **headers)

    return call
