# ruff: noqa: F811 (fixtures imported from dispute_fixtures)
"""Every step of a dispute and of a complaint through /api/v1/cases/, with the pages' forms,
actions and access helpers; errors in the API's one format."""

from gongyue.audit.models import AuditEntry
from gongyue.cases.models import Complaint, Dispute, DisputeStatus

from .dispute_fixtures import (  # noqa: F401
    _private_media,
    conflicted_staff,
    counts,
    mediator,
    members,
    pdf,
)

BASE = "/api/v1/cases/disputes/"


def test_a_dispute_goes_from_opening_to_settlement_through_the_api(
    client_for, members, rep_a, rep_b, mediator, secretariat_head
):
    claimant = client_for(rep_a)
    response = claimant.post(BASE, {"respondent": members[1].pk, "subject": "s", "statement": "t"})
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = claimant.post(f"{BASE}{pk}/messages", {"body": "证据", "document": pdf()})
    assert response.status_code == 201 and response.json()["messages"][0]["document_sha256"]
    assert claimant.post(f"{BASE}{pk}/mediation").json()["status"] == "mediation_requested"
    again = claimant.post(f"{BASE}{pk}/mediation")
    assert again.status_code == 409 and again.json()["code"] == "already_requested"

    head = client_for(secretariat_head)
    queue = head.get(f"{BASE}mediation").json()
    assert [d["id"] for d in queue] == [pk] and "statement" not in queue[0]
    assert head.post(f"{BASE}{pk}/assign", {"mediator": mediator.pk}).status_code == 200

    body = client_for(mediator).post(f"{BASE}{pk}/agreements", {"text": "和解"}).json()
    agreement = body["agreements"][0]["id"]
    assert body["mediation_deadline"]["rule"]
    assert client_for(rep_a).post(f"{BASE}{pk}/agreements/{agreement}/accept").status_code == 200
    done = client_for(rep_b).post(f"{BASE}{pk}/agreements/{agreement}/accept").json()
    assert done["status"] == DisputeStatus.SETTLED and done["ended_at"]
    assert Dispute.objects.get().status == DisputeStatus.SETTLED


def test_the_api_refuses_bad_dispute_input_in_its_error_format(
    client_for, members, rep_a, conflicted_staff, secretariat_head
):
    client = client_for(rep_a)
    before = counts()
    own = client.post(BASE, {"respondent": members[0].pk, "subject": "s", "statement": "t"})
    assert own.status_code == 400 and own.json()["code"] == "own_unit"
    missing = client.post(BASE, {"respondent": members[1].pk})
    assert missing.status_code == 400 and set(missing.json()["fields"]) == {"subject", "statement"}
    assert counts() == before
    pk = client.post(BASE, {"respondent": members[1].pk, "subject": "s", "statement": "t"}).json()[
        "id"
    ]
    client.post(f"{BASE}{pk}/mediation")
    conflicted = client_for(secretariat_head).post(
        f"{BASE}{pk}/assign", {"mediator": conflicted_staff.pk}
    )
    assert conflicted.status_code == 409 and conflicted.json()["code"] == "conflicted"


def test_a_complaint_is_filed_answered_and_closed_through_the_api(
    client_for, members, rep_a, authority, secretariat
):
    client = client_for(rep_a)
    response = client.post(
        "/api/v1/cases/complaints/",
        {"target": "staff", "staff": secretariat.pk, "subject": "s", "body": "b"},
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["answer_deadline"]["last_day"]
    assert client.post(f"/api/v1/cases/complaints/{pk}/answer", {"answer": "x"}).status_code == 403
    auth = client_for(authority)
    assert auth.post(f"/api/v1/cases/complaints/{pk}/answer", {"answer": "答复"}).status_code == 200
    closed = auth.post(f"/api/v1/cases/complaints/{pk}/close", {"note": ""})
    assert closed.json()["status"] == "closed"
    assert client_for(rep_a).get(f"/api/v1/cases/complaints/{pk}").json()["answer"] == "答复"
    assert Complaint.objects.get().status == "closed"
    assert AuditEntry.objects.filter(subject_type="cases.complaint").count() == 3
