"""Screenshots with appeals: handed in with the appeal on the entry page, or afterwards through
the API (with the receipt code when the appellant has no account); served only to the
secretariat and the appellant with an account, never on a public page."""

import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.audit.models import AuditEntry
from gongyue.organisations.tests.conftest import PNG_BYTES as PNG
from gongyue.registry.actions import do_decide_appeal
from gongyue.registry.models import Appeal, AppealFile


def shot(data=PNG, name="cleaned.png"):
    return SimpleUploadedFile(name, data, content_type="image/png")


def appeal_on_page(client, entry, **extra):
    return client.post(
        f"/registry/entries/{entry.pk}/appeal/",
        {"name": "站长", "contact": "owner@evil-bank.com", "grounds": "已清理", **extra},
    )


def test_a_site_owner_appeals_with_a_screenshot_that_only_the_secretariat_sees(
    client_for, listed, rep_b, unit_b, secretariat
):
    entry = listed("evil-bank.com")
    response = appeal_on_page(client_for(None), entry, screenshot=shot())
    assert response.status_code == 201
    appeal = Appeal.objects.get()
    row = AppealFile.objects.get()
    assert (
        row.appeal == appeal and row.kind == "png" and row.sha256 == hashlib.sha256(PNG).hexdigest()
    )
    assert row.file.name.startswith("private/")
    audit = AuditEntry.objects.get(action="registry.appeal_filed")
    assert audit.new["files"] == [row.sha256]
    link = f"/registry/appeals/files/{row.pk}/"
    staff = client_for(secretariat)
    assert link in staff.get("/registry/appeals/").content.decode()
    served = staff.get(link)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert (
        "attachment" in served["Content-Disposition"]
        or served["X-Content-Type-Options"] == "nosniff"
    )
    assert b"".join(served.streaming_content) == PNG
    assert staff.get("/api/v1/registry/appeals").json()[0]["files"][0]["sha256"] == row.sha256
    # Nobody else: not another unit, not the public entry page.
    assert client_for(rep_b).get(link).status_code == 404
    assert link not in client_for(None).get(f"/registry/entries/{entry.pk}/").content.decode()
    assert client_for(None).get(link).status_code == 302  # to the login page


def test_a_file_that_is_no_image_refuses_the_appeal_whole(client_for, listed):
    entry = listed("evil-bank.com")
    response = appeal_on_page(client_for(None), entry, screenshot=shot(b"<html><script>x</script>"))
    assert response.status_code == 400
    assert 'data-testid="error-screenshot"' in response.content.decode()
    assert not Appeal.objects.exists() and not AppealFile.objects.exists()


def test_the_appellant_adds_a_screenshot_through_the_api_with_the_receipt_code(
    client_for, listed, api, secretariat_head
):
    entry = listed("evil-bank.com")
    filed = api(
        "post",
        f"/entries/{entry.pk}/appeal",
        json={"name": "站长", "contact": "o@evil-bank.com", "grounds": "已清理"},
    )
    appeal_id, code = filed.json()["id"], filed.json()["receipt_code"]
    url = f"/api/v1/registry/appeals/{appeal_id}/files"
    anonymous = client_for(None)
    # Without the code, or with a wrong one: as if there were no such appeal.
    assert anonymous.post(url, {"screenshot": shot()}).status_code == 404
    assert anonymous.post(url, {"screenshot": shot(), "code": "WRONG-CODE"}).status_code == 404
    assert anonymous.post(url, {"screenshot": shot(b"GIF89a"), "code": code}).status_code == 400
    assert not AppealFile.objects.exists()
    response = anonymous.post(url, {"screenshot": shot(), "code": code.lower()})
    assert response.status_code == 201, response.content
    row = AppealFile.objects.get()
    assert response.json()["sha256"] == row.sha256
    assert (
        AuditEntry.objects.filter(action="registry.evidence_added").latest("pk").new["appeal"]
        == appeal_id
    )
    # Once decided, nothing more is taken.
    do_decide_appeal(Appeal.objects.get(), actor=secretariat_head, uphold=False, reason="仍有害")
    assert anonymous.post(url, {"screenshot": shot(), "code": code}).status_code == 409
    assert AppealFile.objects.count() == 1


def test_the_appellant_adds_a_screenshot_on_the_follow_up_page_with_the_receipt_code(
    client_for, listed, secretariat_head
):
    entry = listed("evil-bank.com")
    client = client_for(None)
    filed = appeal_on_page(client, entry)
    code = filed.context["code"]
    appeal = Appeal.objects.get()
    page = client.post("/registry/appeals/status/", {"appeal": appeal.pk, "code": code})
    assert page.status_code == 200 and 'data-testid="appeal-file-form"' in page.content.decode()
    url = f"/registry/appeals/{appeal.pk}/files/"
    assert client.post(url, {"code": "WRONG", "screenshot": shot()}).status_code == 404
    bad = client.post(url, {"code": code, "screenshot": shot(b"<svg onload=alert(1)>")})
    assert bad.status_code == 400 and 'data-testid="error-screenshot"' in bad.content.decode()
    assert not AppealFile.objects.exists()
    done = client.post(url, {"code": code, "screenshot": shot()})
    assert done.status_code == 201
    assert AppealFile.objects.get().appeal == appeal
    assert AppealFile.objects.get().sha256[:12] in done.content.decode()
    # Decided: the form is gone and a post is refused.
    do_decide_appeal(appeal, actor=secretariat_head, uphold=True, reason="已核实")
    page = client.post("/registry/appeals/status/", {"appeal": appeal.pk, "code": code})
    assert 'data-testid="appeal-file-form"' not in page.content.decode()
    assert client.post(url, {"code": code, "screenshot": shot()}).status_code == 409
    assert AppealFile.objects.count() == 1
