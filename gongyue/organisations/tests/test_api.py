"""The membership API as a whole: every action is there, authenticated, in the one error format."""

from gongyue.accounts.models import ApiToken

from .conftest import VALID_APPLICATION

API = "/api/v1/members"


def test_every_membership_action_is_in_the_openapi_schema(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    expected = {
        ("post", "/applications"),
        ("put", "/applications/{application_id}"),
        ("post", "/applications/{application_id}/submit"),
        ("post", "/applications/{application_id}/approve"),
        ("post", "/applications/{application_id}/return"),
        ("post", "/applications/{application_id}/reject"),
        ("post", "/units/{unit_id}/delegates"),
        ("delete", "/delegates/{grant_id}"),
        ("post", "/units/{unit_id}/signatures"),
        ("get", "/signatures/{signature_id}/page.pdf"),
        ("post", "/signatures/{signature_id}/sealed"),
        ("post", "/units/{unit_id}/withdrawal"),
        ("put", "/convention/founders"),
        ("post", "/convention/publish"),
        ("post", "/lists"),
        ("get", "/lists"),
        ("get", "/lists/{period}"),
        ("get", "/directory"),
        ("post", "/import"),
    }
    found = {
        (method, path.removeprefix("/api/v1/members"))
        for path, ops in paths.items()
        for method in ops
    }
    assert expected <= found


def test_acting_needs_a_token_or_a_session_and_reading_registers_does_not(client, db):
    response = client.post(
        f"{API}/applications", VALID_APPLICATION, content_type="application/json"
    )
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    assert client.get(f"{API}/directory").status_code == 200
    assert client.get(f"{API}/lists").status_code == 200


def test_an_application_is_made_with_a_personal_token(client, applicant):
    _, secret = ApiToken.issue(applicant, "erp")
    response = client.post(
        f"{API}/applications",
        VALID_APPLICATION,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201 and response.json()["status"] == "draft"
