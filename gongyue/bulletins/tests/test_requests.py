"""Requests and suggestions up: sent by a member, answered or forwarded (alone or merged),
replied to by the authority; visibility; a yearly summary page and CSV."""

import csv
import io
from datetime import timedelta

import pytest

from gongyue.audit.models import AuditEntry
from gongyue.bulletins import actions
from gongyue.bulletins.models import Request, RequestStatus, Submission
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification


def send(user, title="关于降低宽带接入成本的建议", kind="policy", body="建议主管部门……"):
    return actions.do_send_request(actor=user, data={"kind": kind, "title": title, "body": body})


def test_a_member_sends_a_request_and_the_secretariat_is_told(members, rep_a, secretariat):
    request = send(rep_a)
    assert request.unit == rep_a.unit and request.status == "received"
    assert Notification.objects.filter(recipient=secretariat, kind="request").exists()
    assert AuditEntry.objects.filter(action="bulletins.request_sent").count() == 1


def test_someone_outside_any_member_unit_cannot_send(newcomer, no_unit_user, client_for):
    for user in (newcomer, no_unit_user):
        response = client_for(user).post(
            "/bulletins/requests/new/", {"kind": "request", "title": "t", "body": "b"}
        )
        assert response.status_code == 403
    assert not Request.objects.exists()


def test_a_request_is_seen_by_its_unit_and_the_secretariat_and_the_authority_once_forwarded(
    members, rep_a, rep_b, staff_a, secretariat, authority, client_for
):
    request = send(rep_a)
    url = f"/bulletins/requests/{request.pk}/"
    assert client_for(staff_a).get(url).status_code == 200
    assert client_for(secretariat).get(url).status_code == 200
    assert client_for(rep_b).get(url).status_code == 404
    assert client_for(authority).get(url).status_code == 404
    actions.do_forward_requests([request], actor=secretariat, title="汇总", body="汇总意见")
    assert client_for(authority).get(url).status_code == 200
    assert client_for(rep_b).get(url).status_code == 404


def test_the_secretariat_answers_and_the_unit_sees_the_answer_and_its_date(
    members, rep_a, secretariat, client_for
):
    request = send(rep_a)
    response = client_for(secretariat).post(
        f"/bulletins/requests/{request.pk}/answer/", {"answer": "已收悉，将于下月答复。"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "answered" and request.answered_at
    page = client_for(rep_a).get(f"/bulletins/requests/{request.pk}/").content.decode()
    assert "已收悉，将于下月答复。" in page
    assert Notification.objects.filter(recipient=rep_a, kind="request").exists()


def test_merged_requests_show_each_submitter_only_its_own_text_and_the_submission(
    members, rep_a, rep_b, secretariat, authority, client_for
):
    mine = send(rep_a, title="甲单位的请求", body="甲单位的具体困难")
    theirs = send(rep_b, title="乙单位的请求", body="乙单位的具体困难")
    submission = actions.do_forward_requests(
        [mine, theirs], actor=secretariat, title="关于宽带成本的汇总报告", body="两家成员单位反映……"
    )
    assert set(submission.requests.all()) == {mine, theirs}
    for user, own, other in [
        (rep_a, "甲单位的具体困难", "乙单位的具体困难"),
        (rep_b, "乙单位的具体困难", "甲单位的具体困难"),
    ]:
        page = client_for(user).get(f"/bulletins/submissions/{submission.pk}/").content.decode()
        assert "两家成员单位反映" in page and own in page and other not in page
    page = client_for(authority).get(f"/bulletins/submissions/{submission.pk}/").content.decode()
    assert "甲单位的具体困难" in page and "乙单位的具体困难" in page


def test_forwarding_a_request_twice_is_refused_and_nothing_changes(
    members, rep_a, secretariat, client_for
):
    request = send(rep_a)
    actions.do_forward_requests([request], actor=secretariat, title="一", body="一")
    with pytest.raises(ActionRefused):
        actions.do_forward_requests([request], actor=secretariat, title="二", body="二")
    response = client_for(secretariat).post(
        "/bulletins/requests/forward/", {"requests": [request.pk], "title": "二", "body": "二"}
    )
    assert response.status_code == 400
    assert Submission.objects.count() == 1


def test_the_authority_replies_and_the_submitter_sees_it(
    members, rep_a, secretariat, authority, client_for
):
    request = send(rep_a)
    submission = actions.do_forward_requests(
        [request], actor=secretariat, title="报告", body="内容"
    )
    assert Notification.objects.filter(recipient=authority).exists()
    response = client_for(authority).post(
        f"/bulletins/submissions/{submission.pk}/reply/", {"reply": "我部已研究，答复如下。"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "authority_answered" and request.authority_answered_at
    page = client_for(rep_a).get(f"/bulletins/requests/{request.pk}/").content.decode()
    assert "我部已研究，答复如下。" in page
    again = client_for(authority).post(
        f"/bulletins/submissions/{submission.pk}/reply/", {"reply": "再次答复"}
    )
    assert again.status_code == 409
    assert AuditEntry.objects.filter(action="bulletins.authority_replied").count() == 1


def test_the_authority_cannot_answer_a_request_never_forwarded(
    members, rep_a, authority, client_for
):
    request = send(rep_a)
    client = client_for(authority)
    assert client.get(f"/bulletins/requests/{request.pk}/").status_code == 404
    response = client.post(
        "/api/v1/requests/submissions/999/reply", {"reply": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == "received"


def test_only_the_authority_replies(members, rep_a, secretariat, client_for):
    request = send(rep_a)
    submission = actions.do_forward_requests(
        [request], actor=secretariat, title="报告", body="内容"
    )
    response = client_for(secretariat).post(
        f"/bulletins/submissions/{submission.pk}/reply/", {"reply": "冒充答复"}
    )
    assert response.status_code == 403
    submission.refresh_from_db()
    assert not submission.reply


def test_the_status_timeline_has_a_date_for_every_step(members, rep_a, secretariat, authority):
    request = send(rep_a)
    actions.do_answer_request(request, actor=secretariat, answer="先行答复")
    submission = actions.do_forward_requests([request], actor=secretariat, title="报告", body="x")
    actions.do_reply_to_submission(submission, actor=authority, reply="答复")
    request.refresh_from_db()
    actions.do_close_request(request, actor=secretariat)
    request.refresh_from_db()
    assert [label for label, _at in request.timeline] == [s.label for s in RequestStatus]
    assert all(at for _label, at in request.timeline)


def test_the_yearly_summary_counts_by_kind_and_outcome_and_its_csv_agrees(
    members, rep_a, rep_b, secretariat, client_for
):
    first = send(rep_a, kind="request")
    send(rep_b, kind="legislation")
    send(rep_b, kind="request")
    actions.do_answer_request(first, actor=secretariat, answer="答复")
    Request.objects.filter(pk=first.pk).update(answered_at=first.received_at + timedelta(days=4))
    year = first.received_at.year
    page = client_for(secretariat).get(f"/bulletins/requests/summary/?year={year}")
    data = page.context["data"]
    assert data["total"] == 3 and data["median_days"] == 4
    rows = {row["kind"]: row for row in data["table"]}
    assert rows["request"]["counts"] == [1, 1, 0, 0, 0]
    assert rows["legislation"]["total"] == 1
    sheet = client_for(secretariat).get(f"/bulletins/requests/summary.csv?year={year}")
    table = list(csv.reader(io.StringIO(sheet.content.decode())))
    assert table[0][0] == "kind"
    assert {r[0]: r[-1] for r in table[1:4]} == {"request": "2", "policy": "0", "legislation": "1"}
    assert table[-1] == ["median_days_to_answer", "4"]
