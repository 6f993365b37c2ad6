from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from gongyue.accounts.models import Role, RoleGrant, User
from gongyue.audit.models import AuditEntry
from gongyue.core.errors import ActionRefused
from gongyue.core.tasks import run_queued_tasks
from gongyue.core.testing import make_user
from gongyue.organisations import actions
from gongyue.organisations.models import Signature, not_a_signer_message

from .conftest import PDF_BYTES, PNG_BYTES, approve_for, pdf_upload

API = "/api/v1/members"


def delegate_post(**changes):
    today = timezone.localdate()
    data = {
        "name": "赵六",
        "email": "zhao@ganjiang.example.cn",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=180)).isoformat(),
        "letter": pdf_upload(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_legal_representative_authorises_a_delegate_with_the_signed_letter(
    client_for, rep_a, unit_a, smtp_server
):
    response = client_for(rep_a).post(f"/members/units/{unit_a.pk}/delegates/", delegate_post())
    assert response.status_code == 302
    person = User.objects.get(email="zhao@ganjiang.example.cn")
    grant = RoleGrant.objects.get(user=person, role=Role.DELEGATE, unit=unit_a)
    assert person.unit == unit_a and grant.document.name.startswith("private/authorisations/")
    assert grant.valid_until == timezone.localdate() + timedelta(days=180)
    assert unit_a.signing_grant(person, timezone.localdate()) == grant
    assert AuditEntry.objects.filter(action="organisations.delegate_authorised").count() == 1
    run_queued_tasks()
    [mail] = smtp_server.to(person.email)
    assert "/accounts/password/reset/" in smtp_server.body(
        mail
    )  # the new account chooses a password


def test_the_letter_is_private_and_served_only_through_an_access_checked_view(
    client_for, rep_a, unit_a, rep_b, client
):
    client_for(rep_a).post(f"/members/units/{unit_a.pk}/delegates/", delegate_post())
    grant = RoleGrant.objects.get(role=Role.DELEGATE)
    url = f"/members/delegates/{grant.pk}/letter/"
    response = client_for(rep_a).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert client_for(rep_b).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    assert client.get("/media/" + grant.document.name).status_code == 404


def test_the_legal_representative_revokes_a_delegate_who_then_cannot_sign(
    client_for, rep_a, delegate, unit_a
):
    grant = RoleGrant.objects.get(user=delegate, role=Role.DELEGATE)
    response = client_for(rep_a).post(f"/members/delegates/{grant.pk}/revoke/")
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert unit_a.signing_grant(delegate, timezone.localdate()) is None
    assert not_a_signer_message() in unit_a.blockers_to_sign(delegate, timezone.now())
    assert AuditEntry.objects.filter(action="organisations.delegate_revoked").count() == 1


def test_a_delegate_or_staff_member_cannot_authorise_or_revoke(
    client_for, delegate, staff_a, unit_a
):
    grant = RoleGrant.objects.get(user=delegate, role=Role.DELEGATE)
    assert (
        client_for(staff_a)
        .post(f"/members/units/{unit_a.pk}/delegates/", delegate_post())
        .status_code
        == 403
    )
    assert client_for(delegate).post(f"/members/delegates/{grant.pk}/revoke/").status_code == 403
    assert client_for(staff_a).post(f"/members/delegates/{grant.pk}/revoke/").status_code == 404
    assert RoleGrant.objects.filter(role=Role.DELEGATE).count() == 1


def test_a_non_pdf_or_image_letter_is_refused_next_to_the_field(client_for, rep_a, unit_a):
    fake = SimpleUploadedFile(
        "letter.pdf", b"MZ\x90\x00 this is an exe", content_type="application/pdf"
    )
    response = client_for(rep_a).post(
        f"/members/units/{unit_a.pk}/delegates/", delegate_post(letter=fake)
    )
    assert response.status_code == 400
    assert "letter" in response.context["delegate_form"].errors
    assert not RoleGrant.objects.filter(role=Role.DELEGATE).exists()
    assert not User.objects.filter(email="zhao@ganjiang.example.cn").exists()


def test_an_oversized_letter_is_refused_by_the_page_and_the_api(
    client_for, rep_a, unit_a, settings
):
    settings.MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("letter.png", PNG_BYTES + b"\x00" * 2048, content_type="image/png")
    response = client_for(rep_a).post(
        f"/members/units/{unit_a.pk}/delegates/", delegate_post(letter=big)
    )
    assert response.status_code == 400 and "letter" in response.context["delegate_form"].errors
    big.seek(0)
    response = client_for(rep_a).post(
        f"{API}/units/{unit_a.pk}/delegates", delegate_post(letter=big)
    )
    assert response.status_code == 400 and "letter" in response.json()["fields"]
    assert not RoleGrant.objects.filter(role=Role.DELEGATE).exists()


def test_a_validity_period_that_ended_or_is_reversed_is_refused(client_for, rep_a, unit_a):
    today = timezone.localdate()
    response = client_for(rep_a).post(
        f"{API}/units/{unit_a.pk}/delegates",
        delegate_post(
            valid_from=(today - timedelta(days=10)).isoformat(),
            valid_until=(today - timedelta(days=1)).isoformat(),
        ),
    )
    assert response.status_code == 400 and "valid_until" in response.json()["fields"]
    response = client_for(rep_a).post(
        f"{API}/units/{unit_a.pk}/delegates",
        delegate_post(valid_until=(today - timedelta(days=400)).isoformat()),
    )
    assert response.status_code == 400
    assert not RoleGrant.objects.filter(role=Role.DELEGATE).exists()


def test_delegates_are_authorised_listed_and_revoked_through_the_api(client_for, rep_a, unit_a):
    client = client_for(rep_a)
    created = client.post(f"{API}/units/{unit_a.pk}/delegates", delegate_post())
    assert created.status_code == 201 and created.json()["email"] == "zhao@ganjiang.example.cn"
    again = client.post(f"{API}/units/{unit_a.pk}/delegates", delegate_post())
    assert (
        again.status_code == 409 and "撤销" in again.json()["message"]
    ) or again.status_code == 409
    listed = client.get(f"{API}/units/{unit_a.pk}/delegates").json()
    assert [g["id"] for g in listed] == [created.json()["id"]]
    revoked = client.delete(f"{API}/delegates/{created.json()['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]


def test_a_person_of_another_unit_cannot_be_made_a_delegate(client_for, rep_a, unit_a, rep_b):
    response = client_for(rep_a).post(
        f"{API}/units/{unit_a.pk}/delegates", delegate_post(email=rep_b.email)
    )
    assert response.status_code == 409
    assert not RoleGrant.objects.filter(role=Role.DELEGATE).exists()


def test_a_non_pdf_or_image_letter_is_refused_by_the_api(client_for, rep_a, unit_a):
    fake = SimpleUploadedFile("letter.pdf", b"GIF89a not accepted", content_type="application/pdf")
    response = client_for(rep_a).post(
        f"{API}/units/{unit_a.pk}/delegates", delegate_post(letter=fake)
    )
    assert response.status_code == 400 and "PDF" in response.json()["fields"]["letter"][0]
    assert not RoleGrant.objects.filter(role=Role.DELEGATE).exists()


def _delegate_grant(unit, person, *, document="private/authorisations/test.pdf", **period):
    today = timezone.localdate()
    period.setdefault("valid_from", today - timedelta(days=30))
    period.setdefault("valid_until", today + timedelta(days=365))
    return RoleGrant.objects.create(
        user=person, role=Role.DELEGATE, unit=unit, document=document, **period
    )


def test_a_delegate_without_the_authorisation_letter_cannot_sign_by_page_api_or_action(
    client_for, client, rep_a, unit_a, version, applicant
):
    approve_for(unit_a, applicant)
    person = make_user("delegate_a", unit=unit_a)
    _delegate_grant(unit_a, person, document="")
    assert unit_a.signing_grant(person, timezone.localdate()) is None
    assert unit_a.blockers_to_sign(person, timezone.now(), version=version) == [
        not_a_signer_message()
    ]
    page = client_for(person).get(f"/members/units/{unit_a.pk}/sign/")
    with translation.override("zh-hans"):
        assert not_a_signer_message() in page.content.decode()
    assert 'data-testid="sign-form"' not in page.content.decode()
    with pytest.raises(ActionRefused) as refused:
        actions.do_sign_convention(unit_a, actor=person, version=version, sha256=version.sha256)
    assert refused.value.status == 403 and refused.value.blockers == [not_a_signer_message()]
    api = client_for(person).post(
        f"{API}/units/{unit_a.pk}/signatures",
        {"sha256": version.sha256, "confirm": True},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert not Signature.objects.exists()
    assert not AuditEntry.objects.filter(action="organisations.convention_signed").exists()


def test_a_delegate_signs_on_the_last_day_of_the_authorisation_and_not_the_day_after(rep_a, unit_a):
    person = make_user("delegate_a", unit=unit_a)
    today = timezone.localdate()
    grant = _delegate_grant(
        unit_a, person, valid_from=today - timedelta(days=10), valid_until=today
    )
    assert unit_a.signing_grant(person, today) == grant
    assert unit_a.signing_grant(person, today + timedelta(days=1)) is None
    assert unit_a.signing_grant(person, today - timedelta(days=11)) is None
    # The legal representative signs in that capacity even when also named a delegate.
    rep_grant = RoleGrant.objects.get(user=rep_a, role=Role.LEGAL_REP)
    _delegate_grant(unit_a, rep_a)
    assert unit_a.signing_grant(rep_a, today) == rep_grant


def test_unit_staff_and_people_of_other_units_are_not_signers(staff_a, rep_b, unit_a):
    for person in (staff_a, rep_b):
        assert unit_a.signing_grant(person, timezone.localdate()) is None
        assert unit_a.blockers_to_sign(person, timezone.now())[0] == not_a_signer_message()
    # The unit's own contact is also told who signs instead; a stranger is not.
    assert len(unit_a.blockers_to_sign(rep_b, timezone.now())) == 1
    assert "联系人" in unit_a.blockers_to_sign(staff_a, timezone.now())[1]


def test_the_delegate_mail_gives_the_user_name_and_both_sign_in_with_it_or_the_address(
    client, client_for, rep_a, unit_a, smtp_server
):
    existing = make_user("zhaoliu", email="zhao@ganjiang.example.cn")
    client_for(rep_a).post(f"/members/units/{unit_a.pk}/delegates/", delegate_post())
    run_queued_tasks()
    [mail] = smtp_server.to("zhao@ganjiang.example.cn")
    assert "用户名是 zhaoliu" in smtp_server.body(mail)
    client.logout()
    from gongyue.core.testing import PASSWORD

    for name in ("zhaoliu", "ZHAO@ganjiang.example.cn"):
        response = client.post("/accounts/login/", {"username": name, "password": PASSWORD})
        assert response.status_code == 302, name
        assert client.session["_auth_user_id"] == str(existing.pk)
        client.logout()
    wrong = client.post(
        "/accounts/login/", {"username": "zhao@ganjiang.example.cn", "password": "wrong"}
    )
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session


def test_an_address_shared_by_two_accounts_does_not_sign_anyone_in(client, db):
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    from gongyue.core.testing import PASSWORD

    make_user("one", email="shared@example.cn")
    make_user("two", email="Shared@example.cn")
    request = RequestFactory().post("/accounts/login/")  # the lockout backend needs one
    assert authenticate(request, username="shared@example.cn", password=PASSWORD) is None
    assert authenticate(request, username="two", password=PASSWORD).username == "two"
