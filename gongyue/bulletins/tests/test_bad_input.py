"""The issue's bad input, page and API alike: each refused with a 4xx and a clear message, and
nothing changed (no row, no audit entry, no notification)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongyue.accounts.models import ApiToken
from gongyue.audit.models import AuditEntry
from gongyue.bulletins import actions
from gongyue.bulletins.models import Answer, Campaign, Question, Response, Submission
from gongyue.core.models import Notification

from .conftest import build_campaign

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def bearer(user) -> dict:
    _token, secret = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def audit_count() -> int:
    return AuditEntry.objects.count()


@pytest.fixture
def campaign(secretariat, convention, members):
    return actions.do_open_campaign(build_campaign(secretariat, convention), actor=secretariat)


def close_campaign(campaign):
    Campaign.objects.filter(pk=campaign.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    campaign.refresh_from_db()


def values_for(campaign, answers: dict) -> dict:
    questions = {q.position: q for q in campaign.questions.all()}
    return {f"q{questions[n].pk}": v for n, v in answers.items()}


def test_answers_after_the_deadline_are_refused_on_the_page_and_the_api_saying_when_it_closed(
    campaign, rep_a, client_for
):
    close_campaign(campaign)
    before = audit_count()
    when = timezone.localtime(campaign.due_at).strftime("%Y-%m-%d %H:%M")
    data = {**values_for(campaign, {1: "yes", 2: "无"}), "submit": "1"}
    page = client_for(rep_a).post(f"/bulletins/campaigns/{campaign.pk}/answers/", data)
    assert page.status_code == 409 and when in page.content.decode()
    api = client_for(None).post(
        f"/api/v1/campaigns/{campaign.pk}/responses/mine", data, **bearer(rep_a)
    )
    assert api.status_code == 409
    assert api.json()["code"] == "past_deadline" and when in api.json()["message"]
    assert not Answer.objects.exists() and audit_count() == before
    assert Response.objects.get(campaign=campaign, unit=rep_a.unit).status == "pending"


def test_asked_for_more_after_the_deadline_a_unit_may_still_complete_its_answers(
    campaign, rep_a, secretariat, client_for
):
    """Otherwise a request for more made after the deadline could never be answered."""
    response = Response.objects.get(campaign=campaign, unit=rep_a.unit)
    actions.do_save_answers(
        response,
        actor=rep_a,
        answers=dict(zip(campaign.questions.all()[:2], ["yes", "无"], strict=True)),
        submit=True,
    )
    close_campaign(campaign)
    actions.do_request_more(response, actor=secretariat, note="请补充制度文件。")
    client = client_for(rep_a)
    assert client.get(f"/bulletins/campaigns/{campaign.pk}/").context["open_for_answers"]
    draft = client.post(
        f"/bulletins/campaigns/{campaign.pk}/answers/",
        {**values_for(campaign, {2: "7日内"}), "submit": "0"},
    )
    assert draft.status_code == 302
    again = client.post(f"/bulletins/campaigns/{campaign.pk}/answers/", {"submit": "1"})
    assert again.status_code == 302
    response.refresh_from_db()
    assert response.status == "submitted" and response.more_requested_at is None
    # Handed in again, it is closed like every other answer after the deadline.
    late = client.post(f"/bulletins/campaigns/{campaign.pk}/answers/", {"submit": "0"})
    assert late.status_code == 409


def test_a_missing_required_answer_names_the_question_on_the_page_and_the_api(
    campaign, rep_a, client_for
):
    before = audit_count()
    data = {**values_for(campaign, {1: "yes"}), "submit": "1"}
    page = client_for(rep_a).post(f"/bulletins/campaigns/{campaign.pk}/answers/", data)
    assert page.status_code == 400
    api = client_for(None).post(
        f"/api/v1/campaigns/{campaign.pk}/responses/mine", data, **bearer(rep_a)
    )
    assert api.status_code == 400 and api.json()["message"]
    assert not Answer.objects.exists() and audit_count() == before


def test_a_question_tied_to_no_article_is_refused_by_the_api_too(
    secretariat, convention, members, client_for
):
    draft = build_campaign(secretariat, convention)
    before = (Question.objects.count(), audit_count())
    for article in (None, 99):
        refused = client_for(None).post(
            f"/api/v1/campaigns/{draft.pk}/questions",
            {"text": "无条款的问题", "article": article, "answer_type": "yes_no"},
            content_type="application/json",
            **bearer(secretariat),
        )
        assert refused.status_code == 400
        assert refused.json()["fields"]["article"]
    assert (Question.objects.count(), audit_count()) == before


def test_forwarding_twice_is_refused_by_the_api_and_the_page_with_a_message(
    members, rep_a, secretariat, client_for
):
    request = actions.do_send_request(
        actor=rep_a, data={"kind": "request", "title": "请求", "body": "正文"}
    )
    actions.do_forward_requests([request], actor=secretariat, title="一", body="一")
    before = (Submission.objects.count(), audit_count(), Notification.objects.count())
    api = client_for(None).post(
        "/api/v1/requests/forward",
        {"requests": [request.pk], "title": "二", "body": "二"},
        content_type="application/json",
        **bearer(secretariat),
    )
    assert api.status_code == 400 and api.json()["fields"]["requests"]
    page = client_for(secretariat).post(
        "/bulletins/requests/forward/", {"requests": [request.pk], "title": "二", "body": "二"}
    )
    assert page.status_code == 400 and page.context["forward_form"].errors["requests"]
    assert (Submission.objects.count(), audit_count(), Notification.objects.count()) == before
    request.refresh_from_db()
    assert request.submission.title == "一"


def test_the_authority_cannot_answer_or_close_a_request_never_forwarded(
    members, rep_a, authority, client_for
):
    request = actions.do_send_request(
        actor=rep_a, data={"kind": "request", "title": "请求", "body": "正文"}
    )
    before = audit_count()
    page = client_for(authority)
    assert page.post(f"/bulletins/requests/{request.pk}/answer/", {"answer": "x"}).status_code in (
        403,
        404,
    )
    assert page.post(f"/bulletins/requests/{request.pk}/close/").status_code in (403, 404)
    api = client_for(None)
    for url, body in [
        (f"/api/v1/requests/{request.pk}/answer", {"answer": "x"}),
        (f"/api/v1/requests/{request.pk}/close", {}),
        (f"/api/v1/requests/{request.pk}", None),
    ]:
        call = api.get if body is None else api.post
        kwargs = {} if body is None else {"content_type": "application/json"}
        answered = (
            call(url, body, **kwargs, **bearer(authority))
            if body is not None
            else call(url, **bearer(authority))
        )
        assert answered.status_code == 404, url
    request.refresh_from_db()
    assert request.status == "received" and not request.answer and audit_count() == before


def test_hostile_html_in_campaign_and_submission_fields_is_escaped_on_every_page(
    secretariat, convention, members, rep_a, authority, client_for
):
    from gongyue.convention.models import Article

    draft = actions.do_create_campaign(
        actor=secretariat,
        convention=convention,
        data={"title": EVIL, "description": EVIL, "days": 10, "categories": []},
    )
    article = Article.objects.filter(version=convention.versions.in_force().first()).first()
    actions.do_add_question(
        draft,
        actor=secretariat,
        data={"text": EVIL, "article": article, "answer_type": "choice",
              "choices": [EVIL, "否"], "compliant_values": [], "required": True},
    )  # fmt: skip
    actions.do_add_question(
        draft,
        actor=secretariat,
        data={"text": "说明", "article": article, "answer_type": "text", "required": True},
    )
    campaign = actions.do_open_campaign(draft, actor=secretariat)
    response = Response.objects.get(campaign=campaign, unit=rep_a.unit)
    choice, text = campaign.questions.all()
    actions.do_save_answers(response, actor=rep_a, answers={choice: EVIL, text: EVIL}, submit=True)
    actions.do_record_finding(response, actor=secretariat, finding="to_improve", note=EVIL)
    request = actions.do_send_request(
        actor=rep_a, data={"kind": "policy", "title": EVIL, "body": EVIL}
    )
    submission = actions.do_forward_requests([request], actor=secretariat, title=EVIL, body=EVIL)
    actions.do_reply_to_submission(submission, actor=authority, reply=EVIL)

    pages = [
        (secretariat, f"/bulletins/campaigns/{campaign.pk}/"),
        (secretariat, f"/bulletins/campaigns/{campaign.pk}/report/"),
        (secretariat, f"/bulletins/campaigns/responses/{response.pk}/"),
        (secretariat, "/bulletins/campaigns/"),
        (rep_a, f"/bulletins/campaigns/{campaign.pk}/"),
        (rep_a, f"/bulletins/requests/{request.pk}/"),
        (rep_a, f"/bulletins/submissions/{submission.pk}/"),
        (authority, f"/bulletins/submissions/{submission.pk}/"),
        (authority, "/bulletins/submissions/"),
    ]
    for user, url in pages:
        page = client_for(user).get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url
