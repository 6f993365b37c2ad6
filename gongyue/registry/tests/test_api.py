"""The API: submit one or a batch, review, check links, appeal; the error format throughout."""

import pytest

from gongyue.audit.models import AuditEntry
from gongyue.registry import publishing
from gongyue.registry.models import Appeal, Entry, Status


def test_a_member_submits_one_indicator_and_a_bad_one_is_refused_on_its_field(api, member_token):
    response = api(
        "post",
        "/entries",
        token=member_token,
        json={"value": "*.Evil-Bank.com", "category": "phishing", "evidence": "<b>sms</b>"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "created"
    assert body["entry"]["indicator"] == "*.evil-bank.com" and body["entry"]["status"] == "pending"
    for value, kind in [
        ("192.168.1.1", ""),
        ("a" * 63, "sha256"),
        ("com.cn", ""),
        ("not a url", "url"),
    ]:
        bad = api(
            "post",
            "/entries",
            token=member_token,
            json={"value": value, "kind": kind, "category": "malware"},
        )
        assert bad.status_code == 400, value
        assert bad.json()["code"] == "invalid" and "value" in bad.json()["fields"], value
    hostile = api(
        "post", "/entries", token=member_token, json={"value": "x.com\x00", "category": "fraud"}
    )
    assert hostile.status_code == 400
    assert Entry.objects.count() == 1


def test_a_batch_is_all_or_nothing_and_names_every_bad_row(api, member_token):
    items = [
        {"value": "evil-bank.com", "category": "phishing"},
        {"value": "10.1.1.1", "category": "malware"},
        {"value": "http://fraud-shop.com/pay", "category": "fraud"},
        {"value": "evil-bank.com", "category": "phishing"},
        {"value": "45.33.32.0/24", "category": "nonsense"},
    ]
    response = api("post", "/entries/batch", token=member_token, json={"items": items})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_batch"
    # Every bad row at once: the form's checks and the action's.
    assert set(body["fields"]) == {"items.1.value", "items.3.value", "items.4.category"}
    assert body["fields"]["items.3.value"] == ["evil-bank.com 在本批中已出现过。"]
    items[4]["category"] = "malware"
    response = api("post", "/entries/batch", token=member_token, json={"items": items})
    assert set(response.json()["fields"]) == {"items.1.value", "items.3.value"}
    assert not Entry.objects.exists()
    del items[3], items[1]
    response = api("post", "/entries/batch", token=member_token, json={"items": items})
    assert response.status_code == 201
    assert [r["entry"]["indicator"] for r in response.json()["results"]] == [
        "evil-bank.com",
        "http://fraud-shop.com/pay",
        "45.33.32.0/24",
    ]


def test_a_batch_of_1001_is_refused_before_its_rows_are_read(api, member_token):
    items = [{"value": f"h{n}.evil.com", "category": "phishing"} for n in range(1001)]
    response = api("post", "/entries/batch", token=member_token, json={"items": items})
    assert response.status_code == 400 and response.json()["code"] == "too_many"
    assert api("post", "/entries/batch", token=member_token, json={"items": []}).status_code == 400
    assert not Entry.objects.exists()


def test_only_member_units_submit_and_only_the_secretariat_reviews(
    api, client_for, no_unit_user, secretariat_token, member_token
):
    from gongyue.accounts.models import ApiToken

    _t, outsider_token = ApiToken.issue(no_unit_user, "x")
    item = {"value": "evil-bank.com", "category": "phishing"}
    assert api("post", "/entries", json=item).status_code == 401
    assert api("post", "/entries", token=outsider_token, json=item).status_code == 403
    assert api("post", "/entries", token=secretariat_token, json=item).status_code == 403
    entry_id = api("post", "/entries", token=member_token, json=item).json()["entry"]["id"]
    review = {"decision": "approve"}
    assert (
        api("post", f"/entries/{entry_id}/review", token=member_token, json=review).status_code
        == 403
    )
    assert (
        api("post", f"/entries/{entry_id}/review", token=outsider_token, json=review).status_code
        == 404
    )
    assert api("get", f"/entries/{entry_id}").status_code == 404  # never listed: not public
    assert api("get", "/review", token=member_token).status_code == 403
    queue = api("get", "/review", token=secretariat_token).json()
    assert [e["id"] for e in queue] == [entry_id]
    reject = api(
        "post", f"/entries/{entry_id}/review", token=secretariat_token, json={"decision": "reject"}
    )
    assert reject.status_code == 400 and "note" in reject.json()["fields"]
    response = api("post", f"/entries/{entry_id}/review", token=secretariat_token, json=review)
    assert response.status_code == 200 and response.json()["status"] == "listed"
    again = api("post", f"/entries/{entry_id}/review", token=secretariat_token, json=review)
    assert again.status_code == 409
    assert api("get", f"/entries/{entry_id}").json()["status"] == "listed"  # public now


def test_the_warning_list_override_is_the_heads_through_the_api(
    api, member_token, secretariat_head
):
    from gongyue.accounts.models import ApiToken

    _t, head_token = ApiToken.issue(secretariat_head, "x")
    entry_id = api(
        "post", "/entries", token=member_token, json={"value": "www.gov.cn", "category": "other"}
    ).json()["entry"]["id"]
    refused = api(
        "post", f"/entries/{entry_id}/review", token=head_token, json={"decision": "approve"}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "warning_list"
    done = api(
        "post",
        f"/entries/{entry_id}/review",
        token=head_token,
        json={"decision": "approve", "override": True},
    )
    assert done.status_code == 200 and done.json()["status"] == "listed"


def test_link_check_matches_the_safe_browsing_way_against_the_newest_publication(
    api, member_token, listed
):
    listed("*.evil-bank.com")
    listed("phish.example.org")
    listed("http://fraud-shop.com/pay/")
    listed("45.33.32.0/24", "malware")
    listed("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "malware")
    publication = publishing.publish()
    items = [
        "https://a.b.c.d.evil-bank.com/login?x=1",
        "EVIL-BANK.com",
        "www.phish.example.org",
        "phish.example.org/anything",
        "http://www.fraud-shop.com/pay/step/2.php?q=1",
        "http://fraud-shop.com/other",
        "http://0x2d.33.32.7/",
        "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
        "http://[zz]/",
    ]
    response = api("post", "/check", token=member_token, json={"items": items})
    assert response.status_code == 200
    body = response.json()
    assert body["serial"] == publication.serial
    got = [(r["listed"], r["match"]["indicator"] if r["match"] else None) for r in body["results"]]
    assert got == [
        (True, "*.evil-bank.com"),
        (True, "*.evil-bank.com"),
        (False, None),
        (True, "phish.example.org"),
        (True, "http://fraud-shop.com/pay/"),
        (False, None),
        (True, "45.33.32.0/24"),
        (True, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        (False, None),
    ]
    first = body["results"][0]
    assert first["canonical"] == "https://a.b.c.d.evil-bank.com/login?x=1"
    assert first["match"]["category"] == "phishing" and first["match"]["entry"]
    assert body["results"][-1]["error"]
    too_many = api("post", "/check", token=member_token, json={"items": ["x.com"] * 1001})
    assert too_many.status_code == 400 and too_many.json()["code"] == "too_many"
    assert api("post", "/check", json={"items": ["x.com"]}).status_code == 401


def test_a_link_check_reads_the_entries_that_matched_in_one_query(
    listed, django_assert_num_queries
):
    """The worker's matcher answers with lines; the entries they name come from the database,
    all in one query, and none is read when nothing matched."""
    from gongyue.registry import service

    entries = [listed(f"evil{n}.com", ("phishing", "fraud")[n % 2]) for n in range(30)]
    publishing.publish()
    service.current()
    values = [f"http://evil{n}.com/x" for n in range(30)] + ["fine.example", "evil3.com"]
    with django_assert_num_queries(2):  # the newest serial, then the entries
        _serial, results = service.check(values)
    expected = [
        {"indicator": e.indicator, "entry": e.pk, "category": e.category, "listed_at": e.listed_at}
        for e in [*entries, None, entries[3]]
        if e is not None
    ]
    assert [r["match"] for r in results if r["listed"]] == expected
    assert results[30] == {
        "input": "fine.example", "canonical": "http://fine.example/", "listed": False,
        "match": None,
    }  # fmt: skip
    with django_assert_num_queries(1):  # nothing matched: no entry is read
        service.check(["fine.example"] * 100)


def test_a_delisting_reaches_the_check_at_the_next_publication(
    api, member_token, listed, secretariat
):
    from gongyue.registry import actions

    entry = listed("evil-bank.com")
    publishing.publish()
    assert api("post", "/check", token=member_token, json={"items": ["evil-bank.com"]}).json()[
        "results"
    ][0]["listed"]
    actions.do_delist_entry(entry, actor=secretariat, reason="cleaned up")
    publishing.publish()
    assert not api("post", "/check", token=member_token, json={"items": ["evil-bank.com"]}).json()[
        "results"
    ][0]["listed"]


@pytest.fixture
def entry(listed):
    return listed("evil-bank.com")


def test_a_site_owner_without_an_account_appeals_with_a_receipt_code(
    api, entry, secretariat, client
):
    response = api(
        "post",
        f"/entries/{entry.pk}/appeal",
        json={
            "name": "<b>Owner</b>",
            "contact": "owner@evil-bank.com",
            "grounds": "we were hacked, it is cleaned",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    code = body["receipt_code"]
    # At least 16 random characters, as for public criticism (the dashes only group them).
    assert len(code.replace("-", "")) >= 16
    appeal = Appeal.objects.get()
    assert (
        code
        and code not in appeal.receipt_digest
        and appeal.receipt_digest.startswith(("pbkdf2", "md5", "argon2"))
    )
    assert (
        AuditEntry.objects.filter(action="registry.appeal_filed", actor_label="public").count() == 1
    )
    again = api(
        "post", f"/entries/{entry.pk}/appeal", json={"name": "x", "contact": "y", "grounds": "z"}
    )
    assert again.status_code == 409 and again.json()["code"] == "appeal_open"
    status = client.post("/registry/appeals/status/", {"appeal": appeal.pk, "code": code.lower()})
    assert status.status_code == 200 and "evil-bank.com" in status.content.decode()
    assert (
        client.post(
            "/registry/appeals/status/", {"appeal": appeal.pk, "code": "WRONG-CODE"}
        ).status_code
        == 404
    )


def test_the_lister_cannot_decide_the_appeal_and_another_reviewer_delists(
    api, entry, secretariat, secretariat_token, secretariat_head
):
    from gongyue.accounts.models import ApiToken

    appeal_id = api(
        "post", f"/entries/{entry.pk}/appeal", json={"name": "o", "contact": "c", "grounds": "g"}
    ).json()["id"]
    decision = {"decision": "uphold", "reason": "cleaned"}
    same = api("post", f"/appeals/{appeal_id}/decide", token=secretariat_token, json=decision)
    assert same.status_code == 403 and same.json()["code"] == "same_reviewer"
    _t, head_token = ApiToken.issue(secretariat_head, "x")
    assert [a["id"] for a in api("get", "/appeals", token=head_token).json()] == [appeal_id]
    done = api("post", f"/appeals/{appeal_id}/decide", token=head_token, json=decision)
    assert done.status_code == 200 and done.json()["status"] == "upheld"
    entry.refresh_from_db()
    assert entry.status == Status.DELISTED
    assert list(entry.events.values_list("kind", flat=True)) == ["listed", "appealed", "delisted"]
    assert (
        api("post", f"/appeals/{appeal_id}/decide", token=head_token, json=decision).status_code
        == 409
    )


def test_an_appeal_for_an_entry_not_listed_is_refused(api, submit, member_token):
    pending = submit("evil-bank.com")
    response = api(
        "post",
        f"/entries/{pending.pk}/appeal",
        token=member_token,
        json={"name": "a", "contact": "b", "grounds": "c"},
    )
    assert response.status_code == 409 and response.json()["code"] == "not_listed"
    assert not Appeal.objects.exists()


def test_a_member_unit_appeals_for_itself(api, entry, rep_b, unit_b):
    from gongyue.accounts.models import ApiToken

    _t, token = ApiToken.issue(rep_b, "x")
    response = api(
        "post",
        f"/entries/{entry.pk}/appeal",
        token=token,
        json={"name": "庐山", "contact": "c", "grounds": "our CDN"},
    )
    assert response.status_code == 201 and response.json()["receipt_code"] is None
    assert Appeal.objects.get().unit == unit_b


def test_trusting_a_unit_is_the_secretariats(api, secretariat_token, member_token, unit_a):
    assert api("put", f"/trusted/{unit_a.pk}", token=member_token).status_code == 403
    assert api("put", f"/trusted/{unit_a.pk}", token=secretariat_token).json() == {
        "unit": unit_a.pk,
        "trusted": True,
    }
    assert api("put", f"/trusted/{unit_a.pk}", token=secretariat_token).status_code == 409
    response = api(
        "post",
        "/entries",
        token=member_token,
        json={"value": "evil-bank.com", "category": "phishing"},
    )
    assert response.json()["entry"]["status"] == "listed"
    assert api("delete", f"/trusted/{unit_a.pk}", token=secretariat_token).status_code == 200


def test_a_batch_names_an_expiry_out_of_range_by_the_field_it_sent(api, member_token):
    items = [{"value": "evil-bank.com", "category": "phishing", "expires_on": "2099-01-01"}]
    response = api("post", "/entries/batch", token=member_token, json={"items": items})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"items.0.expires_on"}
    assert not Entry.objects.exists()
