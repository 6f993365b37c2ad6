"""The blockers hold (Art. 21-22): no finding before the reply or its deadline; no sanction
without a verified, adverse finding; no second review; no reviewer who worked on the case.
Each refusal carries its message, answers 4xx and changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongyue.accounts.models import Role
from gongyue.cases import actions
from gongyue.cases.models import Case, CaseStatus
from gongyue.core import testing
from gongyue.core.errors import ActionRefused
from gongyue.core.testing import table_counts

from .case_fixtures import *  # noqa: F403
from .case_fixtures import client_as, find

FINDING = {
    "verified": "yes",
    "facts": "查明",
    "articles": ["9"],
    "adverse_effect": "yes",
    "reasons": "理由",
}

pytestmark = pytest.mark.usefixtures("in_english")


def test_no_finding_before_the_reply_arrives_or_its_deadline_passes(notified, secretariat):
    client = client_as(secretariat)
    page = client.get(f"/cases/{notified.pk}/").content.decode()
    assert 'data-testid="find-blockers"' in page and 'data-testid="finding-form"' not in page
    before = table_counts()
    response = client.post(f"/cases/{notified.pk}/finding/", FINDING)
    assert response.status_code == 409
    assert "No finding before" in response.content.decode() or "届满前不能作出认定" in (
        response.content.decode()
    )
    assert table_counts() == before
    api = client.post(f"/api/v1/cases/{notified.pk}/finding", FINDING, "application/json")
    assert api.status_code == 409 and api.json()["code"] == "finding_blocked"
    assert api.json()["message"]


def test_once_the_reply_deadline_passes_the_finding_may_be_recorded(notified, secretariat):
    Case.objects.filter(pk=notified.pk).update(reply_due_at=timezone.now() - timedelta(seconds=1))
    notified.refresh_from_db()
    find(notified, secretariat)
    notified.refresh_from_db()
    assert notified.status == CaseStatus.DECIDED


@pytest.mark.parametrize(("verified", "adverse"), [(False, True), (True, False), (False, False)])
def test_no_sanction_without_a_verified_adverse_finding(replied, secretariat, verified, adverse):
    find(replied, secretariat, verified=verified, adverse=adverse)
    client = client_as(secretariat)
    before = table_counts()
    response = client.post(
        f"/cases/{replied.pk}/sanction/", {"measure": "revocation", "reasons": "理由"}
    )
    assert response.status_code == 409
    assert "verified as true" in response.content.decode() or "查证属实" in (
        response.content.decode()
    )
    assert table_counts() == before
    assert replied.accused.is_member()


def test_no_second_review(review_asked, secretariat_head, rep_b):
    actions.do_decide_review(review_asked, actor=secretariat_head, outcome="upheld", reasons="维持")
    client = client_as(rep_b)
    before = table_counts()
    response = client.post(
        f"/api/v1/cases/{review_asked.pk}/review", {"grounds": "再次"}, "application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "review_blocked"
    assert table_counts() == before


def test_a_review_asked_for_twice_is_refused_while_the_first_is_pending(review_asked, rep_b):
    with pytest.raises(ActionRefused) as refused:
        actions.do_request_review(review_asked, actor=rep_b, grounds="再次")
    assert "once" in str(refused.value)


def test_no_review_asked_after_the_window(sanctioned, rep_b):
    sanctioned.sanction.__class__.objects.filter(pk=sanctioned.sanction.pk).update(
        review_due_at=timezone.now() - timedelta(seconds=1)
    )
    client = client_as(rep_b)
    before = table_counts()
    response = client.post(f"/cases/{sanctioned.pk}/review/", {"grounds": "太晚"})
    assert response.status_code == 409
    assert "24:00" in response.content.decode()
    assert table_counts() == before


def test_no_reviewer_who_worked_on_the_case(review_asked, secretariat, secretariat_head):
    # The assigned person triaged, notified, found and sanctioned: refused.
    client = client_as(secretariat)
    page = client.get(f"/cases/{review_asked.pk}/").content.decode()
    assert 'data-testid="reviewer-blockers"' in page
    before = table_counts()
    response = client.post(
        f"/cases/{review_asked.pk}/review/decide/", {"outcome": "annulled", "reasons": "撤销"}
    )
    assert response.status_code == 403
    assert table_counts() == before
    # Staff who took no part may decide; so may the head.
    other = testing.make_user("sec_other", Role.SECRETARIAT_STAFF)
    review = actions.do_decide_review(review_asked, actor=other, outcome="upheld", reasons="维持")
    assert review.decided_by == other


def test_a_head_who_worked_on_the_case_cannot_review_it(
    decided, secretariat_head, rep_b, secretariat
):
    # The head decides the sanction itself here.
    case = decided
    actions.do_decide_sanction(case, actor=secretariat_head, measure="internal_notice", reasons="r")
    actions.do_request_review(case, actor=rep_b, grounds="g")
    with pytest.raises(ActionRefused) as refused:
        actions.do_decide_review(case, actor=secretariat_head, outcome="upheld", reasons="r")
    assert refused.value.status == 403 and "took no part" in str(refused.value)


def test_the_recused_cannot_act_on_the_case_even_through_the_actions(reported, conflicted):
    with pytest.raises(ActionRefused) as refused:
        actions.do_notify_accused(reported, actor=conflicted)
    assert refused.value.status == 403 and refused.value.blockers
