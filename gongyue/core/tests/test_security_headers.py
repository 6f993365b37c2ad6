"""Every response carries the site's Content-Security-Policy and Permissions-Policy (issue 8.3),
and the pages work under it in Chromium."""

import pytest


def policy(response) -> dict:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


@pytest.mark.parametrize(
    "url", ["/", "/convention/", "/accounts/login/", "/api/v1/convention/versions"]
)
def test_pages_and_the_api_carry_a_strict_policy(client, db, url):
    response = client.get(url)
    csp = policy(response)
    assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_api_docs_may_use_inline_styles_but_never_inline_scripts(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    csp = policy(response)
    assert "'unsafe-inline'" in csp["style-src"] and csp["script-src"] == ["'self'"]


def test_no_template_has_inline_script_or_style_attributes():
    """The policy forbids them; PDF templates (rendered by WeasyPrint, never served) may style."""
    import re
    from pathlib import Path

    from django.conf import settings

    pdf_templates = {
        "convention/pdf.html",
        "organisations/signature_page.html",
        "bulletins/campaign_report_pdf.html",
    }
    offenders = []
    for path in sorted(Path(settings.BASE_DIR).glob("templates/**/*.html")):
        name = path.relative_to(Path(settings.BASE_DIR) / "templates").as_posix()
        text = path.read_text(encoding="utf-8")
        if name in pdf_templates:
            continue
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", text) or re.search(
            r"<style|\sstyle=|\son[a-z]+=|javascript:", text
        ):
            offenders.append(name)
    assert not offenders


@pytest.mark.browser
def test_pages_and_the_api_docs_work_under_the_policy_in_chromium(page, live_server):
    from django.core.management import call_command

    call_command("load_demo")
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "gongzuorenyuan")
    page.fill("input[name=password]", "gongyue-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    for url in ("/", "/convention/", "/members/", "/screening/", "/audit/", "/api/v1/docs"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert page.locator(".swagger-ui .opblock").count() > 10
    assert not violations
