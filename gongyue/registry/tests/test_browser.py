"""The registry's story in Chromium: a member submits a phishing URL, the secretariat approves
it, the RPZ feed lists it, the site owner appeals and it is delisted."""

import pytest

from gongyue.core.tasks import run_queued_tasks
from gongyue.core.testing import assert_accessible
from gongyue.registry.models import Appeal, Entry, Status


def rpz_names(page, token) -> set[str]:
    response = page.request.get(f"/registry/feeds/all.rpz?token={token}")
    assert response.status == 200
    return {line.split()[0] for line in response.text().splitlines() if line.endswith("CNAME .")}


@pytest.mark.browser
def test_a_phishing_url_is_submitted_approved_served_appealed_and_delisted(
    page, login_page, rep_a, secretariat, secretariat_head, member_token
):
    # A member submits the phishing site.
    login_page(rep_a)
    page.goto("/registry/submit/")
    page.fill("[name=value]", "HTTP://Login.ICBC-Verify.com/#home")
    page.select_option("[name=category]", "phishing")
    page.fill("[name=evidence]", "短信：<b>您的账户已冻结</b>")
    page.click("[data-testid=submit-form] button[type=submit]")
    page.wait_for_url("**/registry/entries/*/")
    assert page.inner_text("[data-testid=indicator]") == "http://login.icbc-verify.com/"
    assert page.inner_text("[data-testid=status]") == "待审核"
    assert_accessible(page)
    entry = Entry.objects.get()

    # The secretariat approves it from the queue; the feeds are published by the task.
    login_page(secretariat)
    page.goto("/registry/review/")
    page.click(f"[data-testid=approve-{entry.pk}]")
    page.wait_for_url("**/registry/review/")
    assert run_queued_tasks() >= 1
    assert "login.icbc-verify.com" in rpz_names(page, member_token)

    # The site owner, without an account, appeals on the public entry page.
    page.context.clear_cookies()
    page.goto(f"/registry/entries/{entry.pk}/")
    assert "赣江" not in page.inner_text("main")  # the submitter is not shown
    page.fill("[name=name]", "工商银行验证服务")
    page.fill("[name=contact]", "owner@icbc-verify.com")
    page.fill("[name=grounds]", "域名已被转让，现内容为合法服务。")
    page.click("[data-testid=appeal-form] button[type=submit]")
    code = page.inner_text("[data-testid=receipt-code]")
    assert_accessible(page)
    appeal = Appeal.objects.get()

    # Someone other than who listed it upholds the appeal.
    login_page(secretariat_head)
    page.goto("/registry/appeals/")
    page.select_option(f"[data-testid=appeal-{appeal.pk}] [name=decision]", "uphold")
    page.fill(f"[data-testid=appeal-{appeal.pk}] [name=reason]", "经核实，已更换内容。")
    page.click(f"[data-testid=decide-{appeal.pk}]")
    page.wait_for_url("**/registry/appeals/")
    assert Entry.objects.get().status == Status.DELISTED
    assert run_queued_tasks() >= 1
    assert "login.icbc-verify.com" not in rpz_names(page, member_token)

    # The owner follows the appeal with the receipt code; the history shows what happened.
    page.context.clear_cookies()
    page.goto("/registry/appeals/status/")
    page.fill("[name=appeal]", str(appeal.pk))
    page.fill("[name=code]", code)
    page.click("main form button[type=submit]")
    assert "支持：已撤销" in page.inner_text("[data-testid=appeal-status]")
    assert_accessible(page)
    page.goto(f"/registry/entries/{entry.pk}/")
    history = page.inner_text("[data-testid=history]")
    assert "已登记" in history and "已申诉" in history and "已撤销" in history


@pytest.mark.browser
def test_the_secretariat_ticks_a_units_whole_batch_and_approves_it(
    page, login_page, submit, rep_b, unit_b, secretariat
):
    other = submit("evil-bank.com")
    batch = [submit(f"h{n}.fraud-shop.com", "fraud", actor=rep_b, unit=unit_b) for n in range(3)]
    login_page(secretariat)
    page.goto(f"/registry/review/?unit={unit_b.pk}")
    assert_accessible(page)
    page.check("[data-choose-all=review-many]")  # shown where the script runs
    for entry in batch:
        assert page.is_checked(f"[data-testid=choose-{entry.pk}]")
    page.select_option("[data-testid=review-many] [name=decision]", "approve")
    page.click("[data-testid=review-many] button[type=submit]")
    page.wait_for_url(f"**/registry/review/?unit={unit_b.pk}")
    assert "已批准 3 个条目。" in page.inner_text("main")
    assert {e.status for e in Entry.objects.filter(unit=unit_b)} == {Status.LISTED}
    assert Entry.objects.get(pk=other.pk).status == Status.PENDING
