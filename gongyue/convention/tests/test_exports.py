import hashlib
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from gongyue.convention import export
from gongyue.convention.canonical import canonical_text, text_sha256
from gongyue.convention.parser import ParsedConvention

AKN = "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}"


def download(client, url, content_type):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return response


def test_the_plain_text_download_is_the_canonical_text_and_hashes_to_the_version_hash(
    client, seed_version
):
    response = download(client, "/convention/v/1.txt", "text/plain; charset=utf-8")
    assert response.content == seed_version.canonical_text.encode()
    assert (
        hashlib.sha256(response.content).hexdigest()
        == seed_version.sha256
        == response["X-Content-SHA256"]
    )
    assert 'filename="convention-v1.txt"' in response["Content-Disposition"]


def test_the_json_download_is_the_parser_shape_with_identities_and_metadata(client, seed_version):
    data = json.loads(download(client, "/convention/v/1.json", "application/json").content)
    meta = data["version"]
    assert (meta["number"], meta["status"], meta["sha256"]) == (1, "adopted", seed_version.sha256)
    assert meta["canonical_format"] == "gongyue-canonical-text/1" and meta["articles"] == 30
    assert list(data)[1:] == ["title", "chapters", "sections", "articles", "closing"]
    assert data["articles"][8]["identity"] == seed_version.structure["articles"][8]["identity"]
    assert len(data["articles"][8]["paragraphs"][0]["items"]) == 4
    # Anyone can rebuild the signed text from the JSON and check its hash.
    assert text_sha256(canonical_text(ParsedConvention.from_dict(data))) == seed_version.sha256


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "convention.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)
def test_the_pdf_renders_the_chinese_text_and_ends_with_the_signature_block(
    client, seed_version, tmp_path
):
    response = download(client, "/convention/v/1.pdf", "application/pdf")
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert "江西省互联网行业自律公约" in flat
    assert "第九条互联网信息服务者应自觉遵守国家有关互联网信息服务管理的规定" in flat
    assert "（四）引导广大用户文明使用网络" in flat
    assert seed_version.sha256 in flat
    assert (
        re.sub(r"\s+", " ", text)
        .strip()
        .endswith("第三十条 本公约自公布之日起施行。 签约单位（盖章） 年 月 日")
    )


def test_the_pdf_is_made_once_and_then_served_from_disk(client, seed_version, monkeypatch, pdf_dir):
    first = client.get("/convention/v/1.pdf").content
    assert [p.name for p in pdf_dir.iterdir()] == [export.pdf_cache_path(seed_version).name]
    assert export.pdf_cache_path(seed_version).name.startswith(seed_version.sha256)

    def fail(version):
        raise AssertionError("rendered again")

    monkeypatch.setattr(export, "render_pdf", fail)
    assert client.get("/convention/v/1.pdf").content == first


def test_a_superseded_version_gets_its_own_pdf(client, amended_version, pdf_dir):
    client.get("/convention/v/1.pdf")
    client.get("/convention/v/2.pdf")
    assert len(list(pdf_dir.glob("*.pdf"))) == 2
    assert any("-v1-superseded-" in p.name for p in pdf_dir.iterdir())


def test_the_akoma_ntoso_export_parses_back_with_every_chapter_article_and_item(
    client, seed_version
):
    response = download(client, "/convention/v/1.akn.xml", "application/akn+xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(response.content)
    assert root.tag == f"{AKN}akomaNtoso"
    act = root.find(f"{AKN}act")
    assert act.get("name") == "convention"
    assert [child.tag.removeprefix(AKN) for child in act] == [
        "meta",
        "preface",
        "body",
        "conclusions",
    ]
    body = act.find(f"{AKN}body")
    assert len(body.findall(f"{AKN}chapter")) == 4
    assert len(body.findall(f".//{AKN}article")) == 30
    assert len(body.findall(f".//{AKN}point")) == 4
    nine = body.find(f".//{AKN}article[@eId='art_9']")
    assert nine.find(f"{AKN}num").text == "第九条"
    assert (
        nine.get("GUID") == f"gongyue-article-{seed_version.structure['articles'][8]['identity']}"
    )
    point = nine.find(f".//{AKN}point[@eId='art_9__para_1__point_2']")
    assert point.find(f"{AKN}num").text == "（二）"
    assert point.find(f"{AKN}content/{AKN}p").text.startswith("不链接含有有害信息的网站")
    assert nine.find(f".//{AKN}list/{AKN}intro/{AKN}p").text.startswith(
        "互联网信息服务者应自觉遵守"
    )
    chapter = body.find(f"{AKN}chapter[@eId='chp_2']")
    assert (chapter.find(f"{AKN}num").text, chapter.find(f"{AKN}heading").text) == (
        "第二章",
        "自律条款",
    )
    assert [p.text for p in act.find(f"{AKN}conclusions")] == ["签约单位（盖章）", "年 月 日"]


def test_the_akoma_ntoso_metadata_identifies_work_expression_and_manifestation(
    client, seed_version
):
    root = ET.fromstring(client.get("/convention/v/1.akn.xml").content)
    identification = root.find(f"{AKN}act/{AKN}meta/{AKN}identification")
    assert identification.get("source") == "#gongyue"
    work, expression, manifestation = list(identification)
    assert [e.tag.removeprefix(AKN) for e in (work, expression, manifestation)] == [
        "FRBRWork",
        "FRBRExpression",
        "FRBRManifestation",
    ]
    assert work.find(f"{AKN}FRBRuri").get("value").startswith("/akn/cn/act/convention/")
    assert work.find(f"{AKN}FRBRcountry").get("value") == "cn"
    assert expression.find(f"{AKN}FRBRlanguage").get("language") == "zho"
    assert expression.find(f"{AKN}FRBRuri").get("value").endswith("/zho@v1")
    assert expression.find(f"{AKN}FRBRdate").get("name") == "adoption"
    for part in (work, expression, manifestation):
        assert part.find(f"{AKN}FRBRthis").get("value") and part.find(f"{AKN}FRBRauthor").get(
            "href"
        )
    digest = root.find(
        f"{AKN}act/{AKN}meta/{AKN}proprietary/{{urn:gongyue:convention:1}}canonicalText"
    )
    assert (
        digest.get("sha256") == seed_version.sha256
        and digest.get("format") == "gongyue-canonical-text/1"
    )
    references = root.find(f"{AKN}act/{AKN}meta/{AKN}references")
    assert {r.get("eId") for r in references} == {"gongyue", "secretariat"}


def test_sections_become_akoma_ntoso_sections_inside_their_chapter(db, secretariat):
    from gongyue.convention.testing import make_version

    version = make_version(
        "公约\n第一章 总则\n第一节 定义\n第一条 甲。\n第二节 原则\n第二条 乙。\n".encode(),
        actor=secretariat,
    )
    root = ET.fromstring(export.akoma_ntoso(version))
    sections = root.findall(f".//{AKN}chapter/{AKN}section")
    assert [s.get("eId") for s in sections] == ["chp_1__sec_1", "chp_1__sec_2"]
    assert sections[1].find(f"{AKN}article").get("eId") == "art_2"
    assert root.find(f".//{AKN}conclusions") is None


def test_the_pdf_carries_the_dates_it_took_effect_was_published_and_is_in_force_from(
    client, seed_version, tmp_path, pdf_dir
):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from gongyue.convention.models import Convention

    before = re.sub(r"\s+", "", pdf_text(client.get("/convention/v/1.pdf").content, tmp_path))
    assert "生效—·公布—·施行日期—" in before
    Convention.objects.update(
        effective_at=datetime(2025, 3, 1, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        published_on=date(2025, 3, 20),
    )
    after = re.sub(r"\s+", "", pdf_text(client.get("/convention/v/1.pdf").content, tmp_path))
    assert "生效2025-03-01·公布2025-03-20·施行日期2025-03-20" in after
    assert f"{timezone.localtime(seed_version.adopted_at):%Y-%m-%d}通过" in after
    # The file made before the dates were known is not served once they are.
    assert len(list(pdf_dir.glob("*.pdf"))) == 2
