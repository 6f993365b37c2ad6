"""/audit/: labels not codes, filters, search and pages in a constant number of queries."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from gongyue.audit.log import record
from gongyue.audit.models import AuditEntry
from gongyue.core import testing

GRANTED = "accounts.role_granted"
IMPORTED = "convention.version_imported"


def rows(response) -> list[int]:
    """The sequence numbers listed on the page, in order."""
    return [entry.seq for entry in response.context["page"]]


def test_the_log_shows_labels_and_the_capacity_not_codes(client_for, secretariat, unit_a):
    record(GRANTED, actor=secretariat, subject=unit_a)
    html = client_for(secretariat).get("/audit/").content.decode()
    assert "授予角色" in html and "执行机构" in html
    assert f">{GRANTED}<" not in html


def test_filters_by_event_type_capacity_unit_and_search(
    client_for, secretariat, rep_a, unit_a, unit_b
):
    by_secretariat = record(GRANTED, actor=secretariat, subject=unit_b)
    by_member = record(IMPORTED, actor=rep_a)  # filed under the actor's unit, A
    by_system = record(GRANTED, actor="system", subject=unit_a)
    client = client_for(secretariat)
    assert rows(client.get("/audit/", {"action": GRANTED})) == [by_system.seq, by_secretariat.seq]
    assert rows(client.get("/audit/", {"actor_kind": "secretariat"})) == [by_secretariat.seq]
    assert rows(client.get("/audit/", {"actor_kind": "unit"})) == [by_member.seq]
    assert rows(client.get("/audit/", {"actor_kind": "system"})) == [by_system.seq]
    assert rows(client.get("/audit/", {"unit": unit_a.pk})) == [by_system.seq, by_member.seq]
    assert rows(client.get("/audit/", {"q": "庐山"})) == [by_secretariat.seq]
    assert rows(client.get("/audit/", {"q": str(unit_a.pk), "action": GRANTED})) == [by_system.seq]


def test_filters_by_local_dates(client_for, secretariat):
    old = record(GRANTED, actor=secretariat)
    new = record(GRANTED, actor=secretariat)
    # 2026-03-01 00:30 in Beijing is still 28 February in UTC: the filter uses local days.
    early = timezone.make_aware(datetime(2026, 3, 1, 0, 30))
    AuditEntry.objects.filter(seq=old.seq).update(at=early - timedelta(days=1))
    AuditEntry.objects.filter(seq=new.seq).update(at=early)
    client = client_for(secretariat)
    assert rows(client.get("/audit/", {"since": "2026-03-01"})) == [new.seq]
    assert rows(client.get("/audit/", {"until": "2026-02-28"})) == [old.seq]
    assert rows(client.get("/audit/", {"since": "2026-02-28", "until": "2026-03-01"})) == [
        new.seq,
        old.seq,
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2026-13-45"},
        {"since": "2026-03-02", "until": "2026-03-01"},
        {"unit": "99999999999999999999"},
        {"action": "no.such"},
        {"actor_kind": "<script>"},
        {"per_page": "100000"},
        {"page": "-3"},
    ],
)
def test_bad_filters_are_shown_as_errors_not_server_errors(client_for, secretariat, query):
    record(GRANTED, actor=secretariat)
    response = client_for(secretariat).get("/audit/", query)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main>")[1]


def test_pages_keep_the_filters(client_for, secretariat):
    for _ in range(30):
        record(GRANTED, actor=secretariat)
    record(IMPORTED, actor=secretariat)
    response = client_for(secretariat).get("/audit/", {"action": GRANTED, "per_page": 25})
    assert len(rows(response)) == 25
    assert f"action={GRANTED}&amp;per_page=25&amp;page=2" in response.content.decode()
    second = client_for(secretariat).get("/audit/", {"action": GRANTED, "per_page": 25, "page": 2})
    assert len(rows(second)) == 5


def test_members_do_not_see_secretariat_only_entries_through_filters(client_for, rep_a):
    record(GRANTED, actor="system", visibility="secretariat")
    assert rows(client_for(rep_a).get("/audit/", {"action": GRANTED})) == []


@pytest.mark.parametrize("per_page", [25, 200])
def test_a_page_costs_the_same_queries_whatever_its_size(
    client_for, secretariat, unit_a, unit_b, rep_a, per_page, django_assert_num_queries
):
    people = [secretariat, rep_a, testing.make_user("auth2", "authority")]
    for n in range(450):
        record(GRANTED, actor=people[n % 3], subject=[unit_a, unit_b, None][n % 3])
    client = client_for(secretariat)
    with django_assert_num_queries(6):
        response = client.get("/audit/", {"per_page": per_page, "page": 2, "q": ""})
    assert len(rows(response)) == per_page


def test_the_api_takes_the_same_filters(client_for, secretariat, rep_a, unit_a, unit_b):
    record(GRANTED, actor=secretariat, subject=unit_a, visibility="public")
    record(GRANTED, actor=secretariat, subject=unit_b, visibility="public")
    record(IMPORTED, actor=rep_a, visibility="public")
    client = client_for(None)
    found = client.get(
        "/api/v1/audit/entries", {"actor_kind": "secretariat", "unit": unit_b.pk}
    ).json()
    assert [(e["action"], e["unit"]) for e in found] == [(GRANTED, unit_b.pk)]
    assert [e["action"] for e in client.get("/api/v1/audit/entries?q=赣江").json()] == [GRANTED]


def test_the_api_refuses_a_bad_filter_in_the_error_format(client, db):
    response = client.get("/api/v1/audit/entries", {"since": "2026-03-02", "until": "2026-03-01"})
    assert response.status_code == 400 and "until" in response.json()["fields"]
    response = client.get("/api/v1/audit/entries", {"actor_kind": "nobody"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    "query",
    [{"unit": "99999999999999999999"}, {"q": "a\x00b"}, {"unit": "-1"}, {"after": "-5"}],
)
def test_hostile_api_filters_answer_4xx_or_nothing(client, db, query):
    response = client.get("/api/v1/audit/entries", query)
    assert response.status_code in (200, 400, 422)
    if response.status_code == 200:
        assert response.json() == []
