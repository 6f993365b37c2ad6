"""A proposal written as edits of chosen articles: the consolidated text and its diff."""

import pytest

from gongyue.amendments.consolidate import Edit, consolidate
from gongyue.amendments.models import Proposal
from gongyue.convention.models import Convention, Version
from gongyue.convention.parser import parse
from gongyue.core.errors import ActionRefused


def test_change_insert_and_delete_renumber_the_articles_in_order(version):
    text = consolidate(
        version.structure,
        [
            Edit("change", 3, "成员单位应当依法经营。"),
            Edit("insert_after", 3, "新增一条。\n（一）甲；\n（二）乙。"),
            Edit("delete", 6),
        ],
    )
    articles = parse(text.encode()).to_dict()["articles"]
    assert len(articles) == len(version.structure["articles"])
    assert [a["number"] for a in articles] == list(range(1, len(articles) + 1))
    assert articles[2]["paragraphs"][0]["text"] == "成员单位应当依法经营。"
    assert [i["text"] for i in articles[3]["paragraphs"][0]["items"]] == ["甲；", "乙。"]
    assert "第四条 新增一条。" in text
    old_six = version.structure["articles"][5]["paragraphs"][0]["text"]
    assert old_six not in text


def test_inserting_after_article_zero_puts_it_first(version):
    text = consolidate(version.structure, [Edit("insert_after", 0, "开篇一条。")])
    assert "第一条 开篇一条。" in text


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ([Edit("change", 99, "x")], "There is no article 第九十九条"),
        ([Edit("delete", 2), Edit("change", 2, "x")], "Article 2 is edited twice"),
        ([Edit("change", 2, "第二条 带编号")], "without its number"),
        ([Edit("change", 2, "   ")], "needs its text"),
        ([], "at least one article"),
        ([Edit("rename", 2, "x")], "Unknown edit"),
    ],
)
def test_bad_edits_are_refused_with_a_clear_message(version, edits, message):
    with pytest.raises(ActionRefused, match=message):
        consolidate(version.structure, edits)


def test_deleting_every_article_of_a_chapter_is_refused(version):
    chapter_one = [a["number"] for a in version.structure["articles"] if a["chapter"] == 1]
    with pytest.raises(ActionRefused, match="without any article"):
        consolidate(version.structure, [Edit("delete", n) for n in chapter_one])


def test_a_member_proposes_edits_on_the_page_and_sees_the_diff(client_for, membership, version):
    client = client_for(membership.reps[0])
    assert client.get("/amendments/new/articles/").status_code == 200
    response = client.post(
        "/amendments/new/articles/",
        {
            "title": "修改第三条",
            "reasons": "理由",
            "edits-TOTAL_FORMS": "3",
            "edits-INITIAL_FORMS": "0",
            "edits-0-operation": "change",
            "edits-0-article": "3",
            "edits-0-text": "成员单位开展经营活动，应当遵循依法合规、诚实守信的原则。",
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/amendments/{proposal.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "<del>、公平竞争、开放协作</del>" in html


def test_an_edit_of_a_missing_article_changes_nothing_on_the_page_or_the_api(
    client_for, membership, version
):
    before = Version.objects.count()
    client = client_for(membership.reps[0])
    page = client.post(
        "/amendments/new/articles/",
        {
            "title": "t",
            "reasons": "r",
            "edits-TOTAL_FORMS": "1",
            "edits-INITIAL_FORMS": "0",
            "edits-0-operation": "delete",
            "edits-0-article": "99",
        },
    )
    assert page.status_code == 400 and "第九十九条" in page.content.decode()
    api = client.post(
        "/api/v1/amendments/proposals/edits",
        {"title": "t", "reasons": "r", "edits": [{"operation": "delete", "article": 99}]},
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["fields"]["edits"]
    missing_text = client.post(
        "/api/v1/amendments/proposals/edits",
        {"title": "t", "reasons": "r", "edits": [{"operation": "change", "article": 2}]},
        content_type="application/json",
    )
    assert missing_text.status_code == 400 and "edits.0.text" in missing_text.json()["fields"]
    assert Version.objects.count() == before and not Proposal.objects.exists()


def test_the_api_drafts_a_proposal_from_edits(client_for, membership, version):
    response = client_for(membership.reps[0]).post(
        "/api/v1/amendments/proposals/edits",
        {
            "title": "t",
            "reasons": "r",
            "edits": [{"operation": "insert_after", "article": 4, "text": "新增。"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    proposal = Proposal.objects.get(pk=response.json()["id"])
    assert proposal.convention == Convention.objects.current()
    assert "第五条 新增。" in proposal.version.canonical_text
