"""Every page a person can reach has no axe-core violation of WCAG 2 A/AA (GB/T 37668): the crawl
test's page list on the demo data, visited in Chromium anonymously, as a member unit's legal
representative and as secretariat staff, in Chinese, and anonymously and as secretariat staff in
English; the home page and a list at phone width; the API docs
page; and the helper's own report of a page with faults (docs/accessibility.md)."""

import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from gongyue.accounts.models import User
from gongyue.core import testing
from gongyue.core.tests.test_crawl import (  # noqa: F401 (a fixture)
    _forget_the_demo_engine,
    page_urls,
    sample_values,
)

# The demo's people: a founding member's legal representative and the secretariat's staff, in
# Chinese; and in English, nobody and the secretariat's staff (who reach the most pages).
PERSONAS = [
    (None, "zh-hans"),
    ("ganjiang_rep", "zh-hans"),
    ("gongzuorenyuan", "zh-hans"),
    (None, "en"),
    ("gongzuorenyuan", "en"),
]
PHONE = {"width": 390, "height": 844}


def browser_context(chromium, live_server, username=None, language=None, **options):
    """A Chromium context on the live server, signed in as the demo's `username` (None: nobody)
    through a session cookie made by the test client, which is quicker than the login form;
    with `language`, the language switch's cookie set to it."""
    context = chromium.new_context(locale="zh-CN", base_url=live_server.url, **options)
    if language is not None:
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
    if username is not None:
        client = Client()
        client.force_login(User.objects.get(username=username))
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    return context


def visit(page, url, pages=None):
    """Open `url` in the page if it answers an HTML page (200, 403 or 404); its response.

    A request through the context first (same cookies, redirects followed) leaves out files
    served as attachments, feeds and a POST-only address's empty 405: Chromium does not show
    those as pages, and a failed navigation would disturb the next one. Any failure of the
    navigation itself fails the test. `pages` ({url: whether it is such a page}) keeps what
    the requests found for one person, so that the same person in another language is not
    asked again (a language changes the words, not what an address answers with)."""
    pages = {} if pages is None else pages
    if url not in pages:
        probe = page.request.get(url)
        html = probe.headers.get("content-type", "").startswith("text/html")
        pages[url] = html and probe.status in (200, 403, 404)
    if not pages[url]:
        return None
    return page.goto(url, wait_until="load")


@pytest.mark.browser
@pytest.mark.usefixtures("_forget_the_demo_engine")
def test_no_page_has_an_accessibility_violation_for_anyone(chromium, live_server):
    call_command("load_demo", verbosity=0)
    urls = page_urls(sample_values())
    assert len(urls) >= 80

    started, checked, in_axe, failures = time.monotonic(), 0, 0.0, []
    answers = {}  # person → {url: whether it answers a page}, for the person's other language
    for username, language in PERSONAS:
        context = browser_context(chromium, live_server, username, language)
        page = context.new_page()
        page.set_default_timeout(30_000)  # the machine may be busy
        seen = set()  # what was checked: a page reached twice is checked once
        pages = answers.setdefault(username, {})
        for url in urls:
            if (response := visit(page, url, pages)) is None:
                continue
            reached = page.url.removeprefix(live_server.url)
            if response.status in (403, 404):
                reached = f"{reached} ({response.status})"
                key = response.status  # one of each error page is enough
            else:
                # The login page reached by redirect counts once, whatever its ?next=.
                key = reached if reached == url else urlsplit(reached).path
            if key in seen:
                continue
            seen.add(key)
            checked += 1
            before = time.monotonic()
            violations = testing.axe_violations(page)
            in_axe += time.monotonic() - before
            if violations:
                where = f"[{username or 'anonymous'} {language} {reached}] "
                failures.append(testing.describe_violations(violations, where))
        assert page.evaluate("document.documentElement.lang") == language  # the last page's
        context.close()
    # Measured, to keep the crawl's cost in view (docs/accessibility.md).
    elapsed = time.monotonic() - started
    print(f"axe crawl: {checked} pages in {elapsed:.0f}s, of which {in_axe:.0f}s in axe-core")
    assert checked >= 60, checked
    assert not failures, f"{len(failures)} page(s) with violations:\n" + "\n".join(failures)


@pytest.mark.browser
@pytest.mark.parametrize("url", ["/", "/members/"])
def test_the_home_page_and_a_list_are_accessible_at_phone_width(chromium, live_server, url):
    call_command("load_demo", verbosity=0)
    context = browser_context(chromium, live_server, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    assert visit(page, url).status == 200
    assert page.evaluate("document.documentElement.clientWidth") == PHONE["width"]
    testing.assert_accessible(page)
    context.close()


@pytest.mark.browser
def test_the_accessibility_check_names_each_violation_readably(chromium, live_server):
    """The helper fails on a page with known faults, naming rule, impact, element and help."""
    context = browser_context(chromium, live_server)
    page = context.new_page()
    page.set_content('<html><body><img src="x.png"><a href="/"></a></body></html>')
    with pytest.raises(AssertionError) as failure:
        testing.assert_accessible(page)
    context.close()
    message = str(failure.value)
    assert "image-alt (critical)" in message and "link-name (serious)" in message
    assert "html-has-lang (serious)" in message and "document-title" in message
    assert "\n    img    " in message and "dequeuniversity.com" in message


@pytest.mark.browser
def test_the_api_docs_page_is_accessible_browsed_and_tried_out(page, transactional_db):
    """Swagger UI's own markup, as our template, stylesheet and script amend it."""
    page.set_default_timeout(60_000)  # Swagger UI builds the page from the whole schema
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    testing.assert_accessible(page)
    page.click(".opblock-summary-control >> nth=0")
    page.click(".try-out__btn")
    testing.assert_accessible(page)
    page.click(".execute")
    page.wait_for_selector(".live-responses-table")
    assert page.get_attribute(".curl-command .copy-to-clipboard button", "aria-label") == (
        "复制到剪贴板"
    )
    testing.assert_accessible(page)
