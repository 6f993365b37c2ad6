import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.audit.models import AuditEntry
from gongyue.convention.models import Convention, Version, VersionStatus

DUPLICATE = "公约\n第一章 总则\n第一条 甲。\n第一条 乙。\n第三条 丙。\n".encode()


def upload(client, data: bytes, name="convention.txt", note=""):
    return client.post(
        "/convention/import/", {"file": SimpleUploadedFile(name, data, "text/plain"), "note": note}
    )


def nothing_saved():
    return (
        not Convention.objects.exists()
        and not Version.objects.exists()
        and not AuditEntry.objects.exists()
    )


def test_the_secretariat_previews_an_upload_before_anything_is_saved(
    client_for, secretariat, seed_bytes
):
    response = upload(client_for(secretariat), seed_bytes, name="seed.txt")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="preview-summary"' in html
    assert "seed.txt：共 4 章、30 条" in html
    assert "31e6cf4f9e297d879f7346dd5f7ea641891d74543f58a86b33ba9713c443cac5" in html
    assert '<a href="#art-9">第九条</a>' in html and 'id="art-9-item-4"' in html
    assert "这将是公约的第一个版本" in html
    assert nothing_saved()


def test_confirming_the_preview_saves_a_draft_with_its_note(client_for, secretariat, seed_bytes):
    client = client_for(secretariat)
    upload(client, seed_bytes, name="seed.txt", note="首次导入")
    sha256 = "31e6cf4f9e297d879f7346dd5f7ea641891d74543f58a86b33ba9713c443cac5"
    response = client.post("/convention/import/save/", {"sha256": sha256, "note": "首次导入"})
    assert response.status_code == 302 and response["Location"] == "/convention/v/1/"
    version = Version.objects.get()
    assert (version.status, version.sha256, version.note, version.source_name) == (
        "draft",
        sha256,
        "首次导入",
        "seed.txt",
    )
    assert version.created_by == secretariat
    assert (
        AuditEntry.objects.filter(action="convention.version_imported", actor=secretariat).count()
        == 1
    )
    assert "第 1 版已保存为草案" in client.get("/convention/v/1/").content.decode()
    # The preview is used up: saving it again does nothing.
    again = client.post("/convention/import/save/", {"sha256": sha256})
    assert again.status_code == 400 and Version.objects.count() == 1


def test_the_preview_of_an_amendment_shows_what_changes_against_the_latest_version(
    client_for, secretariat, seed_version, amended_seed_bytes
):
    html = upload(client_for(secretariat), amended_seed_bytes).content.decode()
    assert "与第 1 版相比" in html and "修改 1 条" in html
    assert "不链接<ins>、不推荐</ins>含有有害信息的网站" in html


def test_a_preview_that_was_never_made_cannot_be_saved(client_for, secretariat):
    response = client_for(secretariat).post("/convention/import/save/", {"sha256": "0" * 64})
    assert response.status_code == 400
    assert "该预览已失效" in response.content.decode()
    assert nothing_saved()


def test_duplicate_article_numbers_are_listed_by_line_next_to_the_file_field(
    client_for, secretariat
):
    response = upload(client_for(secretariat), DUPLICATE)
    assert response.status_code == 400
    html = response.content.decode()
    problems = html[html.index('data-testid="error-file"') : html.index("</table>")]
    assert "文本有 2 个问题；未保存任何内容。" in problems
    assert (
        '<tr data-line="4"><td>4</td><td>第 4 行：第一条重复出现（首次出现在第 3 行）</td><td><code>第一条 乙。</code></td></tr>'
        in problems
    )
    assert (
        '<tr data-line="5"><td>5</td>' in problems
        and "此处应为第二条，却是第三条（编号中断）" in problems
    )
    assert nothing_saved()


def test_problems_are_in_english_for_an_english_reader(client_for, secretariat):
    client = client_for(secretariat)
    client.cookies["django_language"] = "en"
    html = upload(client, DUPLICATE).content.decode()
    assert "line 4: 第一条 appears twice (first on line 3)" in html


def test_a_file_that_is_not_utf8_is_refused_with_the_lines_it_fails_on(client_for, secretariat):
    response = upload(client_for(secretariat), "公约\n第一条 甲。\n".encode("gbk"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "第 1 行：不是有效的 UTF-8" in html and "第 2 行：不是有效的 UTF-8" in html
    assert "GBK/GB18030" in html
    assert nothing_saved()


def test_a_utf16_file_is_refused(client_for, secretariat):
    response = upload(
        client_for(secretariat), codecs.BOM_UTF16_LE + "第一条 甲。".encode("utf-16-le")
    )
    assert response.status_code == 400 and "UTF-16" in response.content.decode()
    assert nothing_saved()


@pytest.mark.parametrize("data", [b"", b" \n\r\n\t"])
def test_an_empty_file_is_refused_next_to_the_field(client_for, secretariat, data):
    response = upload(client_for(secretariat), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-file"' in html
    assert "所提交的是空文件。" in html or "文件为空。" in html
    assert nothing_saved()


def test_a_file_of_20_mb_is_refused_with_its_size_and_the_limit(client_for, secretariat):
    twenty_mb = ("第一条 甲。\n".encode() * (2 * 1024 * 1024))[: 20 * 1024 * 1024]
    response = upload(client_for(secretariat), twenty_mb)
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index('data-testid="error-file"') :]
    assert "文件大小为 20.0\xa0MB，上限为 10.0\xa0MB。" in errors
    assert nothing_saved()


def test_a_word_document_is_refused(client_for, secretariat):
    response = upload(client_for(secretariat), b"PK\x03\x04" + b"\0" * 100, name="convention.docx")
    assert response.status_code == 400 and "不是纯文本文件（DOCX/ZIP）" in response.content.decode()


@pytest.mark.parametrize("url", ["/convention/import/", "/convention/import/save/"])
def test_the_import_pages_send_an_anonymous_visitor_to_the_login_page(client, db, url):
    response = client.post(url, {"sha256": "0" * 64})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/convention/import/").status_code == 302
    assert nothing_saved()


@pytest.mark.parametrize("persona", ["rep_a", "staff_a", "authority", "no_unit_user"])
def test_the_import_pages_are_forbidden_to_anyone_but_the_secretariat(
    client_for, request, persona, seed_bytes
):
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/convention/import/").status_code == 403
    assert upload(client, seed_bytes).status_code == 403
    assert client.post("/convention/import/save/", {"sha256": "0" * 64}).status_code == 403
    assert nothing_saved()


def test_the_secretariat_head_adopts_a_draft_from_its_page(
    client_for, secretariat_head, draft_version
):
    client = client_for(secretariat_head)
    response = client.post("/convention/v/2/adopt/", {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/convention/v/2/"
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.ADOPTED
    assert Version.objects.get(number=1).status == VersionStatus.SUPERSEDED
    assert AuditEntry.objects.filter(
        action="convention.version_adopted", subject_id=str(draft_version.pk)
    ).exists()
    assert "第 2 版已通过" in client.get("/convention/v/2/").content.decode()


def test_adopting_a_version_that_is_not_a_draft_shows_why_and_changes_nothing(
    client_for, secretariat_head, seed_version
):
    response = client_for(secretariat_head).post("/convention/v/1/adopt/", {"confirm": "on"})
    assert response.status_code == 409
    assert "只有草案可以通过" in response.content.decode()
    assert AuditEntry.objects.filter(action="convention.version_adopted").count() == 1


def test_the_secretariat_discards_a_draft_from_its_page(client_for, secretariat, draft_version):
    response = client_for(secretariat).post("/convention/v/2/discard/")
    assert response.status_code == 302
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.DISCARDED
    assert AuditEntry.objects.filter(action="convention.draft_discarded").count() == 1


def test_adopt_and_discard_need_a_post(client_for, secretariat, draft_version):
    client = client_for(secretariat)
    assert client.get("/convention/v/2/adopt/").status_code == 405
    assert client.get("/convention/v/2/discard/").status_code == 405


@pytest.mark.parametrize("action", ["adopt", "discard"])
def test_adopt_and_discard_are_refused_to_anyone_but_the_secretariat(
    client_for, rep_a, authority, draft_version, action
):
    assert (
        client_for(None).post(f"/convention/v/2/{action}/").status_code == 302
    )  # to the login page
    for person in (rep_a, authority):
        client = client_for(person)
        assert (
            client.post(f"/convention/v/2/{action}/").status_code == 404
        )  # a draft they cannot see
        assert (
            client.post(f"/convention/v/1/{action}/").status_code == 403
        )  # a version they can see
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.DRAFT
    assert not AuditEntry.objects.filter(action__in=["convention.draft_discarded"]).exists()
    assert AuditEntry.objects.filter(action="convention.version_adopted").count() == 1


def test_an_unknown_version_cannot_be_adopted(client_for, secretariat, seed_version):
    assert client_for(secretariat).post("/convention/v/7/adopt/").status_code == 404


def test_the_preview_renders_in_a_constant_number_of_queries(
    client_for, secretariat, seed_version, amended_seed_bytes, django_assert_max_num_queries
):
    client = client_for(secretariat)
    with django_assert_max_num_queries(8):
        assert upload(client, amended_seed_bytes).status_code == 200
