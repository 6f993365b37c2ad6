"""Proposing and sponsoring amendments (Art. 26): ⌈N/10⌉ sponsors fixed at submission."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongyue.accounts.models import Role
from gongyue.amendments import actions
from gongyue.amendments.duties import lapse_due_proposals
from gongyue.amendments.models import Proposal, ProposalStatus, Sponsorship
from gongyue.audit.models import AuditEntry
from gongyue.convention.models import Convention, Version
from gongyue.core import testing
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification
from gongyue.organisations.models import EndedBy, Membership


def propose(membership, amended_text, i=0):
    return actions.do_create_proposal(
        Convention.objects.current(),
        actor=membership.reps[i],
        unit=membership.units[i],
        title="关于修改第三条的提案",
        reasons="增加接受社会监督的内容。",
        text=amended_text,
        source_name="amended.txt",
    )


def test_a_draft_carries_the_whole_new_text_as_a_draft_version_and_its_diff(
    client_for, membership, amended_text, version
):
    proposal = propose(membership, amended_text)
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.version.status == "draft" and proposal.version.sha256 != version.sha256
    assert proposal.base_version == version
    entry = AuditEntry.objects.get(action="amendments.proposal_created")
    assert entry.new["sha256"] == proposal.version.sha256
    page = client_for(membership.reps[0]).get(f"/amendments/{proposal.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    # The character-level diff marks the inserted words in the changed article.
    assert "<ins>并接受社会监督。</ins>" in html
    # A draft is its proposer's: another member does not see it.
    assert client_for(membership.reps[1]).get(f"/amendments/{proposal.pk}/").status_code == 404


def test_a_proposal_that_changes_nothing_is_refused_and_nothing_is_saved(membership, version):
    with pytest.raises(ActionRefused, match="changes nothing"):
        propose(membership, version.canonical_text.encode())
    assert not Proposal.objects.exists()


def test_with_thirty_members_a_proposal_qualifies_at_its_third_sponsor(membership, amended_text):
    proposal = actions.do_submit_proposal(
        propose(membership, amended_text), actor=membership.reps[0]
    )
    assert proposal.members_at_submission == 30 and proposal.sponsors_needed == 3
    assert proposal.status == ProposalStatus.SPONSORING
    # The proposer's unit is its first sponsor; every other member's signers are asked.
    assert Sponsorship.objects.filter(proposal=proposal, unit=membership.units[0]).exists()
    asked = Notification.objects.filter(kind="amendment", subject__contains="关于修改第三条")
    assert asked.count() == 29
    assert not asked.filter(recipient=membership.reps[0]).exists()
    actions.do_sponsor_proposal(proposal, actor=membership.reps[1])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SPONSORING
    actions.do_sponsor_proposal(proposal, actor=membership.reps[2])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.QUALIFIED and proposal.qualified_at
    assert AuditEntry.objects.filter(action="amendments.proposal_sponsored").count() == 2
    assert AuditEntry.objects.filter(action="amendments.proposal_sponsored").last().new == {
        "unit": membership.units[2].pk,
        "qualified": True,
    }


def test_n_is_fixed_at_submission_so_later_members_do_not_raise_the_bar(membership, amended_text):
    proposal = actions.do_submit_proposal(
        propose(membership, amended_text), actor=membership.reps[0]
    )
    for i in range(30, 45):
        membership.add(i)
    proposal.refresh_from_db()
    assert proposal.sponsors_needed == 3


def test_a_unit_that_leaves_no_longer_counts_as_a_sponsor(membership, amended_text):
    proposal = actions.do_submit_proposal(
        propose(membership, amended_text), actor=membership.reps[0]
    )
    actions.do_sponsor_proposal(proposal, actor=membership.reps[1])
    Membership.objects.filter(unit=membership.units[1]).update(
        ended_at=timezone.now() - timedelta(seconds=1), ended_by=EndedBy.WITHDRAWAL
    )
    actions.do_sponsor_proposal(proposal, actor=membership.reps[2])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SPONSORING
    actions.do_sponsor_proposal(proposal, actor=membership.reps[3])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.QUALIFIED


def test_a_sponsorship_can_be_withdrawn_until_the_proposal_qualifies(membership, amended_text):
    proposal = actions.do_submit_proposal(
        propose(membership, amended_text), actor=membership.reps[0]
    )
    actions.do_sponsor_proposal(proposal, actor=membership.reps[1])
    actions.do_withdraw_sponsorship(proposal, actor=membership.reps[1])
    assert AuditEntry.objects.filter(action="amendments.sponsorship_withdrawn").count() == 1
    actions.do_sponsor_proposal(proposal, actor=membership.reps[1])
    actions.do_sponsor_proposal(proposal, actor=membership.reps[2])
    with pytest.raises(ActionRefused, match="only while the proposal collects sponsors"):
        actions.do_withdraw_sponsorship(proposal, actor=membership.reps[2])
    assert Sponsorship.objects.standing().filter(proposal=proposal).count() == 3


def test_a_unit_sponsors_once_and_its_staff_cannot_sponsor(membership, amended_text):
    proposal = actions.do_submit_proposal(
        propose(membership, amended_text), actor=membership.reps[0]
    )
    with pytest.raises(ActionRefused, match="already sponsors"):
        actions.do_sponsor_proposal(proposal, actor=membership.reps[0])
    staff = testing.make_user("staff5", Role.UNIT_STAFF, unit=membership.units[5])
    with pytest.raises(ActionRefused) as refused:
        actions.do_sponsor_proposal(proposal, actor=staff)
    assert refused.value.code == "not_a_signer"
    assert Sponsorship.objects.filter(proposal=proposal).count() == 1


def test_a_non_member_unit_neither_proposes_nor_sponsors(membership, amended_text):
    unit, rep = membership.add(99, member=False)
    with pytest.raises(ActionRefused, match="Only member units propose"):
        actions.do_create_proposal(
            Convention.objects.current(),
            actor=rep,
            unit=unit,
            title="x",
            reasons="y",
            text=amended_text,
            source_name="a.txt",
        )
    proposal = actions.do_submit_proposal(
        propose(membership, amended_text), actor=membership.reps[0]
    )
    with pytest.raises(ActionRefused, match="Only member units sponsor"):
        actions.do_sponsor_proposal(proposal, actor=rep)


def test_a_proposal_short_of_sponsors_lapses_when_its_window_ends(membership, amended_text):
    proposal = actions.do_submit_proposal(
        propose(membership, amended_text), actor=membership.reps[0]
    )
    assert lapse_due_proposals(timezone.now()) == 0
    later = proposal.sponsorship_closes_at + timedelta(seconds=1)
    assert lapse_due_proposals(later) == 1
    assert lapse_due_proposals(later) == 0
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.LAPSED
    assert AuditEntry.objects.filter(action="amendments.proposal_lapsed").count() == 1


def test_the_sponsorship_window_comes_from_the_deadline_function_and_the_rule(
    membership, amended_text
):
    convention = Convention.objects.current()
    convention.rules = {**convention.rules, "sponsorship_days": 10}
    convention.save()
    proposal = actions.do_submit_proposal(
        propose(membership, amended_text), actor=membership.reps[0]
    )
    from gongyue.core.deadlines import deadline

    assert proposal.sponsorship_closes_at == deadline(proposal.submitted_at, 10).ends_at


def test_the_secretariat_proposes_without_sponsors(secretariat, membership, amended_text):
    proposal = actions.do_create_proposal(
        Convention.objects.current(),
        actor=secretariat,
        unit=None,
        title="执行机构提案",
        reasons="理由",
        text=amended_text,
        source_name="a.txt",
    )
    proposal = actions.do_submit_proposal(proposal, actor=secretariat)
    assert proposal.status == ProposalStatus.QUALIFIED and proposal.sponsors_needed is None


def test_the_page_and_the_api_refuse_a_text_that_does_not_parse(client_for, membership, version):
    before = Version.objects.count()
    bad = SimpleUploadedFile("bad.txt", "第一条 一\n第一条 二\n".encode())
    response = client_for(membership.reps[0]).post(
        "/amendments/new/", {"title": "t", "reasons": "r", "file": bad}
    )
    assert response.status_code == 400
    api = client_for(membership.reps[0]).post(
        "/api/v1/amendments/proposals",
        {"title": "t", "reasons": "r", "file": SimpleUploadedFile("b.txt", b"\xff\xfe\x00")},
    )
    assert api.status_code == 400 and api.json()["fields"]
    assert Version.objects.count() == before and not Proposal.objects.exists()


def test_n_of_one_needs_one_sponsor_the_proposer(version, amended_text):
    from .conftest import Membership as Members

    one = Members(1)
    proposal = actions.do_submit_proposal(propose(one, amended_text), actor=one.reps[0])
    assert proposal.sponsors_needed == 1 and proposal.status == ProposalStatus.QUALIFIED


def test_before_the_convention_takes_effect_there_is_nothing_to_amend(membership, amended_text):
    Convention.objects.update(effective_at=None)
    with pytest.raises(ActionRefused) as refused:
        propose(membership, amended_text)
    assert refused.value.code == "not_in_effect" and not Proposal.objects.exists()
