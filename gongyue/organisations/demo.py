"""Demo membership for `gongyue load_demo`: founders who signed, a published convention, members
imported and joined by application, a delegate, a withdrawal and an application waiting for
review. Everything goes through the actions, so the audit log and
the inbox look as they would in use."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from gongyue.accounts.actions import do_grant_role
from gongyue.accounts.models import Role, User
from gongyue.convention import actions as convention_actions
from gongyue.convention.models import Convention

from . import actions
from .models import Unit, UnitCategory

# key, name, first 17 characters of the USCC, city, categories, ICP number, website
UNITS = [
    (
        "ganjiang",
        "赣江网络科技有限公司",
        "91360100MA35F0QX1",
        "南昌",
        ["info_service", "product_maker"],
        "赣ICP备2021003257号-1",
        "https://ganjiang.example.cn",
    ),
    (
        "lushan",
        "庐山信息服务有限公司",
        "91360400MA38K2LP0",
        "九江",
        ["info_service"],
        "赣ICP备2019001122号-2",
        "https://lushan.example.cn",
    ),
    (
        "hongcheng",
        "洪城宽带通信有限公司",
        "91360100MA39B7QC2",
        "南昌",
        ["access_provider"],
        "赣ICP备05060933号",
        "https://hongcheng.example.cn",
    ),
    (
        "poyang",
        "鄱阳湖数据服务有限公司",
        "91360700MA3AD4UN8",
        "赣州",
        ["info_service", "research_education"],
        "赣ICP备2022004455号-1",
        "https://poyang.example.cn",
    ),
]
FOUNDERS = ["ganjiang", "lushan", "hongcheng"]

IMPORTED = """uscc,name,joined,categories,city
{a},井冈山网吧连锁有限公司,2023-04-18,venue_operator,吉安
{b},赣南师范大学网络中心,2024-09-02,research_education,赣州
{c},景德镇陶瓷在线有限公司,2025-02-20,info_service;other,景德镇
"""


def code(first17: str) -> str:
    return first17 + stdnum_uscc.calc_check_digit(first17)


def _person(username, name, *, password, unit=None, role=None, granted_by=None) -> User:
    person = User.objects.create_user(
        username=username,
        password=password,
        display_name=name,
        email=f"{username}@example.cn",
        unit=unit,
    )
    if role:
        do_grant_role(person, role, actor=granted_by, unit=unit)
    return person


def _licence() -> ContentFile:
    return ContentFile(b"%PDF-1.4\n% demo business licence\n%%EOF\n", name="licence.pdf")


def load_membership_demo(*, password: str, secretariat) -> dict:
    """Create the demo's units and people; returns the people by username."""
    convention = Convention.objects.current()
    people = {}
    units = {}
    for key, name, first17, city, categories, icp, site in UNITS:
        unit = Unit.objects.create(
            name=name,
            uscc=code(first17),
            city=city,
            icp_numbers=[icp],
            websites=[site],
            legal_rep_name=name[:2] + "总",
        )
        UnitCategory.objects.bulk_create(UnitCategory(unit=unit, code=c) for c in categories)
        units[key] = unit
    for key in FOUNDERS:
        people[f"{key}_rep"] = _person(
            f"{key}_rep",
            f"{units[key].name}法定代表人",
            password=password,
            unit=units[key],
            role=Role.LEGAL_REP,
            granted_by=secretariat,
        )
    people["ganjiang_staff"] = _person(
        "ganjiang_staff",
        "赣江网络工作人员",
        password=password,
        unit=units["ganjiang"],
        role=Role.UNIT_STAFF,
        granted_by=secretariat,
    )

    # The founders sign; with the last signature the convention takes effect, and it is published.
    version = convention.version_in_force
    convention_actions.do_name_founders(
        convention, actor=secretariat, units=[units[k] for k in FOUNDERS]
    )
    for key in FOUNDERS:
        actions.do_sign_convention(
            units[key], actor=people[f"{key}_rep"], version=version, sha256=version.sha256
        )
    convention_actions.do_publish_convention(convention, actor=secretariat)

    # An association moving onto the platform brings its earlier members.
    imported = IMPORTED.format(
        a=code("92360800MA35X1Y21"), b=code("12360700491234567"), c=code("91360200MA37Q8R9T")
    )
    actions.do_import_members(imported.encode(), actor=secretariat, source_name="demo-members.csv")

    # One organisation applies, is approved and signs.
    people["poyang_rep"] = _person("poyang_rep", "鄱阳湖数据法定代表人", password=password)
    poyang = units["poyang"]
    application = actions.do_create_application(
        actor=people["poyang_rep"],
        data={
            "name": poyang.name,
            "uscc": poyang.uscc,
            "legal_rep_name": "陈总",
            "categories": ["info_service", "research_education"],
            "icp_numbers": poyang.icp_numbers,
            "websites": poyang.websites,
            "city": poyang.city,
            "address": "赣州市章贡区长征大道 8 号",
            "contact_name": "刘敏",
            "contact_phone": "0797-8888666",
            "contact_email": "contact@poyang.example.cn",
            "legal_rep_id_type": "resident_id",
            "legal_rep_id_last4": "301X",
            "legal_rep_email": "poyang_rep@example.cn",
            # The applicant is the legal representative, and the secretariat confirms it.
            "applicant_is_legal_rep": True,
            "accepts_rules": True,
        },
    )
    actions.do_attach_licence(application, actor=people["poyang_rep"], upload=_licence())
    actions.do_submit_application(application, actor=people["poyang_rep"])
    actions.do_approve_application(application, actor=secretariat, confirm_legal_rep=True)
    people["poyang_rep"].refresh_from_db()
    actions.do_sign_convention(
        poyang, actor=people["poyang_rep"], version=version, sha256=version.sha256
    )

    # A delegate of Ganjiang, and another organisation's application waiting for review.
    letter = ContentFile(
        b"%PDF-1.4\n% demo authorisation letter\n%%EOF\n", name="authorisation.pdf"
    )
    today = timezone.localdate()
    actions.do_authorise_delegate(
        units["ganjiang"],
        actor=people["ganjiang_rep"],
        email="ganjiang_delegate@example.cn",
        name="赣江网络委托代表",
        valid_from=today,
        valid_until=today + timedelta(days=365),
        letter=letter,
    )
    delegate = User.objects.get(email="ganjiang_delegate@example.cn")
    delegate.username = "ganjiang_delegate"
    delegate.set_password(password)
    delegate.save(update_fields=["username", "password"])
    people["ganjiang_delegate"] = delegate
    people["shenqing"] = _person("shenqing", "申请单位联系人", password=password)
    waiting = actions.do_create_application(
        actor=people["shenqing"],
        data={
            "name": "上饶云计算有限公司",
            "uscc": code("91361100MA39H6W3K"),
            "legal_rep_name": "吴总",
            "categories": ["info_service"],
            "city": "上饶",
            "address": "上饶市信州区 1 号",
            "contact_name": "吴敏",
            "contact_phone": "0793-8000000",
            "contact_email": "wu@shangrao.example.cn",
            # The contact applies; approving it invites the legal representative by mail.
            "legal_rep_id_type": "resident_id",
            "legal_rep_id_last4": "0021",
            "legal_rep_email": "wu.rep@shangrao.example.cn",
            "applicant_is_legal_rep": False,
            "accepts_rules": True,
        },
    )
    actions.do_attach_licence(waiting, actor=people["shenqing"], upload=_licence())
    actions.do_submit_application(waiting, actor=people["shenqing"])

    # One imported member leaves. No list is published: the convention took effect today, and
    # the first list is that of the current period, once it has ended (lists go in order).
    leaving = Unit.objects.get(name="景德镇陶瓷在线有限公司")
    people["jingdezhen_rep"] = _person(
        "jingdezhen_rep",
        "景德镇陶瓷在线法定代表人",
        password=password,
        unit=leaving,
        role=Role.LEGAL_REP,
        granted_by=secretariat,
    )
    actions.do_give_withdrawal_notice(leaving, actor=people["jingdezhen_rep"], reason="业务调整")
    return people
