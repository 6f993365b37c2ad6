"""A case end to end in Chromium: a member reports another, the accused replies, the secretariat
finds a verified adverse violation and issues an internal notice, the accused asks for review
and the head upholds it."""

import pytest

from gongyue.cases.models import Case, CaseStatus
from gongyue.core.models import Notification

from .case_fixtures import *  # noqa: F403


def submit(page, testid, *, confirm=False):
    page.click(f"[data-testid={testid}] button[type=submit]")
    if confirm:
        page.wait_for_selector("[data-testid=confirm-form]")
        page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=case-status]")


@pytest.mark.browser
def test_report_reply_finding_internal_notice_review_upheld(
    page,
    login_page,
    member_a,
    member_b,
    third_member,
    rep_a,
    rep_b,
    secretariat,
    secretariat_head,
):
    login_page(rep_a)
    page.goto("/cases/report/")
    page.select_option("[name=accused]", str(member_b.pk))
    page.check("input[name=articles][value='9']")
    page.fill("[name=facts]", "该单位传播虚假广告<script>window.pwned=1</script>")
    page.click("[data-testid=report-form] button[type=submit]")
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get()
    assert case.number in page.inner_text("h1")
    assert page.evaluate("window.pwned") is None

    login_page(secretariat)
    page.goto(f"/cases/{case.pk}/")
    page.select_option("[data-testid=triage-form] [name=decision]", "investigate")
    submit(page, "triage-form")
    page.select_option("[data-testid=assign-form] [name=person]", str(secretariat.pk))
    submit(page, "assign-form")
    page.fill("[data-testid=notice-form] [name=message]", "请于期限内答复。")
    submit(page, "notice-form", confirm=True)
    assert page.locator("[data-testid=find-blockers]").count() == 1

    login_page(rep_b)
    page.goto(f"/cases/{case.pk}/")
    assert rep_a.username not in page.content() and member_a.name not in page.content()
    assert page.locator("[data-testid=deadline-reply]").count() == 1
    page.fill("[data-testid=reply-form] [name=statement]", "我单位已下架相关广告。")
    submit(page, "reply-form")
    assert "我单位已下架相关广告" in page.inner_text("[data-testid=reply-statement]")

    login_page(secretariat)
    page.goto(f"/cases/{case.pk}/")
    form = "[data-testid=finding-form]"
    page.check(f"{form} input[name=verified][value=yes]")
    page.fill(f"{form} [name=facts]", "经查证属实。")
    page.check(f"{form} input[name=adverse_effect][value=yes]")
    page.fill(f"{form} [name=reasons]", "广告内容误导公众，造成不良影响。")
    submit(page, "finding-form")
    page.select_option("[data-testid=sanction-form] [name=measure]", "internal_notice")
    page.fill("[data-testid=sanction-form] [name=reasons]", "予以内部通报。")
    submit(page, "sanction-form", confirm=True)
    assert page.locator("[data-testid=measure]").count() == 1
    assert Notification.objects.filter(recipient=third_member, url=f"/cases/results/{case.pk}/")

    login_page(rep_b)
    page.goto(f"/cases/{case.pk}/")
    page.fill("[data-testid=review-form] [name=grounds]", "处理过重，请求复核。")
    submit(page, "review-form")

    login_page(secretariat_head)
    page.goto(f"/cases/{case.pk}/")
    page.select_option("[data-testid=review-decision-form] [name=outcome]", "upheld")
    page.fill("[data-testid=review-decision-form] [name=reasons]", "原处理适当，予以维持。")
    submit(page, "review-decision-form", confirm=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.REVIEWED and case.review.outcome == "upheld"
    assert page.locator("[data-testid=review-outcome]").count() == 1

    login_page(third_member)
    page.goto(f"/cases/results/{case.pk}/")
    assert member_b.name in page.inner_text("[data-testid=accused]")
    assert member_a.name not in page.content()
