import subprocess
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from gongyue.accounts.models import Role, RoleGrant
from gongyue.audit.models import AuditEntry
from gongyue.core import testing
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification
from gongyue.organisations import actions
from gongyue.organisations.models import Application, Capacity, Membership, Signature

from .conftest import PDF_BYTES, approve_for, make_convention, pdf_upload

API = "/api/v1/members"


@pytest.fixture
def approved_a(unit_a, rep_a, convention):
    return approve_for(unit_a, rep_a)


def test_the_legal_representative_reads_the_text_confirms_and_the_unit_becomes_a_member(
    client_for, rep_a, unit_a, approved_a, version
):
    page = client_for(rep_a).get(f"/members/units/{unit_a.pk}/sign/")
    assert page.status_code == 200
    assert version.canonical_text.splitlines()[2] in page.content.decode()
    assert version.sha256 in page.content.decode()
    response = client_for(rep_a).post(
        f"/members/units/{unit_a.pk}/sign/", {"sha256": version.sha256, "confirm": "on"}
    )
    assert response.status_code == 302
    signature = Signature.objects.get(unit=unit_a)
    assert (signature.signer, signature.capacity, signature.version) == (
        rep_a,
        Capacity.LEGAL_REP,
        version,
    )
    assert signature.sha256 == version.sha256 and signature.grant.role == Role.LEGAL_REP
    assert signature.signed_at <= timezone.now()
    membership = Membership.objects.get(unit=unit_a)
    assert membership.signature == signature and membership.joined_by == "signature"
    assert unit_a.is_member()
    assert Application.objects.get(pk=approved_a.pk).joined_at == signature.signed_at
    entry = AuditEntry.objects.get(action="organisations.convention_signed")
    assert entry.new["sha256"] == version.sha256 and entry.new["capacity"] == "legal_rep"
    assert (entry.subject_type, entry.subject_id) == ("organisations.signature", str(signature.pk))
    # The unit's signers are told what was signed, with the hash of the text.
    [notice] = Notification.objects.filter(recipient=rep_a)
    assert notice.kind == "membership" and version.sha256 in notice.body
    assert notice.url == f"/members/units/{unit_a.pk}/manage/"


def test_a_valid_delegate_signs_with_the_authorisation_on_file(
    delegate, unit_a, approved_a, version
):
    signature = actions.do_sign_convention(
        unit_a, actor=delegate, version=version, sha256=version.sha256
    )
    assert signature.capacity == Capacity.DELEGATE
    assert signature.grant.document.name == "private/authorisations/test.pdf"


def test_an_expired_delegate_cannot_sign(client_for, unit_a, approved_a, version, rep_a):
    person = testing.make_user("old_delegate", unit=unit_a)
    today = timezone.localdate()
    RoleGrant.objects.create(
        user=person,
        role=Role.DELEGATE,
        unit=unit_a,
        valid_from=today - timedelta(days=60),
        valid_until=today - timedelta(days=1),
        document="private/authorisations/x.pdf",
    )
    response = client_for(person).post(
        f"/members/units/{unit_a.pk}/sign/", {"sha256": version.sha256, "confirm": "on"}
    )
    assert response.status_code == 403
    assert "法定代表人" in response.content.decode()
    api = client_for(person).post(
        f"{API}/units/{unit_a.pk}/signatures",
        {"sha256": version.sha256, "confirm": True},
        content_type="application/json",
    )
    assert api.status_code == 403 and api.json()["code"] == "not_a_signer"
    assert not Signature.objects.exists() and not Membership.objects.exists()


def test_a_staff_account_cannot_sign(client_for, staff_a, unit_a, approved_a, version):
    response = client_for(staff_a).post(
        f"{API}/units/{unit_a.pk}/signatures",
        {"sha256": version.sha256, "confirm": True},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["message"]
    assert not Signature.objects.exists()


def test_the_secretariat_cannot_sign_for_a_unit(
    client_for, secretariat, unit_a, approved_a, version
):
    response = client_for(secretariat).post(
        f"{API}/units/{unit_a.pk}/signatures",
        {"sha256": version.sha256, "confirm": True},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_an_outsider_does_not_even_see_the_unit(
    client_for, no_unit_user, unit_a, approved_a, version
):
    response = client_for(no_unit_user).post(
        f"{API}/units/{unit_a.pk}/signatures",
        {"sha256": version.sha256, "confirm": True},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_signing_twice_is_refused_with_a_message_and_changes_nothing(
    client_for, rep_a, unit_a, approved_a, version
):
    actions.do_sign_convention(unit_a, actor=rep_a, version=version, sha256=version.sha256)
    response = client_for(rep_a).post(
        f"{API}/units/{unit_a.pk}/signatures",
        {"sha256": version.sha256, "confirm": True},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["message"] == f"本单位已签署第 {version.number} 版。"
    page = client_for(rep_a).post(
        f"/members/units/{unit_a.pk}/sign/", {"sha256": version.sha256, "confirm": "on"}
    )
    assert page.status_code == 409
    assert Signature.objects.count() == 1 and Membership.objects.count() == 1
    assert AuditEntry.objects.filter(action="organisations.convention_signed").count() == 1


def test_the_database_refuses_a_second_signature_of_the_same_version(
    rep_a, unit_a, approved_a, version
):
    first = actions.do_sign_convention(unit_a, actor=rep_a, version=version, sha256=version.sha256)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            unit=unit_a,
            version=version,
            signer=rep_a,
            signer_name="x",
            capacity=Capacity.LEGAL_REP,
            grant=first.grant,
            sha256=version.sha256,
            text_format="x",
        )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_signing_requests_make_one_signature(unit_a, rep_a):
    convention = make_convention()
    version = convention.version_in_force
    approve_for(unit_a, rep_a)
    barrier = threading.Barrier(2)
    outcomes = []

    def sign():
        try:
            barrier.wait()
            actions.do_sign_convention(unit_a, actor=rep_a, version=version, sha256=version.sha256)
            outcomes.append("signed")
        except ActionRefused as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_signed", "signed"]
    assert Signature.objects.count() == 1 and Membership.objects.count() == 1
    assert AuditEntry.objects.filter(action="organisations.convention_signed").count() == 1


def test_a_text_other_than_the_one_in_force_is_not_signed(
    client_for, rep_a, unit_a, approved_a, version
):
    response = client_for(rep_a).post(
        f"{API}/units/{unit_a.pk}/signatures",
        {"sha256": "0" * 64, "confirm": True},
        content_type="application/json",
    )
    assert response.status_code == 409 and "SHA-256" in response.json()["message"]
    assert not Signature.objects.exists()


def test_signing_needs_the_confirmation(client_for, rep_a, unit_a, approved_a, version):
    response = client_for(rep_a).post(
        f"/members/units/{unit_a.pk}/sign/", {"sha256": version.sha256}
    )
    assert response.status_code == 400 and "confirm" in response.context["form"].errors
    assert not Signature.objects.exists()


def test_a_unit_without_an_approved_application_cannot_sign(client_for, rep_b, unit_b, convention):
    version = convention.version_in_force
    response = client_for(rep_b).post(
        f"{API}/units/{unit_b.pk}/signatures",
        {"sha256": version.sha256, "confirm": True},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "cannot_sign"
    assert not Signature.objects.exists()


def test_a_member_signs_a_new_version_without_starting_a_new_membership(
    rep_a, unit_a, approved_a, version
):
    actions.do_sign_convention(unit_a, actor=rep_a, version=version, sha256=version.sha256)
    from gongyue.convention.models import VersionStatus

    version.status = VersionStatus.SUPERSEDED
    version.save(update_fields=["status"])
    v2 = type(version).objects.create(
        convention=version.convention,
        number=2,
        status=VersionStatus.ADOPTED,
        title=version.title,
        structure=version.structure,
        canonical_text=version.canonical_text + "",
        sha256="f" * 64,
    )
    actions.do_sign_convention(unit_a, actor=rep_a, version=v2, sha256=v2.sha256)
    assert (
        Signature.objects.filter(unit=unit_a).count() == 2
        and Membership.objects.filter(unit=unit_a).count() == 1
    )


def test_the_signature_page_pdf_names_the_unit_the_signer_the_date_and_the_seal(
    client_for, rep_a, unit_a, approved_a, version, tmp_path
):
    signature = actions.do_sign_convention(
        unit_a, actor=rep_a, version=version, sha256=version.sha256
    )
    response = client_for(rep_a).get(f"/members/signatures/{signature.pk}/page.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "page.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    signed_on = timezone.localdate(signature.signed_at)
    assert "赣江网络科技有限公司" in text and "rep_a" in text
    assert f"{signed_on.year}年{signed_on.month}月{signed_on.day}日" in text
    assert "盖章" in text and version.sha256[:32] in text.replace(" ", "").replace("\n", "")
    api = client_for(rep_a).get(f"{API}/signatures/{signature.pk}/page.pdf")
    assert api.status_code == 200 and api.content.startswith(b"%PDF")


def test_the_sealed_page_scan_is_handed_in_and_kept_private(
    client_for, rep_a, unit_a, approved_a, version, rep_b
):
    signature = actions.do_sign_convention(
        unit_a, actor=rep_a, version=version, sha256=version.sha256
    )
    url = f"/members/signatures/{signature.pk}/sealed/"
    assert client_for(rep_b).post(url, {"scan": pdf_upload("scan.pdf")}).status_code == 404
    response = client_for(rep_a).post(url, {"scan": pdf_upload("scan.pdf")})
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.sealed_scan.name.startswith("private/sealed/") and signature.sealed_scan_at
    assert b"".join(client_for(rep_a).get(url).streaming_content) == PDF_BYTES
    assert client_for(rep_b).get(url).status_code == 404
    again = client_for(rep_a).post(
        f"{API}/signatures/{signature.pk}/sealed", {"scan": pdf_upload("scan2.pdf")}
    )
    assert again.status_code == 409
    assert AuditEntry.objects.filter(action="organisations.sealed_page_received").count() == 1


def test_a_sealed_page_that_is_not_a_pdf_or_image_is_refused(
    client_for, rep_a, unit_a, approved_a, version
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    signature = actions.do_sign_convention(
        unit_a, actor=rep_a, version=version, sha256=version.sha256
    )
    bad = SimpleUploadedFile("scan.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client_for(rep_a).post(f"{API}/signatures/{signature.pk}/sealed", {"scan": bad})
    assert response.status_code == 400 and "scan" in response.json()["fields"]
    signature.refresh_from_db()
    assert not signature.sealed_scan


def test_a_staff_account_is_told_on_the_page_that_it_cannot_sign(
    client_for, staff_a, unit_a, approved_a, version
):
    page = client_for(staff_a).get(f"/members/units/{unit_a.pk}/sign/")
    assert page.status_code == 200 and 'data-testid="sign-form"' not in page.content.decode()
    response = client_for(staff_a).post(
        f"/members/units/{unit_a.pk}/sign/", {"sha256": version.sha256, "confirm": "on"}
    )
    assert (
        response.status_code == 403
        and "法定代表人或今日委托有效的委托代表" in response.content.decode()
    )
    assert not Signature.objects.exists()


def test_a_delegate_without_the_authorisation_letter_on_file_cannot_sign(
    unit_a, approved_a, version
):
    person = testing.make_user("no_letter", Role.DELEGATE, unit=unit_a)
    with pytest.raises(ActionRefused) as refused:
        actions.do_sign_convention(unit_a, actor=person, version=version, sha256=version.sha256)
    assert refused.value.code == "not_a_signer" and not Signature.objects.exists()
