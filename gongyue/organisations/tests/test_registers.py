from datetime import date

import pytest
from django.utils import timezone

from gongyue.audit.models import AuditEntry
from gongyue.convention.models import Convention
from gongyue.core.deadlines import start_of_day
from gongyue.core.duties import run_due_duties
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification, Reminder
from gongyue.organisations import actions
from gongyue.organisations.models import EndedBy, RegisterList
from gongyue.organisations.periods import period_containing, period_from_key
from gongyue.organisations.queries import register_rows
from gongyue.organisations.registers import current_period

from .conftest import make_convention, make_member

API = "/api/v1/members"
Q1 = period_from_key("2025-Q1")


@pytest.fixture(autouse=True)
def in_effect_since_2025(db):
    """The convention took effect on 2025-01-01: 2025-Q1 is the first list to publish."""
    convention = make_convention()
    Convention.objects.filter(pk=convention.pk).update(effective_at=start_of_day(date(2025, 1, 1)))
    return convention


@pytest.fixture
def timeline(unit_a, unit_b):
    """A joined 2025-01-10; B joined 2025-03-01 and withdrew, effective 2025-05-01."""
    make_member(unit_a, date(2025, 1, 10))
    b = make_member(unit_b, date(2025, 3, 1))
    b.ended_at, b.ended_by = start_of_day(date(2025, 5, 1)), EndedBy.WITHDRAWAL
    b.save()


def test_periods_follow_the_calendar_in_china():
    q = period_containing(date(2026, 11, 29), "quarter")
    assert (q.key, q.starts_on, q.ends_on) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert q.previous().key == "2026-Q3" and q.next().key == "2027-Q1"
    assert period_from_key("2026-07").ends_on == date(2026, 7, 31)
    assert period_from_key("2026-H2").starts_on == date(2026, 7, 1)
    assert period_from_key("2026").ends_on == date(2026, 12, 31)
    assert period_from_key("2026-Q5") is None and period_from_key("nonsense") is None


def test_the_list_of_a_period_is_computed_from_the_timeline(timeline, unit_a, unit_b):
    rows = register_rows(Q1)
    assert [(r["name"], r["date"]) for r in rows["joined"]] == [
        (unit_a.name, "2025-01-10"),
        (unit_b.name, "2025-03-01"),
    ]
    assert rows["left"] == []
    q2 = register_rows(period_from_key("2025-Q2"))
    assert q2["joined"] == [] and [(r["name"], r["date"], r["by"]) for r in q2["left"]] == [
        (unit_b.name, "2025-05-01", "withdrawal")
    ]


def test_a_published_list_equals_the_list_computed_from_the_timeline(
    client_for, timeline, secretariat
):
    response = client_for(secretariat).post("/members/secretariat/lists/", {"period": "2025-Q1"})
    assert response.status_code == 302
    record = RegisterList.objects.get()
    fresh = register_rows(Q1)
    assert (record.joined, record.left) == (fresh["joined"], fresh["left"])
    assert record.sha256 == RegisterList.digest(fresh["joined"], fresh["left"])
    assert AuditEntry.objects.get(action="organisations.register_published").new["joined"] == 2


def test_a_published_list_never_changes(timeline, secretariat):
    record = actions.do_publish_register(Q1, actor=secretariat)
    record.note = "changed"
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises(ValueError):
        record.delete()
    with pytest.raises(ActionRefused):
        actions.do_publish_register(Q1, actor=secretariat)
    assert RegisterList.objects.count() == 1


def test_a_correction_is_a_new_record_that_cites_the_one_it_corrects(
    timeline, unit_b, secretariat, client
):
    original = actions.do_publish_register(Q1, actor=secretariat)
    with pytest.raises(ActionRefused) as nothing:
        actions.do_publish_register(Q1, actor=secretariat, corrects=original, note="复核")
    assert nothing.value.code == "nothing_to_correct"
    # A late-recorded fact changes the timeline: unit B in fact joined in April.
    from gongyue.organisations.models import Membership

    Membership.objects.filter(unit=unit_b).update(started_at=start_of_day(date(2025, 4, 2)))
    correction = actions.do_publish_register(
        Q1, actor=secretariat, corrects=original, note="乙单位实际四月加入"
    )
    original.refresh_from_db()
    assert (
        correction.corrects == original
        and len(original.joined) == 2
        and len(correction.joined) == 1
    )
    assert list(RegisterList.objects.current()) == [correction]
    page = client.get("/members/lists/2025-Q1/")
    assert page.context["sheet"].record == correction
    assert client.get(f"/members/lists/records/{original.pk}/").context["sheet"].record == original
    with pytest.raises(ActionRefused):
        actions.do_publish_register(Q1, actor=secretariat, corrects=original, note="again")


def test_an_open_period_cannot_be_published(secretariat, client_for):
    response = client_for(secretariat).post(
        f"{API}/lists", {"period": current_period().key}, content_type="application/json"
    )
    assert response.status_code == 409
    assert not RegisterList.objects.exists()


def test_only_the_secretariat_publishes_lists(client_for, rep_a, timeline):
    assert (
        client_for(rep_a)
        .post(f"{API}/lists", {"period": "2025-Q1"}, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        client_for(rep_a).post("/members/secretariat/lists/", {"period": "2025-Q1"}).status_code
        == 403
    )
    assert not RegisterList.objects.exists()


def test_a_malformed_period_is_refused_next_to_the_field(client_for, secretariat):
    response = client_for(secretariat).post(
        f"{API}/lists", {"period": "2025-Q9"}, content_type="application/json"
    )
    assert response.status_code == 400 and "period" in response.json()["fields"]


def test_lists_are_pages_csv_json_and_an_atom_feed(client, timeline, secretariat, unit_a):
    record = actions.do_publish_register(Q1, actor=secretariat)
    page = client.get("/members/lists/2025-Q1/")
    assert page.status_code == 200 and unit_a.name in page.content.decode()
    csv_bytes = client.get("/members/lists/2025-Q1/list.csv").content
    assert csv_bytes.startswith(b"\xef\xbb\xbf")  # so that Excel reads it as UTF-8
    csv_text = csv_bytes.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "名单,日期,统一社会信用代码,单位名称,方式,原因,list,by"
    assert (
        f"加入,2025-01-10,{unit_a.uscc},{unit_a.name},导入的成员名单,,joined,import\r\n" in csv_text
    )
    data = client.get("/members/lists/2025-Q1/list.json").json()
    assert (
        data["status"] == "published"
        and data["sha256"] == record.sha256
        and len(data["joined"]) == 2
    )
    feed = client.get("/members/lists/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert f"/members/lists/records/{record.pk}/" in feed.content.decode()
    assert client.get(f"{API}/lists").json()[0]["id"] == record.pk
    assert client.get(f"{API}/lists/2025-Q1").json()["sha256"] == record.sha256
    assert client.get(f"{API}/lists/records/{record.pk}").json()["period"] == "2025-Q1"


def test_an_unpublished_period_shows_a_provisional_list(client, timeline, unit_b):
    data = client.get("/members/lists/2025-Q2/list.json").json()
    assert data["status"] == "provisional" and data["left"][0]["name"] == unit_b.name
    assert client.get("/members/lists/2999-Q1/").status_code == 404
    assert client.get("/members/lists/nonsense/").status_code == 404


def test_the_period_is_a_setting_of_the_convention(in_effect_since_2025, client):
    convention = in_effect_since_2025
    convention.rules = {"register_period": "month"}
    convention.save()
    assert current_period().kind == "month"
    assert client.get("/members/lists/").context["current"].kind == "month"


def test_the_duty_reminds_the_secretariat_when_a_period_list_is_due(secretariat):
    now = timezone.now()
    assert run_due_duties(now)["organisations.register_due"] == 2
    keys = set(Reminder.objects.filter(recipient=secretariat).values_list("key", flat=True))
    assert keys == {
        f"register:{current_period(now).key}",
        f"register:{current_period(now).previous().key}",
    }
    # Idempotent: a second round schedules nothing new and sends the due reminder once.
    run_due_duties(now)
    run_due_duties(now)
    assert Notification.objects.filter(recipient=secretariat, kind="reminder").count() == 1
    assert (
        Reminder.objects.get(key=f"register:{current_period(now).key}").due_at
        == current_period(now).end
    )


def test_no_reminder_for_a_period_already_published(secretariat, in_effect_since_2025):
    previous = current_period().previous()
    Convention.objects.filter(pk=in_effect_since_2025.pk).update(effective_at=previous.start)
    actions.do_publish_register(previous, actor=secretariat)
    run_due_duties()
    assert not Reminder.objects.filter(key=f"register:{previous.key}").exists()


def test_the_dashboard_says_which_list_is_due(client_for, secretariat):
    page = client_for(secretariat).get("/members/secretariat/")
    assert 'data-testid="register-due"' in page.content.decode()


def test_the_secretariat_previews_a_period_before_publishing(
    client_for, timeline, secretariat, unit_a
):
    page = client_for(secretariat).get("/members/secretariat/lists/?period=2025-Q1")
    assert (
        page.status_code == 200
        and page.context["closed"]
        and len(page.context["fresh"]["joined"]) == 2
    )
    assert 'data-testid="register-form"' in page.content.decode()
    current = client_for(secretariat).get(
        f"/members/secretariat/lists/?period={current_period().key}"
    )
    assert (
        not current.context["closed"]
        and 'data-testid="register-form"' not in current.content.decode()
    )


def test_a_unit_renamed_after_publication_keeps_its_name_on_the_list_and_needs_no_correction(
    timeline, unit_a, secretariat
):
    record = actions.do_publish_register(Q1, actor=secretariat)
    unit_a.name = "赣江数字科技有限公司"
    unit_a.save()
    assert record.matches(register_rows(Q1))
    record.refresh_from_db()
    assert record.joined[0]["name"] == "赣江网络科技有限公司"
    with pytest.raises(ActionRefused):
        actions.do_publish_register(Q1, actor=secretariat, corrects=record, note="改名")


def test_lists_publish_in_order_from_the_period_the_convention_took_effect(
    client_for, secretariat, timeline
):
    before = period_from_key("2024-Q4")
    refused = client_for(secretariat).post(
        f"{API}/lists", {"period": before.key}, content_type="application/json"
    )
    assert refused.status_code == 409
    assert refused.json()["message"] == (
        "公约于 2025-01-01 生效，第一份名单是2025年第1季度的名单，2024年第4季度在此之前。"
    )
    skipped = client_for(secretariat).post(
        f"{API}/lists", {"period": "2025-Q2"}, content_type="application/json"
    )
    assert skipped.status_code == 409
    assert skipped.json()["message"] == "请先公布2025年第1季度的名单：名单须依次公布，不得跳过。"
    assert not RegisterList.objects.exists()
    assert not AuditEntry.objects.filter(action="organisations.register_published").exists()
    actions.do_publish_register(Q1, actor=secretariat)
    actions.do_publish_register(period_from_key("2025-Q2"), actor=secretariat)
    assert list(RegisterList.objects.order_by("starts_on").values_list("period", flat=True)) == [
        "2025-Q1",
        "2025-Q2",
    ]


def test_no_list_is_published_before_the_convention_took_effect(secretariat, in_effect_since_2025):
    Convention.objects.filter(pk=in_effect_since_2025.pk).update(effective_at=None)
    with pytest.raises(ActionRefused) as refused:
        actions.do_publish_register(Q1, actor=secretariat)
    assert refused.value.blockers == ["公约尚未生效，没有可以公布的名单。"]
