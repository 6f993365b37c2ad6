"""Screenshots: handed in through the page or the API, kept as checked images with their
SHA-256, served only to the unit that handed them in and to the secretariat."""

import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.audit.models import AuditEntry
from gongyue.organisations.tests.conftest import PNG_BYTES as PNG
from gongyue.registry.models import EvidenceFile


def upload(client, entry, data, name="shot.png"):
    return client.post(
        f"/api/v1/registry/entries/{entry.pk}/evidence",
        {"screenshot": SimpleUploadedFile(name, data, content_type="image/png")},
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
