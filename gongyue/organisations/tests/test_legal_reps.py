"""Signing authority (RULES.md rule 1): the application names the legal representative and
carries the licence; on approval the named person claims the role through a signed, expiring,
single-use link, or the secretariat confirms the applicant against the licence."""

import re
import subprocess
from datetime import timedelta

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongyue.accounts.models import Role, RoleGrant, User
from gongyue.audit.models import AuditEntry
from gongyue.convention.models import Convention
from gongyue.core.models import Notification
from gongyue.core.tasks import run_queued_tasks
from gongyue.core.testing import PASSWORD, make_user
from gongyue.organisations import actions
from gongyue.organisations.models import (
    CLAIM_SALT,
    Application,
    ApplicationStatus,
    Capacity,
    LegalRepInvitation,
    Signature,
)

from .conftest import VALID_APPLICATION, pdf_upload

API = "/api/v1/members"
REP_EMAIL = VALID_APPLICATION["legal_rep_email"]


def form_data(**changes):
    data = {**VALID_APPLICATION, **changes}
    data["icp_numbers"] = "\n".join(data["icp_numbers"])
    data["websites"] = "\n".join(data["websites"])
    data["accepts_rules"] = "on" if data["accepts_rules"] else ""
    data["applicant_is_legal_rep"] = "on" if data["applicant_is_legal_rep"] else ""
    return {k: v for k, v in data.items() if v != ""}


def claim_link(smtp_server, address=REP_EMAIL) -> str:
    """The path of the claim link in the last invitation mail to `address`."""
    run_queued_tasks()
    body = smtp_server.body(smtp_server.to(address)[-1])
    return re.search(r"https?://[^/\s]+(/members/claim/\S+/)", body)[1]


@pytest.fixture
def approved(submitted_application, secretariat, convention):
    """Approved without confirmation: the applicant is the contact, the legal rep invited."""
    return actions.do_approve_application(submitted_application, actor=secretariat)


def audit(action):
    return list(AuditEntry.objects.filter(action=action))


def state():
    """What a refused step must leave as it was."""
    return (
        list(RoleGrant.objects.order_by("pk").values_list("pk", "role", "revoked_at")),
        list(LegalRepInvitation.objects.order_by("pk").values_list("pk", "claimed_at")),
        User.objects.count(),
        AuditEntry.objects.count(),
    )


# The application ---------------------------------------------------------------------------------


def test_the_application_names_the_legal_representative_and_carries_the_licence(
    client_for, applicant, convention
):
    client = client_for(applicant)
    response = client.post(
        "/members/apply/", {**form_data(), "licence": pdf_upload("执照.pdf"), "submit": "1"}
    )
    assert response.status_code == 302
    application = Application.objects.get(applicant=applicant)
    assert application.status == ApplicationStatus.SUBMITTED
    assert (
        application.legal_rep_name,
        application.legal_rep_id_type,
        application.legal_rep_id_last4,
        application.legal_rep_email,
        application.accepts_rules,
    ) == ("张三", "resident_id", "123X", REP_EMAIL, True)
    assert application.licence_scan.name.startswith("private/licences/")
    [attached] = audit("organisations.licence_attached")
    assert len(attached.new["sha256"]) == 64
    licence = client.get(f"/members/applications/{application.pk}/licence/")
    assert licence.status_code == 200
    assert (
        client_for(make_user("nosy"))
        .get(f"/members/applications/{application.pk}/licence/")
        .status_code
        == 404
    )
    # The audit log keeps the legal representative's address and number out of its rows.
    [created] = audit("organisations.application_created")
    assert created.new["legal_rep_email"] == "…" and created.new["legal_rep_id_last4"] == "…"


def test_the_declaration_cites_the_joining_article_of_the_convention_in_force(
    client_for, applicant, convention
):
    page = client_for(applicant).get("/members/apply/").content.decode()
    assert "本单位接受本公约的自律规则（第 27 条）" in page
    convention.rules = {"articles": {"joining_declaration": 4}}
    convention.save()
    page = client_for(applicant).get("/members/apply/").content.decode()
    assert "（第 4 条）" in page and "第 27 条" not in page


def test_submitting_without_the_declaration_is_refused_and_nothing_is_saved(
    client_for, applicant, convention
):
    data = form_data(accepts_rules=False)
    response = client_for(applicant).post(
        "/members/apply/", {**data, "licence": pdf_upload(), "submit": "1"}
    )
    assert response.status_code == 400
    assert "第 27 条" in response.context["form"].errors["accepts_rules"][0]
    assert not Application.objects.exists()


def test_a_missing_licence_is_refused_on_the_page_and_by_the_api(client_for, applicant):
    response = client_for(applicant).post("/members/apply/", {**form_data(), "submit": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors["licence"] == ["请上传营业执照扫描件。"]
    assert not Application.objects.exists()
    draft = client_for(applicant).post(
        f"{API}/applications", VALID_APPLICATION, content_type="application/json"
    )
    pk = draft.json()["id"]
    submitted = client_for(applicant).post(f"{API}/applications/{pk}/submit")
    assert submitted.status_code == 409 and "营业执照扫描件" in submitted.json()["message"]
    assert Application.objects.get(pk=pk).status == ApplicationStatus.DRAFT
    empty = client_for(applicant).post(f"{API}/applications/{pk}/licence", {})
    assert empty.status_code == 400 and "licence" in empty.json()["fields"]


@pytest.mark.parametrize(
    "name, content",
    [
        ("licence.html", b"<html><script>alert(1)</script></html>"),
        ("licence.pdf", b"PK\x03\x04 a zip renamed to pdf"),
        ("licence.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"),
    ],
)
def test_a_licence_of_a_forbidden_type_is_refused_and_nothing_is_stored(
    client_for, applicant, name, content
):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client_for(applicant).post(
        "/members/apply/", {**form_data(), "licence": upload, "submit": "1"}
    )
    assert response.status_code == 400 and "licence" in response.context["form"].errors
    assert not Application.objects.exists()
    draft = client_for(applicant).post(
        f"{API}/applications", VALID_APPLICATION, content_type="application/json"
    )
    upload.seek(0)
    api = client_for(applicant).post(
        f"{API}/applications/{draft.json()['id']}/licence", {"licence": upload}
    )
    assert api.status_code == 400 and "PDF" in api.json()["fields"]["licence"][0]
    assert not Application.objects.get().licence_scan
    assert not audit("organisations.licence_attached")


@pytest.mark.parametrize("suffix", ["123", "12345", "36010219900101123X", "12-4"])
def test_an_id_suffix_that_is_not_four_characters_is_refused(client_for, applicant, suffix):
    response = client_for(applicant).post(
        "/members/apply/",
        {**form_data(legal_rep_id_last4=suffix), "licence": pdf_upload(), "submit": "1"},
    )
    assert response.status_code == 400
    assert "后四位" in response.context["form"].errors["legal_rep_id_last4"][0]
    api = client_for(applicant).post(
        f"{API}/applications",
        {**VALID_APPLICATION, "legal_rep_id_last4": suffix},
        content_type="application/json",
    )
    assert api.status_code == 400 and "legal_rep_id_last4" in api.json()["fields"]
    assert not Application.objects.exists()


# Approval and the invitation ---------------------------------------------------------------------


def test_approval_invites_the_named_legal_representative_by_mail_with_a_claim_link(
    approved, applicant, smtp_server
):
    [invitation] = LegalRepInvitation.objects.all()
    assert (invitation.email, invitation.name, invitation.unit) == (
        REP_EMAIL,
        "张三",
        approved.unit,
    )
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    [entry] = audit("organisations.application_approved")
    assert entry.new["invitation"] == invitation.pk
    path = claim_link(smtp_server)
    [mail] = smtp_server.to(REP_EMAIL)
    assert approved.name in mail["Subject"] and "张三" in smtp_server.body(mail)
    assert LegalRepInvitation.objects.from_token(path.split("/")[-2]) == (
        invitation,
        invitation.nonce,
    )
    # Nobody but the named person holds the signing role yet.
    assert not RoleGrant.objects.filter(role=Role.LEGAL_REP).exists()


def test_the_legal_representative_claims_with_a_new_account_and_signs(
    client, approved, applicant, smtp_server, convention
):
    path = claim_link(smtp_server)
    page = client.get(path)
    assert page.status_code == 200 and "z***@poyang.example.cn" in page.content.decode()
    response = client.post(
        path,
        {
            "username": "zhangsan",
            "display_name": "张三",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(username="zhangsan")
    assert person.email == REP_EMAIL and person.unit == approved.unit
    grant = RoleGrant.objects.get(user=person, role=Role.LEGAL_REP, unit=approved.unit)
    [entry] = audit("organisations.legal_rep_claimed")
    assert entry.new == {
        "unit": approved.unit_id,
        "person": person.pk,
        "grant": grant.pk,
        "new_account": True,
        "legal_rep_grants_ended": [],
    }
    assert LegalRepInvitation.objects.get().claimed_by == person
    assert Notification.objects.filter(recipient=applicant, subject__contains="法定代表人").exists()
    run_queued_tasks()
    assert smtp_server.to(applicant.email) and smtp_server.to(REP_EMAIL)
    # Signed in by the claim, the legal representative signs.
    version = convention.version_in_force
    signed = client.post(
        f"/members/units/{approved.unit_id}/sign/", {"sha256": version.sha256, "confirm": "on"}
    )
    assert signed.status_code == 302
    signature = Signature.objects.get(unit=approved.unit)
    assert (signature.signer, signature.capacity, signature.signer_name) == (
        person,
        Capacity.LEGAL_REP,
        "张三",
    )


def test_a_signed_in_owner_of_the_address_claims_through_the_api(client_for, approved, smtp_server):
    person = make_user("zhang", email=REP_EMAIL.upper())
    token = claim_link(smtp_server).split("/")[-2]
    shown = client_for(None).get(f"{API}/claims/{token}")
    assert shown.status_code == 200 and shown.json()["email"] == "z***@poyang.example.cn"
    unconfirmed = client_for(person).post(
        f"{API}/claims/{token}", {}, content_type="application/json"
    )
    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.json()["fields"]
    response = client_for(person).post(
        f"{API}/claims/{token}", {"confirm": True}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["role"] == "legal_rep"
    person.refresh_from_db()
    assert person.unit == approved.unit
    assert approved.unit.signing_grant(person, timezone.localdate()).role == Role.LEGAL_REP
    assert audit("organisations.legal_rep_claimed")[0].new["new_account"] is False


def test_a_claim_by_a_different_signed_in_person_is_refused_and_changes_nothing(
    client_for, approved, applicant, smtp_server
):
    path = claim_link(smtp_server)
    token = path.split("/")[-2]
    before = state()
    page = client_for(applicant).post(path, {"confirm": "on"})
    assert page.status_code == 403 and "z***@poyang.example.cn" in page.content.decode()
    api = client_for(applicant).post(
        f"{API}/claims/{token}", {"confirm": True}, content_type="application/json"
    )
    assert api.status_code == 403 and "其他账户" in api.json()["message"]
    assert state() == before


def test_a_used_link_is_refused_the_second_time(client_for, approved, smtp_server):
    person = make_user("zhang", email=REP_EMAIL)
    path = claim_link(smtp_server)
    assert client_for(person).post(path, {"confirm": "on"}).status_code == 302
    before = state()
    again = client_for(person).post(path, {"confirm": "on"})
    assert again.status_code == 410 and "只能使用一次" in again.content.decode()
    api = client_for(None).post(
        f"{API}/claims/{path.split('/')[-2]}", {"confirm": True}, content_type="application/json"
    )
    assert api.status_code == 401
    assert state() == before


def test_an_expired_link_is_refused_and_a_new_invitation_replaces_it(
    client_for, client, approved, secretariat, smtp_server
):
    old_path = claim_link(smtp_server)
    LegalRepInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    before = state()
    response = client.post(
        old_path,
        {
            "username": "zhangsan",
            "display_name": "张三",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "confirm": "on",
        },
    )
    assert response.status_code == 410 and "已于" in response.content.decode()
    assert state() == before
    # The secretariat sends a new link; the old one now says it was replaced.
    resent = client_for(secretariat).post(
        f"{API}/applications/{approved.pk}/invitation", {}, content_type="application/json"
    )
    assert resent.status_code == 201
    assert audit("organisations.legal_rep_invited")[0].new["application"] == approved.pk
    new_path = claim_link(smtp_server)
    assert new_path != old_path
    client_for(None)
    assert "已被新的邀请取代" in client.get(old_path).content.decode()
    assert client.get(new_path).status_code == 200


def test_a_forged_or_truncated_link_is_refused(client, approved, smtp_server):
    path = claim_link(smtp_server)
    invitation = LegalRepInvitation.objects.get()
    forged = signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt="another purpose")
    before = state()
    for token in (forged, path.split("/")[-2][:-3], "x", "9" * 60):
        response = client.get(f"/members/claim/{token}/")
        assert response.status_code == 404 and "此链接无效" in response.content.decode()
        assert client.get(f"{API}/claims/{token}").json()["code"] == "invalid_link"
    assert state() == before
    assert CLAIM_SALT not in path


def test_an_account_holder_must_sign_in_before_claiming(client, approved, smtp_server):
    make_user("zhang", email=REP_EMAIL)
    path = claim_link(smtp_server)
    before = state()
    page = client.get(path)
    assert "请先用它登录" in page.content.decode()
    response = client.post(
        path,
        {
            "username": "another",
            "display_name": "张三",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "confirm": "on",
        },
    )
    assert response.status_code == 409
    assert state() == before


def test_the_contact_cannot_sign_and_is_told_who_can_on_page_and_api(
    client_for, approved, applicant, convention
):
    unit = approved.unit
    page = client_for(applicant).get(f"/members/units/{unit.pk}/sign/").content.decode()
    assert "您是本单位的联系人" in page and "张三" in page
    version = convention.version_in_force
    before = Signature.objects.count()
    api = client_for(applicant).post(
        f"{API}/units/{unit.pk}/signatures",
        {"sha256": version.sha256, "confirm": True},
        content_type="application/json",
    )
    assert api.status_code == 403 and "联系人" in api.json()["message"]
    assert Signature.objects.count() == before


# The secretariat's confirmation against the licence ----------------------------------------------


def test_the_secretariat_confirms_the_applicant_as_legal_representative_on_approval(
    client_for, applicant, application_data, secretariat, smtp_server, convention
):
    application = actions.do_create_application(
        actor=applicant, data={**application_data, "applicant_is_legal_rep": True}
    )
    actions.do_attach_licence(application, actor=applicant, upload=pdf_upload())
    actions.do_submit_application(application, actor=applicant)
    page = client_for(secretariat).get(f"/members/secretariat/applications/{application.pk}/")
    assert "confirm_legal_rep" in page.content.decode()
    response = client_for(secretariat).post(
        f"/members/secretariat/applications/{application.pk}/",
        {"decision": "approve", "confirm_legal_rep": "on"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.legal_rep_confirmed
    unit = application.unit
    assert set(
        RoleGrant.objects.filter(user=applicant, unit=unit, revoked_at__isnull=True).values_list(
            "role", flat=True
        )
    ) == {Role.LEGAL_REP}
    [entry] = audit("organisations.application_approved")
    assert entry.new["legal_rep_confirmed_against_licence"] is True
    assert entry.new["legal_rep"] == applicant.pk and entry.new["invitation"] is None
    assert not LegalRepInvitation.objects.exists()
    run_queued_tasks()
    assert not smtp_server.to(REP_EMAIL)
    assert "营业执照" in smtp_server.body(smtp_server.to(applicant.email)[-1])
    version = convention.version_in_force
    signature = actions.do_sign_convention(
        unit, actor=applicant, version=version, sha256=version.sha256
    )
    assert signature.signer_name == "张三" and signature.capacity == Capacity.LEGAL_REP


def test_confirming_an_applicant_who_did_not_declare_it_is_refused(
    client_for, submitted_application, secretariat
):
    before = state()
    response = client_for(secretariat).post(
        f"{API}/applications/{submitted_application.pk}/approve",
        {"confirm_legal_rep": True},
        content_type="application/json",
    )
    assert response.status_code == 400 and "confirm_legal_rep" in response.json()["fields"]
    submitted_application.refresh_from_db()
    assert submitted_application.status == ApplicationStatus.SUBMITTED
    assert state() == before


def test_a_new_legal_representative_ends_the_previous_ones_grant(
    approved, smtp_server, client_for, rep_a
):
    earlier = make_user("earlier", Role.LEGAL_REP, unit=approved.unit)
    person = make_user("zhang", email=REP_EMAIL)
    client_for(person).post(claim_link(smtp_server), {"confirm": "on"})
    assert RoleGrant.objects.get(user=earlier).revoked_at is not None
    [entry] = audit("organisations.legal_rep_claimed")
    assert entry.new["legal_rep_grants_ended"] == [RoleGrant.objects.get(user=earlier).pk]


# The signature page ------------------------------------------------------------------------------


@pytest.mark.skipif(
    subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0,
    reason="pdftotext (poppler-utils) is not installed",
)
def test_the_signature_page_has_a_signature_line_and_names_the_real_signer(
    client_for, approved, smtp_server, convention, tmp_path
):
    person = make_user("zhang", email=REP_EMAIL, display_name="zhang")
    client_for(person).post(claim_link(smtp_server), {"confirm": "on"})
    version = Convention.objects.current().version_in_force
    signature = actions.do_sign_convention(
        approved.unit, actor=person, version=version, sha256=version.sha256
    )
    response = client_for(person).get(f"/members/signatures/{signature.pk}/page.pdf")
    path = tmp_path / "page.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "法定代表人（签字）" in text and "盖章" in text
    assert "张三" in text and "申请单位联系人" not in text
