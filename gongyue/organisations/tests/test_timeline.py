from datetime import date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from gongyue.audit.models import AuditEntry
from gongyue.core.deadlines import CHINA, start_of_day
from gongyue.core.errors import ActionRefused
from gongyue.organisations import actions
from gongyue.organisations.models import EndedBy, JoinedBy, Membership, Unit

from .conftest import approve_for, make_member


def test_members_as_of_a_moment_reads_the_half_open_intervals(unit_a, unit_b):
    make_member(unit_a, date(2025, 1, 10))
    left = make_member(unit_b, date(2025, 3, 1))
    left.ended_at, left.ended_by = start_of_day(date(2025, 6, 1)), EndedBy.WITHDRAWAL
    left.save()
    assert list(Unit.objects.members(datetime(2025, 1, 9, 23, 59, tzinfo=CHINA))) == []
    assert list(Unit.objects.members(start_of_day(date(2025, 1, 10)))) == [unit_a]
    assert set(Unit.objects.members(datetime(2025, 5, 31, 23, 59, tzinfo=CHINA))) == {
        unit_a,
        unit_b,
    }
    assert list(Unit.objects.members(start_of_day(date(2025, 6, 1)))) == [unit_a]
    assert Unit.objects.members().get(pk=unit_a.pk).member_since == start_of_day(date(2025, 1, 10))


def test_rejoining_after_withdrawal_is_a_new_interval(unit_a, rep_a, convention, secretariat):
    version = convention.version_in_force
    approve_for(unit_a, rep_a)
    actions.do_sign_convention(unit_a, actor=rep_a, version=version, sha256=version.sha256)
    actions.do_give_withdrawal_notice(unit_a, actor=rep_a)
    assert not Unit.objects.members().filter(pk=unit_a.pk).exists()
    # A new application, approved, and a signature of a new version start a second interval.
    from gongyue.convention.models import Version, VersionStatus

    Version.objects.filter(pk=version.pk).update(status=VersionStatus.SUPERSEDED)
    v2 = Version.objects.create(
        convention=convention,
        number=2,
        status=VersionStatus.ADOPTED,
        title=version.title,
        structure=version.structure,
        canonical_text=version.canonical_text,
        sha256="e" * 64,
    )
    approve_for(unit_a, rep_a)
    actions.do_sign_convention(unit_a, actor=rep_a, version=v2, sha256=v2.sha256)
    first, second = Membership.objects.filter(unit=unit_a).order_by("started_at")
    assert first.ended_by == EndedBy.WITHDRAWAL and first.ended_at <= second.started_at
    assert second.ended_at is None and second.joined_by == JoinedBy.SIGNATURE
    assert Unit.objects.members().get(pk=unit_a.pk).member_since == second.started_at


def test_the_database_allows_one_open_interval_per_unit(unit_a):
    make_member(unit_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_member(unit_a, date(2025, 2, 1))


def test_a_revocation_ends_the_membership_with_its_reasons(member_a, secretariat):
    membership = actions.do_revoke_membership(
        member_a, actor=secretariat, reason="经查证属实的严重违约"
    )
    assert (
        membership.ended_by == EndedBy.REVOCATION
        and membership.end_reason == "经查证属实的严重违约"
    )
    assert not Unit.objects.members().filter(pk=member_a.pk).exists()
    assert AuditEntry.objects.filter(action="organisations.membership_revoked").count() == 1


def test_only_the_secretariat_revokes_and_only_with_reasons(member_a, rep_a, secretariat):
    with pytest.raises(ActionRefused):
        actions.do_revoke_membership(member_a, actor=rep_a, reason="x")
    with pytest.raises(ActionRefused):
        actions.do_revoke_membership(member_a, actor=secretariat, reason=" ")
    assert Unit.objects.members().filter(pk=member_a.pk).exists()


def test_counts_come_from_the_timeline(member_a, member_b):
    assert Unit.objects.members().count() == 2
    assert Unit.objects.members(timezone.now() - timedelta(days=3650)).count() == 0
