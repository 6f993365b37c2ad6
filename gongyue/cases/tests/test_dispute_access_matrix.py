# ruff: noqa: F811 (fixtures imported from dispute_fixtures)
"""The access matrix of disputes, complaints and public criticism: every page and endpoint, for
each persona. 404 where the object is invisible, 403 where it is visible but not allowed;
pages send anonymous visitors to the login page, the API answers them 401."""

import pytest

from gongyue.accounts.models import Role
from gongyue.cases import actions
from gongyue.core import testing

from .dispute_fixtures import (  # noqa: F401
    _private_media,
    conflicted_staff,
    mediator,
    members,
    pdf,
    superuser,
    third_member,
)

PERSONAS = [
    "claimant",
    "respondent",
    "third",
    "mediator",
    "conflicted",
    "head",
    "authority",
    "admin",
    "anonymous",
]
LOGIN = "login"  # a page's answer to an anonymous visitor


@pytest.fixture
def world(
    members,
    rep_a,
    rep_b,
    third_member,
    mediator,
    secretariat,
    secretariat_head,
    authority,
    superuser,
):
    """A dispute in mediation (with a document and a proposed settlement), one waiting for a
    mediator, a complaint by unit A, and one piece of public criticism."""
    declared = testing.make_user("sec_declared", Role.SECRETARIAT_STAFF)
    mediating = actions.do_open_dispute(
        actor=rep_a, respondent=members[1], subject="s", statement="t"
    )
    message = actions.do_add_dispute_message(mediating, actor=rep_a, body="证据", document=pdf())
    actions.do_request_mediation(mediating, actor=rep_a)
    actions.do_declare_dispute_conflict(mediating, actor=declared)
    actions.do_assign_mediator(mediating, actor=secretariat_head, mediator=mediator)
    agreement = actions.do_propose_agreement(mediating, actor=mediator, text="和解")
    waiting = actions.do_open_dispute(
        actor=rep_b, respondent=members[0], subject="w", statement="w"
    )
    actions.do_request_mediation(waiting, actor=rep_b)
    actions.do_declare_dispute_conflict(waiting, actor=declared)
    complaint = actions.do_file_complaint(actor=rep_a, target="secretariat", subject="c", body="c")
    criticism, _code = actions.do_receive_criticism(
        data={"kind": "criticism", "about": "trade", "text": "t", "attachment": pdf()}
    )
    people = {
        "claimant": rep_a,
        "respondent": rep_b,
        "third": third_member,
        "mediator": mediator,
        "conflicted": declared,
        "head": secretariat_head,
        "authority": authority,
        "admin": superuser,
        "anonymous": None,
    }
    return {
        "people": people,
        "d": mediating.pk,
        "w": waiting.pk,
        "m": message.pk,
        "a": agreement.pk,
        "c": complaint.pk,
        "k": criticism.pk,
    }


def row(*answers):
    return dict(zip(PERSONAS, answers, strict=True))


# (method, url template, expected per persona). Writes are sent empty: an allowed persona gets
# past access and is stopped by the form (400) or the state (409), and nothing changes.
PAGES = [
    ("get", "/cases/disputes/", row(200, 200, 200, 200, 200, 200, 200, 200, LOGIN)),
    ("get", "/cases/disputes/new/", row(200, 200, 200, 200, 200, 200, 200, 200, LOGIN)),
    ("get", "/cases/disputes/{d}/", row(200, 200, 404, 200, 404, 404, 404, 404, LOGIN)),
    ("post", "/cases/disputes/{d}/messages/", row(400, 400, 404, 400, 404, 404, 404, 404, LOGIN)),
    (
        "get",
        "/cases/disputes/{d}/documents/{m}/",
        row(200, 200, 404, 200, 404, 404, 404, 404, LOGIN),
    ),
    ("post", "/cases/disputes/{d}/mediation/", row(409, 409, 404, 403, 404, 404, 404, 404, LOGIN)),
    ("post", "/cases/disputes/{d}/agreements/", row(400, 400, 404, 400, 404, 404, 404, 404, LOGIN)),
    (
        "post",
        "/cases/disputes/{d}/agreements/{a}/accept/?probe",
        row("ok", "ok", 404, 403, 404, 404, 404, 404, LOGIN),
    ),
    ("post", "/cases/disputes/{d}/end/", row(400, 400, 404, 400, 404, 404, 404, 404, LOGIN)),
    ("get", "/cases/disputes/mediation/", row(403, 403, 403, 200, 200, 200, 403, 403, LOGIN)),
    ("post", "/cases/disputes/{w}/assign/", row(403, 403, 403, 400, 400, 400, 403, 403, LOGIN)),
    # The mediator is inside this dispute (403); other secretariat people do not see it (404).
    ("post", "/cases/disputes/{d}/assign/", row(403, 403, 403, 403, 404, 404, 403, 403, LOGIN)),
    ("post", "/cases/disputes/{w}/recuse/", row(403, 403, 403, 302, 409, 302, 403, 403, LOGIN)),
    ("get", "/cases/complaints/", row(200, 200, 200, 403, 403, 403, 200, 403, LOGIN)),
    ("get", "/cases/complaints/new/", row(200, 200, 200, 403, 403, 403, 200, 403, LOGIN)),
    ("get", "/cases/complaints/{c}/", row(200, 404, 404, 404, 404, 404, 200, 404, LOGIN)),
    ("post", "/cases/complaints/{c}/answer/", row(403, 404, 404, 404, 404, 404, 400, 404, LOGIN)),
    (
        "post",
        "/cases/complaints/{c}/close/?probe",
        row(403, 404, 404, 404, 404, 404, "ok", 404, LOGIN),
    ),
    ("get", "/cases/criticism/", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("get", "/cases/criticism/status/", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("get", "/cases/criticism/figures/", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("get", "/cases/criticism/figures.csv", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("get", "/cases/criticism/manage/", row(403, 403, 403, 200, 200, 200, 403, 403, LOGIN)),
    ("get", "/cases/criticism/manage/{k}/", row(403, 403, 403, 200, 200, 200, 403, 403, LOGIN)),
    (
        "get",
        "/cases/criticism/manage/{k}/attachment/",
        row(403, 403, 403, 200, 200, 200, 403, 403, LOGIN),
    ),
    (
        "post",
        "/cases/criticism/manage/{k}/answer/",
        row(403, 403, 403, 400, 400, 400, 403, 403, LOGIN),
    ),
]

API = [
    ("get", "/api/v1/cases/disputes/", row(200, 200, 200, 200, 200, 200, 200, 200, 401)),
    ("post", "/api/v1/cases/disputes/", row(400, 400, 400, 400, 400, 400, 400, 400, 401)),
    ("get", "/api/v1/cases/disputes/{d}", row(200, 200, 404, 200, 404, 404, 404, 404, 401)),
    (
        "post",
        "/api/v1/cases/disputes/{d}/messages",
        row(400, 400, 404, 400, 404, 404, 404, 404, 401),
    ),
    (
        "get",
        "/api/v1/cases/disputes/{d}/documents/{m}",
        row(200, 200, 404, 200, 404, 404, 404, 404, 401),
    ),
    (
        "post",
        "/api/v1/cases/disputes/{d}/mediation",
        row(409, 409, 404, 403, 404, 404, 404, 404, 401),
    ),
    ("get", "/api/v1/cases/disputes/mediation", row(403, 403, 403, 200, 200, 200, 403, 403, 401)),
    (
        "post",
        "/api/v1/cases/disputes/{w}/assign",
        row(403, 403, 404, 400, 400, 400, 404, 404, 401),
    ),
    (
        "post",
        "/api/v1/cases/disputes/{d}/agreements",
        row(400, 400, 404, 400, 404, 404, 404, 404, 401),
    ),
    ("post", "/api/v1/cases/disputes/{d}/end", row(400, 400, 404, 400, 404, 404, 404, 404, 401)),
    ("get", "/api/v1/cases/complaints/", row(200, 200, 200, 403, 403, 403, 200, 403, 401)),
    ("get", "/api/v1/cases/complaints/{c}", row(200, 404, 404, 404, 404, 404, 200, 404, 401)),
    (
        "post",
        "/api/v1/cases/complaints/{c}/answer",
        row(403, 404, 404, 404, 404, 404, 400, 404, 401),
    ),
    ("get", "/api/v1/cases/criticism/figures", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/cases/criticism/manage", row(403, 403, 403, 200, 200, 200, 403, 403, 401)),
    (
        "get",
        "/api/v1/cases/criticism/manage/{k}",
        row(404, 404, 404, 200, 200, 200, 404, 404, 401),
    ),
    (
        "post",
        "/api/v1/cases/criticism/manage/{k}/answer",
        row(404, 404, 404, 400, 400, 400, 404, 404, 401),
    ),
]


def check(client, method, url, expected, persona):
    response = getattr(client, method)(url)
    status = response.status_code
    if expected == LOGIN:
        assert status == 302 and response["Location"].startswith("/accounts/login/"), (
            url,
            persona,
            status,
        )
    elif expected == "ok":
        # Allowed: the page asks for confirmation first or refuses on the state (nothing done).
        assert status in (200, 302, 409), (url, persona, status)
    else:
        assert status == expected, (url, persona, status)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_and_endpoint_answers_each_persona_as_the_rules_say(client_for, world, persona):
    client = client_for(world["people"][persona])
    ids = {k: v for k, v in world.items() if k != "people"}
    for method, template, expected in PAGES + API:
        url = template.format(**ids).replace("?probe", "")
        if "?probe" in template and expected[persona] == "ok":
            # The accept and close forms ask for confirmation: probe with the confirm step.
            response = client.post(url, {"confirm_step": "ask"})
            assert response.status_code == 200, (url, persona)
            continue
        check(client, method, url, expected[persona], persona)
