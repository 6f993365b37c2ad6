"""Actions whose audit rows no other test asserted: each writes exactly one, with its actor and
subject, and tells whom it should."""

from gongyue.accounts.actions import do_grant_role
from gongyue.accounts.models import Role
from gongyue.audit.models import AuditEntry
from gongyue.core.models import Notification
from gongyue.core.testing import make_user
from gongyue.organisations import actions
from gongyue.screening import actions as screening_actions

from .conftest import VALID_APPLICATION


def the_entry(action):
    [entry] = AuditEntry.objects.filter(action=action)
    return entry


def test_granting_a_role_is_audited(secretariat_head, unit_a):
    person = make_user("new_staff", unit=unit_a)
    grant = do_grant_role(person, Role.UNIT_STAFF, actor=secretariat_head, unit=unit_a)
    entry = the_entry("accounts.role_granted")
    assert (entry.actor, entry.subject_id) == (secretariat_head, str(grant.pk))
    assert entry.new["role"] == Role.UNIT_STAFF and entry.new["unit"] == unit_a.pk


def test_creating_and_changing_an_application_are_audited_without_contact_details(applicant):
    application = actions.do_create_application(actor=applicant, data=dict(VALID_APPLICATION))
    created = the_entry("organisations.application_created")
    assert (created.actor, created.subject_id) == (applicant, str(application.pk))
    assert created.new["name"] == VALID_APPLICATION["name"]
    assert created.new["contact_email"] == "…"  # contact details stay out of the log
    actions.do_update_application(
        application, actor=applicant, data={"city": "九江", "contact_phone": "0792-1"}
    )
    changed = the_entry("organisations.application_changed")
    assert changed.old == {"city": "南昌", "contact_phone": "…"}
    assert changed.new == {"city": "九江", "contact_phone": "…"}


def test_returning_and_rejecting_are_audited_and_tell_the_applicant(
    submitted_application, applicant, secretariat
):
    Notification.objects.all().delete()
    actions.do_return_application(submitted_application, actor=secretariat, reasons="缺营业执照")
    returned = the_entry("organisations.application_returned")
    assert (returned.actor, returned.new) == (
        secretariat,
        {"status": "returned", "reasons": "缺营业执照"},
    )
    [told] = Notification.objects.filter(recipient=applicant)
    assert "缺营业执照" in told.body
    actions.do_submit_application(submitted_application, actor=applicant)
    Notification.objects.all().delete()
    actions.do_reject_application(submitted_application, actor=secretariat, reasons="不符合条件")
    rejected = the_entry("organisations.application_rejected")
    assert rejected.new == {"status": "rejected", "reasons": "不符合条件"}
    [told] = Notification.objects.filter(recipient=applicant)
    assert "不符合条件" in told.body


def test_removing_a_term_is_audited(secretariat):
    row, _version = screening_actions.do_add_term(
        actor=secretariat, term="冰毒", category="other", action="block"
    )
    screening_actions.do_remove_term(row, actor=secretariat)
    entry = the_entry("screening.term_removed")
    assert (entry.actor, entry.subject_id) == (secretariat, str(row.pk))
