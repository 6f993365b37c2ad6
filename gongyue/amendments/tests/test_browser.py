"""Changing the convention in Chromium: a member proposes a change to one article, two others
sponsor it, the secretariat opens the ballot, units vote, it closes at ⌈2N/3⌉, the new version is
in force and the diff shows the changed article; and a unit signs an annex."""

import pytest

from gongyue.amendments import actions
from gongyue.amendments.models import Annex, Ballot, Proposal
from gongyue.convention.models import Convention
from gongyue.core.testing import assert_accessible

from .conftest import Membership
from .test_annexes import propose_annex


@pytest.mark.browser
def test_a_member_amends_one_article_through_sponsors_and_a_ballot(
    page, login_page, transactional_db, secretariat, version
):
    members = Membership(21)  # ⌈21/10⌉ = 3 sponsors, ⌈2·21/3⌉ = 14 agrees
    login_page(members.reps[0])
    page.goto("/amendments/")
    page.click("[data-testid=propose]")
    page.fill("[name=title]", "关于修改第三条的提案")
    page.fill("[name=reasons]", "增加接受社会监督的要求。")
    page.select_option("[name=edits-0-operation]", "change")
    page.fill("[name=edits-0-article]", "3")
    page.fill(
        "[name=edits-0-text]",
        "成员单位开展经营活动，应当遵循依法合规、诚实守信的原则，并接受社会监督。",
    )
    page.click("[data-testid=edits-form] button[type=submit]")
    page.wait_for_url("**/amendments/*/")
    assert "并接受社会监督" in page.inner_text("[data-testid=diff] ins")
    assert_accessible(page)
    page.click("[data-testid=submit]")
    page.wait_for_url("**/amendments/*/")
    assert "1" in page.inner_text("[data-testid=sponsors]")
    proposal = Proposal.objects.get()

    for i in (1, 2):
        login_page(members.reps[i])
        page.goto(f"/amendments/{proposal.pk}/")
        page.click("[data-testid=sponsor]")
        page.wait_for_url(f"**/amendments/{proposal.pk}/")
    assert page.inner_text("[data-testid=status]") == "已达到附议要求"

    login_page(secretariat)
    page.goto(f"/amendments/{proposal.pk}/")
    page.click("[data-testid=open]")
    page.wait_for_url("**/amendments/ballots/*/")
    assert page.inner_text("[data-testid=electorate-size]").startswith("21")
    ballot = Ballot.objects.get()

    login_page(members.reps[3])
    page.goto(f"/amendments/ballots/{ballot.pk}/")
    page.check("[data-testid=vote-form] input[value=disagree]")
    page.click("[data-testid=vote]")
    page.wait_for_url(f"**/amendments/ballots/{ballot.pk}/")
    receipt = page.inner_text("[data-testid=receipt]")
    for i in range(4, 17):  # thirteen agrees cast elsewhere; the fourteenth decides
        actions.do_cast_vote(ballot, actor=members.reps[i], choice="agree")
    login_page(members.reps[17])
    page.goto(f"/amendments/ballots/{ballot.pk}/")
    page.check("[data-testid=vote-form] input[value=agree]")
    page.click("[data-testid=vote]")
    page.wait_for_url(f"**/amendments/ballots/{ballot.pk}/")
    assert page.inner_text("[data-testid=result]") == "已通过"
    assert page.inner_text("[data-testid=counts]").split()[-4:] == ["14", "1", "0", "6"]
    assert_accessible(page)
    page.goto(f"/amendments/receipt/?code={receipt}")
    assert "不同意" in page.inner_text("[data-testid=found]")

    login_page(secretariat)
    page.goto(f"/amendments/{proposal.pk}/")
    page.click("[data-testid=publish]")
    page.wait_for_url(f"**/amendments/{proposal.pk}/")
    page.goto("/convention/")
    assert "并接受社会监督" in page.inner_text("#art-3")
    assert "关于修改第三条的提案" in page.inner_text("[data-testid=origin]")
    page.goto(f"/convention/diff/?from={version.number}&to={version.number + 1}")
    assert "并接受社会监督" in page.inner_text("[data-testid=diff]")
    assert_accessible(page)


@pytest.mark.browser
def test_a_unit_signs_an_annex_and_appears_among_its_signatories(
    page, login_page, transactional_db, secretariat, version
):
    members = Membership(3)
    proposal = actions.do_submit_proposal(propose_annex(members), actor=members.reps[0])
    ballot = actions.do_open_ballot(proposal, actor=secretariat)
    for i in range(2):
        actions.do_cast_vote(ballot, actor=members.reps[i], choice="agree")
    actions.do_publish_amendment(proposal, actor=secretariat)
    annex = Annex.objects.get()
    assert Convention.objects.current().annexes.published().count() == 1

    login_page(members.reps[2])
    page.goto("/amendments/annexes/")
    page.click("text=网络游戏行业自律协议")
    page.wait_for_url(f"**/amendments/annexes/{annex.pk}/")
    assert "不得诱导未成年人充值" in page.inner_text("[data-testid=annex-text]")
    page.click("[data-testid=sign-annex]")
    page.wait_for_url(f"**/amendments/annexes/{annex.pk}/")
    assert "成员单位0002有限公司" in page.inner_text("[data-testid=signatories]")
    assert page.inner_text("h1").startswith("附件1")
    assert_accessible(page)
