"""Compliance campaigns: questions tied to article identities, addressed units frozen at opening,
answers before the deadline with evidence, review and findings, and a report computed in the
database that a recount from its CSV reproduces."""

import csv
import hashlib
import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from gongyue.audit.models import AuditEntry
from gongyue.bulletins import actions, queries
from gongyue.bulletins.duties import remind_campaigns
from gongyue.bulletins.models import Answer, Campaign, Question, Response
from gongyue.core.deadlines import deadline
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification

from .conftest import PDF_BYTES, build_campaign, pdf


@pytest.fixture
def campaign(secretariat, convention, members):
    campaign = build_campaign(secretariat, convention)
    return actions.do_open_campaign(campaign, actor=secretariat)


def answer(user, campaign, values: dict, *, submit=True, client=None):
    questions = {q.position: q for q in campaign.questions.all()}
    data = {f"q{questions[n].pk}": v for n, v in values.items()}
    data["submit"] = "1" if submit else "0"
    return client.post(f"/bulletins/campaigns/{campaign.pk}/answers/", data)


def test_opening_freezes_the_addressed_units_and_the_deadline(
    secretariat, convention, members, newcomer
):
    draft = build_campaign(secretariat, convention, days=15)
    campaign = actions.do_open_campaign(draft, actor=secretariat)
    assert set(campaign.responses.values_list("unit", flat=True)) == {m.pk for m in members}
    assert campaign.due_at == deadline(campaign.opened_at, 15).ends_at
    assert Notification.objects.filter(kind="campaign").count() == 4
    assert AuditEntry.objects.filter(action="bulletins.campaign_opened").count() == 1


def test_questions_are_tied_to_the_articles_stable_identity(secretariat, convention, members):
    campaign = build_campaign(secretariat, convention)
    question = campaign.questions.get(position=1)
    version = convention.versions.in_force().first()
    assert question.article == version.articles.get(number=2).identity


def test_a_questionnaire_with_no_questions_is_refused(secretariat, convention, members, client_for):
    empty = actions.do_create_campaign(
        actor=secretariat, convention=convention, data={"title": "空", "days": 5}
    )
    response = client_for(secretariat).post(f"/bulletins/campaigns/{empty.pk}/open/")
    assert response.status_code == 409
    empty.refresh_from_db()
    assert empty.status == "draft" and not Response.objects.exists()


def test_a_question_tied_to_no_article_is_refused(secretariat, convention, members, client_for):
    empty = actions.do_create_campaign(
        actor=secretariat, convention=convention, data={"title": "空", "days": 5}
    )
    client = client_for(secretariat)
    for article in ("", "99"):
        response = client.post(
            f"/bulletins/campaigns/{empty.pk}/questions/",
            {"text": "问题", "article": article, "answer_type": "text"},
        )
        assert response.status_code == 400
    assert not Question.objects.exists()


def test_a_unit_drafts_then_submits_with_evidence(campaign, rep_a, client_for):
    client = client_for(rep_a)
    assert answer(rep_a, campaign, {1: "yes"}, submit=False, client=client).status_code == 302
    response = Response.objects.get(campaign=campaign, unit=rep_a.unit)
    assert response.status == "draft"
    result = answer(rep_a, campaign, {2: "7日内", 3: pdf("制度.pdf")}, client=client)
    assert result.status_code == 302
    response.refresh_from_db()
    assert response.status == "submitted" and response.submitted_by == rep_a
    evidence = Answer.objects.get(response=response, question__position=3)
    assert evidence.file and evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert (evidence.file_name, evidence.file_kind, evidence.file_size) == (
        "制度.pdf",
        "pdf",
        len(PDF_BYTES),
    )
    assert evidence.file.name.endswith(".pdf") and "制度" not in evidence.file.name
    download = client.get(f"/bulletins/campaigns/responses/{response.pk}/files/{evidence.pk}/")
    # A PDF is shown by the browser's viewer, under the sandboxing policy of every upload.
    assert download["Content-Disposition"].startswith("inline")
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_a_missing_required_answer_is_refused_and_nothing_is_submitted(campaign, rep_a, client_for):
    result = answer(rep_a, campaign, {1: "yes"}, client=client_for(rep_a))
    assert result.status_code == 400
    response = Response.objects.get(campaign=campaign, unit=rep_a.unit)
    assert response.status == "pending" and not response.answers.exists()


def test_an_answer_after_the_deadline_is_refused(campaign, rep_a, client_for):
    Campaign.objects.filter(pk=campaign.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    result = answer(rep_a, campaign, {1: "yes", 2: "无"}, client=client_for(rep_a))
    assert result.status_code == 409
    assert not Answer.objects.exists()


def test_evidence_of_a_forbidden_type_is_refused(campaign, rep_a, client_for):
    result = answer(
        rep_a,
        campaign,
        {1: "yes", 2: "无", 3: pdf("x.pdf", b"<script>alert(1)</script>")},
        client=client_for(rep_a),
    )
    assert result.status_code == 400 and not Answer.objects.exists()


def test_another_unit_cannot_see_or_answer_for_a_unit(campaign, rep_a, rep_b, client_for):
    actions.do_save_answers(
        Response.objects.get(campaign=campaign, unit=rep_a.unit),
        actor=rep_a,
        answers={campaign.questions.get(position=1): "yes"},
        submit=False,
    )
    mine = Response.objects.get(campaign=campaign, unit=rep_a.unit)
    assert client_for(rep_b).get(f"/bulletins/campaigns/responses/{mine.pk}/").status_code == 403
    with pytest.raises(ActionRefused):
        actions.do_save_answers(
            mine,
            actor=rep_b,
            answers={campaign.questions.get(position=1): "no"},
            submit=False,
        )


def test_the_secretariat_asks_for_more_and_then_records_a_finding(
    campaign, rep_a, secretariat, client_for
):
    answer(rep_a, campaign, {1: "no", 2: "无"}, client=client_for(rep_a))
    response = Response.objects.get(campaign=campaign, unit=rep_a.unit)
    client = client_for(secretariat)
    url = f"/bulletins/campaigns/responses/{response.pk}/"
    assert client.post(url, {"decision": "more", "note": "请补充制度文件"}).status_code == 302
    response.refresh_from_db()
    assert response.status == "more_requested"
    answer(rep_a, campaign, {1: "no", 2: "无"}, client=client_for(rep_a))
    client = client_for(secretariat)
    # A finding other than compliant needs to say what.
    assert client.post(url, {"decision": "to_improve", "note": ""}).status_code == 400
    assert (
        client.post(url, {"decision": "suspected_violation", "note": "未建立制度"}).status_code
        == 302
    )
    response.refresh_from_db()
    assert response.finding == "suspected_violation" and response.case_flagged_at is not None
    entry = AuditEntry.objects.get(action="bulletins.finding_recorded")
    assert entry.new["flagged_for_case"] is True


def test_units_that_have_not_submitted_are_reminded_once_before_the_deadline(
    campaign, rep_a, settings
):
    settings.CAMPAIGN_REMINDER_DAYS = 3
    actions.do_save_answers(
        Response.objects.get(campaign=campaign, unit=rep_a.unit),
        actor=rep_a,
        answers={q: v for q, v in zip(campaign.questions.all(), ["yes", "7日内"], strict=False)},
        submit=True,
    )
    Notification.objects.all().delete()
    assert remind_campaigns(timezone.now()) == 0
    assert remind_campaigns(campaign.due_at - timedelta(days=2)) == 1
    assert remind_campaigns(campaign.due_at - timedelta(days=1)) == 0
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "rep_b",
        "staff_b",
    }


def submit_two(campaign, rep_a, rep_b):
    """Unit A compliant everywhere; unit B fails both assessed questions of article 2."""
    q1, q2, _file, q4 = campaign.questions.all()
    for user, values in [
        (rep_a, ["yes", "7日内", "yes"]),
        (rep_b, ["no", "7日内", "no"]),
    ]:
        actions.do_save_answers(
            Response.objects.get(campaign=campaign, unit=user.unit),
            actor=user,
            answers=dict(zip([q1, q2, q4], values, strict=True)),
            submit=True,
        )


def test_the_report_is_computed_in_the_database_in_a_fixed_number_of_queries(
    campaign, rep_a, rep_b, django_assert_num_queries
):
    submit_two(campaign, rep_a, rep_b)
    with django_assert_num_queries(5):
        report = queries.campaign_report(campaign)
    first, second = (campaign.questions.get(position=n).pk for n in (1, 2))
    assert report["per_question"][first]["share"] == 50.0
    assert report["per_question"][second]["share"] == 100.0
    articles = {row["question__article_number"]: row for row in report["per_article"]}
    # Article 2: unit B failed two of its questions and counts once as not compliant.
    assert articles[2]["units"] == 2 and articles[2]["compliant_n"] == 1
    assert articles[2]["share"] == 50.0 and articles[3]["share"] == 100.0
    assert report["totals"]["submitted"] == 2 and report["missing"] == []


def test_the_reports_figures_equal_a_recount_from_its_csv(
    campaign, rep_a, rep_b, secretariat, client_for
):
    submit_two(campaign, rep_a, rep_b)
    client = client_for(secretariat)
    page = client.get(f"/bulletins/campaigns/{campaign.pk}/report/")
    report = page.context["report"]
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/bulletins/campaigns/{campaign.pk}/report.csv").content.decode())))  # fmt: skip
    for position in (1, 2, 4):
        assessed = [r for r in rows if r["question"] == str(position) and r["compliant"]]
        recount = round(100 * sum(r["compliant"] == "yes" for r in assessed) / len(assessed), 1)
        question = campaign.questions.get(position=position)
        assert report["per_question"][question.pk]["share"] == recount
    for row in report["per_article"]:
        mine = [
            r
            for r in rows
            if r["article"] == str(row["question__article_number"]) and r["compliant"]
        ]
        units = {r["unit"] for r in mine}
        failing = {r["unit"] for r in mine if r["compliant"] == "no"}
        assert row["share"] == round(100 * (len(units) - len(failing)) / len(units), 1)


def test_the_report_downloads_as_a_chinese_pdf(
    campaign, rep_a, rep_b, secretariat, client_for, tmp_path
):
    submit_two(campaign, rep_a, rep_b)
    response = client_for(secretariat).get(f"/bulletins/campaigns/{campaign.pk}/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "个人信息保护自查" in text


def test_a_published_summary_is_for_members_without_unit_names(
    campaign, rep_a, rep_b, secretariat, newcomer, no_unit_user, client_for
):
    submit_two(campaign, rep_a, rep_b)
    url = f"/bulletins/campaigns/{campaign.pk}/summary/"
    assert client_for(rep_a).get(url).status_code == 404
    client_for(secretariat).post(f"/bulletins/campaigns/{campaign.pk}/publish-summary/")
    page = client_for(rep_a).get(url)
    assert page.status_code == 200
    assert rep_a.unit.name not in page.content.decode()
    assert client_for(no_unit_user).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_file_evidence_keeps_its_name_kind_size_and_hash_on_the_review_report_csv_and_api(
    campaign, rep_a, secretariat, client_for
):
    from gongyue.accounts.models import ApiToken

    answer(
        rep_a,
        campaign,
        {1: "yes", 2: "7日内", 3: pdf("制度文件.pdf")},
        client=client_for(rep_a),
    )
    evidence = Answer.objects.get(question__position=3)
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    entry = AuditEntry.objects.get(action="bulletins.answers_submitted")
    assert entry.new["evidence"] == [
        {
            "question": 3,
            "name": "制度文件.pdf",
            "kind": "pdf",
            "size": len(PDF_BYTES),
            "sha256": digest,
        }
    ]
    client = client_for(secretariat)
    review = client.get(f"/bulletins/campaigns/responses/{evidence.response_id}/").content.decode()
    report = client.get(f"/bulletins/campaigns/{campaign.pk}/report/").content.decode()
    for page in (review, report):
        assert "制度文件.pdf" in page and "PDF" in page and digest in page
        assert f"/bulletins/campaigns/responses/{evidence.response_id}/files/{evidence.pk}/" in page
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/bulletins/campaigns/{campaign.pk}/report.csv").content.decode())))  # fmt: skip
    [row] = [r for r in rows if r["question"] == "3"]
    assert (row["evidence_name"], row["evidence_kind"], row["evidence_size"]) == (
        "制度文件.pdf",
        "pdf",
        str(len(PDF_BYTES)),
    )
    assert row["evidence_sha256"] == digest
    assert all(r["evidence_sha256"] == "" for r in rows if r["question"] != "3")

    _token, secret = ApiToken.issue(secretariat, "test")
    api = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    [mine] = [
        r
        for r in client.get(f"/api/v1/campaigns/{campaign.pk}/responses", **api).json()
        if r["evidence"]
    ]
    assert mine["evidence"] == [
        {
            "answer_id": evidence.pk,
            "question_id": evidence.question_id,
            "name": "制度文件.pdf",
            "kind": "pdf",
            "size": len(PDF_BYTES),
            "sha256": digest,
        }
    ]
    served = client.get(
        f"/api/v1/campaigns/responses/{evidence.response_id}/files/{evidence.pk}", **api
    )
    assert served.status_code == 200 and b"".join(served.streaming_content) == PDF_BYTES
    assert served["Content-Security-Policy"].startswith("sandbox")
