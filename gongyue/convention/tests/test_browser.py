import pytest

from gongyue.convention.testing import make_version
from gongyue.core.testing import assert_accessible


@pytest.mark.browser
def test_a_reader_follows_the_contents_compares_two_versions_in_english_and_downloads_the_pdf(
    transactional_db, page, secretariat, seed_bytes, amended_seed_bytes
):
    make_version(seed_bytes, actor=secretariat)
    make_version(amended_seed_bytes, actor=secretariat)

    page.goto("/convention/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("[data-testid=toc] a[href='#art-9']")
    page.wait_for_url("**/convention/#art-9")
    items = page.locator("#art-9 .item")
    assert items.count() == 4
    assert items.nth(3).is_visible() and items.nth(3).inner_text().startswith(
        "（四）引导广大用户文明使用网络"
    )
    assert_accessible(page)

    page.click("[data-testid=lang-en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("[data-testid=toc] h2").inner_text() == "Contents"

    form = page.locator("[data-testid=compare-form]")
    form.locator("select[name=from]").select_option("1")
    form.locator("select[name=to]").select_option("2")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/convention/diff/?from=1&to=2")
    change = page.locator("#diff-art-9")
    assert change.locator(".badge").inner_text() == "changed"
    assert change.locator("ins").inner_text() == "、不推荐"
    assert_accessible(page)

    page.goto("/convention/")
    with page.expect_download() as download:
        page.click("[data-testid=download-pdf]")
    assert download.value.suggested_filename == "convention-v2.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
