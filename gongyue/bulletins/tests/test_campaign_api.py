"""Campaigns through /api/v1/campaigns/: the same forms, actions and refusals as the pages."""

from gongyue.accounts.models import ApiToken
from gongyue.bulletins.models import Response


def bearer(user):
    _token, secret = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_campaign_is_built_opened_answered_and_reviewed_through_the_api(
    client, secretariat, convention, members, rep_a
):
    sec = bearer(secretariat)
    created = client.post(
        "/api/v1/campaigns/",
        {"title": "API 自查", "all_members": True, "days": 10},
        content_type="application/json",
        **sec,
    )
    assert created.status_code == 201
    campaign_id = created.json()["id"]
    no_article = client.post(
        f"/api/v1/campaigns/{campaign_id}/questions",
        {"text": "无条款", "article": 99, "answer_type": "yes_no"},
        content_type="application/json",
        **sec,
    )
    assert no_article.status_code == 400 and "article" in no_article.json()["fields"]
    empty_open = client.post(f"/api/v1/campaigns/{campaign_id}/open", **sec)
    assert empty_open.status_code == 409
    question = client.post(
        f"/api/v1/campaigns/{campaign_id}/questions",
        {
            "text": "是否建立制度？",
            "article": 2,
            "answer_type": "yes_no",
            "compliant_values": ["yes"],
            "required": True,
        },
        content_type="application/json",
        **sec,
    ).json()
    assert client.post(f"/api/v1/campaigns/{campaign_id}/open", **sec).status_code == 200
    rep = bearer(rep_a)
    missing = client.post(f"/api/v1/campaigns/{campaign_id}/responses/mine", {"submit": "1"}, **rep)
    assert missing.status_code == 400
    submitted = client.post(
        f"/api/v1/campaigns/{campaign_id}/responses/mine",
        {f"q{question['id']}": "yes", "submit": "1"},
        **rep,
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    response_id = Response.objects.get(unit=rep_a.unit).pk
    assert (
        client.post(
            f"/api/v1/campaigns/responses/{response_id}/review",
            {"decision": "compliant"},
            content_type="application/json",
            **rep,
        ).status_code
        == 403
    )
    reviewed = client.post(
        f"/api/v1/campaigns/responses/{response_id}/review",
        {"decision": "compliant"},
        content_type="application/json",
        **sec,
    )
    assert reviewed.json()["finding"] == "compliant"
    report = client.get(f"/api/v1/campaigns/{campaign_id}/report", **sec).json()
    assert report["per_question"][0]["share"] == 100.0
    assert report["totals"]["compliant"] == 1 and len(report["missing"]) == 1
