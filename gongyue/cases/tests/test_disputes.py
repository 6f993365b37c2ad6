# ruff: noqa: F811 (fixtures imported from dispute_fixtures)
"""Disputes (Art. 20): negotiation, mediation by a secretariat person without a conflict, and an
end settled by an agreement both parties accept, or not settled."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.audit.models import AuditEntry, Visibility
from gongyue.cases import actions
from gongyue.cases.models import Dispute, DisputeRecusal, DisputeStatus, RecusalReason
from gongyue.core import testing
from gongyue.core.models import Notification, Reminder

from .dispute_fixtures import (  # noqa: F401
    PDF_BYTES,
    SCRIPT,
    _private_media,
    conflicted_staff,
    counts,
    mediator,
    members,
    party_staff,
    pdf,
    third_member,
)


def open_dispute(client, respondent, **extra):
    data = {"respondent": respondent.pk, "subject": "域名转让纠纷", "statement": "对方未履约。"}
    data.update(extra)
    return client.post("/cases/disputes/new/", data)


def test_a_dispute_is_negotiated_mediated_and_settled_when_both_parties_accept(
    client_for, members, rep_a, rep_b, mediator, secretariat_head
):
    unit_a, unit_b = members
    response = open_dispute(client_for(rep_a), unit_b)
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and dispute.claimant == unit_a
    assert Notification.objects.filter(recipient=rep_b, kind="dispute").count() == 1

    client = client_for(rep_b)
    response = client.post(
        f"/cases/disputes/{dispute.pk}/messages/", {"body": "我方已付款。", "document": pdf()}
    )
    assert response.status_code == 302
    message = dispute.messages.get()
    assert message.unit == unit_b and len(message.document_sha256) == 64
    assert client.get(f"/cases/disputes/{dispute.pk}/documents/{message.pk}/").status_code == 200

    assert client.post(f"/cases/disputes/{dispute.pk}/mediation/").status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.MEDIATION_REQUESTED
    assert Reminder.objects.filter(recipient=secretariat_head, key__contains="assign").exists()
    queue = client_for(secretariat_head).get("/cases/disputes/mediation/")
    assert queue.status_code == 200 and "对方未履约" not in queue.content.decode()
    response = client_for(secretariat_head).post(
        f"/cases/disputes/{dispute.pk}/assign/", {"mediator": mediator.pk}
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.mediator == mediator and dispute.status == DisputeStatus.MEDIATING
    page = client_for(mediator).get(f"/cases/disputes/{dispute.pk}/").content.decode()
    assert "对方未履约" in page and 'data-testid="deadline"' in page

    mediator_client = client_for(mediator)
    assert (
        mediator_client.post(
            f"/cases/disputes/{dispute.pk}/agreements/", {"text": "乙方于十日内交付域名。"}
        ).status_code
        == 302
    )
    agreement = dispute.agreements.get()
    assert (
        client_for(rep_a)
        .post(f"/cases/disputes/{dispute.pk}/agreements/{agreement.pk}/accept/")
        .status_code
        == 302
    )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.MEDIATING
    client_for(rep_b).post(f"/cases/disputes/{dispute.pk}/agreements/{agreement.pk}/accept/")
    dispute.refresh_from_db()
    agreement.refresh_from_db()
    assert dispute.status == DisputeStatus.SETTLED and dispute.ended_at is not None
    assert agreement.claimant_accepted_by == rep_a
    assert agreement.respondent_accepted_by == rep_b
    actions_logged = list(
        AuditEntry.objects.filter(subject_type="cases.dispute").values_list("action", flat=True)
    )
    assert actions_logged == [
        "cases.dispute_opened",
        "cases.dispute_message_added",
        "cases.dispute_mediation_requested",
        "cases.dispute_mediator_assigned",
        "cases.dispute_agreement_proposed",
        "cases.dispute_agreement_accepted",
        "cases.dispute_agreement_accepted",
        "cases.dispute_settled",
    ]
    # Confidential: the secretariat's level, and no text of the dispute in the log.
    entries = AuditEntry.objects.filter(subject_type="cases.dispute")
    assert {e.visibility for e in entries} == {Visibility.SECRETARIAT}
    assert not any("域名" in (str(e.new) + e.subject_label) for e in entries)


def test_a_dispute_with_ones_own_unit_or_a_non_member_is_refused_and_changes_nothing(
    client_for, members, rep_a, db
):
    unit_a, _ = members
    outsider_unit = testing.make_unit("非成员公司", "91360100MA35F0QX3F")
    client = client_for(rep_a)
    before = counts()
    own = open_dispute(client, unit_a)
    stranger = open_dispute(client, outsider_unit)
    assert own.status_code == 400 and "不能是本单位" in own.content.decode()
    assert stranger.status_code == 400 and "不是成员单位" in stranger.content.decode()
    assert counts() == before


def test_mediation_asked_twice_is_refused(client_for, members, rep_a, rep_b):
    dispute = actions.do_open_dispute(
        actor=rep_a, respondent=members[1], subject="s", statement="t"
    )
    assert client_for(rep_a).post(f"/cases/disputes/{dispute.pk}/mediation/").status_code == 302
    before = counts()
    again = client_for(rep_b).post(f"/cases/disputes/{dispute.pk}/mediation/")
    assert again.status_code == 409 and "已于" in again.content.decode()
    assert counts() == before


def test_a_conflicted_mediator_is_refused_and_the_recusal_is_recorded(
    client_for, members, rep_a, conflicted_staff, secretariat, secretariat_head
):
    dispute = actions.do_open_dispute(
        actor=rep_a, respondent=members[1], subject="s", statement="t"
    )
    actions.do_request_mediation(dispute, actor=rep_a)
    recusal = DisputeRecusal.objects.get(person=conflicted_staff)
    assert recusal.reason == RecusalReason.WORKS_FOR_PARTY
    assert (
        client_for(secretariat)
        .post(f"/cases/disputes/{dispute.pk}/recuse/", {"note": "与甲方有业务往来"})
        .status_code
        == 302
    )
    assert DisputeRecusal.objects.get(person=secretariat).reason == RecusalReason.DECLARED
    assert AuditEntry.objects.filter(action="cases.dispute_recusal_recorded").count() == 2
    head = client_for(secretariat_head)
    for person in (conflicted_staff, secretariat):
        response = head.post(f"/cases/disputes/{dispute.pk}/assign/", {"mediator": person.pk})
        assert response.status_code == 409 and "不得调解" in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.mediator is None and dispute.status == DisputeStatus.MEDIATION_REQUESTED


def test_a_settlement_accepted_by_a_non_party_or_a_partys_staff_is_refused(
    client_for, members, rep_a, rep_b, third_member, party_staff
):
    dispute = actions.do_open_dispute(
        actor=rep_a, respondent=members[1], subject="s", statement="t"
    )
    agreement = actions.do_propose_agreement(dispute, actor=rep_b, text="和解")
    url = f"/cases/disputes/{dispute.pk}/agreements/{agreement.pk}/accept/"
    before = counts()
    assert client_for(third_member).post(url).status_code == 404
    assert client_for(party_staff).post(url).status_code == 403
    assert counts() == before
    agreement.refresh_from_db()
    assert agreement.claimant_accepted_at is None


def test_a_dispute_ends_not_settled_with_its_date(client_for, members, rep_a, rep_b):
    dispute = actions.do_open_dispute(
        actor=rep_a, respondent=members[1], subject="s", statement="t"
    )
    response = client_for(rep_b).post(f"/cases/disputes/{dispute.pk}/end/", {"reason": "协商无果"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NOT_SETTLED and dispute.ended_at
    again = client_for(rep_a).post(f"/cases/disputes/{dispute.pk}/messages/", {"body": "x"})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("upload", "problem"),
    [
        (SimpleUploadedFile("a.html", b"<html><script>x</script></html>"), "文件格式必须为"),
        ("too_large", "上限为"),
    ],
)
def test_a_document_of_the_wrong_type_or_over_the_limit_is_refused(
    client_for, members, rep_a, settings, upload, problem
):
    dispute = actions.do_open_dispute(
        actor=rep_a, respondent=members[1], subject="s", statement="t"
    )
    if upload == "too_large":
        settings.MAX_UPLOAD_BYTES = 100
        upload = pdf(data=PDF_BYTES + b"0" * 200 + b"\n%%EOF\n")
    before = counts()
    response = client_for(rep_a).post(
        f"/cases/disputes/{dispute.pk}/messages/", {"body": "证据", "document": upload}
    )
    assert response.status_code == 400 and problem in response.content.decode()
    assert counts() == before


def test_html_in_every_dispute_text_is_rendered_escaped(client_for, members, rep_a, rep_b):
    client = client_for(rep_a)
    open_dispute(client, members[1], subject=SCRIPT, statement=SCRIPT)
    dispute = Dispute.objects.get()
    client.post(f"/cases/disputes/{dispute.pk}/messages/", {"body": SCRIPT})
    client.post(f"/cases/disputes/{dispute.pk}/agreements/", {"text": SCRIPT})
    page = client_for(rep_b).get(f"/cases/disputes/{dispute.pk}/").content.decode()
    assert "<script>window.pwned" not in page and "<b>bold</b>" not in page
    assert page.count("&lt;script&gt;window.pwned=1&lt;/script&gt;") >= 4
    client_for(rep_b).post(f"/cases/disputes/{dispute.pk}/end/", {"reason": SCRIPT})
    page = client_for(rep_a).get(f"/cases/disputes/{dispute.pk}/").content.decode()
    assert "<script>window.pwned" not in page
