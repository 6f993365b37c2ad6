"""A convention in force and a membership of N units, each with its legal representative."""

from datetime import date

import pytest

from gongyue.accounts.models import Role
from gongyue.convention.demo import SAMPLE
from gongyue.convention.testing import make_version
from gongyue.core import testing


def uscc(i: int) -> str:
    """A valid Unified Social Credit Code for unit number i (the check character computed)."""
    from stdnum.cn import uscc as stdnum_uscc

    body = f"91360100MA{i:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


class Membership:
    """N member units with their legal representatives: `units[i]`, `reps[i]`."""

    def __init__(self, n: int):
        self.units, self.reps = [], []
        for i in range(n):
            self.add(i)

    def add(self, i: int, member=True):
        unit = testing.make_unit(f"成员单位{i:04d}有限公司", uscc(i))
        if member:
            testing.make_member(unit, since=date(2025, 1, 10))
        rep = testing.make_user(f"rep{i:04d}", Role.LEGAL_REP, unit=unit)
        self.units.append(unit)
        self.reps.append(rep)
        return unit, rep


@pytest.fixture
def version(db):
    """The version in force of a convention that took effect and was published a month ago."""
    from datetime import timedelta

    from django.utils import timezone

    from gongyue.convention.models import Convention

    version = make_version()
    Convention.objects.filter(pk=version.convention_id).update(
        effective_at=timezone.now() - timedelta(days=40),
        published_on=timezone.localdate() - timedelta(days=30),
    )
    version.convention.refresh_from_db()
    return version


@pytest.fixture
def membership(version):
    return Membership(30)


@pytest.fixture
def amended_text() -> bytes:
    text = SAMPLE.read_text(encoding="utf-8")
    first = text.index("第三条")
    end = text.index("\n", first)
    return (text[:end] + "并接受社会监督。" + text[end:]).encode()


@pytest.fixture(autouse=True)
def _english_refusals():
    """Actions called directly speak English here, so tests can name the refusal they expect;
    pages and the API choose their language per request as usual."""
    from django.core.signals import request_finished
    from django.utils import translation

    def back_to_english(**kwargs):
        # A request through the test client leaves its own language active in this thread.
        translation.activate("en")

    request_finished.connect(back_to_english)
    with translation.override("en"):
        yield
    request_finished.disconnect(back_to_english)
