"""The site in Chromium at phone width and in print, and the confirmation step as a person meets it."""

import pytest

from gongyue.core.testing import assert_accessible

PHONE = {"width": 390, "height": 844}


def _page_fits(page) -> bool:
    """Nothing makes the page itself scroll sideways (a wide table scrolls inside its box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_at_phone_width_the_menu_folds_and_wide_tables_scroll_inside_the_page(
    transactional_db, page, login_page, secretariat, add_terms_for_phone
):
    page.set_viewport_size(PHONE)
    page.goto("/")
    menu = page.locator("[data-testid=main-menu]")
    assert page.locator("[data-testid=menu-button]").is_visible()
    assert not menu.is_visible()
    page.click("[data-testid=menu-button]")
    assert (
        menu.is_visible()
        and page.locator("[data-testid=main-menu] >> text=成员单位名录").is_visible()
    )
    assert _page_fits(page)
    for url in ["/members/", "/members/lists/", "/convention/"]:
        page.goto(url)
        assert _page_fits(page), url
    login_page(secretariat)
    page.goto("/screening/lexicon/")
    table = page.locator("[data-testid=terms]")
    assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # eight columns do not fit
    # A box that scrolls is reachable by keyboard, to be scrolled without a mouse.
    assert table.get_attribute("tabindex") == "0"
    assert _page_fits(page)


@pytest.mark.browser
def test_at_desktop_width_the_menu_is_open_without_a_toggle(transactional_db, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/members/lists/")
    assert page.locator("main table").first.get_attribute("tabindex") is None
    page.goto("/")
    assert page.locator("[data-testid=main-menu]").is_visible()
    assert not page.locator("[data-testid=menu-button]").is_visible()


@pytest.mark.browser
def test_printing_the_convention_leaves_out_the_sites_menus_and_forms(
    transactional_db, page, secretariat
):
    from gongyue.convention.testing import make_version

    make_version(actor=secretariat)
    page.goto("/convention/")
    page.emulate_media(media="print")
    assert not page.locator("header.site nav").is_visible()
    assert not page.locator("[data-testid=toc]").is_visible()
    assert not page.locator(".compare").is_visible()
    assert page.locator(".article").first.is_visible()
    assert page.locator("[data-testid=sha256]").is_visible()
    page.goto("/members/lists/")
    page.emulate_media(media="print")
    assert not page.locator("header.site nav").is_visible()
    assert page.locator("main h1").is_visible()


@pytest.mark.browser
def test_removing_a_term_asks_in_words_and_cancelling_keeps_it(
    transactional_db, page, login_page, secretariat, add_terms_for_phone
):
    from gongyue.screening.models import LexiconTerm

    term = LexiconTerm.objects.order_by("pk").first()
    login_page(secretariat)
    page.goto("/screening/lexicon/")
    page.click(f"[data-testid=remove-{term.pk}]")
    what = page.locator("[data-testid=confirm-what]").inner_text()
    assert term.term in what and "新的词库版本" in what
    assert_accessible(page)
    page.click("[data-testid=cancel]")
    page.wait_for_url("**/screening/lexicon/")
    assert LexiconTerm.objects.get(pk=term.pk).is_active
    page.click(f"[data-testid=remove-{term.pk}]")
    page.click("[data-testid=confirm]")
    page.wait_for_url("**/screening/lexicon/")
    assert not LexiconTerm.objects.get(pk=term.pk).is_active


@pytest.fixture
def add_terms_for_phone(secretariat):
    from gongyue.screening import actions

    for word in ["冰毒", "代开发票"]:
        actions.do_add_term(
            actor=secretariat, term=word, category="fraud", action="block", pinyin=True
        )
