"""The access matrix of cases: every page and endpoint, for each of the reporter, the accused
unit, a third member, the assigned staff, conflicted staff, the secretariat head, the authority,
the site administrator and an anonymous visitor (404 invisible, 403 visible but not allowed;
"ok" is 200 for a read and an input or state refusal, 400 or 409, for an empty post)."""

import json

import pytest

from gongyue.cases.models import Case

from .case_fixtures import *  # noqa: F403
from .case_fixtures import client_as, find, report

PERSONAS = [
    "reporter",
    "accused",
    "third",
    "assigned",
    "conflicted",
    "head",
    "authority",
    "admin",
    "anonymous",
]
# Expected answers, in the order of PERSONAS.
SEES = ["ok", "ok", 404, "ok", 404, "ok", 404, 404, "login"]
SECRETARIAT_STEP = [403, 403, 403, "ok", 404, "ok", 403, 403, "login"]
ACCUSED_STEP = [403, "ok", 404, 403, 404, 403, 404, 404, "login"]
RESULTS = ["ok", "ok", "ok", "ok", "ok", "ok", "ok", 403, "login"]
RESULT = ["ok", "ok", "ok", "ok", "ok", "ok", "ok", 404, "login"]
REPORT_FORM = ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "login"]
OWN_INITIATIVE = [403, 403, 403, "ok", "ok", "ok", 403, 403, "login"]

PAGES = [
    ("get", "/cases/{case}/", SEES),
    ("get", "/cases/{case}/files/{file}/", SEES),
    ("post", "/cases/{case}/triage/", SECRETARIAT_STEP),
    ("post", "/cases/{case}/recuse/", SECRETARIAT_STEP),
    ("post", "/cases/{case}/assign/", SECRETARIAT_STEP),
    ("post", "/cases/{case}/redact/", SECRETARIAT_STEP),
    ("post", "/cases/{case}/notice/", SECRETARIAT_STEP),
    ("post", "/cases/{case}/finding/", SECRETARIAT_STEP),
    ("post", "/cases/{case}/sanction/", SECRETARIAT_STEP),
    ("post", "/cases/{case}/publish/", SECRETARIAT_STEP),
    ("post", "/cases/{case}/review/decide/", SECRETARIAT_STEP),
    ("post", "/cases/{case}/reply/", ACCUSED_STEP),
    ("post", "/cases/{case}/review/", ACCUSED_STEP),
    ("get", "/cases/results/", RESULTS),
    ("get", "/cases/results/{published}/", RESULT),
    ("get", "/cases/results/{case}/", [404] * 8 + ["login"]),
    ("get", "/cases/", REPORT_FORM),
    ("get", "/cases/report/", REPORT_FORM),
    ("get", "/cases/new/", OWN_INITIATIVE),
]


def api(rows):
    """The same matrix for the API: anonymous callers get 401, not the login page."""
    return [a if a != "login" else 401 for a in rows]


ENDPOINTS = [
    ("get", "/api/v1/cases/{case}", api(SEES)),
    ("get", "/api/v1/cases/{case}/files/{file}", api(SEES)),
    ("post", "/api/v1/cases/{case}/triage", api([403, 403, 404, "ok", 404, "ok", 404, 404, 0])),
    ("post", "/api/v1/cases/{case}/recusal", api([403, 403, 404, "ok", 404, "ok", 404, 404, 0])),
    ("post", "/api/v1/cases/{case}/assign", api([403, 403, 404, "ok", 404, "ok", 404, 404, 0])),
    ("post", "/api/v1/cases/{case}/redact", api([403, 403, 404, "ok", 404, "ok", 404, 404, 0])),
    ("post", "/api/v1/cases/{case}/notice", api([403, 403, 404, "ok", 404, "ok", 404, 404, 0])),
    ("post", "/api/v1/cases/{case}/finding", api([403, 403, 404, "ok", 404, "ok", 404, 404, 0])),
    ("post", "/api/v1/cases/{case}/sanction", api([403, 403, 404, "ok", 404, "ok", 404, 404, 0])),
    ("post", "/api/v1/cases/{case}/publish", api([403, 403, 404, "ok", 404, "ok", 404, 404, 0])),
    (
        "post",
        "/api/v1/cases/{case}/review/decision",
        api([403, 403, 404, "ok", 404, "ok", 404, 404, 0]),
    ),
    ("post", "/api/v1/cases/{case}/reply", api([403, "ok", 404, 403, 404, 403, 404, 404, 0])),
    ("post", "/api/v1/cases/{case}/review", api([403, "ok", 404, 403, 404, 403, 404, 404, 0])),
    ("get", "/api/v1/cases/results", api(RESULTS)),
    ("get", "/api/v1/cases/results/{published}", api(RESULT)),
    ("get", "/api/v1/cases/results/{case}", [404] * 8 + [401]),
    ("get", "/api/v1/cases/", api(REPORT_FORM)),
]
# The API has no role decorator: a person who cannot see the case gets 404 before any 403, and
# anonymous callers 401 (0 above is filled in here).
ENDPOINTS = [(m, u, [401 if a == 0 else a for a in rows]) for m, u, rows in ENDPOINTS]


@pytest.fixture
def personas(
    rep_a,
    rep_b,
    third_member,
    secretariat,
    conflicted,
    secretariat_head,
    authority,
    site_admin,
):
    return dict(
        zip(
            PERSONAS,
            [
                rep_a,
                rep_b,
                third_member,
                secretariat,
                conflicted,
                secretariat_head,
                authority,
                site_admin,
                None,
            ],
            strict=True,
        )
    )


@pytest.fixture
def published(member_a, member_b, rep_a, rep_b, secretariat):
    """A second case of A against B, closed and published."""
    from gongyue.cases import actions

    case = report(rep_a, member_b)
    actions.do_triage_case(case, actor=secretariat, decision="investigate")
    actions.do_assign_case(case, actor=secretariat, person=secretariat)
    actions.do_notify_accused(case, actor=secretariat)
    actions.do_reply_to_case(case, actor=rep_b, statement="答")
    find(case, secretariat, verified=False, adverse=False, reasons="未查实")
    actions.do_publish_result(case, actor=secretariat)
    return case


def answer_class(response, method) -> object:
    code = response.status_code
    if code == 302 and response["Location"].startswith("/accounts/login/"):
        return "login"
    if method == "get" and code == 200:
        return "ok"
    if method == "post" and code in (400, 409):
        return "ok"
    return code


def run_matrix(rows, personas, values, *, api_call):
    mismatches = []
    clients = {name: client_as(user) for name, user in personas.items()}
    for method, template, expected in rows:
        url = template.format(**values)
        for name, want in zip(PERSONAS, expected, strict=True):
            client = clients[name]
            if method == "get":
                response = client.get(url)
            elif api_call:
                response = client.post(url, "{}", content_type="application/json")
            else:
                response = client.post(url, {})
            got = answer_class(response, method)
            if got != want:
                mismatches.append((method, url, name, want, got))
            if api_call and response.status_code >= 400:
                body = json.loads(response.content)
                assert {"code", "message", "fields"} <= body.keys(), (url, name, body)
    return mismatches


def test_every_page_answers_each_persona_exactly_as_the_rules_say(notified, published, personas):
    values = {"case": notified.pk, "file": notified.files.first().pk, "published": published.pk}
    assert run_matrix(PAGES, personas, values, api_call=False) == []


def test_every_endpoint_answers_each_persona_exactly_as_the_rules_say(
    notified, published, personas
):
    values = {"case": notified.pk, "file": notified.files.first().pk, "published": published.pk}
    assert run_matrix(ENDPOINTS, personas, values, api_call=True) == []


def test_the_accused_sees_nothing_of_a_case_before_it_is_notified(reported, rep_b):
    client = client_as(rep_b)
    assert client.get(f"/cases/{reported.pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/{reported.pk}").status_code == 404
    assert client.get("/api/v1/cases/").json() == []


def test_the_accused_never_sees_the_reporter_without_consent(notified, rep_b, rep_a, member_a):
    client = client_as(rep_b)
    page = client.get(f"/cases/{notified.pk}/").content.decode()
    body = client.get(f"/api/v1/cases/{notified.pk}").content.decode()
    for text in (page, body):
        assert rep_a.username not in text and member_a.name not in text
        assert str(rep_a) not in text
    assert client.get(f"/api/v1/cases/{notified.pk}").json()["reporter"] is None


def test_with_consent_the_accused_is_told_who_reported(
    member_a, member_b, rep_a, rep_b, secretariat
):
    from gongyue.cases import actions

    case = report(rep_a, member_b, named_to_accused=True)
    actions.do_triage_case(case, actor=secretariat, decision="investigate")
    actions.do_assign_case(case, actor=secretariat, person=secretariat)
    actions.do_notify_accused(case, actor=secretariat)
    body = client_as(rep_b).get(f"/api/v1/cases/{case.pk}").json()
    assert body["reporter_unit"] == member_a.name


def test_a_third_member_never_sees_an_open_case_even_in_lists(notified, third_member):
    client = client_as(third_member)
    assert client.get("/api/v1/cases/").json() == []
    assert notified.number not in client.get("/cases/").content.decode()
    assert notified.number not in client.get("/cases/results/").content.decode()
    assert Case.objects.count() == 1
