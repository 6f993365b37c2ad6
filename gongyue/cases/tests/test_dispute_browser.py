# ruff: noqa: F811 (fixtures imported from dispute_fixtures)
"""A dispute settled by agreement, end to end in Chromium: opened by one member, a settlement
proposed by the other, accepted by both after the confirmation step."""

import pytest

from gongyue.cases.models import Dispute, DisputeStatus

from .dispute_fixtures import _private_media, members  # noqa: F401


@pytest.mark.browser
def test_a_dispute_is_settled_by_an_agreement_both_parties_accept(
    page, login_page, members, rep_a, rep_b
):
    login_page(rep_a)
    page.goto("/cases/disputes/new/")
    page.select_option("[name=respondent]", str(members[1].pk))
    page.fill("[name=subject]", "接口费用结算纠纷")
    page.fill("[name=statement]", "对方拖欠三个月接口费用。")
    page.click("[data-testid=dispute-form] button[type=submit]")
    page.wait_for_selector("[data-testid=dispute-status]")
    dispute = Dispute.objects.get()

    login_page(rep_b)
    page.goto(f"/cases/disputes/{dispute.pk}/")
    page.fill("[data-testid=agreement-form] [name=text]", "乙方于十日内结清费用，甲方免除滞纳金。")
    page.click("[data-testid=agreement-form] button[type=submit]")
    page.click("[data-testid=accept]")
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=dispute-status]")
    assert dispute.agreements.get().respondent_accepted_by == rep_b

    login_page(rep_a)
    page.goto(f"/cases/disputes/{dispute.pk}/")
    page.click("[data-testid=accept]")
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=dispute-status]")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.SETTLED
    assert page.inner_text("[data-testid=dispute-status]") == "已和解"
    assert page.locator("[data-testid=message-form]").count() == 0
