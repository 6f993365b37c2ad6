"""Files of requests, bulletins and campaign evidence are inert: the request form takes several,
each is checked from its content, stored under a name the server picks with its SHA-256, shown
to those who may see the request and served through core.uploads.serve_upload."""

import hashlib
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.bulletins import actions
from gongyue.bulletins.models import Request, RequestAttachment
from gongyue.core.models import Notification
from gongyue.organisations.tests.conftest import PNG_BYTES

from .conftest import PDF_BYTES, pdf

HOSTILE = {
    "html_named_pdf": b"<html><script>alert(1)</script></html>",
    "pdf_with_javascript": b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"
    b"endobj\ntrailer<<>>\n%%EOF\n",
    "pdf_hiding_html": b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n",
    "windows_program": b"MZ\x90\x00\x03\x00\x00\x00",
}


def png(name="截图.png"):
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def request_data(**extra):
    return {"kind": "request", "title": "关于降低宽带接入成本的请求", "body": "请转报。", **extra}


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


class FileInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        if tag == "input" and dict(attrs).get("type") == "file":
            self.inputs.append(dict(attrs))


def test_the_request_form_offers_several_files_of_the_allowed_kinds(members, rep_a, client_for):
    page = client_for(rep_a).get("/bulletins/requests/new/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    parser = FileInputs()
    parser.feed(page.content.decode())
    [field] = parser.inputs
    assert field["name"] == "attachments" and "multiple" in field
    assert field["accept"] == "application/pdf,image/png,image/jpeg"


def test_a_request_sent_from_the_page_keeps_its_files_and_shows_them_to_who_may_see_it(
    members, rep_a, staff_a, rep_b, secretariat, authority, client_for
):
    response = client_for(rep_a).post(
        "/bulletins/requests/new/",
        request_data(attachments=[pdf("情况说明.pdf"), png()]),
    )
    assert response.status_code == 302
    request = Request.objects.get()
    first, second = request.attachments.order_by("pk")
    assert (first.name, first.kind, first.size) == ("情况说明.pdf", "pdf", len(PDF_BYTES))
    assert first.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert (second.kind, second.sha256) == ("png", hashlib.sha256(PNG_BYTES).hexdigest())
    # Named by the server with the detected type's extension, never the uploader's name.
    assert first.file.name.endswith(".pdf") and "情况说明" not in first.file.name
    assert second.file.name.endswith(".png")

    url = f"/bulletins/requests/{request.pk}/files/{first.pk}/"
    for viewer in (rep_a, staff_a, secretariat):
        page = client_for(viewer).get(f"/bulletins/requests/{request.pk}/").content.decode()
        assert url in page and "情况说明.pdf" in page and first.sha256 in page
        download = client_for(viewer).get(url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF_BYTES
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Security-Policy"].startswith("sandbox")
    # Another unit, a visitor, and the authority before it is forwarded see nothing.
    for stranger in (rep_b, authority, None):
        assert client_for(stranger).get(f"/bulletins/requests/{request.pk}/").status_code in (
            302,
            404,
        )
        assert client_for(stranger).get(url).status_code in (302, 404)
    actions.do_forward_requests([request], actor=secretariat, title="转报", body="转报正文")
    assert client_for(authority).get(url).status_code == 200


def test_the_audit_row_of_a_request_names_its_files_and_their_hashes(members, rep_a, client_for):
    from gongyue.audit.models import AuditEntry

    client_for(rep_a).post("/bulletins/requests/new/", request_data(attachments=[pdf()]))
    entry = AuditEntry.objects.get(action="bulletins.request_sent")
    assert entry.new["attachments"] == [
        {"name": "notice.pdf", "sha256": hashlib.sha256(PDF_BYTES).hexdigest()}
    ]


@pytest.mark.parametrize("content", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_file_refuses_the_request_and_nothing_is_stored(
    content, members, rep_a, secretariat, client_for, settings
):
    response = client_for(rep_a).post(
        "/bulletins/requests/new/",
        request_data(attachments=[pdf(), pdf("evil.pdf", content)]),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()["attachments"]
    assert errors[0].code in {"bad_type", "active_content"}
    assert "evil.pdf" in errors[0].messages[0]
    assert not Request.objects.exists() and not RequestAttachment.objects.exists()
    assert stored_files(settings) == []
    assert not Notification.objects.filter(recipient=secretariat).exists()


def test_a_file_over_the_limit_refuses_the_request_and_nothing_is_stored(
    members, rep_a, client_for, settings
):
    settings.MAX_UPLOAD_BYTES = 1000
    big = pdf("big.pdf", PDF_BYTES.replace(b"%%EOF", b"0" * 2000 + b"\n%%EOF"))
    response = client_for(rep_a).post("/bulletins/requests/new/", request_data(attachments=[big]))
    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["attachments"][0].code == "too_large"
    assert not Request.objects.exists() and stored_files(settings) == []


def bearer(user) -> dict:
    from gongyue.accounts.models import ApiToken

    _token, secret = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_api_takes_request_files_refuses_hostile_ones_and_serves_them(
    client, members, rep_a, rep_b, settings
):
    refused = client.post(
        "/api/v1/requests/",
        request_data(attachments=[pdf("x.pdf", HOSTILE["html_named_pdf"])]),
        **bearer(rep_a),
    )
    assert refused.status_code == 400 and "attachments" in refused.json()["fields"]
    assert not Request.objects.exists() and stored_files(settings) == []

    created = client.post("/api/v1/requests/", request_data(attachments=[pdf()]), **bearer(rep_a))
    assert created.status_code == 201
    body = created.json()
    [attachment] = body["attachments"]
    assert attachment["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    url = f"/api/v1/requests/{body['id']}/files/{attachment['id']}"
    download = client.get(url, **bearer(rep_a))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Security-Policy"].startswith("sandbox")
    assert client.get(url, **bearer(rep_b)).status_code == 404


def test_a_stored_file_that_is_not_a_pdf_or_image_is_only_ever_a_download(
    members, rep_a, secretariat, client_for
):
    """A file kept before the checks existed (or altered on disk) is served as bytes to save."""
    request = actions.do_send_request(
        actor=rep_a, data=request_data(), attachments=[(pdf(), "pdf")]
    )
    attachment = request.attachments.get()
    storage = attachment.file.storage
    storage.delete(attachment.file.name)
    storage.save(attachment.file.name, ContentFile(b"<html><script>alert(1)</script></html>"))
    download = client_for(secretariat).get(
        f"/bulletins/requests/{request.pk}/files/{attachment.pk}/"
    )
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"
    assert download["X-Content-Type-Options"] == "nosniff"


def test_an_action_called_without_the_form_still_refuses_a_hostile_file(members, rep_a, settings):
    """The model's InertFileField checks again: a caller that skipped the form stores nothing."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.do_send_request(
            actor=rep_a,
            data=request_data(),
            attachments=[(pdf("x.pdf", HOSTILE["pdf_with_javascript"]), "pdf")],
        )
    assert not Request.objects.exists() and stored_files(settings) == []
