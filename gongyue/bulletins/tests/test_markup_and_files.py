"""Safe markup and inert attachments: hostile input never reaches the page as markup, and only
checked files of the allowed types and size are stored, served as downloads."""

import hashlib

import pytest

from gongyue.bulletins.markup import render
from gongyue.bulletins.models import Bulletin, BulletinAttachment, Request

from .conftest import PDF_BYTES, bulletin_data, pdf

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
    "<style>body{display:none}</style>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="https://ok.example" onmouseover="alert(1)">ok</a>',
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markup_loses_scripts_handlers_and_dangerous_urls(source):
    html = render(source).lower()
    for needle in ("<script", "onerror", "onload", "onclick", "onmouseover", "javascript:",
                   "<iframe", "<svg", "<style", "style=", "data:text"):  # fmt: skip
        assert needle not in html, (source, html)


def test_headings_lists_and_links_survive():
    html = render("## 标题\n\n1. 一\n2. 二\n\n**重要** [公约](https://gongyue.example/convention/)")
    assert "<h2>标题</h2>" in html and "<ol>" in html and "<strong>重要</strong>" in html
    assert 'href="https://gongyue.example/convention/"' in html and 'rel="noopener' in html


def test_hostile_text_in_every_field_of_a_bulletin_is_escaped_on_its_pages(
    secretariat, members, rep_a, client_for
):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client_for(secretariat).post(
        "/bulletins/manage/new/",
        bulletin_data(title=evil, body=evil + "\n\n" + HOSTILE[2], publish="1"),
    )
    assert response.status_code == 302
    bulletin = Bulletin.objects.get()
    for user, url in [
        (rep_a, f"/bulletins/{bulletin.pk}/"),
        (rep_a, "/bulletins/inbox/"),
        (secretariat, f"/bulletins/{bulletin.pk}/receipts/"),
        (secretariat, "/bulletins/manage/"),
    ]:
        page = client_for(user).get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;" in page, url


def test_hostile_text_in_a_request_is_escaped(members, rep_a, secretariat, client_for):
    evil = "<script>alert(1)</script>"
    client_for(rep_a).post(
        "/bulletins/requests/new/", {"kind": "request", "title": evil, "body": evil}
    )
    request = Request.objects.get()
    for url in [f"/bulletins/requests/{request.pk}/", "/bulletins/requests/"]:
        page = client_for(secretariat).get(url).content.decode()
        assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_an_attachment_is_stored_with_its_sha256_and_served_inert(
    secretariat, members, rep_a, client_for
):
    response = client_for(secretariat).post(
        "/bulletins/manage/new/", {**bulletin_data(publish="1"), "attachments": [pdf()]}
    )
    assert response.status_code == 302
    attachment = BulletinAttachment.objects.get()
    assert attachment.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert attachment.kind == "pdf" and "notice" not in attachment.file.name
    download = client_for(rep_a).get(f"/bulletins/{attachment.bulletin_id}/files/{attachment.pk}/")
    assert download.status_code == 200
    # Through core.uploads.serve_upload: a PDF inline, sandboxed, its type read from the bytes.
    assert download["Content-Disposition"].startswith("inline")
    assert 'filename="notice.pdf"' in download["Content-Disposition"]
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_an_attachment_of_a_forbidden_type_is_refused_and_nothing_is_saved(
    secretariat, members, client_for
):
    fake = pdf("evil.pdf", b"<html><script>alert(1)</script></html>")
    response = client_for(secretariat).post(
        "/bulletins/manage/new/", {**bulletin_data(publish="1"), "attachments": [fake]}
    )
    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["attachments"][0].code == "bad_type"
    assert not Bulletin.objects.exists() and not BulletinAttachment.objects.exists()


def test_an_attachment_over_the_limit_is_refused(secretariat, members, client_for, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    big = pdf("big.pdf", PDF_BYTES + b"0" * 2000)
    response = client_for(secretariat).post(
        "/bulletins/manage/new/", {**bulletin_data(publish="1"), "attachments": [big]}
    )
    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["attachments"][0].code == "too_large"
    assert not Bulletin.objects.exists()


def test_a_members_only_attachment_is_not_served_to_visitors(secretariat, members, client_for):
    client_for(secretariat).post(
        "/bulletins/manage/new/", {**bulletin_data(publish="1"), "attachments": [pdf()]}
    )
    attachment = BulletinAttachment.objects.get()
    url = f"/bulletins/{attachment.bulletin_id}/files/{attachment.pk}/"
    assert client_for(None).get(url).status_code == 404
