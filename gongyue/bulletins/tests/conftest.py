"""Fixtures for bulletins and requests: member units in categories, their people, a joiner."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.accounts.models import Role
from gongyue.core import testing
from gongyue.organisations.models import UnitCategory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="notice.pdf", data=PDF_BYTES):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def bulletin_data(**overrides) -> dict:
    data = {
        "title": "关于加强个人信息保护的通知",
        "body": "# 通知\n\n- 第一项\n- 第二项\n\n[详见](https://www.cac.gov.cn/)",
        "kind": "law",
        "audience": "members",
        "all_members": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def categorise(unit, *codes):
    UnitCategory.objects.bulk_create(UnitCategory(unit=unit, code=code) for code in codes)
    return unit


@pytest.fixture
def member_a(unit_a, rep_a):
    """Unit A: a member since 2025, an information service provider."""
    testing.make_member(unit_a)
    return categorise(unit_a, "info_service")


@pytest.fixture
def member_b(unit_b, rep_b):
    """Unit B: a member since 2025, an access provider."""
    testing.make_member(unit_b, date(2025, 3, 1))
    return categorise(unit_b, "access_provider")


@pytest.fixture
def staff_b(member_b):
    return testing.make_user("staff_b", Role.UNIT_STAFF, unit=member_b)


@pytest.fixture
def members(member_a, member_b, staff_a, staff_b):
    return [member_a, member_b]


@pytest.fixture
def newcomer(db):
    """A unit that is not a member yet, with its legal representative."""
    unit = categorise(testing.make_unit("新来网络有限公司"), "info_service")
    return testing.make_user("rep_new", Role.LEGAL_REP, unit=unit)


CONVENTION_TEXT = """测试行业自律公约

第一章 总则

第一条 为规范测试行业从业者行为，制定本公约。

第二条 成员单位应当保护用户个人信息。

第三条 成员单位应当建立投诉处理机制。

第二章 附则

第四条 本公约自公布之日起施行。
"""


@pytest.fixture
def convention(secretariat_head):
    from gongyue.convention.actions import do_adopt_version, do_import_version

    version = do_import_version(
        None, CONVENTION_TEXT.encode(), actor=secretariat_head, source_name="test.txt"
    )
    do_adopt_version(version, actor=secretariat_head)
    return version.convention


def build_campaign(secretariat, convention, *, days=15, categories=()):
    """A campaign of four questions on articles 2 and 3: three assessed, one file."""
    from gongyue.bulletins import actions
    from gongyue.convention.models import Article

    campaign = actions.do_create_campaign(
        actor=secretariat,
        convention=convention,
        data={"title": "2026年度个人信息保护自查", "days": days, "categories": list(categories)},
    )
    version = convention.versions.in_force().first()
    articles = {a.number: a for a in Article.objects.filter(version=version)}
    for text, number, kind, extra in [
        ("是否制定了个人信息保护制度？", 2, "yes_no", {"compliant_values": ["yes"]}),
        (
            "投诉处理时限",
            3,
            "choice",
            {"choices": ["7日内", "15日内", "无"], "compliant_values": ["7日内", "15日内"]},
        ),
        ("制度文件", 2, "file", {"required": False}),
        (
            "是否公开个人信息处理规则？",
            2,
            "yes_no",
            {"compliant_values": ["yes"], "required": False},
        ),
    ]:
        actions.do_add_question(
            campaign,
            actor=secretariat,
            data={"text": text, "article": articles[number], "answer_type": kind,
                  "required": True, **extra},
        )  # fmt: skip
    return campaign
