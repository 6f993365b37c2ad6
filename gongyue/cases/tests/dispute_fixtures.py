"""Fixtures for disputes, complaints and public criticism (imported by their test modules):
two member units and their people, a third member, secretariat people (one of whom works for
unit A, another who declares a conflict), the authority and a superuser."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.accounts.models import Role
from gongyue.core import testing

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCRIPT = "<script>window.pwned=1</script><b>bold</b>"


def pdf(name="evidence.pdf", data=PDF_BYTES):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def members(unit_a, unit_b, rep_a, rep_b):
    testing.make_member(unit_a)
    testing.make_member(unit_b, date(2025, 3, 1))
    return unit_a, unit_b


@pytest.fixture
def third_member(members):
    unit_c = testing.make_unit("鄱阳湖数据有限公司", "91360100MA35F0QX2K")
    testing.make_member(unit_c)
    return testing.make_user("rep_c", Role.LEGAL_REP, unit=unit_c)


@pytest.fixture
def party_staff(members, staff_a):
    """Unit A's staff: a party's person who may not accept a settlement for it."""
    return staff_a


@pytest.fixture
def mediator(db):
    return testing.make_user("mediator", Role.SECRETARIAT_STAFF)


@pytest.fixture
def conflicted_staff(members):
    """Secretariat staff who works for unit A (a party): recused when mediation is asked."""
    return testing.make_user("sec_of_a", Role.SECRETARIAT_STAFF, unit=members[0])


@pytest.fixture
def superuser(db):
    return testing.make_user("root", is_superuser=True, is_staff=True)


def counts() -> dict[str, int]:
    """Rows per table, without the login records a test client's sign-in writes."""
    return {
        k: v for k, v in testing.table_counts().items() if not k.startswith(("axes.", "sessions."))
    }
