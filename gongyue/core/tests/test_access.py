"""Every page behind a role refuses anonymous visitors and people without that role."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# A role check's name → personas that must be refused (403).
REFUSED = {
    "is_secretariat": ["no_unit_user", "rep_a", "staff_a", "authority"],
    "is_authority": ["no_unit_user", "rep_a", "secretariat"],
}


def role_pages(resolver=None, prefix=""):
    """(url, role check) for every page wrapped by role_required, with sample path arguments."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from role_pages(entry, route)
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, "required_role"):
            url = "/" + route.replace("<int:", "<").replace("^", "").replace("$", "")
            for converter in (
                "unit_id",
                "application_id",
                "term_id",
                "phrase_id",
                "signature_id",
                "grant_id",
                "list_id",
                "number",
                "version",
                "period",
                "notification_id",
                "token_id",
                "proposal_id",
                "ballot_id",
                "annex_id",
                "identity_id",
                *("bulletin_id", "attachment_id", "request_id", "submission_id"),
                *("campaign_id", "response_id", "answer_id"),
                "withdrawal_id",
                *("dispute_id", "message_id", "agreement_id", "complaint_id", "criticism_id"),
                *("case_id", "file_id"),
                *("entry_id", "appeal_id"),
                "name",
            ):
                url = url.replace(f"<{converter}>", "1").replace(f"<str:{converter}>", "2026-Q1")
            yield url, entry.callback.required_role


PAGES = sorted(set(role_pages()))


def test_there_are_role_pages_to_check():
    assert {role for _, role in PAGES} >= {"is_secretariat"}
    assert len(PAGES) >= 15
    assert all("<" not in url for url, _ in PAGES), [u for u, _ in PAGES if "<" in u]


@pytest.mark.parametrize(
    ("url", "role"), [p for p in PAGES if p[1] in REFUSED], ids=lambda v: str(v)
)
def test_a_role_page_sends_anonymous_visitors_to_login_and_refuses_other_roles(
    db, client_for, request, url, role
):
    anonymous = client_for(None)
    for method in (anonymous.get, anonymous.post):
        response = method(url)
        assert response.status_code == 302 and response["Location"].startswith(
            "/accounts/login/"
        ), url
    for persona in REFUSED[role]:
        client = client_for(request.getfixturevalue(persona))
        assert client.get(url).status_code == 403, (url, persona)
        assert client.post(url).status_code == 403, (url, persona)
