"""The per-unit screening quota (requests and posts a minute) and what members learn of a match."""

from types import SimpleNamespace

import pytest

from gongyue.accounts.models import ApiToken, Role
from gongyue.core import ratelimit
from gongyue.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_minute(monkeypatch):
    """The quota counts in fixed one-minute windows: a test that crossed a minute's end would
    start afresh halfway. The rate limiter's clock stands still 10 s into a minute."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 60 * 29_000_000 + 10.0))


@pytest.fixture
def lexicon(add_term):
    add_term("冰毒", severity=5)


def test_requests_beyond_the_minutes_quota_get_429_in_the_error_format_with_retry_after(
    api, settings, member_token, lexicon
):
    settings.SCREENING_REQUESTS_PER_MINUTE = 3
    statuses = [api("post", "/screen", token=member_token, json={"text": "冰毒"}) for _ in range(5)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
    refused = statuses[-1]
    body = refused.json()
    assert body["code"] == "rate_limited" and set(body) == {"code", "message", "fields"}
    assert "配额" in body["message"]  # Chinese by default
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_the_quota_is_per_unit_not_per_token(api, settings, rep_a, staff_a, lexicon):
    settings.SCREENING_REQUESTS_PER_MINUTE = 2
    first = ApiToken.issue(rep_a, "one")[1]
    second = ApiToken.issue(staff_a, "two")[1]
    assert api("post", "/screen", token=first, json={"text": "a"}).status_code == 200
    assert api("post", "/screen", token=second, json={"text": "a"}).status_code == 200
    assert api("post", "/screen", token=second, json={"text": "a"}).status_code == 429


def test_batch_posts_count_against_the_posts_quota(api, settings, member_token, lexicon):
    settings.SCREENING_POSTS_PER_MINUTE = 250
    batch = {"posts": [{"text": "冰毒"}] * 100}
    statuses = [api("post", "/screen/batch", token=member_token, json=batch) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert "Retry-After" in statuses[2]
    # A refused batch uses none of the allowance: 50 posts still fit, 51 do not.
    assert (
        api(
            "post", "/screen/batch", token=member_token, json={"posts": [{"text": "x"}] * 51}
        ).status_code
        == 429
    )
    assert (
        api(
            "post", "/screen/batch", token=member_token, json={"posts": [{"text": "x"}] * 50}
        ).status_code
        == 200
    )
    assert api("post", "/screen", token=member_token, json={"text": "x"}).status_code == 429


def test_another_unit_has_its_own_quota(api, settings, member_token, unit_b, lexicon):
    from gongyue.core.testing import make_member

    settings.SCREENING_REQUESTS_PER_MINUTE = 1
    make_member(unit_b)
    other = ApiToken.issue(make_user("rep_b", Role.LEGAL_REP, unit=unit_b), "b")[1]
    assert api("post", "/screen", token=member_token, json={"text": "a"}).status_code == 200
    assert api("post", "/screen", token=member_token, json={"text": "a"}).status_code == 429
    assert api("post", "/screen", token=other, json={"text": "a"}).status_code == 200


def test_members_learn_category_action_severity_and_span_but_not_the_lexicon_term(
    api, member_token, secretariat, lexicon
):
    [member_match] = api("post", "/screen", token=member_token, json={"text": "卖冰 毒"}).json()[
        "results"
    ][0]["matches"]
    assert member_match == {
        "category": "other", "action": "block", "severity": 5, "start": 1, "end": 4, "text": "冰 毒",
    }  # fmt: skip
    batch = api("post", "/screen/batch", token=member_token, json={"posts": [{"text": "冰毒"}]})
    assert "term" not in batch.json()["results"][0]["matches"][0]

    staff_token = ApiToken.issue(secretariat, "sec")[1]
    [staff_match] = api("post", "/screen", token=staff_token, json={"text": "卖冰 毒"}).json()[
        "results"
    ][0]["matches"]
    assert staff_match["term"] == "冰毒"


def test_the_setting_can_reveal_terms_to_members(api, settings, member_token, lexicon):
    settings.SCREENING_REVEAL_TERMS_TO_MEMBERS = True
    [match] = api("post", "/screen", token=member_token, json={"text": "冰毒"}).json()["results"][
        0
    ]["matches"]
    assert match["term"] == "冰毒"


def test_the_try_page_does_not_show_members_the_lexicon_term(client, rep_a, add_term):
    add_term("冰毒")
    client.force_login(rep_a)
    page = client.post("/screening/try/", {"text": "卖冰 毒啦"}).content.decode()
    assert "冰 毒" in page and "冰毒" not in page
