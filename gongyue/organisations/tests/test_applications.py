import pytest

from gongyue.accounts.models import Role, RoleGrant
from gongyue.audit.models import AuditEntry
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification
from gongyue.core.tasks import run_queued_tasks
from gongyue.organisations import actions
from gongyue.organisations.models import Application, ApplicationStatus, Unit

from .conftest import VALID_APPLICATION, api_apply, make_member, pdf_upload

API = "/api/v1/members"


def form_data(**changes):
    data = {**VALID_APPLICATION, **changes}
    data["icp_numbers"] = "\n".join(data["icp_numbers"])
    data["websites"] = "\n".join(data["websites"])
    return data


# The whole path, on the pages -----------------------------------------------------------------


def test_an_applicant_saves_a_draft_then_submits_and_the_secretariat_is_told(
    client_for, applicant, secretariat, smtp_server
):
    client = client_for(applicant)
    response = client.post("/members/apply/", {"name": "鄱阳湖数据服务有限公司", "save": "1"})
    application = Application.objects.get(applicant=applicant)
    assert response.status_code == 302 and application.status == ApplicationStatus.DRAFT
    response = client.post(
        f"/members/applications/{application.pk}/",
        {**form_data(), "licence": pdf_upload("licence.pdf"), "submit": "1"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.submitted_at
    assert application.icp_numbers == VALID_APPLICATION["icp_numbers"]
    assert (
        AuditEntry.objects.filter(
            action="organisations.application_submitted", subject_id=str(application.pk)
        ).count()
        == 1
    )
    run_queued_tasks()
    [mail] = smtp_server.to(secretariat.email)
    assert "鄱阳湖数据服务有限公司" in mail["Subject"]
    page = client.get(f"/members/applications/{application.pk}/").content.decode()
    assert "已提交" in page


def test_a_returned_application_tells_the_applicant_why_and_can_be_corrected(
    client_for, submitted_application, applicant, secretariat, smtp_server
):
    response = client_for(secretariat).post(
        f"/members/secretariat/applications/{submitted_application.pk}/",
        {"decision": "return", "reasons": "请补充营业执照上的地址。"},
    )
    assert response.status_code == 302
    submitted_application.refresh_from_db()
    assert (
        submitted_application.status == ApplicationStatus.RETURNED
        and submitted_application.times_returned == 1
    )
    run_queued_tasks()
    [mail] = smtp_server.to(applicant.email)
    assert "请补充营业执照上的地址。" in smtp_server.body(mail)
    assert Notification.objects.filter(recipient=applicant, kind="membership").exists()
    page = (
        client_for(applicant)
        .get(f"/members/applications/{submitted_application.pk}/")
        .content.decode()
    )
    assert "请补充营业执照上的地址。" in page
    response = client_for(applicant).post(
        f"/members/applications/{submitted_application.pk}/",
        {**form_data(address="南昌市新建区 2 号"), "submit": "1"},
    )
    submitted_application.refresh_from_db()
    assert (
        response.status_code == 302 and submitted_application.status == ApplicationStatus.SUBMITTED
    )
    assert submitted_application.address == "南昌市新建区 2 号"


def test_approval_records_the_unit_and_makes_the_applicant_its_contact_who_cannot_sign(
    client_for, submitted_application, applicant, secretariat, smtp_server, convention
):
    response = client_for(secretariat).post(
        f"/members/secretariat/applications/{submitted_application.pk}/", {"decision": "approve"}
    )
    assert response.status_code == 302
    submitted_application.refresh_from_db()
    unit = Unit.objects.get(uscc=VALID_APPLICATION["uscc"])
    assert (
        submitted_application.status == ApplicationStatus.APPROVED
        and submitted_application.unit == unit
    )
    assert unit.category_codes == ["info_service", "product_maker"]
    assert unit.legal_rep_name == VALID_APPLICATION["legal_rep_name"]
    applicant.refresh_from_db()
    assert applicant.unit == unit
    assert set(
        RoleGrant.objects.filter(user=applicant, unit=unit).values_list("role", flat=True)
    ) == {Role.UNIT_STAFF}
    [entry] = AuditEntry.objects.filter(action="organisations.application_approved")
    assert entry.new["contact"] == applicant.pk and entry.new["legal_rep"] is None
    assert entry.new["legal_rep_confirmed_against_licence"] is False
    run_queued_tasks()
    [mail] = smtp_server.to(applicant.email)
    assert "联系人" in smtp_server.body(mail)
    # The contact is told on the signing page why they cannot sign, and the action refuses.
    page = client_for(applicant).get(f"/members/units/{unit.pk}/sign/").content.decode()
    assert "联系人" in page and "z***@poyang.example.cn" in page
    version = convention.version_in_force
    with pytest.raises(ActionRefused) as refused:
        actions.do_sign_convention(unit, actor=applicant, version=version, sha256=version.sha256)
    assert refused.value.status == 403 and "联系人" in refused.value.blockers[1]


def test_a_rejection_needs_reasons_and_ends_the_application(
    client_for, submitted_application, secretariat
):
    url = f"/members/secretariat/applications/{submitted_application.pk}/"
    response = client_for(secretariat).post(url, {"decision": "reject", "reasons": ""})
    assert response.status_code == 400
    assert "请说明理由" in response.content.decode()
    submitted_application.refresh_from_db()
    assert submitted_application.status == ApplicationStatus.SUBMITTED
    client_for(secretariat).post(url, {"decision": "reject", "reasons": "不属于互联网行业。"})
    submitted_application.refresh_from_db()
    assert submitted_application.status == ApplicationStatus.REJECTED


def test_the_queue_lists_submitted_applications_oldest_first(
    client_for, submitted_application, secretariat
):
    page = client_for(secretariat).get("/members/secretariat/applications/").content.decode()
    assert submitted_application.name in page


# Who may do what -------------------------------------------------------------------------------


def test_an_approval_by_anyone_but_the_secretariat_is_refused_and_changes_nothing(
    client_for, submitted_application, applicant, rep_a
):
    url = f"/members/secretariat/applications/{submitted_application.pk}/"
    assert client_for(applicant).post(url, {"decision": "approve"}).status_code == 403
    assert client_for(rep_a).post(url, {"decision": "approve"}).status_code == 403
    response = client_for(applicant).post(
        f"{API}/applications/{submitted_application.pk}/approve",
        {},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    submitted_application.refresh_from_db()
    assert submitted_application.status == ApplicationStatus.SUBMITTED
    assert not AuditEntry.objects.filter(action="organisations.application_approved").exists()


def test_the_action_itself_refuses_a_non_secretariat_approval(submitted_application, applicant):
    with pytest.raises(ActionRefused) as refused:
        actions.do_approve_application(submitted_application, actor=applicant)
    assert refused.value.status == 403


def test_other_people_cannot_see_an_application(client_for, submitted_application, rep_b):
    assert (
        client_for(rep_b).get(f"/members/applications/{submitted_application.pk}/").status_code
        == 404
    )
    assert (
        client_for(rep_b).get(f"{API}/applications/{submitted_application.pk}").status_code == 404
    )


def test_an_approved_application_can_no_longer_be_changed(
    client_for, submitted_application, applicant, secretariat
):
    actions.do_approve_application(submitted_application, actor=secretariat)
    response = client_for(applicant).post(
        f"/members/applications/{submitted_application.pk}/",
        {**form_data(name="改名"), "save": "1"},
    )
    assert response.status_code == 409
    submitted_application.refresh_from_db()
    assert submitted_application.name == VALID_APPLICATION["name"]


# Bad input ---------------------------------------------------------------------------------------


def test_an_invalid_uscc_gets_a_message_next_to_the_field_and_nothing_is_saved(
    client_for, applicant
):
    response = client_for(applicant).post(
        "/members/apply/", {**form_data(uscc="91350100M000100Y4Z"), "submit": "1"}
    )
    assert response.status_code == 400
    assert "uscc" in response.context["form"].errors
    assert "校验码" in response.context["form"].errors["uscc"][0]
    assert not Application.objects.exists()


def test_a_uscc_held_by_a_member_is_refused(client_for, applicant, member_a):
    response = client_for(applicant).post(
        "/members/apply/", {**form_data(uscc=member_a.uscc), "submit": "1"}
    )
    assert response.status_code == 400
    assert "成员单位" in response.context["form"].errors["uscc"][0]
    assert not Application.objects.exists()


def test_a_uscc_under_review_in_another_application_is_refused(
    client_for, submitted_application, no_unit_user
):
    response = client_for(no_unit_user).post(
        f"{API}/applications",
        {**VALID_APPLICATION, "submit": True},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "uscc" in response.json()["fields"]
    assert Application.objects.count() == 1


def test_a_former_member_may_apply_again_with_its_code(client_for, applicant, unit_a):
    from datetime import date

    from gongyue.core.deadlines import start_of_day

    membership = make_member(unit_a, date(2024, 1, 1))
    membership.ended_at, membership.ended_by = start_of_day(date(2025, 1, 1)), "withdrawal"
    membership.save()
    response = api_apply(client_for(applicant), {**VALID_APPLICATION, "uscc": unit_a.uscc})
    assert response.status_code == 200 and response.json()["status"] == "submitted"


def test_a_malformed_icp_number_is_refused_on_the_page_and_by_the_api(client_for, applicant):
    response = client_for(applicant).post(
        "/members/apply/", {**form_data(), "icp_numbers": "赣ICP备123号", "submit": "1"}
    )
    assert response.status_code == 400 and "icp_numbers" in response.context["form"].errors
    response = client_for(applicant).post(
        f"{API}/applications",
        {**VALID_APPLICATION, "icp_numbers": ["赣ICP备123号"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "赣ICP备123号" in response.json()["fields"]["icp_numbers"][0]
    assert not Application.objects.exists()


def test_submitting_an_incomplete_application_lists_the_missing_fields(client_for, applicant):
    response = client_for(applicant).post(
        f"{API}/applications", {"name": "草稿单位", "submit": True}, content_type="application/json"
    )
    assert response.status_code == 400 and "legal_rep_name" in response.json()["fields"]
    draft = client_for(applicant).post(
        f"{API}/applications", {"name": "草稿单位"}, content_type="application/json"
    )
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    response = client_for(applicant).post(f"{API}/applications/{draft.json()['id']}/submit")
    assert response.status_code == 409 and "法定代表人" in response.json()["message"]


# The API path ------------------------------------------------------------------------------------


def test_the_whole_review_works_through_the_api(client_for, applicant, secretariat):
    created = api_apply(client_for(applicant), VALID_APPLICATION)
    assert created.status_code == 200 and created.json()["status"] == "submitted"
    pk = created.json()["id"]
    queue = client_for(secretariat).get(f"{API}/applications?status=submitted").json()
    assert [a["id"] for a in queue] == [pk]
    empty = client_for(secretariat).post(
        f"{API}/applications/{pk}/return", {"reasons": " "}, content_type="application/json"
    )
    assert empty.status_code == 400 and empty.json()["fields"] == {
        "reasons": [empty.json()["message"]]
    }
    returned = client_for(secretariat).post(
        f"{API}/applications/{pk}/return",
        {"reasons": "补充联系人"},
        content_type="application/json",
    )
    assert returned.json()["status"] == "returned"
    changed = client_for(applicant).put(
        f"{API}/applications/{pk}",
        {"contact_name": "王五", "submit": True},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["status"] == "submitted"
    assert changed.json()["contact_name"] == "王五"
    approved = client_for(secretariat).post(
        f"{API}/applications/{pk}/approve", {}, content_type="application/json"
    )
    assert approved.json()["status"] == "approved" and approved.json()["unit_id"]
    twice = client_for(secretariat).post(
        f"{API}/applications/{pk}/approve", {}, content_type="application/json"
    )
    assert twice.status_code == 409


def test_registration_opens_an_account_and_leads_to_the_application(client, db):
    from gongyue.core.testing import PASSWORD

    response = client.post(
        "/members/register/",
        {
            "username": "poyang",
            "display_name": "张三",
            "email": "zhang@poyang.example.cn",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/members/apply/"
    assert client.get("/members/apply/").status_code == 200


def test_registration_is_rate_limited_per_address(client, db, settings):
    settings.ANON_RATE_PER_HOUR = 2
    for _n in range(2):
        client.post("/members/register/", {"username": ""})
    response = client.post("/members/register/", {"username": "x"})
    assert response.status_code == 429


def test_an_invalid_uscc_is_refused_by_the_api_with_the_check_character_named(
    client_for, applicant
):
    response = client_for(applicant).post(
        f"{API}/applications",
        {**VALID_APPLICATION, "uscc": "91350100M000100Y4Z"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert (
        "Z" in response.json()["fields"]["uscc"][0]
        and "校验码" in response.json()["fields"]["uscc"][0]
    )
    assert not Application.objects.exists()


def test_an_approval_page_refusal_says_who_may_approve(
    client_for, submitted_application, applicant
):
    response = client_for(applicant).post(
        f"/members/secretariat/applications/{submitted_application.pk}/", {"decision": "approve"}
    )
    assert response.status_code == 403 and "无权" in response.content.decode()
    api = client_for(applicant).post(
        f"{API}/applications/{submitted_application.pk}/approve",
        {},
        content_type="application/json",
    )
    assert api.json()["message"] == "只有公约执行机构可以审核申请。"
