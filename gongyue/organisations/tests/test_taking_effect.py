import threading
from datetime import date, datetime, timedelta

import pytest
from django.db import connections
from django.utils import timezone

from gongyue.accounts.models import Role
from gongyue.audit.models import AuditEntry
from gongyue.convention import actions as convention_actions
from gongyue.convention.models import Founder
from gongyue.core import testing
from gongyue.core.deadlines import CHINA, deadline
from gongyue.core.duties import run_due_duties
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification, Reminder
from gongyue.organisations import actions
from gongyue.organisations.actions import signing
from gongyue.organisations.models import Signature, Unit

from .conftest import make_convention

API = "/api/v1/members"


@pytest.fixture
def new_convention(db):
    return make_convention(effective=False)


@pytest.fixture
def founders(new_convention, unit_a, unit_b, rep_a, rep_b, secretariat):
    convention_actions.do_name_founders(new_convention, actor=secretariat, units=[unit_a, unit_b])
    return [unit_a, unit_b]


def sign(unit, person, convention):
    version = convention.version_in_force
    return actions.do_sign_convention(unit, actor=person, version=version, sha256=version.sha256)


def test_the_convention_takes_effect_when_the_last_founder_signs(
    new_convention, founders, rep_a, rep_b, secretariat
):
    sign(founders[0], rep_a, new_convention)
    new_convention.refresh_from_db()
    assert new_convention.effective_at is None
    last = sign(founders[1], rep_b, new_convention)
    new_convention.refresh_from_db()
    assert new_convention.effective_at == last.signed_at
    assert set(Unit.objects.members()) == set(founders)
    entry = AuditEntry.objects.filter(action="organisations.convention_signed").last()
    assert entry.new["convention_effective_at"]
    assert Notification.objects.filter(recipient=secretariat, kind="convention").count() == 1


def test_taking_effect_schedules_publication_reminders_for_the_secretariat(
    new_convention, founders, rep_a, rep_b, secretariat
):
    sign(founders[0], rep_a, new_convention)
    sign(founders[1], rep_b, new_convention)
    new_convention.refresh_from_db()
    due = deadline(new_convention.effective_at, 30)
    reminders = Reminder.objects.filter(recipient=secretariat).order_by("due_at")
    assert [r.due_at for r in reminders] == [
        due.ends_at - timedelta(days=7),
        due.ends_at - timedelta(days=1),
    ]


def test_before_it_takes_effect_only_founders_sign(new_convention, founders, no_unit_user):
    from gongyue.organisations.tests.conftest import approve_for

    unit_c = testing.make_unit("赣州网络有限公司", "91350100M000100Y43")
    rep_c = testing.make_user("rep_c", Role.LEGAL_REP, unit=unit_c)
    approve_for(unit_c, rep_c)
    with pytest.raises(ActionRefused) as refused:
        sign(unit_c, rep_c, new_convention)
    assert "发起单位" in str(refused.value) or "founders" in str(refused.value)


def test_the_dashboard_counts_down_the_days_left_to_publish(
    client_for, new_convention, founders, rep_a, rep_b, secretariat
):
    sign(founders[0], rep_a, new_convention)
    sign(founders[1], rep_b, new_convention)
    page = client_for(secretariat).get("/members/secretariat/")
    assert page.status_code == 200
    new_convention.refresh_from_db()
    due = deadline(new_convention.effective_at, 30)
    assert page.context["deadline"] == due
    assert page.context["remaining"] == (due.last_day - timezone.localdate()).days >= 30
    assert 'data-testid="publication-countdown"' in page.content.decode()


def test_the_countdown_uses_the_deadline_rule_of_the_convention(
    new_convention, secretariat, unit_a, rep_a
):
    new_convention.rules = {"publication_days": 10}
    new_convention.save()
    convention_actions.do_name_founders(new_convention, actor=secretariat, units=[unit_a])
    sign(unit_a, rep_a, new_convention)
    new_convention.refresh_from_db()
    assert new_convention.publication_deadline.days == 10


def test_publishing_puts_the_convention_in_force_and_the_public_page_shows_three_dates(
    client_for, client, new_convention, founders, rep_a, rep_b, secretariat
):
    sign(founders[0], rep_a, new_convention)
    sign(founders[1], rep_b, new_convention)
    response = client_for(secretariat).post("/members/secretariat/publish/", {})
    assert response.status_code == 302
    new_convention.refresh_from_db()
    assert new_convention.published_on == timezone.localdate() == new_convention.in_force_from
    assert not Reminder.objects.filter(
        key__startswith=f"convention:{new_convention.pk}:publication", sent_at=None
    ).exists()
    entry = AuditEntry.objects.get(action="organisations.convention_published")
    assert entry.new["late"] is False
    client.logout()
    page = client.get("/members/convention/").content.decode()
    assert (
        page.count(timezone.localdate().strftime("%Y")) >= 3
        and 'data-testid="convention-dates"' in page
    )
    api = client.get(f"{API}/convention").json()
    assert (
        api["effective_at"]
        and api["published_on"] == api["in_force_from"] == timezone.localdate().isoformat()
    )
    assert api["publication_deadline"]["last_day"]


def test_a_convention_cannot_be_published_before_it_takes_effect_or_twice(
    client_for, new_convention, founders, rep_a, rep_b, secretariat
):
    response = client_for(secretariat).post(
        f"{API}/convention/publish", {}, content_type="application/json"
    )
    assert response.status_code == 409
    sign(founders[0], rep_a, new_convention)
    sign(founders[1], rep_b, new_convention)
    assert (
        client_for(secretariat)
        .post(f"{API}/convention/publish", {}, content_type="application/json")
        .status_code
        == 200
    )
    again = client_for(secretariat).post(
        f"{API}/convention/publish", {}, content_type="application/json"
    )
    assert again.status_code == 409
    assert AuditEntry.objects.filter(action="organisations.convention_published").count() == 1


def test_only_the_secretariat_publishes_or_names_founders(
    client_for, new_convention, rep_a, unit_a
):
    assert (
        client_for(rep_a)
        .post(f"{API}/convention/publish", {}, content_type="application/json")
        .status_code
        == 403
    )
    response = client_for(rep_a).put(
        f"{API}/convention/founders", {"units": [unit_a.pk]}, content_type="application/json"
    )
    assert response.status_code == 403
    assert client_for(rep_a).get("/members/secretariat/").status_code == 403
    assert not Founder.objects.exists()


def test_founders_cannot_change_once_the_convention_took_effect(convention, secretariat, unit_a):
    with pytest.raises(ActionRefused):
        convention_actions.do_name_founders(convention, actor=secretariat, units=[unit_a])


def test_founders_are_named_through_the_api(
    client_for, new_convention, secretariat, unit_a, unit_b
):
    response = client_for(secretariat).put(
        f"{API}/convention/founders",
        {"units": [unit_a.pk, unit_b.pk]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert {f["unit"] for f in response.json()["founders"]} == {unit_a.pk, unit_b.pk}
    empty = client_for(secretariat).put(
        f"{API}/convention/founders", {"units": []}, content_type="application/json"
    )
    assert empty.status_code == 400 and "units" in empty.json()["fields"]


def test_a_convention_that_took_effect_before_the_platform_records_its_dates(
    client_for, new_convention, secretariat
):
    response = client_for(secretariat).post(
        "/members/secretariat/dates/", {"effective_on": "2024-03-01", "published_on": "2024-03-20"}
    )
    assert response.status_code == 302
    new_convention.refresh_from_db()
    assert new_convention.effective_at == datetime(2024, 3, 1, tzinfo=CHINA)
    assert new_convention.published_on == date(2024, 3, 20)
    entry = AuditEntry.objects.get(action="organisations.convention_dates_recorded")
    assert (entry.actor, entry.subject_id) == (secretariat, str(new_convention.pk))
    assert entry.new == {"effective_on": "2024-03-01", "published_on": "2024-03-20"}


def test_the_secretariat_names_founders_on_a_page(
    client_for, new_convention, secretariat, unit_a, unit_b
):
    assert client_for(secretariat).get("/members/secretariat/founders/").status_code == 200
    response = client_for(secretariat).post(
        "/members/secretariat/founders/", {"units": [unit_a.pk, unit_b.pk]}
    )
    assert response.status_code == 302
    assert set(Founder.objects.values_list("unit_id", flat=True)) == {unit_a.pk, unit_b.pk}
    assert AuditEntry.objects.filter(action="organisations.founders_named").count() == 1
    empty = client_for(secretariat).post("/members/secretariat/founders/", {})
    assert empty.status_code == 400 and "units" in empty.context["form"].errors


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_last_two_founders_signing_at_once_bring_the_convention_into_effect(
    monkeypatch, unit_a, unit_b, rep_a, rep_b, secretariat
):
    """Without the lock on the convention row both would miss each other's signature."""
    convention = make_convention(effective=False)
    convention_actions.do_name_founders(convention, actor=secretariat, units=[unit_a, unit_b])
    barrier = threading.Barrier(2, timeout=3)
    real = signing.founders_signed_at

    def founders_signed_at_after_both_signed(convention):
        # Both signatures are written by now unless one request waits for the other's lock.
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return real(convention)

    monkeypatch.setattr(signing, "founders_signed_at", founders_signed_at_after_both_signed)
    errors = []

    def sign_for(unit, person):
        try:
            sign(unit, person, convention)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=sign_for, args=args) for args in ((unit_a, rep_a), (unit_b, rep_b))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    convention.refresh_from_db()
    assert convention.effective_at == max(s.signed_at for s in Signature.objects.all())
    assert Notification.objects.filter(recipient=secretariat, kind="convention").count() == 1


def test_the_founders_page_is_read_only_once_the_convention_took_effect(
    client_for, new_convention, founders, rep_a, rep_b, secretariat
):
    sign(founders[0], rep_a, new_convention)
    sign(founders[1], rep_b, new_convention)
    page = client_for(secretariat).get("/members/secretariat/founders/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="founders-read-only"' in html
    assert 'method="post"' not in html.split('data-testid="founders-read-only"')[1]
    assert founders[0].name in html and founders[1].name in html
    before = AuditEntry.objects.count()
    posted = client_for(secretariat).post(
        "/members/secretariat/founders/", {"units": [founders[0].pk]}
    )
    assert posted.status_code == 409 and "不能再变更" in posted.content.decode()
    assert set(Founder.objects.values_list("unit_id", flat=True)) == {u.pk for u in founders}
    assert AuditEntry.objects.count() == before


def test_with_hundreds_of_units_the_founders_page_searches_and_keeps_the_founders_named(
    client_for, new_convention, secretariat, unit_a, django_assert_max_num_queries
):
    Unit.objects.bulk_create(Unit(name=f"测试单位{n:03d}有限公司", uscc=None) for n in range(300))
    convention_actions.do_name_founders(new_convention, actor=secretariat, units=[unit_a])
    client = client_for(secretariat)
    with django_assert_max_num_queries(12):
        page = client.get("/members/secretariat/founders/", {"q": "测试单位12"})
    choices = list(page.context["form"].fields["units"].queryset)
    assert unit_a in choices  # the founder named stays, so saving does not drop it
    assert {u.name for u in choices} - {unit_a.name} == {
        f"测试单位{n}有限公司"
        for n in ("120", "121", "122", "123", "124", "125", "126", "127", "128", "129")
    }
    everything = client.get("/members/secretariat/founders/")
    assert len(everything.context["form"].fields["units"].queryset) == 51
    assert everything.context["more"] is True
    # A unit found by a search is named with the founders already there.
    found = Unit.objects.get(name="测试单位125有限公司")
    saved = client.post("/members/secretariat/founders/", {"units": [unit_a.pk, found.pk]})
    assert saved.status_code == 302
    assert set(Founder.objects.values_list("unit_id", flat=True)) == {unit_a.pk, found.pk}


def test_publishing_settles_the_publish_by_notices_in_the_secretariats_inbox(
    client_for, new_convention, founders, rep_a, rep_b, secretariat
):
    sign(founders[0], rep_a, new_convention)
    sign(founders[1], rep_b, new_convention)
    first = Reminder.objects.filter(recipient=secretariat).order_by("due_at").first()
    run_due_duties(first.due_at)  # the seven-day reminder reaches the inbox
    unrelated = Notification.objects.create(
        recipient=secretariat, kind="membership", subject="x", body="x", mail_state="not_wanted"
    )
    publish_by = Notification.objects.filter(recipient=secretariat, topic__startswith="convention:")
    assert {n.kind for n in publish_by.filter(read_at=None)} == {"convention", "reminder"}
    inbox = client_for(secretariat).get("/accounts/").content.decode()
    assert publish_by.get(kind="reminder").subject in inbox
    convention_actions.do_publish_convention(new_convention, actor=secretariat)
    assert not publish_by.filter(read_at=None).exists()
    assert Notification.objects.get(pk=unrelated.pk).read_at is None
    assert not Reminder.objects.filter(sent_at=None, key__contains=":publication:").exists()
