"""Sub-industry agreements (Art. 28): the same ballot machinery with "more than one half",
published as Annex N, signed separately and left by notice."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.amendments import actions
from gongyue.amendments.models import Annex, AnnexSignature, Kind, ProposalStatus
from gongyue.audit.models import AuditEntry
from gongyue.convention.models import Convention, Version
from gongyue.core.errors import ActionRefused

ANNEX_TEXT = (
    "网络游戏行业自律协议\n\n第一章　总则\n\n第一条 网络游戏企业应当落实未成年人防沉迷要求。\n\n"
    "第二条 网络游戏企业不得诱导未成年人充值。\n"
).encode()


def propose_annex(membership, i=0, text=ANNEX_TEXT):
    return actions.do_create_annex_proposal(
        Convention.objects.current(),
        actor=membership.reps[i],
        unit=membership.units[i],
        title="网络游戏行业自律协议",
        sub_industry="网络游戏",
        reasons="规范网络游戏经营。",
        text=text,
    )


@pytest.fixture
def annex_ballot(membership, secretariat):
    proposal = actions.do_submit_proposal(propose_annex(membership), actor=membership.reps[0])
    for i in (1, 2):
        actions.do_sponsor_proposal(proposal, actor=membership.reps[i])
    return actions.do_open_ballot(proposal, actor=secretariat)


def test_an_annex_is_adopted_by_more_than_one_half_and_published_as_annex_one(
    annex_ballot, membership, secretariat, version
):
    assert annex_ballot.threshold_inclusive is False and annex_ballot.agrees_needed == 16
    for i in range(15):
        actions.do_cast_vote(annex_ballot, actor=membership.reps[i], choice="agree")
    annex_ballot.refresh_from_db()
    assert annex_ballot.is_open
    actions.do_cast_vote(annex_ballot, actor=membership.reps[15], choice="agree")
    proposal = annex_ballot.proposal
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADOPTED and proposal.kind == Kind.ANNEX
    actions.do_publish_amendment(proposal, actor=secretariat)
    annex = Annex.objects.get()
    assert annex.number == 1 and annex.version_in_force.status == "adopted"
    # The convention's own text is untouched.
    assert Version.objects.in_force().get() == version
    assert AuditEntry.objects.get(action="amendments.annex_published").new["number"] == 1


def test_units_sign_the_annex_separately_bound_to_its_hash_and_withdraw_by_notice(
    client_for, annex_ballot, membership, secretariat
):
    for i in range(16):
        actions.do_cast_vote(annex_ballot, actor=membership.reps[i], choice="agree")
    actions.do_publish_amendment(annex_ballot.proposal, actor=secretariat)
    annex = Annex.objects.get()
    current = annex.version_in_force
    with pytest.raises(ActionRefused, match="SHA-256 differs"):
        actions.do_sign_annex(annex, actor=membership.reps[3], sha256="0" * 64)
    signature = actions.do_sign_annex(annex, actor=membership.reps[3], sha256=current.sha256)
    assert signature.sha256 == current.sha256 and signature.capacity == "legal_rep"
    with pytest.raises(ActionRefused, match="already signed"):
        actions.do_sign_annex(annex, actor=membership.reps[3], sha256=current.sha256)
    actions.do_withdraw_from_annex(annex, actor=membership.reps[3], reason="业务调整")
    assert not AnnexSignature.objects.standing().exists()
    assert AuditEntry.objects.filter(action="amendments.annex_withdrawn").count() == 1
    with pytest.raises(ActionRefused, match="has not signed"):
        actions.do_withdraw_from_annex(annex, actor=membership.reps[3])
    actions.do_sign_annex(annex, actor=membership.reps[3], sha256=current.sha256)
    page = client_for(None).get(f"/amendments/annexes/{annex.pk}/").content.decode()
    assert "成员单位0003有限公司" in page and current.sha256 in page


def test_signing_an_annex_through_the_api(client_for, annex_ballot, membership, secretariat):
    for i in range(16):
        actions.do_cast_vote(annex_ballot, actor=membership.reps[i], choice="agree")
    actions.do_publish_amendment(annex_ballot.proposal, actor=secretariat)
    annex = Annex.objects.get()
    api = client_for(membership.reps[4])
    bad = api.post(
        f"/api/v1/amendments/annexes/{annex.pk}/signatures",
        {"sha256": "nothex"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "sha256" in bad.json()["fields"]
    done = api.post(
        f"/api/v1/amendments/annexes/{annex.pk}/signatures",
        {"sha256": annex.version_in_force.sha256},
        content_type="application/json",
    )
    assert done.status_code == 201 and done.json()["signatories"] == [membership.units[4].pk]


def test_an_annex_proposal_is_its_proposers_draft_and_shows_the_whole_text_as_new(
    client_for, membership
):
    proposal = propose_annex(membership)
    html = client_for(membership.reps[0]).get(f"/amendments/{proposal.pk}/").content.decode()
    assert "<ins>网络游戏企业不得诱导未成年人充值。</ins>" in html
    assert client_for(None).get(f"/amendments/{proposal.pk}/").status_code == 404


def test_a_bad_or_oversized_annex_text_is_refused_and_nothing_is_saved(
    client_for, membership, settings
):
    client = client_for(membership.reps[0])
    for data in (b"\xff\xfe\x00\x00", b"", "第一条 甲\n第一条 乙\n".encode()):
        response = client.post(
            "/amendments/annexes/new/",
            {
                "title": "t",
                "sub_industry": "s",
                "reasons": "r",
                "file": SimpleUploadedFile("a.txt", data),
            },
        )
        assert response.status_code == 400, data
    settings.MAX_UPLOAD_BYTES = 1000
    big = client.post(
        "/api/v1/amendments/annexes",
        {
            "title": "t",
            "sub_industry": "s",
            "reasons": "r",
            "file": SimpleUploadedFile("a.txt", ANNEX_TEXT * 100),
        },
    )
    assert big.status_code == 400 and big.json()["code"] == "too_large"
    assert not Annex.objects.exists()


def test_the_secretariat_does_not_initiate_annexes(secretariat, membership):
    with pytest.raises(ActionRefused, match="Only member units propose sub-industry agreements"):
        actions.do_create_annex_proposal(
            Convention.objects.current(),
            actor=secretariat,
            unit=None,
            title="t",
            sub_industry="s",
            reasons="r",
            text=ANNEX_TEXT,
        )
