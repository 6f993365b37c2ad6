"""Reviewing many entries at once (a unit's batch, say): the same decision for each, all or
none, one serial, an audit row an entry, one notice a unit; on the queue page and the API."""

from django.core import mail

from gongyue.audit.models import AuditEntry
from gongyue.core.models import Notification
from gongyue.core.tasks import run_queued_tasks
from gongyue.registry.models import Entry, FeedChange, RegistryHead, Status

QUEUE = "/registry/review/"
MANY = "/registry/review/many/"


def audits(action):
    return AuditEntry.objects.filter(action=action).count()


def statuses():
    return dict(Entry.objects.values_list("indicator", "status"))


def test_the_secretariat_approves_the_ticked_entries_in_one_step(
    client_for, submit, secretariat, rep_a, rep_b, unit_b
):
    a1, a2 = submit("evil-bank.com"), submit("http://fraud-shop.com/pay")
    b1 = submit("45.33.32.0/24", "malware", actor=rep_b, unit=unit_b)
    left = submit("not-chosen.com")
    client = client_for(secretariat)
    page = client.get(QUEUE).content.decode()
    assert 'data-testid="review-many"' in page and f'data-testid="choose-{a1.pk}"' in page
    response = client.post(
        MANY, {"entries": [a1.pk, a2.pk, b1.pk], "decision": "approve", "note": "seen"}, follow=True
    )
    assert response.redirect_chain == [(QUEUE, 302)]
    assert "已批准 3 个条目。" in response.content.decode()
    assert statuses() == {
        "evil-bank.com": Status.LISTED,
        "http://fraud-shop.com/pay": Status.LISTED,
        "45.33.32.0/24": Status.LISTED,
        "not-chosen.com": Status.PENDING,
    }
    # One serial for the lot, an audit row an entry with it.
    changes = FeedChange.objects.filter(entry__in=[a1, a2, b1])
    assert changes.count() == 3 and changes.values("serial").distinct().count() == 1
    serial = changes.first().serial
    assert RegistryHead.objects.get().serial == serial
    rows = AuditEntry.objects.filter(action="registry.entry_approved")
    assert sorted(r.new["indicator"] for r in rows) == sorted(
        [a1.indicator, a2.indicator, b1.indicator]
    )
    assert {r.new["serial"] for r in rows} == {serial} and {r.new["note"] for r in rows} == {"seen"}
    # One notice a unit: unit A's names both of its entries, unit B's is the single entry's.
    (for_a,) = Notification.objects.filter(recipient=rep_a)
    assert "2" in for_a.subject and "evil-bank.com" in for_a.body and "fraud-shop.com" in for_a.body
    (for_b,) = Notification.objects.filter(recipient=rep_b)
    assert "45.33.32.0/24" in for_b.subject
    run_queued_tasks()
    assert rep_a.email in {m.to[0] for m in mail.outbox}
    assert left.pk and Entry.objects.get(pk=left.pk).status == Status.PENDING


def test_one_entry_that_cannot_take_the_decision_refuses_them_all_and_is_named(
    client_for, submit, listed, secretariat, rep_a
):
    fresh = submit("evil-bank.com")
    warned = submit("www.gov.cn")
    done = listed("already-listed.com")
    client = client_for(secretariat)
    before = statuses()
    for chosen, named in (
        ([fresh.pk, warned.pk], "www.gov.cn"),
        ([fresh.pk, done.pk], "already-listed.com"),
    ):
        response = client.post(MANY, {"entries": chosen, "decision": "approve"}, follow=True)
        html = response.content.decode()
        assert '<li class="error">' in html and named in html
    # Rejecting needs the reason; an empty choice and an unknown number change nothing either.
    response = client.post(
        MANY, {"entries": [fresh.pk], "decision": "reject", "note": " "}, follow=True
    )
    assert '<li class="error">' in response.content.decode()
    response = client.post(MANY, {"decision": "approve"}, follow=True)
    assert "请至少选择一个条目。" in response.content.decode()
    assert (
        client.post(MANY, {"entries": [fresh.pk, 999999], "decision": "approve"}).status_code == 404
    )
    assert client.post(MANY, {"entries": ["x"], "decision": "approve"}).status_code == 302
    assert statuses() == before
    assert audits("registry.entry_approved") == 1 and audits("registry.entry_rejected") == 0
    assert not Notification.objects.filter(recipient=rep_a, subject__contains="evil-bank").exists()
    # Rejected with the reason, both at once.
    client.post(
        MANY, {"entries": [fresh.pk, warned.pk], "decision": "reject", "note": "not harmful"}
    )
    assert statuses()["evil-bank.com"] == statuses()["www.gov.cn"] == Status.REJECTED
    assert audits("registry.entry_rejected") == 2


def test_only_the_secretariat_reviews_many(client_for, submit, rep_a):
    entry = submit("evil-bank.com")
    assert (
        client_for(rep_a).post(MANY, {"entries": [entry.pk], "decision": "approve"}).status_code
        == 403
    )
    assert (
        client_for(None).post(MANY, {"entries": [entry.pk], "decision": "approve"}).status_code
        == 302
    )
    assert Entry.objects.get().status == Status.PENDING


def test_the_api_reviews_many_alike(api, submit, secretariat_token, member_token):
    one, two, warned = submit("evil-bank.com"), submit("fraud-shop.com"), submit("www.gov.cn")
    body = {"entries": [one.pk, two.pk], "decision": "approve"}
    assert api("post", "/review", token=member_token, json=body).status_code == 403
    refused = api(
        "post", "/review", token=secretariat_token, json={**body, "entries": [one.pk, warned.pk]}
    )
    assert refused.status_code == 409 and "www.gov.cn" in refused.json()["message"]
    too_many = api(
        "post", "/review", token=secretariat_token, json={**body, "entries": list(range(1, 1002))}
    )
    assert too_many.status_code == 400 and "entries" in too_many.json()["fields"]
    empty = api("post", "/review", token=secretariat_token, json={**body, "entries": []})
    assert empty.status_code == 400
    reject = api("post", "/review", token=secretariat_token, json={**body, "decision": "reject"})
    assert reject.status_code == 400 and "note" in reject.json()["fields"]
    assert statuses() == {
        "evil-bank.com": "pending",
        "fraud-shop.com": "pending",
        "www.gov.cn": "pending",
    }
    done = api("post", "/review", token=secretariat_token, json=body)
    assert done.status_code == 200, done.content
    assert [r["status"] for r in done.json()["results"]] == ["listed", "listed"]
    assert statuses()["evil-bank.com"] == statuses()["fraud-shop.com"] == "listed"


def test_the_queue_shows_one_units_batch_to_tick_and_comes_back_to_it(
    client_for, submit, secretariat, rep_b, unit_a, unit_b
):
    a = submit("evil-bank.com")
    b1 = submit("45.33.32.0/24", "malware", actor=rep_b, unit=unit_b)
    b2 = submit("fraud-shop.com", "fraud", actor=rep_b, unit=unit_b)
    client = client_for(secretariat)
    html = client.get(QUEUE, {"unit": unit_b.pk}).content.decode()
    assert f'data-testid="choose-{b1.pk}"' in html and f'data-testid="choose-{b2.pk}"' in html
    assert f'data-testid="choose-{a.pk}"' not in html
    assert f'<option value="{unit_a.pk}">' in html  # both units with entries to review
    html = client.get(QUEUE, {"unit": unit_b.pk, "category": "fraud"}).content.decode()
    assert f'data-testid="choose-{b2.pk}"' in html and f'data-testid="choose-{b1.pk}"' not in html
    # A unit that is not in the filter's choices is a bad filter: the whole queue, no error.
    assert client.get(QUEUE, {"unit": "nonsense"}).status_code == 200
    response = client.post(
        MANY,
        {"entries": [b1.pk, b2.pk], "decision": "approve", "query": f"unit={unit_b.pk}&x=//evil"},
    )
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?unit={unit_b.pk}"
    assert statuses()["evil-bank.com"] == Status.PENDING
    assert statuses()["45.33.32.0/24"] == statuses()["fraud-shop.com"] == Status.LISTED


def test_a_member_searches_only_what_its_unit_submitted_or_sighted(
    client_for, submit, rep_a, rep_b, unit_b, secretariat
):
    from gongyue.registry.actions import do_approve_entry

    submit("evil-bank.com")
    do_approve_entry(submit("fraud-shop.com", actor=rep_b, unit=unit_b), actor=secretariat)
    client = client_for(rep_a)
    everything = client.get("/registry/").content.decode()
    assert "evil-bank.com" in everything and "fraud-shop.com" in everything
    only = client.get("/registry/", {"mine": "on"}).content.decode()
    assert "evil-bank.com" in only and "fraud-shop.com" not in only
    submit("fraud-shop.com")  # unit A sights B's entry: it is its too now
    assert "fraud-shop.com" in client.get("/registry/", {"mine": "on"}).content.decode()
    # Without a unit the box is not offered, and the filter is ignored.
    assert 'name="mine"' not in client_for(None).get("/registry/").content.decode()
    assert "fraud-shop.com" in client_for(None).get("/registry/", {"mine": "on"}).content.decode()


def test_the_access_helper_refuses_anyone_but_the_secretariat_and_unknown_numbers(
    submit, rep_a, secretariat
):
    import pytest
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from gongyue.registry.access import get_entries_to_review

    entry = submit("evil-bank.com")
    with pytest.raises(PermissionDenied):
        get_entries_to_review(rep_a, [entry.pk])
    with pytest.raises(Http404):
        get_entries_to_review(secretariat, [entry.pk, entry.pk + 1000])
    assert get_entries_to_review(secretariat, [entry.pk]) == [entry]
