"""The API under /api/v1/bulletins/ and /api/v1/requests/ shares the pages' forms, actions and
access helpers: same refusals, same side effects."""

import pytest

from gongyue.accounts.models import ApiToken
from gongyue.bulletins.models import Bulletin, Receipt, Request

from .conftest import bulletin_data, pdf


@pytest.fixture
def bearer():
    def header(user):
        _token, secret = ApiToken.issue(user, "test")
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return header


def test_the_secretariat_publishes_through_the_api_and_a_member_reads_it(
    client, secretariat, members, rep_a, bearer
):
    response = client.post(
        "/api/v1/bulletins/",
        {**bulletin_data(publish="1"), "attachments": [pdf()]},
        **bearer(secretariat),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "published" and body["attachments"][0]["kind"] == "pdf"
    assert "<h1>" in body["body_html"]
    read = client.get(f"/api/v1/bulletins/{body['id']}", **bearer(rep_a))
    assert read.status_code == 200
    assert Receipt.objects.get(bulletin_id=body["id"], unit=rep_a.unit).read_by == rep_a
    receipts = client.get(f"/api/v1/bulletins/{body['id']}/receipts", **bearer(secretariat))
    assert {r["read_by"] for r in receipts.json()} == {str(rep_a), None}
    inbox = client.get("/api/v1/bulletins/inbox", **bearer(rep_a)).json()
    assert inbox[0]["bulletin"] == body["id"] and inbox[0]["read_at"]


def test_the_api_refuses_bad_bulletins_with_the_forms_messages(
    client, secretariat, members, bearer
):
    no_addressees = client.post(
        "/api/v1/bulletins/", bulletin_data(all_members=None), **bearer(secretariat)
    )
    assert no_addressees.status_code == 400 and "categories" in no_addressees.json()["fields"]
    bad_file = client.post(
        "/api/v1/bulletins/",
        {**bulletin_data(), "attachments": [pdf("x.pdf", b"MZ\x90\x00")]},
        **bearer(secretariat),
    )
    assert bad_file.status_code == 400 and "attachments" in bad_file.json()["fields"]
    assert not Bulletin.objects.exists()


def test_members_cannot_write_bulletins_or_read_receipts(
    client, secretariat, members, rep_a, bearer
):
    assert client.post("/api/v1/bulletins/", bulletin_data(), **bearer(rep_a)).status_code == 403
    created = client.post("/api/v1/bulletins/", bulletin_data(), **bearer(secretariat)).json()
    assert created["status"] == "draft"
    # A draft is invisible to members (404), its receipts too.
    assert client.get(f"/api/v1/bulletins/{created['id']}", **bearer(rep_a)).status_code == 404
    client.post(
        f"/api/v1/bulletins/{created['id']}/publish",
        {},
        content_type="application/json",
        **bearer(secretariat),
    )
    receipts = client.get(f"/api/v1/bulletins/{created['id']}/receipts", **bearer(rep_a))
    assert receipts.status_code == 403


def test_public_bulletins_are_listed_without_credentials(client, secretariat, members, bearer):
    client.post(
        "/api/v1/bulletins/", bulletin_data(audience="public", publish="1"), **bearer(secretariat)
    )
    client.post("/api/v1/bulletins/", bulletin_data(publish="1"), **bearer(secretariat))
    listed = client.get("/api/v1/bulletins/").json()
    assert [b["audience"] for b in listed] == ["public"]


def test_a_request_goes_up_through_the_api_and_is_forwarded_once(
    client, members, rep_a, secretariat, authority, bearer
):
    sent = client.post(
        "/api/v1/requests/",
        {"kind": "legislation", "title": "立法建议", "body": "建议……"},
        **bearer(rep_a),
    )
    assert sent.status_code == 201
    request_id = sent.json()["id"]
    forward = {"requests": [request_id], "title": "报告", "body": "内容"}
    forwarded = client.post(
        "/api/v1/requests/forward", forward, content_type="application/json", **bearer(secretariat)
    )
    assert forwarded.status_code == 201
    again = client.post(
        "/api/v1/requests/forward", forward, content_type="application/json", **bearer(secretariat)
    )
    assert again.status_code == 400
    submission_id = forwarded.json()["id"]
    inbox = client.get("/api/v1/requests/submissions", **bearer(authority)).json()
    assert [s["id"] for s in inbox] == [submission_id]
    replied = client.post(
        f"/api/v1/requests/submissions/{submission_id}/reply",
        {"reply": "答复"},
        content_type="application/json",
        **bearer(authority),
    )
    assert replied.status_code == 200
    mine = client.get(f"/api/v1/requests/{request_id}", **bearer(rep_a)).json()
    assert mine["status"] == "authority_answered"
    assert Request.objects.get().submission_id == submission_id


def test_another_unit_cannot_read_a_request(client, members, rep_a, rep_b, bearer):
    sent = client.post(
        "/api/v1/requests/", {"kind": "request", "title": "t", "body": "b"}, **bearer(rep_a)
    ).json()
    assert client.get(f"/api/v1/requests/{sent['id']}", **bearer(rep_b)).status_code == 404
