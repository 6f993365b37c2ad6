"""Ballots (Art. 26): a frozen electorate, votes by signers, ⌈2N/3⌉ agrees, an early close and a
record anyone can re-derive."""

import hashlib
import json
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from gongyue.accounts.models import Role
from gongyue.amendments import actions
from gongyue.amendments.duties import close_due_ballots
from gongyue.amendments.models import Ballot, Elector, ProposalStatus, Vote
from gongyue.amendments.queries import ballot_record_data
from gongyue.amendments.record import verify
from gongyue.audit.models import AuditEntry, Visibility
from gongyue.convention.models import Convention
from gongyue.core import testing
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification, Reminder
from gongyue.organisations.models import EndedBy, Membership

from .test_proposals import propose


@pytest.fixture
def qualified(secretariat, membership, amended_text):
    proposal = actions.do_create_proposal(
        Convention.objects.current(),
        actor=secretariat,
        unit=None,
        title="执行机构提案",
        reasons="理由",
        text=amended_text,
        source_name="a.txt",
    )
    return actions.do_submit_proposal(proposal, actor=secretariat)


@pytest.fixture
def ballot(qualified, secretariat):
    return actions.do_open_ballot(qualified, actor=secretariat)


def vote(membership, ballot, i, choice):
    return actions.do_cast_vote(ballot, actor=membership.reps[i], choice=choice)


def test_opening_freezes_one_row_per_member_unit_and_publishes_its_hash(
    client_for, ballot, membership
):
    assert ballot.electorate_size == 30 and Elector.objects.filter(ballot=ballot).count() == 30
    assert ballot.agrees_needed == 20
    data = client_for(None).get(f"/amendments/ballots/{ballot.pk}/electorate.json").content
    assert hashlib.sha256(data).hexdigest() == ballot.electorate_sha256
    page = client_for(None).get(f"/amendments/ballots/{ballot.pk}/").content.decode()
    assert ballot.electorate_sha256 in page
    entry = AuditEntry.objects.get(action="amendments.ballot_opened")
    assert entry.new["electorate_sha256"] == ballot.electorate_sha256
    assert entry.new["threshold"] == {"numerator": 2, "denominator": 3, "inclusive": True}
    told = Notification.objects.filter(kind="amendment", subject__contains="执行机构提案")
    assert told.count() == 30
    # Each signer is reminded two days before the close, unless the unit votes first.
    reminders = Reminder.objects.filter(key__startswith=f"ballot:{ballot.pk}:")
    assert reminders.count() == 30
    assert {r.due_at for r in reminders} == {ballot.closes_at - timedelta(days=2)}


def test_the_ballot_closes_at_the_twentieth_agree_of_thirty_and_the_amendment_is_adopted(
    ballot, membership
):
    for i in range(3):
        vote(membership, ballot, 20 + i, "disagree")
    for i in range(19):
        vote(membership, ballot, i, "agree")
    ballot.refresh_from_db()
    assert ballot.is_open
    vote(membership, ballot, 19, "agree")
    ballot.refresh_from_db()
    assert not ballot.is_open and ballot.closed_early and ballot.result == "adopted"
    assert ballot.counts == {"agree": 20, "disagree": 3, "abstain": 0, "not_voted": 7}
    assert ballot.proposal.status == ProposalStatus.ADOPTED
    closed = AuditEntry.objects.get(action="amendments.ballot_closed")
    assert closed.visibility == Visibility.PUBLIC and closed.new["result"] == "adopted"
    problems, result = verify(json.loads(json.dumps(ballot_record_data(ballot))))
    assert problems == [] and result == "adopted"


def test_the_ballot_closes_early_as_rejected_when_twenty_agrees_can_no_longer_come(
    ballot, membership
):
    for i in range(10):
        vote(membership, ballot, i, "disagree")
    ballot.refresh_from_db()
    assert ballot.is_open
    vote(membership, ballot, 10, "abstain")
    ballot.refresh_from_db()
    assert not ballot.is_open and ballot.result == "rejected"
    assert ballot.proposal.status == ProposalStatus.REJECTED


def test_a_unit_changes_its_vote_and_gets_a_new_receipt_until_the_close(ballot, membership):
    first = vote(membership, ballot, 0, "disagree")
    second = vote(membership, ballot, 0, "agree")
    assert Vote.objects.filter(ballot=ballot).count() == 1
    assert second.choice == "agree" and second.receipt != first.receipt
    casts = AuditEntry.objects.filter(action="amendments.vote_cast").order_by("seq")
    assert [e.new["choice"] for e in casts] == ["disagree", "agree"]
    assert casts.last().old == {"choice": "disagree"}
    # Before the close, a vote is the unit's and the secretariat's: digest only for others.
    assert {e.visibility for e in casts} == {Visibility.SECRETARIAT}
    # Its reminder is gone; the other units' are still due.
    assert not Reminder.objects.filter(key=f"ballot:{ballot.pk}:unit:{membership.units[0].pk}")
    assert Reminder.objects.filter(key__startswith=f"ballot:{ballot.pk}:").count() == 29


def test_silence_and_abstention_do_not_agree_at_the_deadline(ballot, membership):
    for i in range(19):
        vote(membership, ballot, i, "agree")
    for i in range(19, 25):
        vote(membership, ballot, i, "abstain")
    assert close_due_ballots(timezone.now()) == 0
    after = ballot.closes_at + timedelta(seconds=1)
    assert close_due_ballots(after) == 1
    assert close_due_ballots(after) == 0
    ballot.refresh_from_db()
    assert ballot.result == "rejected" and not ballot.closed_early
    assert ballot.counts == {"agree": 19, "disagree": 0, "abstain": 6, "not_voted": 5}


def test_a_unit_that_joins_after_the_opening_cannot_vote(ballot, membership):
    _unit, rep = membership.add(77)
    with pytest.raises(ActionRefused, match="not in this ballot's electorate"):
        actions.do_cast_vote(ballot, actor=rep, choice="agree")
    assert not Vote.objects.exists()


def test_a_unit_that_withdraws_during_the_ballot_keeps_its_row_and_its_vote(ballot, membership):
    vote(membership, ballot, 4, "agree")
    Membership.objects.filter(unit=membership.units[4]).update(
        ended_at=timezone.now(), ended_by=EndedBy.WITHDRAWAL
    )
    vote(membership, ballot, 5, "agree")
    ballot.refresh_from_db()
    assert ballot.electorate_size == 30
    assert Vote.objects.filter(ballot=ballot, unit=membership.units[4], choice="agree").exists()


def test_staff_outsiders_and_late_votes_are_refused_and_nothing_changes(ballot, membership):
    staff = testing.make_user("staff3", Role.UNIT_STAFF, unit=membership.units[3])
    with pytest.raises(ActionRefused) as refused:
        actions.do_cast_vote(ballot, actor=staff, choice="agree")
    assert refused.value.code == "not_a_signer"
    with pytest.raises(ActionRefused, match="agree, disagree or abstain"):
        vote(membership, ballot, 0, "maybe")
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ActionRefused, match="closed"):
        vote(membership, ballot, 0, "agree")
    assert not Vote.objects.exists()
    assert not AuditEntry.objects.filter(action="amendments.vote_cast").exists()


def test_a_ballot_opens_once(ballot, qualified, secretariat):
    with pytest.raises(ActionRefused, match="Only a qualified proposal"):
        actions.do_open_ballot(qualified, actor=secretariat)
    assert Ballot.objects.count() == 1


def test_a_members_proposal_goes_to_a_ballot_only_once_qualified(
    secretariat, membership, amended_text
):
    proposal = actions.do_submit_proposal(
        propose(membership, amended_text), actor=membership.reps[0]
    )
    with pytest.raises(ActionRefused, match="Only a qualified proposal"):
        actions.do_open_ballot(proposal, actor=secretariat)


def test_votes_are_hidden_from_other_members_until_the_close_then_public(
    client_for, ballot, membership, secretariat
):
    vote(membership, ballot, 0, "disagree")
    url = f"/amendments/ballots/{ballot.pk}/"
    other = client_for(membership.reps[1]).get(url).content.decode()
    assert 'data-testid="counts"' not in other and "成员单位0000有限公司</td>" not in other
    own = client_for(membership.reps[0]).get(url).content.decode()
    assert 'data-testid="my-vote"' in own
    assert 'data-testid="counts"' in client_for(secretariat).get(url).content.decode()
    api = client_for(membership.reps[1]).get(f"/api/v1/amendments/ballots/{ballot.pk}")
    assert api.json()["counts"] is None
    assert client_for(None).get(f"/amendments/ballots/{ballot.pk}/record.json").status_code == 404
    for i in range(1, 21):
        vote(membership, ballot, i, "agree")
    public = client_for(None).get(url).content.decode()
    assert 'data-testid="counts"' in public and "成员单位0000有限公司</td>" in public
    record = client_for(None).get(f"/amendments/ballots/{ballot.pk}/record.json")
    assert record.status_code == 200 and record["Content-Disposition"].startswith("attachment")
    assert verify(json.loads(record.content))[0] == []


def test_a_receipt_finds_the_vote(client_for, ballot, membership):
    cast = vote(membership, ballot, 0, "agree")
    anonymous = client_for(None).get(f"/amendments/receipt/?code={cast.receipt}")
    assert anonymous.status_code == 200 and "执行机构提案" in anonymous.content.decode()
    assert "成员单位0000有限公司" not in anonymous.content.decode()
    own = client_for(membership.reps[0]).get(f"/amendments/receipt/?code={cast.receipt}")
    assert "成员单位0000有限公司" in own.content.decode()
    assert client_for(None).get("/amendments/receipt/?code=" + "0" * 64).status_code == 404


def test_voting_through_the_api_with_the_pages_rules(client_for, ballot, membership):
    url = f"/api/v1/amendments/ballots/{ballot.pk}/vote"
    api = client_for(membership.reps[0])
    bad = api.put(url, {"choice": "maybe"}, content_type="application/json")
    assert bad.status_code == 400 and "choice" in bad.json()["fields"]
    done = api.put(url, {"choice": "agree"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["choice"] == "agree"
    assert api.get(url).json()["receipt"] == done.json()["receipt"]
    staff = testing.make_user("staff9", Role.UNIT_STAFF, unit=membership.units[9])
    refused = client_for(staff).put(url, {"choice": "agree"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_a_signer"
    assert (
        client_for(None).put(url, {"choice": "agree"}, content_type="application/json").status_code
        == 401
    )
    assert Vote.objects.count() == 1


def test_the_ballot_page_takes_a_constant_number_of_queries(
    client_for, ballot, membership, django_assert_max_num_queries
):
    for i in range(5):
        vote(membership, ballot, i, "agree")
    client = client_for(membership.reps[0])
    with django_assert_max_num_queries(14):
        assert client.get(f"/amendments/ballots/{ballot.pk}/").status_code == 200


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_unit_voting_twice_at_once_makes_one_vote_row(version):
    from .conftest import Membership as Members

    members = Members(6)
    secretariat = testing.make_user("sec_t", Role.SECRETARIAT_STAFF)
    proposal = actions.do_create_proposal(
        Convention.objects.current(),
        actor=secretariat,
        unit=None,
        title="并发",
        reasons="r",
        text=version.canonical_text.encode().replace(
            "原则。".encode(), "原则，并接受监督。".encode()
        ),
        source_name="a.txt",
    )
    actions.do_submit_proposal(proposal, actor=secretariat)
    ballot = actions.do_open_ballot(proposal, actor=secretariat)
    barrier = threading.Barrier(4)
    errors = []

    def cast(choice):
        try:
            barrier.wait()
            actions.do_cast_vote(ballot, actor=members.reps[0], choice=choice)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cast, args=(c,)) for c in ("agree", "disagree") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Vote.objects.filter(ballot=ballot).count() == 1
    assert AuditEntry.objects.filter(action="amendments.vote_cast").count() == 4


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_deadline_duty_and_a_deciding_vote_at_once_make_one_result(version):
    from .conftest import Membership as Members

    members = Members(3)
    secretariat = testing.make_user("sec_t", Role.SECRETARIAT_STAFF)
    proposal = actions.do_create_proposal(
        Convention.objects.current(),
        actor=secretariat,
        unit=None,
        title="并发",
        reasons="r",
        text=version.canonical_text.encode().replace(
            "原则。".encode(), "原则，并接受监督。".encode()
        ),
        source_name="a.txt",
    )
    actions.do_submit_proposal(proposal, actor=secretariat)
    ballot = actions.do_open_ballot(proposal, actor=secretariat)
    actions.do_cast_vote(ballot, actor=members.reps[0], choice="agree")
    # The deadline is passed just as the second agree (which decides it) arrives.
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() + timedelta(seconds=1))
    barrier = threading.Barrier(2)
    outcomes = []

    def close():
        try:
            barrier.wait()
            outcomes.append(close_due_ballots(timezone.now() + timedelta(seconds=2)))
        finally:
            connections.close_all()

    def decide():
        try:
            barrier.wait()
            actions.do_cast_vote(ballot, actor=members.reps[1], choice="agree")
            outcomes.append("voted")
        except ActionRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close), threading.Thread(target=decide)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert AuditEntry.objects.filter(action="amendments.ballot_closed").count() == 1
    ballot.refresh_from_db()
    assert not ballot.is_open


def test_the_secretariat_closes_a_ballot_past_its_deadline_through_the_api_not_before(
    client_for, ballot, membership, secretariat
):
    url = f"/api/v1/amendments/ballots/{ballot.pk}/close"
    early = client_for(secretariat).post(url)
    assert early.status_code == 409 and early.json()["code"] == "still_open"
    assert client_for(membership.reps[0]).post(url).status_code == 403
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    done = client_for(secretariat).post(url)
    assert done.status_code == 200 and done.json()["result"] == "rejected"
    assert AuditEntry.objects.filter(action="amendments.ballot_closed").count() == 1
    page = client_for(secretariat).post(f"/amendments/ballots/{ballot.pk}/close/")
    assert page.status_code == 302
    assert AuditEntry.objects.filter(action="amendments.ballot_closed").count() == 1
