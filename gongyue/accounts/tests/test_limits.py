"""Login and password-reset limits: per account and per address, which a proxy header cannot fool."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from gongyue.core.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT = 3


def login(address, username, password, path="/accounts/login/", **headers):
    client = Client(REMOTE_ADDR=address)
    response = client.post(path, {"username": username, "password": password}, **headers)
    return client, response


def test_an_account_is_locked_after_the_failure_limit_even_from_new_addresses_and_with_the_right_password(
    rep_a,
):
    statuses = [login(f"203.0.113.{n + 1}", "rep_a", "wrong")[1].status_code for n in range(3)]
    assert statuses == [200, 200, 429]  # the form with its error, then the lockout page
    client, refused = login("198.51.100.9", "rep_a", PASSWORD)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    page = refused.content.decode()
    assert "登录失败次数过多" in page and 'class="site"' in page  # Chinese, in the site layout
    assert refused["Retry-After"] == "900"
    # Another account from that address is not affected.
    make_user("rep_other", unit=rep_a.unit)
    client, response = login("198.51.100.9", "rep_other", PASSWORD)
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_failures_split_between_user_name_and_email_lock_the_one_account(rep_a):
    """A delegate logs in by either; guessing by both must not double the allowance."""
    email = rep_a.email.upper()
    attempts = [("rep_a", "203.0.113.1"), (email, "203.0.113.2"), ("rep_a", "203.0.113.3")]
    statuses = [login(address, name, "wrong")[1].status_code for name, address in attempts]
    assert statuses == [200, 200, 429]
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"rep_a"}
    for name in (rep_a.email, "rep_a"):
        client, refused = login("198.51.100.9", name, PASSWORD)
        assert refused.status_code == 429 and "_auth_user_id" not in client.session


def test_an_address_no_single_account_has_is_counted_as_typed(rep_a, rep_b):
    from gongyue.accounts.backends import axes_username

    assert axes_username(None, {"username": rep_a.email}) == "rep_a"
    assert axes_username(None, {"username": "Nobody@Example.cn "}) == "nobody@example.cn"
    make_user("rep_a_twin", email=rep_a.email.upper())
    assert axes_username(None, {"username": rep_a.email}) == rep_a.email
    assert axes_username(None, {"username": "rep_b"}) == "rep_b"


def test_an_address_is_locked_after_the_failure_limit_across_accounts(rep_a, rep_b):
    for name in ("guess1", "guess2", "guess3"):
        login("203.0.113.50", name, "wrong")
    client, refused = login("203.0.113.50", "rep_b", PASSWORD)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    # The same account from another address logs in.
    client, response = login("203.0.113.51", "rep_b", PASSWORD)
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_admin_login_is_limited_too(db):
    admin = make_user("root", is_staff=True, is_superuser=True)
    for n in range(3):
        login(f"203.0.113.{n + 1}", "root", "wrong", path="/admin/login/")
    assert AccessAttempt.objects.filter(username="root").count() == 3
    client, refused = login("198.51.100.9", admin.username, PASSWORD, path="/admin/login/")
    assert refused.status_code == 429 and "_auth_user_id" not in client.session


def test_behind_a_proxy_a_forged_left_most_forwarded_for_entry_changes_nothing(
    settings, rep_a, rep_b
):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1
    # Each attempt claims another address; the proxy appends the one it really saw.
    for n in range(3):
        login("10.0.0.2", f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.77")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.77"}
    client, refused = login(
        "10.0.0.2", "rep_b", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.77"
    )
    assert refused.status_code == 429 and "_auth_user_id" not in client.session


def test_password_reset_mail_is_limited_per_account_whatever_the_address(
    settings, client, smtp_server, rep_a
):
    settings.PASSWORD_RESET_MAILS_PER_ACCOUNT = 3
    for n in range(20):
        response = Client(REMOTE_ADDR=f"203.0.113.{n + 1}").post(
            "/accounts/password/reset/", {"email": rep_a.email}
        )
        # Beyond the allowance the page says what it always says: it tells nobody anything.
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(smtp_server.to(rep_a.email)) == 3


def test_password_reset_requests_are_limited_per_address(settings, smtp_server, rep_a):
    settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR = 2
    settings.PASSWORD_RESET_MAILS_PER_ACCOUNT = 100
    client = Client(REMOTE_ADDR="203.0.113.5")
    statuses = [
        client.post("/accounts/password/reset/", {"email": rep_a.email}).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 429, 429]
    assert len(smtp_server.to(rep_a.email)) == 2


def test_the_reset_link_points_to_site_url_not_to_the_host_header(settings, smtp_server, rep_a):
    settings.SITE_URL = "https://gongyue.example.org"
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]
    Client(HTTP_HOST="evil.example").post("/accounts/password/reset/", {"email": rep_a.email})
    [message] = smtp_server.to(rep_a.email)
    body = smtp_server.body(message)
    assert "https://gongyue.example.org/accounts/password/reset/" in body
    assert "evil.example" not in body
