"""Revocation and reinstatement go through the membership timeline (Art. 22): the directory, the
member count, a ballot's frozen electorate and the periodic join/leave list agree afterwards."""

import pytest
from django.utils import timezone

from gongyue.amendments import actions as amendment_actions
from gongyue.amendments.models import Elector
from gongyue.audit.models import AuditEntry, Visibility
from gongyue.cases import actions
from gongyue.convention.demo import SAMPLE
from gongyue.convention.models import Convention
from gongyue.organisations import queries as org_queries
from gongyue.organisations.models import EndedBy, JoinedBy, Unit
from gongyue.organisations.registers import current_period

from .case_fixtures import *  # noqa: F403
from .case_fixtures import client_as, sanction


def open_ballot(secretariat):
    text = SAMPLE.read_text(encoding="utf-8")
    end = text.index("\n", text.index("第三条"))
    proposal = amendment_actions.do_create_proposal(
        Convention.objects.current(),
        actor=secretariat,
        unit=None,
        title="执行机构提案",
        reasons="理由",
        text=(text[:end] + "并接受社会监督。" + text[end:]).encode(),
        source_name="a.txt",
    )
    proposal = amendment_actions.do_submit_proposal(proposal, actor=secretariat)
    return amendment_actions.do_open_ballot(proposal, actor=secretariat)


def everywhere(unit, secretariat) -> dict:
    """Where a unit's membership shows: directory, count, a new ballot's electorate, the list."""
    now = timezone.now()
    directory = {u.pk for u in org_queries.directory()}
    rows = org_queries.register_rows(current_period(now), now)
    ballot = open_ballot(secretariat)
    return {
        "directory": unit.pk in directory,
        "count": Unit.objects.members(now).count(),
        "electorate": Elector.objects.filter(ballot=ballot, unit=unit).exists(),
        "left": [r["by"] for r in rows["left"] if r["unit"] == unit.pk],
        "joined": [r["by"] for r in rows["joined"] if r["unit"] == unit.pk],
    }


@pytest.fixture
def counted(decided, member_a, member_b):
    return Unit.objects.members().count()


def test_a_revocation_ends_the_interval_and_every_view_of_membership_follows(
    counted, decided, secretariat, member_b, client_for
):
    sanction(decided, secretariat, measure="revocation")
    membership = member_b.memberships.get()
    assert membership.ended_by == EndedBy.REVOCATION and membership.ended_at is not None
    seen = everywhere(member_b, secretariat)
    assert seen["directory"] is False and seen["electorate"] is False
    assert seen["count"] == counted - 1
    assert seen["left"] == [EndedBy.REVOCATION]
    # Public on the unit's page and in the audit log.
    page = client_as(None).get(f"/members/units/{member_b.pk}/").content.decode()
    assert decided.number in page
    entry = AuditEntry.objects.get(action="organisations.membership_revoked")
    assert entry.visibility == Visibility.PUBLIC


def test_an_annulled_revocation_reinstates_and_every_view_agrees_again(
    counted, decided, secretariat, secretariat_head, rep_b, member_b
):
    case = sanction(decided, secretariat, measure="revocation")
    actions.do_request_review(case, actor=rep_b, grounds="证据不足")
    actions.do_decide_review(case, actor=secretariat_head, outcome="annulled", reasons="撤销")
    intervals = list(member_b.memberships.order_by("started_at"))
    assert [m.joined_by for m in intervals][-1] == JoinedBy.REINSTATED
    assert intervals[0].ended_by == EndedBy.REVOCATION and intervals[-1].ended_at is None
    seen = everywhere(member_b, secretariat)
    assert seen["directory"] is True and seen["electorate"] is True
    assert seen["count"] == counted
    assert seen["left"] == [EndedBy.REVOCATION]
    assert seen["joined"] == [JoinedBy.REINSTATED]


def test_a_review_changing_a_notice_into_revocation_revokes_and_back_reinstates(
    decided, secretariat, secretariat_head, rep_b, member_b
):
    case = sanction(decided, secretariat, measure="internal_notice")
    actions.do_request_review(case, actor=rep_b, grounds="g")
    actions.do_decide_review(
        case, actor=secretariat_head, outcome="changed", new_measure="revocation", reasons="r"
    )
    assert not member_b.is_member()
    case.refresh_from_db()
    assert case.sanction.measure_in_effect == "revocation"
