import pytest


def test_the_home_page_is_in_chinese_by_default(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_language_switch_sets_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.browser
def test_a_visitor_switches_the_home_page_to_english(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("[data-testid=lang-en]")
    page.wait_for_selector("html[lang=en]")
    assert "Log in" in page.inner_text("header")


def test_an_english_browser_still_gets_chinese_until_it_switches(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_a_signed_in_persons_language_preference_applies(client_for, legal_rep):
    legal_rep.language = "en"
    legal_rep.save()
    response = client_for(legal_rep).get("/")
    assert '<html lang="en">' in response.content.decode()


def test_the_api_docs_page_uses_our_own_static_files_not_a_cdn(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn." not in page
