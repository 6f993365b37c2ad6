"""Fixtures of the case tests (imported by each test_case_*.py): a convention in force, three
member units with their people, the secretariat (the assigned person, a conflicted one, the
head), and helpers that carry a case to each step through the actions."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongyue.accounts.models import Role
from gongyue.cases import actions
from gongyue.cases.models import Case
from gongyue.core import testing

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="evidence.pdf", data=PDF_BYTES):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def version(db):
    """The version in force of a convention published a month ago."""
    from gongyue.convention.models import Convention
    from gongyue.convention.testing import make_version

    version = make_version()
    Convention.objects.filter(pk=version.convention_id).update(
        effective_at=timezone.now() - timedelta(days=40),
        published_on=timezone.localdate() - timedelta(days=30),
    )
    return version


@pytest.fixture
def member_a(version, unit_a, rep_a):
    testing.make_member(unit_a)
    return unit_a


@pytest.fixture
def member_b(version, unit_b, rep_b):
    testing.make_member(unit_b, date(2025, 3, 1))
    return unit_b


@pytest.fixture
def unit_c(db):
    return testing.make_unit("鄱阳湖数据服务有限公司")


@pytest.fixture
def third_member(version, unit_c):
    """The legal representative of a third member unit, C, party to nothing."""
    testing.make_member(unit_c)
    return testing.make_user("rep_c", Role.LEGAL_REP, unit=unit_c)


@pytest.fixture
def conflicted(db):
    """Secretariat staff who declared a conflict in the case (see `reported`)."""
    return testing.make_user("sec_conflicted", Role.SECRETARIAT_STAFF)


@pytest.fixture
def site_admin(db):
    return testing.make_user("root", is_superuser=True, is_staff=True)


def report_data(accused, **overrides):
    data = {
        "accused": accused,
        "articles": [9],
        "facts": "该单位在其网站上传播未经许可的信息。",
        "occurred_on": date(2026, 11, 2),
        "named_to_accused": False,
    }
    data.update(overrides)
    return data


def report(reporter, accused, evidence=(), **overrides) -> Case:
    return actions.do_report_case(
        actor=reporter, data=report_data(accused, **overrides), evidence=evidence
    )


@pytest.fixture
def reported(member_a, member_b, rep_a, secretariat, conflicted):
    """A report by unit A against unit B with one evidence file; triaged, the conflicted person
    recused, assigned to `secretariat`."""
    case = report(rep_a, member_b, evidence=[(pdf(), "pdf")])
    actions.do_triage_case(case, actor=secretariat, decision="investigate")
    actions.do_declare_conflict(case, actor=conflicted, reason="我曾在被举报单位任职。")
    actions.do_assign_case(case, actor=secretariat, person=secretariat)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def notified(reported, secretariat):
    return actions.do_notify_accused(reported, actor=secretariat, message="请于期限内答复。")


@pytest.fixture
def replied(notified, rep_b):
    return actions.do_reply_to_case(notified, actor=rep_b, statement="我单位已整改。")


def find(case, actor, verified=True, adverse=True, reasons="经查证属实，造成不良影响。"):
    return actions.do_record_finding(
        case,
        actor=actor,
        data={
            "verified": verified,
            "facts": "已查明。",
            "articles": [9],
            "adverse_effect": adverse,
            "reasons": reasons,
            "evidence_relied_on": list(case.files.all()),
        },
    )


@pytest.fixture
def decided(replied, secretariat):
    find(replied, secretariat)
    return Case.objects.get(pk=replied.pk)


def sanction(case, actor, measure="internal_notice"):
    actions.do_decide_sanction(case, actor=actor, measure=measure, reasons="情节较重。")
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def sanctioned(decided, secretariat):
    return sanction(decided, secretariat)


@pytest.fixture
def review_asked(sanctioned, rep_b):
    actions.do_request_review(sanctioned, actor=rep_b, grounds="处理过重。")
    return Case.objects.get(pk=sanctioned.pk)


def client_as(user):
    """A test client of its own, signed in as `user` (None: anonymous)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    if settings.LANGUAGE_CODE == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(autouse=False)
def in_english(settings):
    """The messages in English, for the tests that quote them (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
