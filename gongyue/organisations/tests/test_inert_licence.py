"""The business-licence scan is inert like every kept file (issue 8.3): type from content, a name
the server picks, its SHA-256 with the row, served under the sandboxing policy."""

import hashlib

import pytest
from django.core.files.storage import default_storage

from gongyue.audit.models import AuditEntry
from gongyue.core.uploads import SERVE_CSP, stored_files
from gongyue.organisations import actions
from gongyue.organisations.models import Application, ApplicationStatus

from .conftest import PDF_BYTES, PNG_BYTES
from .test_applications import form_data
from .test_inert_uploads import HOSTILE, upload

API = "/api/v1/members"
# A hostile file with a harmless-looking name: the name must not decide anything.
HOSTILE_CASES = {**HOSTILE, "html_named_pdf": ("licence.pdf", HOSTILE["html_with_pdf_header"][1])}


@pytest.fixture
def draft(applicant, application_data):
    return actions.do_create_application(actor=applicant, data=application_data)


def nothing_stored(application):
    application.refresh_from_db()
    assert not application.licence_scan and not application.licence_scan_sha256
    assert not AuditEntry.objects.filter(action="organisations.licence_attached").exists()
    folder = f"private/licences/{application.applicant_id}"
    assert not default_storage.exists(folder) or default_storage.listdir(folder) == ([], [])


@pytest.mark.parametrize("case", sorted(HOSTILE_CASES))
def test_a_hostile_licence_is_refused_on_the_page_with_a_message_and_nothing_is_stored(
    client_for, applicant, draft, case
):
    name, data = HOSTILE_CASES[case]
    response = client_for(applicant).post(
        f"/members/applications/{draft.pk}/",
        {**form_data(), "licence": upload(name, data), "submit": "1"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["licence"]
    assert errors and all(message for message in errors)
    nothing_stored(draft)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


@pytest.mark.parametrize("case", sorted(HOSTILE_CASES))
def test_a_hostile_licence_is_refused_by_the_api_in_the_error_format(
    client_for, applicant, draft, case
):
    name, data = HOSTILE_CASES[case]
    response = client_for(applicant).post(
        f"{API}/applications/{draft.pk}/licence", {"licence": upload(name, data)}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["fields"]["licence"]
    nothing_stored(draft)


def test_a_good_licence_with_a_wrong_extension_is_kept_under_the_servers_name_with_its_hash(
    client_for, applicant, secretariat, draft
):
    response = client_for(applicant).post(
        f"{API}/applications/{draft.pk}/licence",
        {"licence": upload("../../licence.html", PNG_BYTES, "text/html")},
    )
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    stored = draft.licence_scan.name
    assert stored.startswith(f"private/licences/{draft.applicant_id}/") and stored.endswith(".png")
    assert "licence" not in stored.rsplit("/", 1)[-1] and ".." not in stored
    digest = hashlib.sha256(PNG_BYTES).hexdigest()
    assert draft.licence_scan_sha256 == digest
    [entry] = AuditEntry.objects.filter(action="organisations.licence_attached")
    assert entry.new["sha256"] == digest
    assert (draft.pk, "licence_scan", digest) in [
        (row.pk, field.name, sha) for row, field, sha in stored_files()
    ]

    served = client_for(secretariat).get(f"/members/applications/{draft.pk}/licence/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"].startswith("inline")
    assert f"licence-{draft.pk}.png" in served["Content-Disposition"]
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == SERVE_CSP
    assert b"".join(served.streaming_content) == PNG_BYTES


def test_a_licence_from_the_page_is_hashed_and_a_new_one_replaces_it(client_for, applicant, draft):
    client = client_for(applicant)
    response = client.post(
        f"/members/applications/{draft.pk}/",
        {**form_data(), "licence": upload("licence.pdf", PDF_BYTES), "save": "1"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.licence_scan.name.endswith(".pdf")
    assert draft.licence_scan_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    client.post(
        f"/members/applications/{draft.pk}/",
        {**form_data(), "licence": upload("licence.png", PNG_BYTES), "save": "1"},
    )
    draft.refresh_from_db()
    assert draft.licence_scan_sha256 == hashlib.sha256(PNG_BYTES).hexdigest()
    entries = AuditEntry.objects.filter(action="organisations.licence_attached").order_by("pk")
    assert [e.new["replaced"] for e in entries] == [False, True]


def test_a_licence_kept_before_the_checks_is_served_as_a_download(client_for, secretariat, draft):
    from django.core.files.base import ContentFile

    name = default_storage.save(
        f"private/licences/{draft.applicant_id}/licence.html",
        ContentFile(HOSTILE["html_with_pdf_header"][1][9:]),
    )
    Application.objects.filter(pk=draft.pk).update(licence_scan=name)
    served = client_for(secretariat).get(f"/members/applications/{draft.pk}/licence/")
    assert served.status_code == 200
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
