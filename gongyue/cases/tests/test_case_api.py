"""The API under /api/v1/cases/ carries a case through every step with the pages' forms,
actions and access helpers; errors come in the one error format."""

from gongyue.audit.models import AuditEntry
from gongyue.cases.models import Case, CaseStatus

from .case_fixtures import *  # noqa: F403
from .case_fixtures import client_as, pdf

JSON = "application/json"


def test_every_step_through_the_api(
    member_a, member_b, third_member, rep_a, rep_b, secretariat, secretariat_head
):
    reporter, accused = client_as(rep_a), client_as(rep_b)
    staff, head = client_as(secretariat), client_as(secretariat_head)
    response = reporter.post(
        "/api/v1/cases/",
        {"accused": member_b.pk, "articles": ["9"], "facts": "事实", "evidence": [pdf()]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case_id, number = body["id"], body["number"]
    assert number and body["status"] == "received" and len(body["files"]) == 1
    file_id = body["files"][0]["id"]

    def step(client, path, data, status=200):
        response = client.post(f"/api/v1/cases/{case_id}/{path}", data, JSON)
        assert response.status_code == status, (path, response.content)
        return response.json()

    assert step(staff, "triage", {"decision": "investigate"})["status"] == "investigating"
    assert step(staff, "assign", {"person": secretariat.pk})["assigned_to"] == str(secretariat)
    step(staff, "redact", {"file": file_id, "reason": "含举报人信息"})
    assert step(staff, "notice", {"message": "请答复"})["status"] == "notified"
    seen = accused.get(f"/api/v1/cases/{case_id}").json()
    assert seen["files"] == [] and seen["reporter"] is None and seen["reply_last_day"]
    assert accused.get(f"/api/v1/cases/{case_id}/files/{file_id}").status_code == 404
    response = accused.post(f"/api/v1/cases/{case_id}/reply", {"statement": "答复"})
    assert response.status_code == 200 and response.json()["replied_at"]
    finding = {
        "verified": "yes",
        "facts": "属实",
        "articles": [9],
        "adverse_effect": "yes",
        "reasons": "理由",
        "evidence_relied_on": [file_id],
    }
    assert step(staff, "finding", finding)["finding"]["source"] == "report"
    sanctioned = step(staff, "sanction", {"measure": "internal_notice", "reasons": "通报"})
    assert sanctioned["sanction"]["review_last_day"]
    assert step(accused, "review", {"grounds": "过重"})["status"] == "under_review"
    decided = step(head, "review/decision", {"outcome": "upheld", "reasons": "维持"})
    assert decided["status"] == CaseStatus.REVIEWED and decided["review"]["outcome"] == "upheld"
    results = client_as(third_member).get("/api/v1/cases/results").json()
    assert [r["number"] for r in results] == [number]
    assert client_as(third_member).get(f"/api/v1/cases/results/{case_id}").status_code == 200
    assert (
        AuditEntry.objects.filter(subject_id=str(case_id), subject_type="cases.case").count() == 10
    )
    assert Case.objects.get().published_at is not None


def test_own_initiative_and_recusal_through_the_api(member_b, secretariat, conflicted):
    staff = client_as(secretariat)
    response = staff.post(
        "/api/v1/cases/own-initiative", {"accused": member_b.pk, "articles": ["9"], "facts": "f"}
    )
    assert response.status_code == 201 and response.json()["source"] == "own_initiative"
    case_id = response.json()["id"]
    response = client_as(conflicted).post(
        f"/api/v1/cases/{case_id}/recusal", {"reason": "亲属任职"}, JSON
    )
    assert response.status_code == 201
    assert client_as(conflicted).get(f"/api/v1/cases/{case_id}").status_code == 404
    response = staff.post(f"/api/v1/cases/{case_id}/assign", {"person": conflicted.pk}, JSON)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and body["message"] and "fields" in body


def test_schema_names_are_prefixed_and_the_error_statuses_documented():
    from gongyue.api.urls import api

    schema = api.get_openapi_schema()
    names = [n for n in schema["components"]["schemas"] if n.startswith("Case")]
    assert {"CaseOut", "CaseFindingIn", "CaseResultOut"} <= set(names)
    operation = schema["paths"]["/api/v1/cases/{case_id}/finding"]["post"]
    assert {"400", "403", "404", "409"} <= set(operation["responses"])
