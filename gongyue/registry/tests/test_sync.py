"""The incremental sync is exact: after thousands of random changes, a client that replays
``changes?since=`` from any serial holds the full list, and the checksum says so."""

import hashlib
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from gongyue.registry import actions, publishing, service
from gongyue.registry.actions import Item
from gongyue.registry.models import Entry, FeedChange, Status
from gongyue.registry.tests.test_matcher import matcher_of_the_list, state_of

SEED = 20261201
ROUNDS = 25


def full_list(publication) -> set[str]:
    text = publishing.read_feed(publication, "all.txt").decode()
    return {line for line in text.splitlines() if line and not line.startswith("#")}


def checksum(lines) -> str:
    return hashlib.sha256("".join(f"{line}\n" for line in sorted(lines)).encode()).hexdigest()


def test_replaying_changes_from_several_serials_always_gives_the_full_list(
    settings, api, member_token, rep_a, unit_a, secretariat
):
    settings.REGISTRY_RESIGHT_HOURS = 0
    actions.do_trust_unit(unit_a, actor=secretariat)
    rng = random.Random(SEED)
    pool = [f"h{n}.sync-test.com" for n in range(500)] + [
        f"http://sync-test.net/p{n}/" for n in range(200)
    ]
    # Names listed with their subdomains too, and URLs sharing an expression (http, https).
    pool += [f"*.h{n}.sync-test.com" for n in range(100)]
    pool += [f"https://sync-test.net/p{n}/" for n in range(50)]
    clients: dict[str, tuple[int, set[str]]] = {}  # name → (serial, lines)
    changes_applied = 0
    for round_number in range(ROUNDS):
        # Submit a batch: new ones are listed at once (trusted), expired ones relisted.
        batch = rng.sample(pool, rng.randint(60, 200))
        actions.do_submit_entries(
            [Item(value, rng.choice(["phishing", "malware", "fraud"])) for value in batch],
            actor=rep_a,
            unit=unit_a,
        )
        listed = list(Entry.objects.listed())
        # Take some off in each of the three ways.
        for entry in rng.sample(listed, min(len(listed), rng.randint(0, 8))):
            actions.do_delist_entry(entry, actor=secretariat, reason="replay test")
        unreviewed = [e for e in Entry.objects.listed() if e.reviewed_at is None]
        for entry in rng.sample(unreviewed, min(len(unreviewed), rng.randint(0, 5))):
            actions.do_reject_entry(entry, actor=secretariat, reason="replay test")
        still = list(Entry.objects.listed().values_list("pk", flat=True))
        expiring = rng.sample(still, min(len(still), rng.randint(10, 80)))
        Entry.objects.filter(pk__in=expiring).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        actions.do_expire_entries()
        # Pending ones (re-submitted after delisting or rejection) are sometimes approved.
        for entry in Entry.objects.filter(status=Status.PENDING)[: rng.randint(0, 10)]:
            actions.do_approve_entry(entry, actor=secretariat)
        publication = publishing.publish()
        truth = full_list(publication)
        assert checksum(truth) == publication.sha256
        # A web worker brings its link check up to the publication from the same changes.
        worker = service.current()
        assert worker.serial == publication.serial and worker.matcher.count == len(truth)
        assert (worker.applied > 0) == (round_number > 0), "caught up, not loaded again"
        assert state_of(worker.matcher) == state_of(matcher_of_the_list())
        # A new client starts now and then, from the empty list or from this serial.
        if round_number % 5 == 0:
            clients[f"from-zero-{round_number}"] = (0, set())
        if round_number % 4 == 2:
            clients[f"copy-{round_number}"] = (publication.serial, set(truth))
        for name, (serial, lines) in list(clients.items()):
            if rng.random() < 0.4 and round_number != ROUNDS - 1:
                continue  # this client is offline this round and falls behind
            body = api("get", "/changes", token=member_token, data={"since": serial}).json()
            assert body["serial"] == publication.serial
            assert not (set(body["added"]) & lines), name
            assert set(body["removed"]) <= lines, name
            lines = (lines - set(body["removed"])) | set(body["added"])
            changes_applied += len(body["added"]) + len(body["removed"])
            assert lines == truth, (name, round_number)
            assert checksum(lines) == body["sha256"] == publication.sha256
            assert body["count"] == len(truth)
            clients[name] = (body["serial"], lines)
    assert FeedChange.objects.count() > 2000, "the test should apply thousands of changes"
    assert changes_applied > 2000
    assert len(clients) >= 10


def test_a_serial_from_the_future_or_before_the_kept_history_answers_with_the_error_format(
    settings, api, member_token, listed
):
    settings.REGISTRY_KEEP_SERIALS = 2
    for n in range(5):
        listed(f"h{n}.keep-test.com")
    publication = publishing.publish()
    assert publication.serial == 5 and publication.history_from == 3
    assert not FeedChange.objects.filter(serial__lte=3).exists()
    future = api("get", "/changes", token=member_token, data={"since": 6})
    assert future.status_code == 409 and future.json()["code"] == "full_download_needed"
    old = api("get", "/changes", token=member_token, data={"since": 2})
    assert old.status_code == 409 and old.json()["code"] == "full_download_needed"
    fine = api("get", "/changes", token=member_token, data={"since": 3}).json()
    assert fine["added"] == ["h3.keep-test.com", "h4.keep-test.com"]
    assert api("get", "/changes", token=member_token, data={"since": "x"}).status_code == 422
    assert api("get", "/changes", data={"since": 3}).status_code == 401


@pytest.mark.parametrize("since", [-1])
def test_a_negative_serial_is_refused(api, member_token, since):
    response = api("get", "/changes", token=member_token, data={"since": since})
    assert response.status_code == 400
