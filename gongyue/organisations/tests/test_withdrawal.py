from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongyue.audit.models import AuditEntry
from gongyue.core.deadlines import start_of_day
from gongyue.core.duties import run_due_duties
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification
from gongyue.core.tasks import run_queued_tasks
from gongyue.organisations.models import EndedBy, Membership, Unit, Withdrawal, WithdrawalStatus

API = "/api/v1/members"


def test_a_member_withdraws_by_notice_effective_today_by_default(
    client_for, rep_a, member_a, secretariat, smtp_server
):
    response = client_for(rep_a).post(
        f"/members/units/{member_a.pk}/withdraw/", {"reason": "业务调整"}
    )
    assert response.status_code == 302
    withdrawal = Withdrawal.objects.get(unit=member_a)
    assert (
        withdrawal.effective_on == timezone.localdate()
        and withdrawal.status == WithdrawalStatus.EFFECTIVE
    )
    membership = Membership.objects.get(unit=member_a)
    assert (
        membership.ended_at == withdrawal.effective_at and membership.ended_by == EndedBy.WITHDRAWAL
    )
    assert membership.end_reason == "业务调整"
    assert not Unit.objects.members().filter(pk=member_a.pk).exists()
    assert AuditEntry.objects.filter(action="organisations.withdrawal_notified").count() == 1
    run_queued_tasks()
    assert smtp_server.to(secretariat.email)


def test_a_later_date_ends_membership_at_its_midnight_and_the_duty_tells_everyone(
    client_for, rep_a, member_a, secretariat
):
    day = timezone.localdate() + timedelta(days=10)
    response = client_for(rep_a).post(
        f"{API}/units/{member_a.pk}/withdrawal",
        {"effective_on": day.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.effective_at == start_of_day(day)
    assert Unit.objects.members().filter(pk=member_a.pk).exists()
    assert (
        Unit.objects.members(start_of_day(day) - timedelta(seconds=1))
        .filter(pk=member_a.pk)
        .exists()
    )
    # Nobody clicks: at the date the unit is not a member, whether or not the duty ran yet.
    assert not Unit.objects.members(start_of_day(day)).filter(pk=member_a.pk).exists()
    Notification.objects.all().delete()
    assert (
        run_due_duties(now=start_of_day(day) - timedelta(minutes=1))["organisations.withdrawals"]
        == 0
    )
    assert (
        run_due_duties(now=start_of_day(day) + timedelta(minutes=1))["organisations.withdrawals"]
        == 1
    )
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.EFFECTIVE and withdrawal.took_effect_at
    assert AuditEntry.objects.filter(action="organisations.withdrawal_effective").count() == 1
    assert Notification.objects.filter(recipient=secretariat, kind="membership").count() == 1
    # Running the duties again does nothing more.
    assert (
        run_due_duties(now=start_of_day(day) + timedelta(minutes=2))["organisations.withdrawals"]
        == 0
    )
    assert AuditEntry.objects.filter(action="organisations.withdrawal_effective").count() == 1


def test_withdrawing_twice_is_refused_and_changes_nothing(client_for, rep_a, member_a):
    day = timezone.localdate() + timedelta(days=10)
    client_for(rep_a).post(
        f"{API}/units/{member_a.pk}/withdrawal",
        {"effective_on": day.isoformat()},
        content_type="application/json",
    )
    again = client_for(rep_a).post(
        f"{API}/units/{member_a.pk}/withdrawal", {}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_withdrawing"
    page = client_for(rep_a).post(f"/members/units/{member_a.pk}/withdraw/", {})
    assert page.status_code == 409
    assert Withdrawal.objects.count() == 1 and Membership.objects.get().ended_at == start_of_day(
        day
    )


def test_a_unit_that_never_joined_cannot_withdraw(client_for, rep_a, unit_a):
    response = client_for(rep_a).post(
        f"{API}/units/{unit_a.pk}/withdrawal", {}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "not_a_member"
    assert not Withdrawal.objects.exists()


def test_a_date_before_the_notice_is_refused_next_to_the_field(client_for, rep_a, member_a):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_for(rep_a).post(
        f"{API}/units/{member_a.pk}/withdrawal",
        {"effective_on": yesterday},
        content_type="application/json",
    )
    assert response.status_code == 400 and "effective_on" in response.json()["fields"]
    page = client_for(rep_a).post(
        f"/members/units/{member_a.pk}/withdraw/", {"effective_on": yesterday}
    )
    assert page.status_code == 400 and "effective_on" in page.context["withdrawal_form"].errors
    assert not Withdrawal.objects.exists()


def test_staff_cannot_give_notice_for_the_unit(client_for, staff_a, member_a):
    response = client_for(staff_a).post(
        f"{API}/units/{member_a.pk}/withdrawal", {}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Withdrawal.objects.exists()


def test_the_run_duties_command_completes_due_withdrawals(rep_a, member_a):
    from gongyue.organisations import actions

    day = timezone.localdate() + timedelta(days=1)
    withdrawal = actions.do_give_withdrawal_notice(member_a, actor=rep_a, effective_on=day)
    Withdrawal.objects.filter(pk=withdrawal.pk).update(
        effective_at=timezone.now() - timedelta(seconds=1)
    )
    call_command("run_duties")
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.EFFECTIVE


def test_a_unit_that_never_joined_is_told_so_on_the_page(client_for, rep_a, unit_a):
    response = client_for(rep_a).post(f"/members/units/{unit_a.pk}/withdraw/", {})
    assert response.status_code == 409 and "不是成员单位" in response.content.decode()
    assert not Withdrawal.objects.exists()


def _notice_in(days, member, person):
    from gongyue.organisations import actions

    day = timezone.localdate() + timedelta(days=days)
    return actions.do_give_withdrawal_notice(member, actor=person, effective_on=day)


def test_a_notice_is_retracted_on_the_page_before_its_date_and_the_unit_stays_a_member(
    client_for, rep_a, member_a, secretariat
):
    withdrawal = _notice_in(10, member_a, rep_a)
    Notification.objects.all().delete()
    page = client_for(rep_a).get(f"/members/units/{member_a.pk}/manage/").content.decode()
    assert 'data-testid="retract-withdrawal"' in page
    response = client_for(rep_a).post(f"/members/withdrawals/{withdrawal.pk}/retract/")
    assert response.status_code == 302
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.RETRACTED and withdrawal.retracted_by == rep_a
    membership = Membership.objects.get(unit=member_a)
    assert (membership.ended_at, membership.ended_by) == (None, "")
    assert Unit.objects.members(withdrawal.effective_at).filter(pk=member_a.pk).exists()
    entry = AuditEntry.objects.get(action="organisations.withdrawal_retracted")
    assert (entry.actor, entry.subject_id) == (rep_a, str(withdrawal.pk))
    assert entry.new == {"status": "retracted", "ended_at": None}
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {secretariat.username, rep_a.username}
    # The duty at the old date does nothing, and the unit may give notice again.
    from gongyue.organisations import actions

    assert not actions.do_complete_withdrawal(withdrawal, now=withdrawal.effective_at)
    again = _notice_in(20, member_a, rep_a)
    assert again.status == WithdrawalStatus.PENDING


def test_a_notice_is_retracted_through_the_api(client_for, rep_a, member_a):
    withdrawal = _notice_in(5, member_a, rep_a)
    response = client_for(rep_a).post(f"{API}/withdrawals/{withdrawal.pk}/retract")
    assert response.status_code == 200 and response.json()["status"] == "retracted"
    assert Unit.objects.members(withdrawal.effective_at).filter(pk=member_a.pk).exists()


def test_a_notice_that_took_effect_cannot_be_retracted_and_nothing_changes(
    client_for, rep_a, member_a
):
    from gongyue.organisations import actions

    withdrawal = actions.do_give_withdrawal_notice(member_a, actor=rep_a)  # effective today
    before = AuditEntry.objects.count()
    page = client_for(rep_a).post(f"/members/withdrawals/{withdrawal.pk}/retract/")
    assert page.status_code == 409
    assert "不能再撤回" in page.content.decode()
    api = client_for(rep_a).post(f"{API}/withdrawals/{withdrawal.pk}/retract")
    assert api.status_code == 409 and api.json()["code"] == "cannot_retract"
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.EFFECTIVE
    assert Membership.objects.get(unit=member_a).ended_at == withdrawal.effective_at
    assert AuditEntry.objects.count() == before


def test_a_pending_notice_whose_date_has_come_cannot_be_retracted_before_the_duty_runs(
    rep_a, member_a
):
    from gongyue.organisations import actions

    withdrawal = _notice_in(3, member_a, rep_a)
    Withdrawal.objects.filter(pk=withdrawal.pk).update(
        effective_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ActionRefused) as refused:
        actions.do_retract_withdrawal(withdrawal, actor=rep_a)
    assert refused.value.code == "cannot_retract"
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == WithdrawalStatus.PENDING


def test_only_the_units_signers_retract_a_notice(client_for, rep_a, staff_a, rep_b, member_a):
    withdrawal = _notice_in(10, member_a, rep_a)
    url = f"/members/withdrawals/{withdrawal.pk}/retract/"
    assert client_for(staff_a).post(url).status_code == 403
    assert client_for(rep_b).post(url).status_code == 404
    assert client_for(rep_b).post(f"{API}/withdrawals/{withdrawal.pk}/retract").status_code == 404
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == WithdrawalStatus.PENDING


def test_a_revocation_settles_a_pending_notice_so_the_duty_never_announces_a_withdrawal(
    rep_a, member_a, secretariat
):
    from gongyue.organisations import actions

    withdrawal = _notice_in(10, member_a, rep_a)
    actions.do_revoke_membership(member_a, actor=secretariat, reason="严重违反公约")
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.EFFECTIVE and withdrawal.took_effect_at
    Notification.objects.all().delete()
    assert not actions.do_complete_withdrawal(withdrawal, now=withdrawal.effective_at)
    assert not AuditEntry.objects.filter(action="organisations.withdrawal_effective").exists()
    assert not Notification.objects.exists()
    membership = Membership.objects.get(unit=member_a)
    assert membership.ended_by == EndedBy.REVOCATION
