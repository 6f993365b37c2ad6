from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.audit.models import AuditEntry
from gongyue.screening import actions
from gongyue.screening.models import LexiconTerm, LexiconVersion

pytestmark = pytest.mark.django_db


def counts():
    return LexiconTerm.objects.count(), LexiconVersion.objects.count(), AuditEntry.objects.count()


# --- the try page --------------------------------------------------------------------------------


def test_the_secretariat_pastes_a_text_and_sees_the_matches_highlighted_with_their_offsets(
    client_for, secretariat, add_term
):
    add_term("冰毒", severity=5)
    add_term("代開發票", category="fraud", action="review")

    response = client_for(secretariat).post("/screening/try/", {"text": "卖冰 毒，<b>代开发票</b>"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="decision">拦截</span>' in html
    assert (
        '卖<mark class="action-block" title="冰毒" data-start="1" data-end="4">冰 毒</mark>，&lt;b&gt;'
        in html
    )
    assert (
        '<mark class="action-review" title="代開發票" data-start="8" data-end="12">代开发票</mark>&lt;/b&gt;'
        in html
    )
    assert (
        "<td>冰毒</td><td>其他</td><td>拦截</td><td>5</td><td>1</td><td>4</td><td><code>冰 毒</code></td><td>原文</td>"
        in html
    )
    assert "2 处匹配，共 16 个字符，词库第 2 版。" in html


def test_overlapping_matches_are_one_highlight_naming_every_term(client_for, secretariat, add_term):
    add_term("网络赌博")
    add_term("博彩", action="review")

    html = client_for(secretariat).post("/screening/try/", {"text": "网络赌博彩"}).content.decode()

    assert (
        '<mark class="action-block" title="网络赌博, 博彩" data-start="0" data-end="5">网络赌博彩</mark>'
        in html
    )


def test_a_clean_text_passes_on_the_try_page(client_for, rep_a):
    html = client_for(rep_a).post("/screening/try/", {"text": "你好"}).content.decode()
    # No version is published: the page says so rather than naming a "version 0".
    assert 'data-testid="decision">通过</span>' in html and "尚未发布任何词库版本" in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "文本为空；请发送要筛查的文本。"),
        ("冰" * 70000, "文本有 70,000 个字符，上限为 65,536 个。"),
    ],
)
def test_an_empty_or_too_long_text_is_refused_on_the_try_page(
    client_for, rep_a, add_term, text, message
):
    add_term("冰毒")
    before = counts()
    response = client_for(rep_a).post("/screening/try/", {"text": text})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_a_ten_megabyte_post_is_refused_on_the_try_page_with_a_clear_message(client_for, rep_a):
    client = client_for(rep_a)
    ascii_text = client.post("/screening/try/", {"text": "a" * (10 * 1024 * 1024)})
    assert ascii_text.status_code == 400
    assert "文本有 10,485,760 个字符，上限为 65,536 个。" in ascii_text.content.decode()
    # Chinese text is three bytes a character, nine once form-encoded: over the body limit,
    # which Django refuses (the CSRF check is the first to read the form) with its own 400.
    chinese = client.post("/screening/try/", {"text": "冰" * (10 * 1024 * 1024 // 3)})
    assert chinese.status_code == 400
    assert LexiconVersion.objects.count() == 0


def test_the_try_page_is_for_members_and_the_secretariat(
    client_for, no_unit_user, secretariat, staff_a
):
    assert client_for(None).get("/screening/try/").status_code == 302
    assert client_for(no_unit_user).get("/screening/try/").status_code == 403
    assert client_for(secretariat).get("/screening/try/").status_code == 200
    assert client_for(staff_a).get("/screening/try/").status_code == 200


def test_the_ping_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/screening/ping")
    assert (response.status_code, response.content) == (200, b"ok")


# --- the lexicon pages ---------------------------------------------------------------------------


def test_only_the_secretariat_sees_the_lexicon_pages(client_for, rep_a, add_term):
    term = add_term("冰毒")
    urls = [
        "/screening/lexicon/",
        "/screening/lexicon/add/",
        f"/screening/lexicon/{term.pk}/",
        f"/screening/lexicon/{term.pk}/history/",
        "/screening/lexicon/allow/",
        "/screening/lexicon/import/",
        "/screening/lexicon/export.csv",
        "/screening/lexicon/versions/",
    ]
    for url in urls:
        assert client_for(None).get(url).status_code == 302, url
        assert client_for(rep_a).get(url).status_code == 403, url
    assert client_for(rep_a).post(f"/screening/lexicon/{term.pk}/remove/").status_code == 403
    assert LexiconTerm.objects.get().is_active


def test_the_secretariat_adds_a_term_through_the_form(client_for, secretariat):
    client = client_for(secretariat)
    response = client.post(
        "/screening/lexicon/add/",
        {
            "term": "冰毒",
            "category": "other",
            "action": "block",
            "severity": "4",
            "pinyin": "on",
            "note": "首批",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/screening/lexicon/"
    term = LexiconTerm.objects.get()
    assert (term.term, term.severity, term.pinyin, term.collapse_repeats) == (
        "冰毒",
        4,
        True,
        False,
    )
    assert LexiconVersion.objects.get().note == "首批"
    html = client.get("/screening/lexicon/").content.decode()
    assert "冰毒已添加；词库第 1 版已投入使用。" in html
    assert 'data-term="冰毒"' in html and "第 1 版投入使用，共 1 个词条" in html


@pytest.mark.parametrize(
    ("data", "field", "message", "status"),
    [
        ({"term": "！！！"}, "term", "该词条规范化后为空", 400),
        # A conflict with the lexicon as it stands, as the API answers it too.
        ({"term": "冰 毒"}, "term", "词库中已有该词条，写作 冰毒。", 409),
        ({"severity": "9"}, "severity", "选择一个有效的选项", 400),
    ],
)
def test_a_refused_term_is_shown_next_to_its_field_and_nothing_changes(
    client_for, secretariat, add_term, data, field, message, status
):
    add_term("冰毒")
    before = counts()
    response = client_for(secretariat).post(
        "/screening/lexicon/add/",
        {"term": "赌博", "category": "gambling", "action": "block", "severity": "1", **data},
    )
    assert response.status_code == status
    html = response.content.decode()
    errors = html[html.index(f'data-testid="error-{field}"') :]
    assert message in errors[:300]
    assert counts() == before


def test_the_secretariat_edits_and_removes_a_term_and_reads_its_history(
    client_for, secretariat, add_term
):
    term = add_term("冰毒")
    client = client_for(secretariat)

    form = client.get(f"/screening/lexicon/{term.pk}/").content.decode()
    assert 'value="冰毒"' in form
    edited = client.post(
        f"/screening/lexicon/{term.pk}/",
        {
            "term": "冰毒",
            "category": "other",
            "action": "review",
            "severity": "2",
            "collapse_repeats": "on",
        },
    )
    assert edited.status_code == 302
    removed = client.post(f"/screening/lexicon/{term.pk}/remove/", {"note": "不再需要"})
    assert removed.status_code == 302
    term.refresh_from_db()
    assert not term.is_active and LexiconVersion.objects.get(number=3).note == "不再需要"

    html = client.get(f"/screening/lexicon/{term.pk}/history/").content.decode()
    assert next(iter(html.split('data-kind="')[1:])).startswith("removed")
    assert html.count("<tr data-kind=") == 3
    assert "<dt>action</dt><dd>block</dd>" in html and "<dt>action</dt><dd>review</dd>" in html

    again = client.post(f"/screening/lexicon/{term.pk}/remove/")
    assert again.status_code == 302
    assert "该词条已被删除。" in client.get("/screening/lexicon/").content.decode()


def test_the_lexicon_list_searches_and_filters(client_for, secretariat, add_term):
    add_term("冰毒")
    add_term("代開發票", category="fraud", action="review")
    client = client_for(secretariat)

    def listed(query):
        html = client.get("/screening/lexicon/", query).content.decode()
        return [part.split('"')[0] for part in html.split('data-term="')[1:]]

    assert listed({}) == ["代開發票", "冰毒"]
    assert listed({"q": "代开发票"}) == ["代開發票"]
    assert listed({"category": "fraud"}) == ["代開發票"]
    assert listed({"action": "block"}) == ["冰毒"]
    assert listed({"state": "removed"}) == []


def test_the_allow_list_page_adds_and_removes_phrases(client_for, secretariat, add_term):
    add_term("冰毒")
    client = client_for(secretariat)
    assert client.post("/screening/lexicon/allow/", {"phrase": "冰毒危害"}).status_code == 302
    phrase = actions.AllowPhrase.objects.get()
    assert "冰毒危害" in client.get("/screening/lexicon/allow/").content.decode()
    bad = client.post("/screening/lexicon/allow/", {"phrase": "……"})
    assert bad.status_code == 400 and "该短语规范化后为空" in bad.content.decode()
    assert client.post(f"/screening/lexicon/allow/{phrase.pk}/remove/").status_code == 302
    phrase.refresh_from_db()
    assert not phrase.is_active


# --- import, export, versions -------------------------------------------------------------------


def upload(client, data: bytes, mode="merge", name="lexicon.csv"):
    return client.post(
        "/screening/lexicon/import/",
        {"file": SimpleUploadedFile(name, data, "text/csv"), "mode": mode},
    )


CSV = "term,category,action,severity\n冰毒,other,block,5\n代開發票,fraud,review,2\n冰毒危害,,allow,\n".encode()


def test_an_import_is_previewed_then_confirmed(client_for, secretariat, add_term):
    add_term("裸聊", category="pornography")
    client = client_for(secretariat)

    preview = upload(client, CSV, mode="replace")

    assert preview.status_code == 200
    html = preview.content.decode()
    assert "词条：新增 2 个，修改 0 个，删除 1 个。允许的短语：新增 1 个，删除 0 个。" in html
    assert "<li>裸聊</li>" in html
    assert LexiconVersion.objects.count() == 1
    sha256 = html.split('name="sha256" value="')[1].split('"')[0]

    done = client.post("/screening/lexicon/import/confirm/", {"sha256": sha256})

    assert done.status_code == 302 and done["Location"] == "/screening/lexicon/versions/"
    version = LexiconVersion.objects.get(number=2)
    assert (version.term_count, version.allow_count, version.removed) == (2, 1, 1)
    versions = client.get("/screening/lexicon/versions/").content.decode()
    assert "已导入：新增 2 个，修改 0 个，删除 1 个。词库第 2 版已投入使用。" in versions
    # The preview is used up.
    assert client.post("/screening/lexicon/import/confirm/", {"sha256": sha256}).status_code == 400
    assert LexiconVersion.objects.count() == 2


def test_a_preview_made_before_another_change_cannot_be_confirmed(
    client_for, secretariat, add_term
):
    client = client_for(secretariat)
    html = upload(client, CSV, mode="replace").content.decode()
    sha256 = html.split('name="sha256" value="')[1].split('"')[0]
    add_term("裸聊", category="pornography")

    response = client.post("/screening/lexicon/import/confirm/", {"sha256": sha256})

    assert response.status_code == 409
    assert "预览之后词库已有变化" in response.content.decode()
    assert LexiconTerm.objects.get().term == "裸聊"


def test_a_file_identical_to_the_lexicon_has_nothing_to_import(client_for, secretariat):
    client = client_for(secretariat)
    html = upload(client, CSV).content.decode()
    client.post(
        "/screening/lexicon/import/confirm/",
        {"sha256": html.split('name="sha256" value="')[1].split('"')[0]},
    )

    again = upload(client, client.get("/screening/lexicon/export.csv").content).content.decode()

    assert 'data-testid="unchanged"' in again and "confirm-import" not in again


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        (
            "term,category,action\n冰毒,other,block\n".encode() + b"\xff\xfe,x,block\n",
            [("", "不是有效的 UTF-8（第 40 字节，第 3 行）；请将文件另存为 UTF-8")],
        ),
        (
            "term,category,action\n冰毒,other,block\n☆,other,block\n赌博,drugs,block\n".encode(),
            [
                ("3", "词条 '☆' 规范化后为空（只有空格、标点、符号或不可见字符）"),
                (
                    "4",
                    "未知的类别 'drugs'（应为 fraud, gambling, pornography, malware, other 之一）",
                ),
            ],
        ),
        (
            "term,type\n冰毒,x\n".encode(),
            [("1", "表头缺少 category, action（找到：term, type）；应为 term,category,action")],
        ),
    ],
    ids=["utf8", "rows", "header"],
)
def test_a_bad_file_shows_its_problems_by_row_and_changes_nothing(
    client_for, secretariat, add_term, data, rows
):
    add_term("裸聊", category="pornography")
    before = counts()

    response = upload(client_for(secretariat), data)

    assert response.status_code == 400
    html = unescape(response.content.decode())
    table = html[html.index('data-testid="error-file"') : html.index("</table>")]
    for row, message in rows:
        assert f'<tr data-row="{row}"><td>{row or "—"}</td><td>{message}</td></tr>' in table
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "message"), [(b"", "所提交的是空文件。"), (b" \n\n", "文件为空。")]
)
def test_an_empty_file_is_refused_and_changes_nothing(
    client_for, secretariat, add_term, data, message
):
    add_term("裸聊", category="pornography")
    before = counts()

    response = upload(client_for(secretariat), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html[html.index('data-testid="error-file"') :][:200]
    assert counts() == before


def test_the_export_downloads_the_lexicon_in_service(client_for, secretariat, add_term):
    add_term("冰毒")
    response = client_for(secretariat).get("/screening/lexicon/export.csv")
    assert response["Content-Disposition"] == 'attachment; filename="lexicon-v1.csv"'
    assert (
        response.content.decode("utf-8-sig").splitlines()[1] == "冰毒,其他,拦截,1,否,否,other,block"
    )


# --- queries ------------------------------------------------------------------------------------


def test_each_page_takes_a_constant_number_of_queries(
    client_for, secretariat, rep_a, add_term, django_assert_max_num_queries
):
    term = add_term("冰毒")
    for word in ["赌博", "裸聊", "木马"]:
        add_term(word)
    for _ in range(3):
        actions.do_change_term(term, actor=secretariat, severity=term.severity % 5 + 1)
        term.refresh_from_db()
    actions.do_add_allow_phrase(actor=secretariat, phrase="冰毒危害")
    client = client_for(secretariat)
    pages = [
        "/screening/lexicon/",
        "/screening/lexicon/?q=冰&category=other&action=block",
        f"/screening/lexicon/{term.pk}/",
        f"/screening/lexicon/{term.pk}/history/",
        "/screening/lexicon/allow/",
        "/screening/lexicon/import/",
        "/screening/lexicon/versions/",
        "/screening/lexicon/add/",
        "/screening/lexicon/export.csv",
    ]
    for url in pages:
        client.get(url)
        # Session, user, role grants, and at most four of the page's own.
        with django_assert_max_num_queries(7):
            assert client.get(url).status_code == 200, url
    member = client_for(rep_a)
    member.post("/screening/try/", {"text": "冰毒"})
    # Session, user, the unit being a member now, the look for a new lexicon version.
    with django_assert_max_num_queries(5):
        assert member.post("/screening/try/", {"text": "冰毒" * 100}).status_code == 200
