"""Starting safely: DEBUG off unless asked, no start without a secret key, SITE_URL from
HOST/PORT, and Chinese error pages in the site layout."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client

ROOT = django_settings.BASE_DIR


def settings_in_a_fresh_process(**env):
    """Import the settings as a server would start: outside pytest, with only ``env`` set."""
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DEBUG",
             "SECRET_KEY", "SECRET_KEY_FILE", "SITE_URL", "HOST", "PORT"}}  # fmt: skip
    code = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.DEBUG, settings.SITE_URL)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
    )


def test_debug_is_off_unless_asked_for():
    started = settings_in_a_fresh_process(SECRET_KEY="k" * 50)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split()[0] == "False"
    assert settings_in_a_fresh_process(DEBUG="true").stdout.split()[0] == "True"


def test_without_debug_a_missing_secret_key_stops_the_start_with_a_clear_error():
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DEBUG", "SECRET_KEY"}
    }
    # The system checks (migrate, runserver, check) refuse, and so does loading the WSGI
    # application, which is what gunicorn does at its start (it runs no checks).
    for code, expected in (
        ("from gongyue.cli import main; main()", "gongyue.E001"),
        ("import config.wsgi", "ImproperlyConfigured"),
        ("import config.asgi", "ImproperlyConfigured"),
    ):
        started = subprocess.run(
            [sys.executable, "-c", code, "check"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert started.returncode != 0, code
        assert expected in started.stderr and "SECRET_KEY is not set" in started.stderr, code
    # With a key, the same start passes the checks.
    started = subprocess.run(
        [sys.executable, "-c", "from gongyue.cli import main; main()", "check"],
        cwd=ROOT, env={**env, "SECRET_KEY": "k" * 50}, capture_output=True, text=True,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr


def test_a_secret_key_file_is_read(tmp_path):
    key = tmp_path / "key"
    key.write_text("s" * 50 + "\n")
    assert settings_in_a_fresh_process(SECRET_KEY_FILE=str(key)).returncode == 0


def test_site_url_follows_host_and_port_unless_set():
    assert settings_in_a_fresh_process(DEBUG="1", PORT="8123").stdout.split()[1] == (
        "http://127.0.0.1:8123"
    )
    assert settings_in_a_fresh_process(DEBUG="1", HOST="::1", PORT="9000").stdout.split()[1] == (
        "http://[::1]:9000"
    )
    assert (
        settings_in_a_fresh_process(
            DEBUG="1", PORT="8123", SITE_URL="https://gongyue.example.org"
        ).stdout.split()[1]
        == "https://gongyue.example.org"
    )


# -- error pages (pytest-django runs every test with DEBUG off) ---------------------------------


def in_the_site_layout(page: str) -> bool:
    return '<header class="site"' in page and '<footer class="site"' in page


@pytest.mark.django_db
def test_an_unknown_page_is_a_chinese_404_in_the_site_layout(client):
    assert not django_settings.DEBUG
    response = client.get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in page and in_the_site_layout(page)


@pytest.mark.django_db
def test_a_refused_page_is_a_chinese_403_in_the_site_layout(client, no_unit_user):
    client.force_login(no_unit_user)
    response = client.get("/members/secretariat/")
    page = response.content.decode()
    assert response.status_code == 403 and "无权访问" in page
    assert in_the_site_layout(page)


@pytest.mark.django_db
def test_a_failing_page_is_a_chinese_500_in_the_site_layout_without_a_traceback(settings):
    settings.ROOT_URLCONF = "gongyue.core.tests.urls_failing"
    response = Client(raise_request_exception=False).get("/failing/")
    page = response.content.decode()
    assert response.status_code == 500 and "服务器错误" in page and in_the_site_layout(page)
    assert "RuntimeError" not in page and "Traceback" not in page


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_is_a_chinese_403_in_the_site_layout():
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "x", "password": "y"}
    )
    page = response.content.decode()
    assert response.status_code == 403 and "表单已失效" in page and in_the_site_layout(page)
