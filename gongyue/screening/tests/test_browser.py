"""The lexicon reaching a member's screen, in Chromium: the secretariat adds a term on the lexicon
page; a member's engineer pastes a post on the try page and sees it highlighted."""

import pytest

from gongyue.core.testing import assert_accessible
from gongyue.screening.models import LexiconVersion


@pytest.mark.browser
def test_a_term_the_secretariat_adds_is_highlighted_on_the_members_try_page(
    transactional_db, page, login_page, secretariat, rep_a
):
    login_page(secretariat)
    page.goto("/screening/lexicon/")
    assert (
        page.locator("[data-testid=version-in-service]").inner_text()
        == "尚未发布任何版本：所有内容均通过。"
    )
    page.click("[data-testid=add-term]")
    page.fill("input[name=term]", "代開發票")
    page.select_option("select[name=category]", "fraud")
    page.select_option("select[name=action]", "review")
    page.select_option("select[name=severity]", "3")
    page.check("input[name=pinyin]")
    page.click("[data-testid=term-form] button[type=submit]")
    page.wait_for_url("**/screening/lexicon/")
    assert "代開發票已添加；词库第 1 版已投入使用。" in page.locator(".messages").inner_text()
    assert (
        page.locator("[data-testid=terms] tr[data-term='代開發票'] code").inner_text() == "代开发票"
    )
    assert LexiconVersion.objects.get().term_count == 1
    assert_accessible(page)

    page.context.clear_cookies()
    login_page(rep_a)
    page.click("header nav >> text=内容筛查")
    page.wait_for_url("**/screening/try/")
    page.fill("textarea[name=text]", "诚信经营，代 开 发 票请找我，或者 daikaifapiao")
    page.click("[data-testid=try-form] button[type=submit]")

    assert page.locator("[data-testid=decision]").inner_text() == "人工审核"
    marks = page.locator("[data-testid=screened] mark")
    assert marks.count() == 2
    assert marks.nth(0).inner_text() == "代 开 发 票"
    assert (marks.nth(0).get_attribute("data-start"), marks.nth(0).get_attribute("data-end")) == (
        "5",
        "12",
    )
    assert marks.nth(1).inner_text() == "daikaifapiao"
    assert page.locator("[data-testid=matches] tr").count() == 3
    assert_accessible(page)
    assert page.locator("[data-testid=matches] tr").nth(2).locator("td").last.inner_text() == "拼音"
