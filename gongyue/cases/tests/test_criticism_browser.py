"""Public criticism end to end in Chromium: an anonymous visitor sends it, keeps the receipt,
and reads the answer once the secretariat has answered."""

import pytest

from gongyue.cases.models import Criticism
from gongyue.core import testing


@pytest.mark.browser
def test_a_visitor_sends_criticism_keeps_the_receipt_and_later_reads_the_answer(
    page, chromium, live_server, secretariat
):
    page.goto("/cases/criticism/")
    page.select_option("[name=kind]", "complaint")
    page.select_option("[name=about]", "trade")
    page.fill("[name=text]", "某些应用默认勾选自动续费。<script>window.pwned=1</script>")
    page.click("[data-testid=criticism-form] button[type=submit]")
    number = page.inner_text("[data-testid=receipt-number]").strip()
    code = page.inner_text("[data-testid=receipt-code]").strip()
    assert len(code.replace("-", "")) >= 16
    assert {c["name"] for c in page.context.cookies()} <= {"csrftoken"}

    # Not answered yet: the page shows the deadline.
    page.goto("/cases/criticism/status/")
    page.fill("[name=number]", number)
    page.fill("[name=code]", code)
    page.click("[data-testid=receipt-form] button[type=submit]")
    assert page.locator("[data-testid=deadline]").count() == 1
    assert page.evaluate("window.pwned") is None

    # The secretariat answers, in its own browser.
    staff = chromium.new_context(locale="zh-CN", base_url=live_server.url).new_page()
    staff.goto("/accounts/login/")
    staff.fill("input[name=username]", secretariat.username)
    staff.fill("input[name=password]", testing.PASSWORD)
    staff.click("main button[type=submit]")
    staff.wait_for_url("**/accounts/")
    staff.goto(f"/cases/criticism/manage/{number}/")
    staff.click("[data-testid=triage]")
    staff.fill("[name=answer]", "已约谈相关企业，要求取消默认勾选。")
    staff.click("[data-testid=answer]")
    staff.wait_for_selector("[data-testid=criticism-answer]")
    staff.context.close()
    assert Criticism.objects.get(pk=number).status == "answered"

    page.goto("/cases/criticism/status/")
    page.fill("[name=number]", number)
    page.fill("[name=code]", code.lower().replace("-", " "))
    page.click("[data-testid=receipt-form] button[type=submit]")
    assert "已约谈相关企业" in page.inner_text("[data-testid=criticism-answer]")
