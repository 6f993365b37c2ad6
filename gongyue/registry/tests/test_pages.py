"""The pages: search, entry with its public history, submission, review, appeals, check, feeds."""

from gongyue.audit.models import AuditEntry
from gongyue.organisations.tests.conftest import PNG_BYTES as PNG
from gongyue.registry import publishing
from gongyue.registry.models import Appeal, Entry, EvidenceFile, Status


def test_the_search_page_shows_listed_entries_and_not_pending_ones(
    client_for, listed, submit, django_assert_num_queries
):
    listed("evil-bank.com")
    submit("pending-one.com")
    client = client_for(None)
    with django_assert_num_queries(2):  # anonymous: the count and the page, nothing per row
        response = client.get("/registry/", {"q": "evil"})
    html = response.content.decode()
    assert response.status_code == 200 and "evil-bank.com" in html
    assert "pending-one.com" not in client.get("/registry/").content.decode()
    assert client.get("/registry/", {"category": "nonsense"}).status_code == 200


def test_the_entry_page_shows_the_history_without_the_submitter(client_for, listed, unit_a):
    entry = listed("evil-bank.com", evidence="seen by 赣江")
    html = client_for(None).get(f"/registry/entries/{entry.pk}/").content.decode()
    assert "evil-bank.com" in html and 'data-testid="history"' in html
    assert unit_a.name not in html and "seen by" not in html
    assert 'data-testid="appeal-form"' in html


def test_a_member_submits_with_a_screenshot_through_the_page(client_for, rep_a):
    client = client_for(rep_a)
    assert client.get("/registry/submit/").status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/registry/submit/",
        {
            "value": "http://Evil-Bank.com/login",
            "category": "phishing",
            "evidence": "<script>alert(1)</script>",
            "screenshot": SimpleUploadedFile("shot.png", PNG, content_type="image/png"),
        },
    )
    entry = Entry.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/registry/entries/{entry.pk}/"
    assert EvidenceFile.objects.get().kind == "png"
    assert AuditEntry.objects.filter(action="registry.evidence_added").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in page


def test_a_bad_submission_answers_400_with_the_message_and_changes_nothing(client_for, rep_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(rep_a)
    response = client.post("/registry/submit/", {"value": "10.0.0.1", "category": "malware"})
    assert response.status_code == 400 and 'data-testid="error-value"' in response.content.decode()
    fake = SimpleUploadedFile("shot.png", b"<html>not an image</html>", content_type="image/png")
    response = client.post(
        "/registry/submit/", {"value": "evil.com", "category": "malware", "screenshot": fake}
    )
    assert response.status_code == 400
    assert not Entry.objects.exists()


def test_outsiders_and_the_secretariat_cannot_submit(client_for, no_unit_user, secretariat):
    assert client_for(None).get("/registry/submit/").status_code == 302
    assert client_for(no_unit_user).get("/registry/submit/").status_code == 403
    assert client_for(secretariat).get("/registry/submit/").status_code == 403


def test_the_secretariat_reviews_from_the_queue(client_for, submit, secretariat, rep_a):
    entry = submit("evil-bank.com")
    client = client_for(secretariat)
    assert "evil-bank.com" in client.get("/registry/review/").content.decode()
    response = client.post(f"/registry/entries/{entry.pk}/review/", {"decision": "approve"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.LISTED
    assert (
        client_for(rep_a)
        .post(f"/registry/entries/{entry.pk}/review/", {"decision": "approve"})
        .status_code
        == 403
    )
    assert (
        client_for(None)
        .post(f"/registry/entries/{entry.pk}/review/", {"decision": "approve"})
        .status_code
        == 302
    )


def test_an_owner_appeals_on_the_entry_page_and_gets_a_receipt_code(client_for, listed):
    entry = listed("evil-bank.com")
    client = client_for(None)
    response = client.post(
        f"/registry/entries/{entry.pk}/appeal/",
        {"name": "<i>owner</i>", "contact": "o@evil-bank.com", "grounds": "cleaned"},
    )
    assert response.status_code == 201
    assert 'data-testid="receipt-code"' in response.content.decode()
    assert Appeal.objects.get().name == "<i>owner</i>"
    empty = client.post(
        f"/registry/entries/{entry.pk}/appeal/", {"name": "", "contact": "", "grounds": ""}
    )
    assert empty.status_code == 400


def test_the_appeals_page_lets_another_reviewer_decide(
    client_for, listed, secretariat, secretariat_head
):
    entry = listed("evil-bank.com")
    client_for(None).post(
        f"/registry/entries/{entry.pk}/appeal/", {"name": "o", "contact": "c", "grounds": "g"}
    )
    appeal = Appeal.objects.get()
    lister = client_for(secretariat)
    assert "decide-" not in lister.get("/registry/appeals/").content.decode()
    lister.post(f"/registry/appeals/{appeal.pk}/decide/", {"decision": "uphold", "reason": "x"})
    appeal.refresh_from_db()
    assert appeal.status == "open"
    head = client_for(secretariat_head)
    head.post(f"/registry/appeals/{appeal.pk}/decide/", {"decision": "uphold", "reason": "cleaned"})
    entry.refresh_from_db()
    assert entry.status == Status.DELISTED


def test_the_secretariat_delists_an_entry_on_its_page_with_the_reason(
    client_for, listed, secretariat, rep_a
):
    entry = listed("evil-bank.com")
    url = f"/registry/entries/{entry.pk}/delist/"
    # A member sees no form and is refused; an empty reason changes nothing.
    assert (
        'data-testid="delist-form"' not in client_for(rep_a).get(entry_url(entry)).content.decode()
    )
    assert client_for(rep_a).post(url, {"reason": "mine"}).status_code == 403
    staff = client_for(secretariat)
    assert 'data-testid="delist-form"' in staff.get(entry_url(entry)).content.decode()
    response = staff.post(url, {"reason": "  "})
    assert response.status_code == 302
    assert '<li class="error">' in staff.get(response["Location"]).content.decode()
    entry.refresh_from_db()
    assert entry.status == Status.LISTED
    assert not AuditEntry.objects.filter(action="registry.entry_delisted").exists()
    response = staff.post(url, {"reason": "the site was cleaned <b>up</b>"})
    assert response.status_code == 302 and response["Location"] == entry_url(entry)
    entry.refresh_from_db()
    assert entry.status == Status.DELISTED
    assert entry.events.get(kind="delisted").note == "the site was cleaned <b>up</b>"
    audit = AuditEntry.objects.get(action="registry.entry_delisted")
    assert audit.new["reason"] == "the site was cleaned <b>up</b>"
    page = client_for(None).get(entry_url(entry)).content.decode()
    assert "the site was cleaned &lt;b&gt;up&lt;/b&gt;" in page
    assert (
        'data-testid="delist-form"'
        not in client_for(secretariat).get(entry_url(entry)).content.decode()
    )
    # Delisting again is refused with the reason, and records nothing more.
    assert client_for(secretariat).post(url, {"reason": "again"}).status_code == 302
    assert AuditEntry.objects.filter(action="registry.entry_delisted").count() == 1


def entry_url(entry):
    return f"/registry/entries/{entry.pk}/"


def test_the_check_page_and_the_feed_directory(client_for, listed, rep_a):
    listed("evil-bank.com")
    publishing.publish()
    client = client_for(rep_a)
    html = client.post(
        "/registry/check/", {"values": "http://www.evil-bank.com/x\nfine.com"}
    ).content.decode()
    assert "evil-bank.com" in html
    assert client.post("/registry/check/", {"values": ""}).status_code == 400
    directory = client_for(None).get("/registry/feeds/").content.decode()
    assert "all.rpz" in directory and "phishing.hosts" in directory


def test_the_review_queue_takes_the_same_queries_for_one_entry_or_many(
    client_for, secretariat, rep_a, unit_a, django_assert_num_queries
):
    from gongyue.registry.actions import Item, do_submit_entries

    client = client_for(secretariat)
    do_submit_entries([Item("one.evil-bank.com", "phishing")], actor=rep_a, unit=unit_a)
    client.get("/registry/review/")
    # session, user, grants, the units with entries to review (the filter), count, page
    with django_assert_num_queries(6) as one:
        client.get("/registry/review/")
    items = [Item(f"h{n}.evil-bank.com", "phishing") for n in range(30)]
    do_submit_entries(items, actor=rep_a, unit=unit_a)
    with django_assert_num_queries(len(one)):
        response = client.get("/registry/review/")
    assert response.content.decode().count("data-indicator=") == 31


def test_the_secretariat_is_not_offered_the_appeal_form(client_for, listed, secretariat, rep_b):
    entry = listed("evil-bank.com")
    assert 'data-testid="appeal-form"' not in (
        client_for(secretariat).get(entry_url(entry)).content.decode()
    )
    assert 'data-testid="appeal-form"' in client_for(rep_b).get(entry_url(entry)).content.decode()


def test_the_page_links_keep_the_filters(client_for, listed, monkeypatch):
    from gongyue.registry import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    listed("evil-bank.com")
    listed("evil-shop.com")
    listed("fraud-bank.com", "fraud")
    html = (
        client_for(None).get("/registry/", {"q": "evil", "category": "phishing"}).content.decode()
    )
    assert 'data-testid="pages"' in html
    assert 'href="?q=evil&amp;category=phishing&amp;page=2"' in html
    second = client_for(None).get("/registry/", {"q": "evil", "category": "phishing", "page": 2})
    assert (
        "evil-bank.com" in second.content.decode()
        and "fraud-bank.com" not in second.content.decode()
    )
