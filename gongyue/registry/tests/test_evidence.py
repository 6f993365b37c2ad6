"""Screenshots: handed in through the page or the API, kept as checked images with their
SHA-256, served only to the unit that handed them in and to the secretariat."""

import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.audit.models import AuditEntry
from gongyue.organisations.tests.conftest import PNG_BYTES as PNG
from gongyue.registry.models import EvidenceFile


def upload(client, entry, data, name="shot.png", *, page=False):
    """Through the API, or (page=True) through the entry page's form."""
    url = (
        f"/registry/entries/{entry.pk}/evidence/"
        if page
        else (f"/api/v1/registry/entries/{entry.pk}/evidence")
    )
    return client.post(
        url, {"screenshot": SimpleUploadedFile(name, data, content_type="image/png")}
    )


def test_a_member_hands_in_a_screenshot_through_the_api(client_for, submit, rep_a):
    entry = submit("http://evil-bank.com/login")
    client = client_for(rep_a)
    response = upload(client, entry, PNG, name="../../etc/passwd.html")
    assert response.status_code == 201, response.content
    body = response.json()
    row = EvidenceFile.objects.get()
    assert body["sha256"] == row.sha256 == hashlib.sha256(PNG).hexdigest()
    assert body["kind"] == row.kind == "png" and body["size"] == len(PNG)
    assert row.file.name.startswith("private/") and "passwd" not in row.file.name
    assert row.sighting.unit_id == rep_a.unit_id
    audit = AuditEntry.objects.get(action="registry.evidence_added")
    assert audit.new["sha256"] == row.sha256
    served = client.get(body["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == PNG
    assert [
        e["id"] for e in client.get(f"/api/v1/registry/entries/{entry.pk}/evidence").json()
    ] == [row.pk]


def test_only_images_are_taken_and_nothing_is_kept_otherwise(client_for, submit, rep_a):
    entry = submit("evil-bank.com")
    client = client_for(rep_a)
    for data in (b"<html><script>alert(1)</script></html>", b"%PDF-1.4\n%%EOF\n", b""):
        response = upload(client, entry, data)
        assert response.status_code == 400, data
        assert response.json()["fields"].get("screenshot"), response.json()
    response = client.post(f"/api/v1/registry/entries/{entry.pk}/evidence", {})
    assert response.status_code == 400
    assert not EvidenceFile.objects.exists()
    assert not AuditEntry.objects.filter(action="registry.evidence_added").exists()


def test_another_unit_cannot_add_to_or_see_the_evidence(
    client_for, submit, rep_a, rep_b, unit_b, secretariat
):
    entry = submit("evil-bank.com")
    upload(client_for(rep_a), entry, PNG)
    row = EvidenceFile.objects.get()
    other = client_for(rep_b)
    # The entry is not listed yet: another unit does not see it at all.
    assert upload(other, entry, PNG).status_code == 404
    assert other.get(f"/api/v1/registry/evidence/{row.pk}").status_code == 404
    assert other.get(f"/registry/evidence/{row.pk}/").status_code == 404
    assert client_for(None).get(f"/api/v1/registry/evidence/{row.pk}").status_code == 401
    staff = client_for(secretariat)
    assert staff.get(f"/api/v1/registry/evidence/{row.pk}").status_code == 200
    assert staff.get(f"/registry/evidence/{row.pk}/").status_code == 200
    assert EvidenceFile.objects.count() == 1


def test_the_public_entry_page_never_links_the_evidence(
    client_for, listed, rep_a, rep_b, unit_b, secretariat
):
    entry = listed("evil-bank.com")
    upload(client_for(rep_a), entry, PNG)
    row = EvidenceFile.objects.get()
    link = f"/registry/evidence/{row.pk}/"
    for person in (None, rep_b):
        page = client_for(person).get(f"/registry/entries/{entry.pk}/")
        assert page.status_code == 200 and link not in page.content.decode()
    # A listed entry is public, but another unit still cannot add to it nor read its evidence.
    assert upload(client_for(rep_b), entry, PNG).status_code == 403
    assert client_for(rep_b).get(f"/api/v1/registry/entries/{entry.pk}/evidence").json() == []
    assert link in client_for(rep_a).get(f"/registry/entries/{entry.pk}/").content.decode()
    assert link in client_for(secretariat).get(f"/registry/entries/{entry.pk}/").content.decode()
    assert client_for(rep_a).get(link).status_code == 200


def test_a_member_hands_in_a_screenshot_on_the_entry_page(client_for, submit, rep_a):
    entry = submit("http://evil-bank.com/login")
    client = client_for(rep_a)
    page = client.get(f"/registry/entries/{entry.pk}/").content.decode()
    assert 'data-testid="evidence-form"' in page and 'enctype="multipart/form-data"' in page
    response = upload(client, entry, PNG, page=True)
    assert response.status_code == 302 and response["Location"] == f"/registry/entries/{entry.pk}/"
    row = EvidenceFile.objects.get()
    assert row.sha256 == hashlib.sha256(PNG).hexdigest() and row.sighting.unit_id == rep_a.unit_id
    assert AuditEntry.objects.get(action="registry.evidence_added").new["sha256"] == row.sha256
    page = client.get(response["Location"]).content.decode()
    assert f"/registry/evidence/{row.pk}/" in page and row.sha256[:12] in page
    # Not an image: the reason in a message, nothing kept.
    response = upload(client, entry, b"<html><script>alert(1)</script></html>", page=True)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert '<li class="error">' in page
    assert EvidenceFile.objects.count() == 1
    assert AuditEntry.objects.filter(action="registry.evidence_added").count() == 1


def test_a_unit_that_saw_the_entry_again_adds_to_its_own_sighting_and_others_cannot(
    client_for, listed, submit, rep_a, rep_b, unit_b, secretariat
):
    entry = listed("evil-bank.com")
    # Another unit that never saw it: no form on the page, and a post is refused.
    page = client_for(rep_b).get(f"/registry/entries/{entry.pk}/").content.decode()
    assert 'data-testid="evidence-form"' not in page
    assert upload(client_for(rep_b), entry, PNG, page=True).status_code == 403
    assert client_for(None).post(f"/registry/entries/{entry.pk}/evidence/").status_code == 302
    assert not EvidenceFile.objects.exists()
    # Once it saw the entry too, its screenshot goes to its own sighting, not to unit A's.
    submit("evil-bank.com", actor=rep_b, unit=unit_b)
    page = client_for(rep_b).get(f"/registry/entries/{entry.pk}/").content.decode()
    assert 'data-testid="evidence-form"' in page and unit_b.name in page
    assert upload(client_for(rep_b), entry, PNG, page=True).status_code == 302
    row = EvidenceFile.objects.get()
    assert row.sighting.unit_id == unit_b.pk and row.sighting.entry_id == entry.pk
    # Unit A's page shows A's sighting only, without B's screenshot.
    page = client_for(rep_a).get(f"/registry/entries/{entry.pk}/").content.decode()
    assert f"/registry/evidence/{row.pk}/" not in page and unit_b.name not in page


def test_another_unit_that_saw_a_listed_entry_adds_its_sighting_from_the_page(
    client_for, listed, rep_a, rep_b, unit_b, no_unit_user, secretariat
):
    entry = listed("evil-bank.com")
    expires = entry.expires_at
    url = f"/registry/entries/{entry.pk}/sight/"
    client = client_for(rep_b)
    assert (
        'data-testid="sight-form"' in client.get(f"/registry/entries/{entry.pk}/").content.decode()
    )
    response = client.post(
        url,
        {
            "evidence": "在我们的邮件网关中看到",
            "screenshot": SimpleUploadedFile("s.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    sighting = entry.sightings.get(unit=unit_b)
    assert sighting.evidence == "在我们的邮件网关中看到"
    assert EvidenceFile.objects.get().sighting == sighting
    entry.refresh_from_db()
    assert entry.status == "listed" and entry.expires_at >= expires
    audit = AuditEntry.objects.filter(action="registry.entries_submitted").latest("pk")
    assert audit.new["sighted"] == 1 and audit.actor_id == rep_b.pk
    # Again within the day: refused with the reason, nothing added.
    response = client.post(url, {"evidence": "again"}, follow=True)
    assert '<li class="error">' in response.content.decode()
    assert entry.sightings.filter(unit=unit_b).count() == 1
    # Not a member unit's person: no form, and a post is refused.
    for person in (no_unit_user, secretariat):
        page = client_for(person).get(f"/registry/entries/{entry.pk}/").content.decode()
        assert 'data-testid="sight-form"' not in page
        assert client_for(person).post(url, {"evidence": "x"}).status_code == 403
    assert entry.sightings.count() == 2
