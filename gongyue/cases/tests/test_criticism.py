# ruff: noqa: F811 (fixtures imported from dispute_fixtures)
"""Public criticism (Art. 17): sent without an account, followed with a receipt code stored only
as a slow hash, answered by the secretariat; rate limited; no tracking cookie; yearly figures."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongyue.audit.models import AuditEntry
from gongyue.cases import actions
from gongyue.cases.models import Criticism, CriticismStatus
from gongyue.core.tasks import run_queued_tasks

from .dispute_fixtures import (  # noqa: F401
    PDF_BYTES,
    SCRIPT,
    _private_media,
    counts,
    members,
    pdf,
)

FORM = {"kind": "complaint", "about": "trade", "text": "某网站诱导未成年人充值。"}


def english(client):
    client.cookies["django_language"] = "en"
    return client


def send(client, **extra):
    data = {**FORM, **extra}
    return client.post("/cases/criticism/", data)


def receipt_of(response) -> tuple[int, str]:
    html = response.content.decode()
    number = int(re.search(r'data-testid="receipt-number">(\d+)<', html)[1])
    code = re.search(r'data-testid="receipt-code">([^<]+)<', html)[1]
    return number, code


def test_anyone_sends_criticism_and_reads_the_answer_with_the_receipt(
    client_for, secretariat, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = client_for(None)
    response = send(client, contact_email="citizen@example.cn", attachment=pdf())
    assert response.status_code == 201
    number, code = receipt_of(response)
    criticism = Criticism.objects.get()
    assert criticism.pk == number and len(code.replace("-", "")) >= 16
    assert code not in criticism.receipt_digest
    assert criticism.receipt_digest.startswith(("pbkdf2", "argon2", "md5"))
    assert len(criticism.attachment_sha256) == 64
    entry = AuditEntry.objects.get(action="cases.criticism_received")
    assert entry.actor_label == "public" and code not in str(entry.new)

    lookup = client.post("/cases/criticism/status/", {"number": number, "code": code.lower()})
    assert lookup.status_code == 200 and "诱导未成年人" in lookup.content.decode()

    staff = client_for(secretariat)
    assert (
        staff.post(f"/cases/criticism/manage/{number}/triage/", {"note": "转会员部"}).status_code
        == 302
    )
    assert (
        staff.post(
            f"/cases/criticism/manage/{number}/answer/", {"answer": "已约谈该网站。"}
        ).status_code
        == 302
    )
    criticism.refresh_from_db()
    assert criticism.status == CriticismStatus.ANSWERED
    run_queued_tasks()
    to_citizen = [m for m in mail.outbox if m.to == ["citizen@example.cn"]]
    assert len(to_citizen) == 1 and "已约谈该网站" in to_citizen[0].body
    page = client_for(None).post("/cases/criticism/status/", {"number": number, "code": code})
    html = page.content.decode()
    assert "已约谈该网站" in html and "转会员部" not in html


def test_a_wrong_or_unknown_receipt_gets_the_same_answer_and_is_rate_limited(
    db, client_for, settings
):
    settings.ANON_RATE_PER_HOUR = 4
    client = client_for(None)
    number, code = receipt_of(send(client))
    wrong = client.post(
        "/cases/criticism/status/", {"number": number, "code": "AAAA-" * 4 + "AAAA"}
    )
    unknown = client.post("/cases/criticism/status/", {"number": number + 99, "code": code})
    assert wrong.status_code == unknown.status_code == 404
    strip = lambda r: re.sub(  # noqa: E731
        r'name="(number|code|csrfmiddlewaretoken)"[^>]*', "", r.content.decode()
    )
    assert strip(wrong) == strip(unknown)
    client.post("/cases/criticism/status/", {"number": number, "code": "x"})
    client.post("/cases/criticism/status/", {"number": number, "code": "y"})
    limited = client.post("/cases/criticism/status/", {"number": number, "code": code})
    assert limited.status_code == 429 and "诱导" not in limited.content.decode()
    api = client.post(
        "/api/v1/cases/criticism/lookup",
        {"number": number, "code": code},
        content_type="application/json",
    )
    assert api.status_code == 429 and api.json()["code"] == "rate_limited"


def test_the_intake_form_is_rate_limited_per_address_and_nothing_is_stored(
    db, client_for, settings
):
    settings.ANON_RATE_PER_HOUR = 2
    client = client_for(None)
    assert send(client).status_code == 201
    assert send(client).status_code == 201
    before = counts()
    assert send(client).status_code == 429
    assert counts() == before
    other = client.post("/cases/criticism/", FORM, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 201


def test_the_public_pages_set_no_cookie_but_the_csrf_token(db, client_for):
    client = client_for(None)
    for response in (
        client.get("/cases/criticism/"),
        send(client),
        client.get("/cases/criticism/status/"),
        client.get("/cases/criticism/figures/"),
    ):
        assert set(response.cookies) <= {"csrftoken"}, response.cookies
    assert "sessionid" not in client.cookies
    assert not {f.name for f in Criticism._meta.fields} & {"ip", "address", "user_agent", "cookie"}


@pytest.mark.parametrize(
    ("upload", "problem"),
    [
        (SimpleUploadedFile("x.png", b"<svg onload=alert(1)></svg>"), "must be one of"),
        ("too_large", "the limit is"),
    ],
)
def test_an_attachment_of_the_wrong_type_or_over_the_limit_is_refused(
    db, client_for, settings, upload, problem
):
    if upload == "too_large":
        settings.MAX_UPLOAD_BYTES = 100
        upload = pdf(data=PDF_BYTES + b"0" * 200 + b"\n%%EOF\n")
    before = counts()
    response = send(english(client_for(None)), attachment=upload)
    assert response.status_code == 400 and problem in response.content.decode()
    assert counts() == before


def test_criticism_of_a_member_names_a_member_unit(client_for, members):
    client = client_for(None)
    before = counts()
    assert send(client, about="member").status_code == 400
    assert counts() == before
    assert send(client, about="member", unit=members[0].pk).status_code == 201
    assert Criticism.objects.get().unit == members[0]


def test_the_yearly_figures_are_public_as_a_page_and_csv(client_for, secretariat):
    received = []
    for days in (2, 6, None):
        criticism, _code = actions.do_receive_criticism(data={**FORM, "attachment": None})
        received.append(criticism)
        if days:
            actions.do_answer_criticism(criticism, actor=secretariat, answer="答复")
            Criticism.objects.filter(pk=criticism.pk).update(
                answered_at=criticism.received_at + timedelta(days=days)
            )
    year = timezone.now().year
    client = client_for(None)
    page = client.get(f"/cases/criticism/figures/?year={year}").content.decode()
    assert 'data-testid="received">3<' in page and 'data-testid="answered">2<' in page
    assert 'data-testid="median">4.0<' in page
    csv = client.get(f"/cases/criticism/figures.csv?year={year}").content.decode()
    assert csv.splitlines()[1] == f"{year},3,2,4.0"
    assert client.get(f"/api/v1/cases/criticism/figures?year={year}").json()["median_days"] == 4.0


def test_the_api_takes_criticism_and_looks_it_up_without_an_account(db, client_for):
    client = client_for(None)
    response = client.post("/api/v1/cases/criticism/", FORM)
    assert response.status_code == 201, response.content
    body = response.json()
    found = client.post(
        "/api/v1/cases/criticism/lookup",
        {"number": body["number"], "code": body["receipt_code"]},
        content_type="application/json",
    )
    assert found.status_code == 200 and found.json()["status"] == "received"
    assert "contact_email" not in found.json()
    wrong = client.post(
        "/api/v1/cases/criticism/lookup",
        {"number": body["number"], "code": "WRONG"},
        content_type="application/json",
    )
    unknown = client.post(
        "/api/v1/cases/criticism/lookup",
        {"number": 999, "code": body["receipt_code"]},
        content_type="application/json",
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    bad = client.post("/api/v1/cases/criticism/", {**FORM, "kind": "spam"})
    assert bad.status_code == 400 and "kind" in bad.json()["fields"]


def test_html_in_every_criticism_text_is_rendered_escaped(client_for, secretariat):
    client = client_for(None)
    number, code = receipt_of(send(client, text=SCRIPT, contact_name=SCRIPT))
    staff = client_for(secretariat)
    staff.post(f"/cases/criticism/manage/{number}/triage/", {"note": SCRIPT})
    staff.post(f"/cases/criticism/manage/{number}/answer/", {"answer": SCRIPT})
    pages = [
        staff.get(f"/cases/criticism/manage/{number}/").content.decode(),
        client_for(None)
        .post("/cases/criticism/status/", {"number": number, "code": code})
        .content.decode(),
    ]
    for page in pages:
        assert "<script>window.pwned" not in page and "<b>bold</b>" not in page
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
