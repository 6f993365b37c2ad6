"""Fixtures for membership tests: a convention with a version to sign, members, applications."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongyue.accounts.models import Role, RoleGrant
from gongyue.convention.canonical import canonical_text, text_sha256
from gongyue.convention.models import Convention, Version, VersionStatus
from gongyue.convention.parser import parse
from gongyue.core import testing
from gongyue.core.testing import make_member
from gongyue.organisations.models import Application, ApplicationStatus

SAMPLE_TEXT = """测试行业自律公约

第一章 总则

第一条 为规范测试行业从业者行为，制定本公约。

第二条 成员单位应当遵守下列规定：
（一）诚实守信；
（二）公平竞争。

第二章 附则

第三条 本公约自公布之日起施行。

签约单位（盖章）
年  月  日
"""

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A real 2×2 image: the type is read from the content, so a bare signature is not enough.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00"
    b"\x00\xfd\xd4\x9as\x00\x00\x00\x16IDATx\x9cc<!'\xc7\xc0\xc0\xc0\xc4\xc0\xc0\xc0\xc0\xc0"
    b"\x00\x00\r\x04\x01\x08}q\xcaf\x00\x00\x00\x00IEND\xaeB`\x82"
)


def make_convention(*, effective=True, published=True, slug="test", text=SAMPLE_TEXT) -> Convention:
    """A convention with one adopted version; by default it took effect and is in force."""
    structure = parse(text)
    canonical = canonical_text(structure)
    now = timezone.now()
    convention = Convention.objects.create(
        slug=slug,
        title=structure.title,
        effective_at=now - timedelta(days=400) if effective else None,
        published_on=(now - timedelta(days=390)).date() if effective and published else None,
    )
    Version.objects.create(
        convention=convention,
        number=1,
        status=VersionStatus.ADOPTED,
        title=structure.title,
        structure=structure.to_dict(),
        canonical_text=canonical,
        sha256=text_sha256(canonical),
        adopted_at=now - timedelta(days=400),
    )
    return convention


def approve_for(unit, applicant) -> Application:
    """An application already approved for `unit`, so its signers may sign."""
    return Application.objects.create(
        applicant=applicant,
        unit=unit,
        status=ApplicationStatus.APPROVED,
        name=unit.name,
        uscc=unit.uscc,
        decided_at=timezone.now(),
    )


def pdf_upload(name="letter.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded letters and scans go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def convention(db):
    return make_convention()


@pytest.fixture
def version(convention):
    return convention.version_in_force


@pytest.fixture
def delegate(unit_a, rep_a):
    """A delegate of unit A, authorised for this year and the next."""
    person = testing.make_user("delegate_a", unit=unit_a)
    today = timezone.localdate()
    RoleGrant.objects.create(
        user=person,
        role=Role.DELEGATE,
        unit=unit_a,
        valid_from=today - timedelta(days=30),
        valid_until=today + timedelta(days=365),
        granted_by=rep_a,
        document="private/authorisations/test.pdf",
    )
    return person


@pytest.fixture
def member_a(unit_a, rep_a):
    """Unit A as a member since 2025-01-10 (imported), with its legal representative."""
    make_member(unit_a)
    return unit_a


@pytest.fixture
def member_b(unit_b, rep_b):
    make_member(unit_b, date(2025, 3, 1))
    return unit_b


@pytest.fixture
def applicant(db):
    """Someone who registered to apply for an organisation."""
    return testing.make_user("applicant")


VALID_APPLICATION = {
    "name": "鄱阳湖数据服务有限公司",
    "uscc": "91350100M000100Y43",
    "legal_rep_name": "张三",
    "categories": ["info_service", "product_maker"],
    "icp_numbers": ["赣ICP备2021003257号-1", "赣ICP备05060933号"],
    "websites": ["https://poyang.example.cn"],
    "city": "南昌",
    "address": "南昌市红谷滩区丰和中大道 1 号",
    "contact_name": "李四",
    "contact_phone": "0791-88888888",
    "contact_email": "contact@poyang.example.cn",
    "legal_rep_id_type": "resident_id",
    "legal_rep_id_last4": "123X",
    "legal_rep_email": "zhang.san@poyang.example.cn",
    "applicant_is_legal_rep": False,
    "accepts_rules": True,
}


@pytest.fixture
def application_data():
    return dict(VALID_APPLICATION)


@pytest.fixture
def submitted_application(applicant, application_data):
    from gongyue.organisations import actions

    application = actions.do_create_application(actor=applicant, data=application_data)
    actions.do_attach_licence(application, actor=applicant, upload=pdf_upload("licence.pdf"))
    return actions.do_submit_application(application, actor=applicant)


def api_apply(client, data, *, submit=True):
    """Apply through the API as an integrator would: the fields, the licence scan, submission."""
    created = client.post("/api/v1/members/applications", data, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    attached = client.post(
        f"/api/v1/members/applications/{pk}/licence", {"licence": pdf_upload("licence.pdf")}
    )
    assert attached.status_code == 200, attached.content
    if not submit:
        return attached
    return client.post(f"/api/v1/members/applications/{pk}/submit")
