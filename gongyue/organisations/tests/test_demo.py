from gongyue.accounts.models import Role
from gongyue.audit.log import verify
from gongyue.core import testing
from gongyue.organisations.demo import load_membership_demo
from gongyue.organisations.models import Application, RegisterList, Unit, Withdrawal

from .conftest import make_convention


def test_the_demo_has_founders_members_a_delegate_and_a_withdrawal(db):
    convention = make_convention(effective=False)
    secretariat = testing.make_user("demo_sec", Role.SECRETARIAT_HEAD)
    people = load_membership_demo(password=testing.PASSWORD, secretariat=secretariat)
    convention.refresh_from_db()
    assert convention.effective_at and convention.published_on
    assert (
        Unit.objects.members().count() == 6
    )  # three founders, one applicant, two imported still members
    # The convention took effect today: its first list is due when the current period ends.
    assert Withdrawal.objects.count() == 1 and RegisterList.objects.count() == 0
    assert Application.objects.queue().count() == 1
    assert people["ganjiang_delegate"].check_password(testing.PASSWORD)
    assert verify().ok
