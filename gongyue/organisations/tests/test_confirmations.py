"""Irreversible acts on the membership pages ask first, in words, and only the confirmation acts;
a form opened before someone else changed the application is refused, keeping what was typed."""

from datetime import timedelta

from django.utils import timezone

from gongyue.accounts.models import Role, RoleGrant
from gongyue.audit.models import AuditEntry
from gongyue.core.testing import confirm, form_fields
from gongyue.organisations.models import Application, ApplicationStatus, RegisterList, Withdrawal
from gongyue.organisations.periods import period_containing

ASK = {"confirm_step": "ask"}


def test_approving_says_what_will_happen_and_only_the_confirmation_approves(
    client_for, secretariat, submitted_application
):
    client = client_for(secretariat)
    url = f"/members/secretariat/applications/{submitted_application.pk}/"
    asked = client.post(url, {**ASK, "decision": "approve", "reasons": ""})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "批准" in page and submitted_application.name in page and "无法撤销" in page
    submitted_application.refresh_from_db()
    assert submitted_application.status == ApplicationStatus.SUBMITTED
    assert not AuditEntry.objects.filter(action="organisations.application_approved").exists()
    done = confirm(client, asked)
    assert done.status_code == 302
    submitted_application.refresh_from_db()
    assert submitted_application.status == ApplicationStatus.APPROVED
    assert AuditEntry.objects.filter(action="organisations.application_approved").count() == 1


def test_the_review_form_asks_for_the_step_and_returning_needs_none(
    client_for, secretariat, submitted_application
):
    client = client_for(secretariat)
    url = f"/members/secretariat/applications/{submitted_application.pk}/"
    _action, fields = form_fields(client.get(url).content.decode(), "review-form")
    assert fields["confirm_step"] == "ask"
    returned = client.post(url, {**ASK, "decision": "return", "reasons": "请补充地址"})
    assert returned.status_code == 302
    submitted_application.refresh_from_db()
    assert submitted_application.status == ApplicationStatus.RETURNED


def test_rejecting_without_reasons_shows_the_error_before_any_confirmation(
    client_for, secretariat, submitted_application
):
    client = client_for(secretariat)
    url = f"/members/secretariat/applications/{submitted_application.pk}/"
    refused = client.post(url, {**ASK, "decision": "reject", "reasons": ""})
    assert refused.status_code in (400, 409)
    assert 'data-testid="confirmation"' not in refused.content.decode()
    asked = client.post(url, {**ASK, "decision": "reject", "reasons": "材料不实"})
    assert "驳回" in asked.content.decode()
    assert confirm(client, asked).status_code == 302
    submitted_application.refresh_from_db()
    assert submitted_application.status == ApplicationStatus.REJECTED
    assert submitted_application.reasons == "材料不实"


def test_withdrawing_names_the_day_the_unit_leaves_before_notice_is_given(
    client_for, rep_a, member_a, convention
):
    client = client_for(rep_a)
    day = timezone.localdate() + timedelta(days=10)
    asked = client.post(f"/members/units/{member_a.pk}/withdraw/", {**ASK, "effective_on": day})
    page = asked.content.decode()
    assert asked.status_code == 200 and member_a.name in page and day.isoformat() in page
    assert not Withdrawal.objects.exists()
    assert confirm(client, asked).status_code == 302
    assert Withdrawal.objects.get(unit=member_a).effective_on == day


def test_revoking_a_delegate_asks_first(client_for, rep_a, delegate, unit_a):
    grant = RoleGrant.objects.get(user=delegate, role=Role.DELEGATE)
    client = client_for(rep_a)
    asked = client.post(f"/members/delegates/{grant.pk}/revoke/", ASK)
    assert asked.status_code == 200 and str(delegate) in asked.content.decode()
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert confirm(client, asked).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert AuditEntry.objects.filter(action="organisations.delegate_revoked").count() == 1


def test_publishing_a_list_asks_first(client_for, secretariat, convention):
    client = client_for(secretariat)
    # The first period to publish is the one in which the convention took effect.
    first = period_containing(convention.effective_at, "quarter").key
    asked = client.post("/members/secretariat/lists/", {**ASK, "period": first, "note": ""})
    assert asked.status_code == 200 and first[:4] in asked.content.decode()
    assert not RegisterList.objects.exists()
    assert confirm(client, asked).status_code == 302
    assert RegisterList.objects.get().period == first


def test_a_stale_application_form_is_refused_keeping_what_was_typed(
    client_for, applicant, application_data
):
    from gongyue.organisations import actions

    application = actions.do_create_application(actor=applicant, data={"name": "旧名称"})
    client = client_for(applicant)
    url = f"/members/applications/{application.pk}/"
    _action, fields = form_fields(client.get(url).content.decode(), "application-form")
    # Meanwhile, in a second tab, the draft is saved with another address.
    actions.do_update_application(
        Application.objects.get(pk=application.pk),
        actor=applicant,
        data={"name": "旧名称", "address": "第二个标签页写的地址"},
    )
    typed = {**fields, "name": "第一个标签页输入的名称", "save": "1"}
    refused = client.post(url, typed)
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "有人在您打开表单之后修改了" in page and "第一个标签页输入的名称" in page
    application.refresh_from_db()
    assert application.name == "旧名称" and application.address == "第二个标签页写的地址"
    # The refused page carries the new state, so saving again on purpose goes through.
    _action, again = form_fields(page, "application-form")
    assert client.post(url, {**again, "save": "1"}).status_code == 302
    application.refresh_from_db()
    assert application.name == "第一个标签页输入的名称"
