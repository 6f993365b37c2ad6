"""No input makes a 5xx: NUL and lone surrogates are refused in one place, on every JSON and form
field, and numbers no column holds answer 404 or 400 (issue 8.4)."""

import json

import pytest

from gongyue.accounts.models import ApiToken
from gongyue.organisations.models import Application

LONE = "\ud800"


def post_json(client, url, payload, **headers):
    # json.dumps escapes a lone surrogate as \ud800, as a client's JSON library would.
    return client.post(url, json.dumps(payload), content_type="application/json", **headers)


def assert_refused(response, field):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == [field]
    assert "NUL" in body["message"]


@pytest.mark.parametrize("bad", [LONE, "a\x00b", "x\udfff"])
def test_a_json_field_with_nul_or_a_lone_surrogate_is_refused_and_nothing_is_stored(
    client_for, rep_a, bad
):
    client = client_for(rep_a)
    response = post_json(client, "/api/v1/accounts/me/tokens", {"name": bad})
    assert_refused(response, "name")
    assert not ApiToken.objects.exists()


def test_a_lexicon_term_with_nul_is_refused_and_not_added(client_for, secretariat):
    from gongyue.screening.models import LexiconTerm as Term

    response = post_json(
        client_for(secretariat),
        "/api/v1/screening/lexicon/terms",
        {"term": "赌场", "category": "gambling", "action": "block", "note": "bad\u0000"},
    )
    assert_refused(response, "note")
    assert not Term.objects.exists()


def test_a_lone_surrogate_sent_as_raw_utf8_bytes_is_refused_too(client_for, rep_a):
    # Python's json.loads decodes bytes with "surrogatepass": ED A0 80 becomes U+D800 with no
    # backslash escape in the body.
    body = b'{"name": "\xed\xa0\x80"}'
    response = client_for(rep_a).post(
        "/api/v1/accounts/me/tokens", body, content_type="application/json"
    )
    assert_refused(response, "name")
    assert not ApiToken.objects.exists()


def test_the_field_is_named_by_its_path_in_the_json():
    from gongyue.core.middleware import first_bad_in

    assert first_bad_in({"posts": [{"text": "fine"}, {"text": "bad\x00"}]}) == "posts.1.text"
    assert first_bad_in({"a": ["ok", {"b": "\udc00"}]}) == "a.1.b"
    assert first_bad_in({"a": ["ok", 1, None, {"b": "😀"}]}) is None


def test_a_lone_surrogate_in_a_key_is_refused_too(client_for, rep_a):
    response = post_json(client_for(rep_a), "/api/v1/accounts/me/tokens", {LONE: "x"})
    assert_refused(response, LONE)


def test_a_character_outside_the_basic_plane_sent_as_a_surrogate_pair_is_accepted(
    client_for, rep_a
):
    response = post_json(client_for(rep_a), "/api/v1/accounts/me/tokens", {"name": "令牌😀"})
    assert response.status_code == 201
    assert ApiToken.objects.get().name == "令牌😀"


def test_the_refusal_speaks_the_callers_language(client_for, rep_a):
    client = client_for(rep_a)
    zh = post_json(client, "/api/v1/accounts/me/tokens", {"name": LONE})
    assert "无法保存" in zh.json()["message"]
    en = post_json(client, "/api/v1/accounts/me/tokens", {"name": LONE}, HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot be stored" in en.json()["message"]


def test_nul_in_a_form_field_is_refused_on_a_page_with_400(client, db):
    response = client.post("/members/apply/", {"name": "单位\x00", "uscc": "x"})
    assert response.status_code == 400
    assert not Application.objects.exists()
    login = client.post("/accounts/login/", {"username": "rep\x00", "password": "x"})
    assert login.status_code == 400


def test_nul_in_the_query_is_refused_on_pages_and_in_the_api(client, db):
    assert client.get("/members/?q=%00").status_code == 400
    assert_refused(client.get("/api/v1/members/directory?q=a%00"), "q")


@pytest.mark.parametrize(
    "url",
    [
        "/members/units/99999999999999999999/",
        "/members/units/9223372036854775808/",
        "/members/applications/99999999999999999999/",
    ],
)
def test_an_id_larger_than_any_row_is_not_found(client_for, secretariat, url):
    assert client_for(secretariat).get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/members/units/99999999999999999999/signatures",
        "/api/v1/screening/lexicon/terms?offset=9999999999999999999",
        "/api/v1/screening/lexicon/versions?offset=9999999999999999999",
    ],
)
def test_a_number_out_of_range_in_the_api_is_refused_in_the_error_format(
    client_for, secretariat, url
):
    """404 for an id in the path; a bound of the schema answers 422, as every schema error."""
    response = client_for(secretariat).get(url)
    assert response.status_code in (404, 422), (url, response.content[:300])
    body = response.json()
    assert body["code"] in ("invalid", "not_found")
    if response.status_code == 422:
        assert list(body["fields"]) == ["offset"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/audit/entries?after=9999999999999999999",
        "/api/v1/members/directory?page=9999999999999999999",
        "/members/?page=9999999999999999999",
    ],
)
def test_a_huge_cursor_or_page_number_finds_nothing_rather_than_failing(client, db, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
