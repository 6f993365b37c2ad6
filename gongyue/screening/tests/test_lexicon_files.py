"""Lexicon files as spreadsheet programs in China write them: the export reads back as it is,
GBK files and Chinese names are understood, and a broken byte is refused by its line."""

from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.screening import actions, lexicon, queries
from gongyue.screening.models import LexiconTerm, LexiconVersion


def _upload(client, data: bytes, mode="replace"):
    return client.post(
        "/screening/lexicon/import/",
        {"file": SimpleUploadedFile("词库.csv", data, "text/csv"), "mode": mode},
    )


def test_the_export_reads_back_unchanged(secretariat, add_term):
    add_term("冰毒", category="fraud", action="review", severity=3, pinyin=True)
    add_term("赌球", category="gambling", action="mask", collapse_repeats=True)
    actions.do_add_allow_phrase(actor=secretariat, phrase="冰毒危害")
    data, _version = queries.export_bytes()
    upload = lexicon.read_upload(data)
    assert sorted(e.as_dict()["term"] for e in upload.terms.values()) == ["冰毒", "赌球"]
    plan = actions.plan_import(upload, "replace")
    assert plan.is_empty


def test_a_gbk_file_with_chinese_names_and_labels_is_imported(client_for, secretariat):
    text = "词条,类别,处置,严重程度,匹配拼音\r\n代开发票,诈骗,人工审核,2,是\r\n百家乐,赌博,拦截,4,否\r\n"
    client = client_for(secretariat)
    preview = _upload(client, text.encode("gbk"))
    assert preview.status_code == 200, preview.content.decode()[:2000]
    confirm = client.post(
        "/screening/lexicon/import/confirm/",
        {"sha256": preview.context["confirm"].initial["sha256"]},
    )
    assert confirm.status_code == 302
    rows = {t.term: t for t in LexiconTerm.objects.live()}
    assert (rows["代开发票"].category, rows["代开发票"].action, rows["代开发票"].pinyin) == (
        "fraud",
        "review",
        True,
    )
    assert (rows["百家乐"].category, rows["百家乐"].severity) == ("gambling", 4)


def test_a_gbk_file_with_a_broken_byte_is_refused_naming_its_line(
    client_for, secretariat, add_term
):
    add_term("冰毒")
    good = "词条,类别,处置\r\n代开发票,诈骗,拦截\r\n".encode("gbk")
    broken = good + b"\xb0\xff,\xd5\xa9\xc6\xad,\xc0\xb9\xbd\xd8\r\n"  # line 3: 0xB0 0xFF
    before = (LexiconVersion.objects.count(), LexiconTerm.objects.count())
    response = _upload(client_for(secretariat), broken)
    assert response.status_code == 400
    page = response.content.decode()
    assert "不是有效的 GBK/GB18030" in page and "第 3 行" in page
    assert (LexiconVersion.objects.count(), LexiconTerm.objects.count()) == before


def test_a_utf8_file_with_one_broken_byte_is_not_read_as_gbk(client_for, secretariat):
    broken = "term,category,action\n冰毒,fraud,block\n赌球,gambling,block\n".encode()
    broken = broken.replace("赌".encode(), b"\xe8\xb5")  # a character cut short on line 3
    response = _upload(client_for(secretariat), broken)
    assert response.status_code == 400
    assert (
        "不是有效的 UTF-8" in response.content.decode() and "第 3 行" in response.content.decode()
    )
    assert not LexiconTerm.objects.exists()
