"""Publishing a bulletin or a campaign's summary stores a signed chain head of that very audit
row (bulletins/events.py PUBLICATIONS); drafting, reading, scheduling and the authority's reply
do not."""

from datetime import timedelta

from django.utils import timezone

from gongyue.audit import heads
from gongyue.audit.models import AuditEntry, SignedHead
from gongyue.bulletins import actions
from gongyue.bulletins.duties import publish_due_bulletins

from .conftest import build_campaign, bulletin_data


def signed_events() -> list[str]:
    return list(
        SignedHead.objects.filter(event__startswith="bulletins.")
        .order_by("seq")
        .values_list("event", flat=True)
    )


def assert_signs(entry: AuditEntry, signed: SignedHead) -> None:
    assert (signed.seq, signed.hash, signed.occasion) == (entry.seq, entry.hash, "publication")
    assert heads.signature_is_valid(
        signed.seq, signed.hash, signed.signed_time, signed.public_key, signed.signature
    )


def test_publishing_a_bulletin_from_the_page_signs_the_head_of_its_audit_row(
    secretariat, members, client_for
):
    client = client_for(secretariat)
    client.post("/bulletins/manage/new/", bulletin_data(publish="0"))
    assert signed_events() == []
    client.post("/bulletins/manage/new/", bulletin_data(publish="1"))
    entry = AuditEntry.objects.get(action="bulletins.bulletin_published")
    [signed] = SignedHead.objects.all()
    assert signed.event == "bulletins.bulletin_published"
    assert_signs(entry, signed)


def test_a_scheduled_bulletin_is_signed_when_the_duty_publishes_it_not_when_scheduled(
    secretariat, members
):
    bulletin = actions.do_create_bulletin(
        actor=secretariat, data={**bulletin_data(), "categories": [], "ack_required": False}
    )
    at = timezone.now() + timedelta(hours=1)
    actions.do_publish_bulletin(bulletin, actor=secretariat, at=at)
    assert signed_events() == []
    assert publish_due_bulletins(at + timedelta(minutes=1)) == 1
    entry = AuditEntry.objects.get(action="bulletins.bulletin_published")
    [signed] = SignedHead.objects.all()
    assert_signs(entry, signed)


def test_publishing_a_campaign_summary_signs_a_head_and_the_authoritys_reply_does_not(
    secretariat, convention, members, rep_a, authority
):
    campaign = actions.do_open_campaign(build_campaign(secretariat, convention), actor=secretariat)
    request = actions.do_send_request(
        actor=rep_a, data={"kind": "request", "title": "请求", "body": "正文"}
    )
    submission = actions.do_forward_requests([request], actor=secretariat, title="转报", body="…")
    actions.do_reply_to_submission(submission, actor=authority, reply="已收悉")
    assert signed_events() == []
    actions.do_publish_campaign_summary(campaign, actor=secretariat)
    entry = AuditEntry.objects.get(action="bulletins.summary_published")
    [signed] = SignedHead.objects.filter(event__startswith="bulletins.")
    assert signed.event == "bulletins.summary_published"
    assert_signs(entry, signed)
