"""Bulletins and requests end to end in Chromium."""

import pytest

from gongyue.bulletins.models import Bulletin, Receipt, Request
from gongyue.core.testing import assert_accessible


@pytest.mark.browser
def test_a_bulletin_to_one_category_reaches_its_units_and_the_receipts_fill_in(
    page, login_page, secretariat, members, rep_a, rep_b, staff_b
):
    member_b = members[1]
    login_page(secretariat)
    page.goto("/bulletins/manage/new/")
    page.fill("[name=title]", "接入服务提供者专项通知")
    page.fill("[name=body]", "## 要求\n\n- 完成自查\n\n<script>window.pwned=1</script>")
    page.select_option("[name=kind]", "notice")
    page.check("input[name=categories][value=access_provider]")
    page.click("[data-testid=publish]")
    page.wait_for_url("**/receipts/")
    bulletin = Bulletin.objects.get()
    assert list(bulletin.receipts.values_list("unit", flat=True)) == [member_b.pk]
    assert page.locator("[data-testid=receipt-row]").count() == 1
    assert page.locator("[data-testid=receipt-row].unread").count() == 1
    assert_accessible(page)

    # Unit A is not in the category: nothing in its inbox.
    login_page(rep_a)
    page.goto("/bulletins/inbox/")
    assert "接入服务提供者专项通知" not in page.inner_text("[data-testid=inbox]")

    # Unit B's staff opens it first, then its legal representative.
    login_page(staff_b)
    page.goto("/bulletins/inbox/")
    page.click("text=接入服务提供者专项通知")
    page.wait_for_selector("[data-testid=bulletin-body] h2")
    assert page.evaluate("window.pwned") is None
    assert_accessible(page)
    login_page(rep_b)
    page.goto(f"/bulletins/{bulletin.pk}/")

    login_page(secretariat)
    page.goto(f"/bulletins/{bulletin.pk}/receipts/")
    row = page.inner_text("[data-testid=receipt-row]")
    assert member_b.name in row and "staff_b" in row
    assert page.locator("[data-testid=receipt-row].unread").count() == 0
    receipt = Receipt.objects.get(bulletin=bulletin)
    assert receipt.read_by == staff_b


@pytest.mark.browser
def test_a_request_is_forwarded_answered_by_the_authority_and_seen_by_the_submitter(
    page, login_page, secretariat, authority, members, rep_a
):
    login_page(rep_a)
    page.goto("/bulletins/requests/new/")
    page.select_option("[name=kind]", "legislation")
    page.fill("[name=title]", "关于完善数据出境规定的建议")
    page.fill("[name=body]", "建议明确中小企业的适用标准。")
    page.click("[data-testid=request-form] button[type=submit]")
    page.wait_for_url("**/requests/*/")
    request = Request.objects.get()

    login_page(secretariat)
    page.goto("/bulletins/requests/")
    page.check(f"input[name=requests][value='{request.pk}']")
    page.fill("[data-testid=forward-form] [name=title]", "成员单位关于数据出境的立法建议")
    page.fill("[data-testid=forward-form] [name=body]", "执行机构汇总如下。")
    page.click("[data-testid=forward]")
    page.wait_for_url("**/submissions/*/")

    login_page(authority)
    page.goto("/bulletins/submissions/")
    page.click("text=成员单位关于数据出境的立法建议")
    page.fill("[name=reply]", "建议已收悉，将在修订时研究采纳。")
    page.click("[data-testid=reply-submit]")
    page.wait_for_url("**/submissions/*/")

    login_page(rep_a)
    page.goto(f"/bulletins/requests/{request.pk}/")
    assert page.inner_text("[data-testid=request-status]") == "主管部门已答复"
    assert "建议已收悉，将在修订时研究采纳。" in page.inner_text("[data-testid=authority-reply]")
    assert len(page.locator("[data-testid=timeline] li").all()) == 3
    assert_accessible(page)


@pytest.mark.browser
def test_a_campaign_is_answered_by_two_units_and_its_report_shows_the_figures(
    page, login_page, secretariat, convention, members, rep_a, rep_b
):
    from .conftest import build_campaign

    campaign = build_campaign(secretariat, convention)
    login_page(secretariat)
    page.goto(f"/bulletins/campaigns/{campaign.pk}/")
    page.click("[data-testid=open-campaign]")
    page.wait_for_selector("[data-testid=responses]")
    first, second = campaign.questions.order_by("position")[:2]

    for user, yes_no in [(rep_a, "yes"), (rep_b, "no")]:
        login_page(user)
        page.goto("/bulletins/campaigns/")
        page.click("text=2026年度个人信息保护自查")
        page.check(f"input[name=q{first.pk}][value={yes_no}]")
        page.check(f"input[name=q{second.pk}][value='15日内']")
        page.click("[data-testid=submit-answers]")
        page.wait_for_selector("[data-testid=response-status]")
        assert page.inner_text("[data-testid=response-status]") == "已提交"

    login_page(secretariat)
    page.goto(f"/bulletins/campaigns/{campaign.pk}/report/")
    assert "2 个单位中有 2 个已提交" in page.inner_text("[data-testid=totals]")
    rows = page.locator("[data-testid=by-question] tbody tr").all_inner_texts()
    assert "50.0" in rows[0] and "yes: 1" in rows[0] and "no: 1" in rows[0]
    assert "100.0" in rows[1]
    articles = page.locator("[data-testid=by-article] tbody tr").all_inner_texts()
    assert any("50.0" in row for row in articles) and any("100.0" in row for row in articles)
    assert_accessible(page)
