import re

import pytest

from gongyue.accounts.actions import do_revoke_role
from gongyue.accounts.models import ApiToken, Role, RoleGrant
from gongyue.audit.models import AuditEntry
from gongyue.core.errors import ActionRefused
from gongyue.core.testing import PASSWORD


def test_a_person_logs_in_with_the_form_and_sees_their_roles(client, rep_a):
    response = client.post(
        "/accounts/login/", {"username": "rep_a", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/accounts/"
    page = response.content.decode()
    assert "赣江网络科技有限公司" in page and "法定代表人" in page


def test_a_wrong_password_is_refused_with_a_message(client, rep_a):
    response = client.post("/accounts/login/", {"username": "rep_a", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors


def test_the_account_page_needs_a_login(client):
    response = client.get("/accounts/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_password_reset_link_arrives_by_mail_and_works(client, smtp_server, rep_a):
    client.post("/accounts/password/reset/", {"email": rep_a.email})
    [message] = smtp_server.to(rep_a.email)
    link = re.search(
        r"https?://[^/]+(/accounts/password/reset/\S+/)", smtp_server.body(message)
    ).group(1)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a new long passphrase 9", "new_password2": "a new long passphrase 9"},
    )
    assert response.status_code == 302
    rep_a.refresh_from_db()
    assert rep_a.check_password("a new long passphrase 9")


def test_a_token_created_on_the_page_is_shown_once_and_stored_hashed(client_for, rep_a):
    client = client_for(rep_a)
    client.post("/accounts/tokens/", {"name": "CMS"})
    page = client.get("/accounts/").content.decode()
    secret = re.search(r'data-testid="new-token">(gy_[^<]+)<', page).group(1)
    token = ApiToken.objects.get(user=rep_a)
    assert token.digest == ApiToken.digest_of(secret) and secret not in (token.prefix, token.digest)
    assert secret not in client.get("/accounts/").content.decode()
    assert AuditEntry.objects.filter(
        action="accounts.token_created", subject_id=str(token.pk)
    ).exists()


def test_a_token_authenticates_api_calls_until_it_is_revoked(client, rep_a):
    token, secret = ApiToken.issue(rep_a, "CMS")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    me = client.get("/api/v1/accounts/me", **auth)
    assert me.status_code == 200 and me.json()["username"] == "rep_a"
    assert me.json()["roles"][0]["role"] == Role.LEGAL_REP
    assert client.delete(f"/api/v1/accounts/me/tokens/{token.pk}", **auth).status_code == 204
    entry = AuditEntry.objects.get(action="accounts.token_revoked")
    assert (entry.actor, entry.subject_type, entry.subject_id) == (
        rep_a,
        "accounts.apitoken",
        str(token.pk),
    )
    refused = client.get("/api/v1/accounts/me", **auth)
    assert refused.status_code == 401
    assert refused.json() == {
        "code": "unauthenticated",
        "message": refused.json()["message"],
        "fields": {},
    }


def test_tokens_are_created_through_the_api_with_the_secret_returned_once(client_for, rep_a):
    client = client_for(rep_a)
    response = client.post(
        "/api/v1/accounts/me/tokens", {"name": "batch"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["secret"].startswith("gy_")
    listed = client.get("/api/v1/accounts/me/tokens").json()
    assert listed[0]["name"] == "batch" and "secret" not in listed[0]


def test_an_empty_token_name_gets_a_field_error_and_creates_nothing(client_for, rep_a):
    response = client_for(rep_a).post(
        "/api/v1/accounts/me/tokens", {"name": "  "}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"name": ["请为令牌命名。"]}
    assert not ApiToken.objects.exists()


def test_a_malformed_body_gets_the_error_format(client_for, rep_a):
    response = client_for(rep_a).post(
        "/api/v1/accounts/me/tokens", {"nom": "x"}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and "name" in body["fields"]


def test_nobody_can_revoke_another_persons_token(client_for, rep_a, rep_b):
    token, _ = ApiToken.issue(rep_a, "CMS")
    response = client_for(rep_b).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    assert client_for(rep_b).delete(f"/api/v1/accounts/me/tokens/{token.pk}").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_session_api_calls_need_the_csrf_token(rep_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(rep_a)
    response = client.post(
        "/api/v1/accounts/me/tokens", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert not ApiToken.objects.exists()


def test_preferences_change_language_and_muted_mail_kinds(client_for, rep_a):
    client_for(rep_a).post(
        "/accounts/preferences/", {"language": "en", "muted_mail_kinds": ["reminder"]}
    )
    rep_a.refresh_from_db()
    assert rep_a.language == "en" and rep_a.muted_mail_kinds == ["reminder"]
    assert AuditEntry.objects.filter(action="accounts.preferences_changed").count() == 1


def test_the_account_page_renders_in_a_constant_number_of_queries(
    client_for, rep_a, django_assert_max_num_queries
):
    from gongyue.core.notify import notify

    client = client_for(rep_a)
    for n in range(30):
        ApiToken.issue(rep_a, f"token {n}")
    notify([rep_a], kind="convention", template="core/mail/test", context={"number": 1})
    with django_assert_max_num_queries(8):
        assert client.get("/accounts/").status_code == 200


def test_a_program_changes_preferences_with_the_same_rules_as_the_page(client_for, rep_a):
    client = client_for(rep_a)
    response = client.patch(
        "/api/v1/accounts/me", {"muted_mail_kinds": ["membership"]}, content_type="application/json"
    )
    assert response.status_code == 200
    rep_a.refresh_from_db()
    assert rep_a.muted_mail_kinds == ["membership"] and rep_a.language == "zh-hans"
    bad = client.patch("/api/v1/accounts/me", {"language": "fr"}, content_type="application/json")
    assert bad.status_code == 400 and "language" in bad.json()["fields"]
    rep_a.refresh_from_db()
    assert rep_a.language == "zh-hans"
    assert AuditEntry.objects.filter(action="accounts.preferences_changed").count() == 1


def test_a_message_is_marked_read_on_the_page_and_through_the_api(client_for, rep_a, rep_b):
    from gongyue.core.notify import notify

    first, second = [
        notify([rep_a], kind="convention", template="core/mail/test", context={"number": n})[0]
        for n in (1, 2)
    ]
    client = client_for(rep_a)
    client.post(f"/accounts/inbox/{first.pk}/read/")
    response = client.post(f"/api/v1/accounts/me/notifications/{second.pk}/read")
    assert response.status_code == 200 and response.json()["read"] is True
    assert client.get("/api/v1/accounts/me/notifications?unread=true").json() == []
    # Someone else's message is not found, and stays unread.
    third = notify([rep_b], kind="convention", template="core/mail/test", context={"number": 3})[0]
    assert client.post(f"/api/v1/accounts/me/notifications/{third.pk}/read").status_code == 404
    third.refresh_from_db()
    assert third.read_at is None


def test_a_revoked_role_no_longer_counts_and_the_revocation_is_audited(
    rep_a, secretariat_head, unit_a
):
    grant = RoleGrant.objects.get(user=rep_a, role=Role.LEGAL_REP)
    do_revoke_role(grant, actor=secretariat_head)
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == secretariat_head
    assert unit_a.signing_grant(rep_a, grant.valid_from) is None
    entry = AuditEntry.objects.get(action="accounts.role_revoked")
    assert (entry.actor, entry.subject_id, entry.old, entry.new) == (
        secretariat_head,
        str(grant.pk),
        {"role": Role.LEGAL_REP},
        {"revoked": True},
    )
    with pytest.raises(ActionRefused):
        do_revoke_role(grant, actor=secretariat_head)
    assert AuditEntry.objects.filter(action="accounts.role_revoked").count() == 1
