"""Overdue lists across bulletins and campaigns: every unit that has not acknowledged a bulletin
asking for it, or not answered a campaign, once the deadline has passed; with the deadline and
the days since; a secretariat page and the API, in a fixed number of queries; the counts on the
secretariat's dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongyue.accounts.models import ApiToken
from gongyue.bulletins import actions
from gongyue.bulletins.models import Bulletin, Campaign, Receipt, Response
from gongyue.core.deadlines import start_of_day
from gongyue.organisations.models import Unit
from gongyue.organisations.tests.test_scale import make_units

from .conftest import build_campaign


def bearer(user) -> dict:
    _token, secret = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def ended_days_ago(days: int):
    """The end (next day's 00:00 in China) of a period whose last day was `days` days ago."""
    return start_of_day(timezone.localdate() - timedelta(days=days - 1))


def publish(secretariat, title, *, ack=True, ended=3):
    bulletin = actions.do_create_bulletin(
        actor=secretariat,
        data={
            "title": title,
            "body": "正文",
            "kind": "notice",
            "audience": "members",
            "categories": [],
            "ack_required": ack,
            "ack_days": 5 if ack else None,
        },
    )
    bulletin = actions.do_publish_bulletin(bulletin, actor=secretariat)
    if ack:
        Bulletin.objects.filter(pk=bulletin.pk).update(ack_due_at=ended_days_ago(ended))
    return bulletin


def test_the_overdue_page_lists_each_unit_that_has_not_acknowledged_past_the_deadline(
    secretariat, members, rep_a, rep_b, client_for, convention
):
    member_a, member_b = members
    late = publish(secretariat, "逾期通报", ended=3)
    actions.do_acknowledge_bulletin(late, actor=rep_b)
    publish(secretariat, "未到期通报", ended=-2)  # the deadline is two days ahead
    publish(secretariat, "无需确认通报", ack=False)
    draft = actions.do_create_bulletin(
        actor=secretariat,
        data={"title": "草稿", "body": "b", "kind": "notice", "audience": "members",
              "categories": [], "ack_required": True, "ack_days": 3},
    )  # fmt: skip
    Bulletin.objects.filter(pk=draft.pk).update(ack_due_at=ended_days_ago(9))

    campaign = actions.do_open_campaign(build_campaign(secretariat, convention), actor=secretariat)
    Campaign.objects.filter(pk=campaign.pk).update(due_at=ended_days_ago(1))
    Response.objects.filter(campaign=campaign, unit=member_b).update(status="submitted")
    running = actions.do_open_campaign(
        build_campaign(secretariat, convention, days=30), actor=secretariat
    )

    page = client_for(secretariat).get("/bulletins/overdue/")
    assert page.status_code == 200
    [ack] = page.context["ack_rows"]
    assert (ack.bulletin_id, ack.unit_id, ack.days_overdue) == (late.pk, member_a.pk, 3)
    assert ack.last_day == timezone.localdate() - timedelta(days=3)
    [missing] = page.context["answer_rows"]
    assert (missing.campaign_id, missing.unit_id, missing.days_overdue) == (
        campaign.pk,
        member_a.pk,
        1,
    )
    html = page.content.decode()
    assert "逾期通报" in html and member_a.name in html
    assert "未到期通报" not in html and "无需确认通报" not in html and "草稿" not in html
    assert (
        f"/bulletins/{late.pk}/receipts/" in html
        and f"/bulletins/campaigns/{running.pk}/" not in html
    )

    api = client_for(None)
    acks = api.get("/api/v1/bulletins/overdue", **bearer(secretariat)).json()
    assert acks == [
        {
            "bulletin_id": late.pk,
            "title": "逾期通报",
            "unit_id": member_a.pk,
            "unit": member_a.name,
            "ack_due_at": acks[0]["ack_due_at"],
            "last_day": str(timezone.localdate() - timedelta(days=3)),
            "days_overdue": 3,
        }
    ]
    answers = api.get("/api/v1/campaigns/overdue", **bearer(secretariat)).json()
    assert [(r["campaign_id"], r["unit_id"], r["status"], r["days_overdue"]) for r in answers] == [
        (campaign.pk, member_a.pk, "pending", 1)
    ]


def test_a_unit_that_acknowledges_late_leaves_the_list(secretariat, members, rep_a, client_for):
    late = publish(secretariat, "逾期通报", ended=2)
    client = client_for(secretariat)
    assert len(client.get("/bulletins/overdue/").context["ack_rows"]) == 2
    actions.do_acknowledge_bulletin(late, actor=rep_a)
    rows = client.get("/bulletins/overdue/").context["ack_rows"]
    assert [r.unit_id for r in rows] == [members[1].pk]


def test_only_the_secretariat_sees_the_overdue_lists(
    members, rep_a, authority, no_unit_user, client_for
):
    for user in (rep_a, authority, no_unit_user):
        assert client_for(user).get("/bulletins/overdue/").status_code == 403
        for url in ("/api/v1/bulletins/overdue", "/api/v1/campaigns/overdue"):
            assert client_for(None).get(url, **bearer(user)).status_code == 403
    assert client_for(None).get("/bulletins/overdue/").status_code == 302
    assert client_for(None).get("/api/v1/bulletins/overdue").status_code == 401


def test_the_dashboard_shows_the_overdue_counts_and_links_the_list(
    secretariat, members, client_for
):
    publish(secretariat, "逾期通报", ended=2)
    page = client_for(secretariat).get("/members/secretariat/").content.decode()
    assert 'href="/bulletins/overdue/"' in page
    assert 'data-testid="overdue-summary"' in page
    summary = page.split('data-testid="overdue-summary"')[1].split("</p>")[0]
    assert "2" in summary and "0" in summary


def make_overdue(secretariat, convention, units, bulletins_n, campaigns_n):
    """`bulletins_n` overdue bulletins and `campaigns_n` overdue campaigns addressed to every
    unit, none acknowledged or answered."""
    past = ended_days_ago(4)
    bulletins = Bulletin.objects.bulk_create(
        Bulletin(
            title=f"通报{i:04d}", body="正文", body_html="<p>正文</p>", kind="notice",
            status="published", published_at=past - timedelta(days=10), ack_required=True,
            ack_days=5, ack_due_at=past, created_by=secretariat,
        )
        for i in range(bulletins_n)
    )  # fmt: skip
    Receipt.objects.bulk_create(Receipt(bulletin=b, unit=u) for b in bulletins for u in units)
    campaigns = Campaign.objects.bulk_create(
        Campaign(
            title=f"自查{i:03d}", convention=convention, days=10, status="open",
            opened_at=past - timedelta(days=12), due_at=past, created_by=secretariat,
        )
        for i in range(campaigns_n)
    )  # fmt: skip
    Response.objects.bulk_create(Response(campaign=c, unit=u) for c in campaigns for u in units)


# Page: session, user, grants, then two counts and two pages. API: the token (and, at times,
# its last-use update), grants, the rows.
OVERDUE_PAGE_QUERIES = 7
OVERDUE_API_QUERIES = 4


@pytest.mark.parametrize(
    "size", [(5, 2, 1), (1000, 40, 5)], ids=["small", "many bulletins and units"]
)
def test_the_overdue_lists_cost_a_fixed_number_of_queries(
    size,
    secretariat,
    convention,
    client_for,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    units_n, bulletins_n, campaigns_n = size
    make_units(units_n)
    units = list(Unit.objects.order_by("pk"))
    make_overdue(secretariat, convention, units, bulletins_n, campaigns_n)

    client = client_for(secretariat)
    with django_assert_num_queries(OVERDUE_PAGE_QUERIES):
        page = client.get("/bulletins/overdue/")
    assert page.context["acks"].paginator.count == units_n * bulletins_n
    assert page.context["answers"].paginator.count == units_n * campaigns_n
    assert len(page.context["ack_rows"]) == min(50, units_n * bulletins_n)
    assert all(r.days_overdue == 4 for r in page.context["ack_rows"])

    api = client_for(None)
    headers = bearer(secretariat)
    for url in ("/api/v1/bulletins/overdue?limit=500", "/api/v1/campaigns/overdue?limit=500"):
        with django_assert_max_num_queries(OVERDUE_API_QUERIES):
            rows = api.get(url, **headers).json()
        assert len(rows) == min(500, units_n * (bulletins_n if "bulletins" in url else campaigns_n))
