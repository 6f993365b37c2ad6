"""Bad input: each gets a clear message and a 4xx, and nothing changes; text from users renders
escaped everywhere."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongyue.cases.models import Case
from gongyue.core import testing
from gongyue.core.testing import table_counts

from .case_fixtures import *  # noqa: F403
from .case_fixtures import client_as, find, pdf, report

SCRIPT = '<script>alert("x")</script><b onmouseover="x()">粗</b>'

pytestmark = pytest.mark.usefixtures("in_english")


def post_report(client, **fields):
    data = {"accused": "", "articles": ["9"], "facts": "事实"}
    data.update(fields)
    return client.post("/cases/report/", {k: v for k, v in data.items() if v is not None})


def refused_cleanly(client, response, *, status, text):
    assert response.status_code == status, response.status_code
    assert text in response.content.decode(), response.content.decode()[:3000]


def test_a_report_against_ones_own_unit_is_refused(member_a, rep_a):
    client = client_as(rep_a)
    before = table_counts()
    response = post_report(client, accused=member_a.pk)
    refused_cleanly(client, response, status=400, text="A unit cannot report itself.")
    assert table_counts() == before
    api = client.post("/api/v1/cases/", {"accused": member_a.pk, "articles": "9", "facts": "x"})
    assert api.status_code == 400 and api.json()["code"] == "own_unit"
    assert api.json()["fields"] == {} or "accused" in api.json()["fields"] or api.json()["message"]
    assert table_counts() == before


def test_a_report_against_a_non_member_is_refused(member_a, rep_a):
    stranger = testing.make_unit("非成员单位有限公司")
    client = client_as(rep_a)
    before = table_counts()
    response = post_report(client, accused=stranger.pk)
    refused_cleanly(client, response, status=400, text="is not a member unit")
    assert table_counts() == before


def test_a_report_without_an_article_is_refused(member_a, member_b, rep_a):
    client = client_as(rep_a)
    before = table_counts()
    response = post_report(client, accused=member_b.pk, articles=None)
    refused_cleanly(client, response, status=400, text="Pick at least one article")
    api = client.post("/api/v1/cases/", {"accused": member_b.pk, "facts": "x"})
    assert api.status_code == 400 and "articles" in api.json()["fields"]
    assert table_counts() == before


def test_evidence_of_the_wrong_type_is_refused(member_a, member_b, rep_a):
    client = client_as(rep_a)
    before = table_counts()
    html = SimpleUploadedFile("x.pdf", b"<html><script>x</script></html>", "application/pdf")
    response = post_report(client, accused=member_b.pk, evidence=[html])
    refused_cleanly(client, response, status=400, text="The file must be one of")
    assert table_counts() == before


def test_evidence_over_the_size_limit_is_refused(member_a, member_b, rep_a, settings):
    settings.CASE_FILE_MAX_BYTES = 100
    client = client_as(rep_a)
    before = table_counts()
    big = pdf(data=b"%PDF-1.4\n" + b"0" * 200 + b"\n%%EOF\n")
    response = post_report(client, accused=member_b.pk, evidence=[big])
    refused_cleanly(client, response, status=400, text="the limit is 100")
    assert table_counts() == before


def test_a_reply_after_the_deadline_is_refused(notified, rep_b):
    Case.objects.filter(pk=notified.pk).update(reply_due_at=timezone.now() - timedelta(seconds=1))
    client = client_as(rep_b)
    before = table_counts()
    response = client.post(f"/cases/{notified.pk}/reply/", {"statement": "迟到的答复"})
    refused_cleanly(client, response, status=409, text="The reply deadline passed")
    assert table_counts() == before


def test_a_finding_without_reasons_is_refused(replied, secretariat):
    client = client_as(secretariat)
    before = table_counts()
    response = client.post(
        f"/cases/{replied.pk}/finding/",
        {"verified": "yes", "facts": "f", "articles": ["9"], "adverse_effect": "yes"},
    )
    refused_cleanly(client, response, status=400, text="A finding states its reasons.")
    api = client.post(
        f"/api/v1/cases/{replied.pk}/finding",
        {"verified": "yes", "facts": "f", "articles": [9], "adverse_effect": "yes", "reasons": ""},
        "application/json",
    )
    assert api.status_code == 400 and "reasons" in api.json()["fields"]
    assert table_counts() == before


def test_a_sanction_on_an_unverified_finding_is_refused_through_the_api(replied, secretariat):
    find(replied, secretariat, verified=False, adverse=True)
    client = client_as(secretariat)
    before = table_counts()
    api = client.post(
        f"/api/v1/cases/{replied.pk}/sanction",
        {"measure": "internal_notice", "reasons": "r"},
        "application/json",
    )
    assert api.status_code == 409 and api.json()["code"] == "sanction_blocked"
    assert "verified as true" in api.json()["message"]
    assert table_counts() == before


def test_a_review_too_late_is_refused_through_the_api(sanctioned, rep_b):
    type(sanctioned.sanction).objects.filter(pk=sanctioned.sanction.pk).update(
        review_due_at=timezone.now() - timedelta(days=1)
    )
    client = client_as(rep_b)
    before = table_counts()
    api = client.post(f"/api/v1/cases/{sanctioned.pk}/review", {"grounds": "g"}, "application/json")
    assert api.status_code == 409 and "24:00" in api.json()["message"]
    assert table_counts() == before


@pytest.fixture
def scripted(member_a, member_b, rep_a, rep_b, secretariat):
    """A case whose every text field holds markup and script."""
    from gongyue.cases import actions

    case = report(rep_a, member_b, facts=SCRIPT)
    actions.do_triage_case(case, actor=secretariat, decision="investigate")
    actions.do_assign_case(case, actor=secretariat, person=secretariat)
    actions.do_notify_accused(case, actor=secretariat, message=SCRIPT)
    actions.do_reply_to_case(case, actor=rep_b, statement=SCRIPT)
    actions.do_record_finding(
        case,
        actor=secretariat,
        data={
            "verified": True,
            "facts": SCRIPT,
            "articles": [9],
            "adverse_effect": True,
            "reasons": SCRIPT,
            "evidence_note": SCRIPT,
            "redress": SCRIPT,
        },
    )
    actions.do_decide_sanction(case, actor=secretariat, measure="internal_notice", reasons=SCRIPT)
    actions.do_request_review(case, actor=rep_b, grounds=SCRIPT)
    return case


def test_html_and_script_in_every_text_field_render_escaped(
    scripted, secretariat, rep_b, third_member
):
    pages = [
        (secretariat, f"/cases/{scripted.pk}/"),
        (rep_b, f"/cases/{scripted.pk}/"),
        (third_member, f"/cases/results/{scripted.pk}/"),
        (third_member, "/cases/results/"),
    ]
    for user, url in pages:
        html = client_as(user).get(url).content.decode()
        assert "<script>alert" not in html and 'onmouseover="' not in html, url
    html = client_as(secretariat).get(f"/cases/{scripted.pk}/").content.decode()
    assert html.count("&lt;script&gt;alert") >= 6
