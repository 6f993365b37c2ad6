import codecs
import dataclasses
import hashlib
import json
import unicodedata

import pytest

from gongyue.convention.canonical import (
    CANONICAL_FORMAT,
    canonical_bytes,
    canonical_text,
    render_article,
    render_plain_text,
    text_sha256,
)
from gongyue.convention.parser import ParsedConvention, parse

# Changing this breaks every signature ever recorded: it needs a new CANONICAL_FORMAT.
SEED_SHA256 = "31e6cf4f9e297d879f7346dd5f7ea641891d74543f58a86b33ba9713c443cac5"


@pytest.fixture(scope="module")
def seed(seed_bytes):
    return parse(seed_bytes)


@pytest.fixture(scope="module")
def seed_text(seed):
    return canonical_text(seed)


def test_the_seed_hash_is_pinned(seed):
    assert CANONICAL_FORMAT == "gongyue-canonical-text/1"
    assert text_sha256(seed) == SEED_SHA256


def test_the_hash_is_the_sha256_of_the_utf8_canonical_text(seed, seed_text):
    assert canonical_bytes(seed) == seed_text.encode("utf-8")
    assert text_sha256(seed) == hashlib.sha256(seed_text.encode("utf-8")).hexdigest()
    assert text_sha256(seed_text) == text_sha256(seed)


def test_the_canonical_text_starts_with_the_title_then_blocks_separated_by_empty_lines(seed_text):
    assert seed_text.splitlines()[:8] == [
        "江西省互联网行业自律公约",
        "",
        "第一章\u3000总则",
        "",
        "第一条 遵照“积极发展、加强管理、趋利避害、为我所用”的基本方针，"
        "为建立我省互联网行业自律机制，规范行业从业者行为，"
        "依法促进和保障互联网行业健康发展，制定本公约。",
        "",
        "第二条 本公约所称互联网行业是指从事互联网运行服务、应用服务、信息服务、"
        "网络产品和网络信息资源的开发、生产以及其他与互联网有关的科研、教育、"
        "服务等活动的行业的总称。",
        "",
    ]


def test_an_article_with_items_is_one_block_with_an_item_per_line(seed, seed_text):
    block = render_article(seed.article(9))
    assert block.splitlines() == [
        "第九条 互联网信息服务者应自觉遵守国家有关互联网信息服务管理的规定，"
        "自觉履行互联网信息服务的自律义务：",
        "（一）不制作、发布或传播危害国家安全、危害社会稳定、违反法律法规以及迷信、淫秽等有害信息，"
        "依法对用户在本网站上发布的信息进行监督，及时清除有害信息；",
        "（二）不链接含有有害信息的网站，确保网络信息内容的合法、健康；",
        "（三）制作、发布或传播网络信息，要遵守有关保护知识产权的法律、法规；",
        "（四）引导广大用户文明使用网络，增强网络道德意识，自觉抵制有害信息的传播。",
    ]
    assert "\n\n" + block + "\n\n" in seed_text


def test_the_canonical_text_ends_with_the_closing_block_and_one_newline(seed_text):
    assert seed_text.endswith("第三十条 本公约自公布之日起施行。\n\n签约单位（盖章）\n年 月 日\n")
    assert not seed_text.endswith("\n\n")


def test_the_canonical_text_has_only_lf_no_trailing_whitespace_and_is_nfc(seed_text):
    assert "\r" not in seed_text
    assert not seed_text.startswith(("\ufeff", "\n"))
    assert "\n\n\n" not in seed_text
    assert all(line == line.strip() for line in seed_text.split("\n"))
    assert unicodedata.is_normalized("NFC", seed_text)


def test_parsing_the_canonical_text_gives_back_the_same_structure(seed, seed_text):
    assert parse(seed_text) == seed
    assert parse(seed_text.encode("utf-8")).to_dict() == seed.to_dict()


def test_the_canonical_text_of_a_canonical_text_is_itself(seed_text):
    assert canonical_text(parse(seed_text)) == seed_text


def test_layout_differences_in_the_upload_do_not_change_the_hash(seed_bytes):
    windows = codecs.BOM_UTF8 + seed_bytes.replace(b"\n", b"\r\n\r\n")
    assert text_sha256(parse(windows)) == SEED_SHA256


def test_the_stored_json_shape_regenerates_the_same_text(seed, seed_text):
    stored = json.loads(json.dumps(seed.to_dict(), ensure_ascii=False))
    assert canonical_text(stored) == seed_text
    assert text_sha256(stored) == SEED_SHA256


def test_an_empty_title_or_closing_in_stored_data_means_none(seed):
    stored = seed.to_dict() | {"title": "", "closing": ""}
    text = canonical_text(stored)
    assert text.startswith("第一章\u3000总则\n\n第一条 ")
    assert text.endswith("第三十条 本公约自公布之日起施行。\n")


def test_editing_one_character_changes_the_hash(seed):
    data = seed.to_dict()
    paragraph = data["articles"][2]["paragraphs"][0]
    paragraph["text"] = paragraph["text"].replace("诚信", "诚实")
    assert text_sha256(data) != SEED_SHA256


def test_the_plain_text_download_is_the_canonical_text(seed, seed_text):
    assert render_plain_text(seed) == seed_text


def test_sections_and_articles_outside_chapters_are_rendered_in_document_order():
    source = """公约
第一条 序。
第一章　总则
第二条 不在节中。
第一节　定义
第三条 甲：
（一）子；
（二）丑。
另起一款。
第二章 执行
第四条 乙。
"""
    text = canonical_text(parse(source))
    assert text == (
        "公约\n\n第一条 序。\n\n第一章\u3000总则\n\n第二条 不在节中。\n\n第一节\u3000定义\n\n"
        "第三条 甲：\n（一）子；\n（二）丑。\n另起一款。\n\n第二章\u3000执行\n\n第四条 乙。\n"
    )
    assert parse(text) == parse(source)


def test_an_article_opening_with_items_renders_its_number_alone():
    parsed = parse("第一条\n（一）甲；\n（二）乙。")
    assert canonical_text(parsed) == "第一条\n（一）甲；\n（二）乙。\n"
    assert parse(canonical_text(parsed)) == parsed


def test_a_heading_without_a_title_renders_its_label_alone():
    parsed = parse("第一章\n第一条 甲。")
    assert canonical_text(parsed) == "第一章\n\n第一条 甲。\n"


def test_a_synthetic_convention_of_199_articles_round_trips():
    from gongyue.convention.numerals import int_to_cn

    source = "长公约\n第一章 总则\n" + "".join(
        f"第{int_to_cn(n)}条 第{n}条。\n（一）甲；\n（二）乙。\n" for n in range(1, 200)
    )
    parsed = parse(source)
    text = canonical_text(parsed)
    assert "\n\n第一百九十九条 第199条。\n（一）甲；\n" in text
    assert parse(text) == parsed


def test_a_closing_block_with_a_unit_name_round_trips():
    parsed = parse("第一条 甲。\n\n江西省互联网协会\n二〇〇六年三月一日\n")
    text = canonical_text(parsed)
    assert text == "第一条 甲。\n\n江西省互联网协会\n二〇〇六年三月一日\n"
    assert parse(text) == parsed


def test_canonical_text_refuses_a_chapter_without_articles(seed):
    data = seed.to_dict()
    data["chapters"].append({"number": 5, "title": "空"})
    with pytest.raises(ValueError, match="round trip"):
        canonical_text(data)


def test_canonical_text_refuses_an_article_in_a_missing_chapter(seed):
    data = seed.to_dict()
    data["articles"][-1]["chapter"] = 9
    with pytest.raises(ValueError, match="chapter 9"):
        canonical_text(data)


def test_canonical_text_refuses_a_gap_in_article_numbers(seed):
    data = seed.to_dict()
    del data["articles"][4]
    with pytest.raises(ValueError, match="第六条 where 第五条"):
        canonical_text(data)


@pytest.mark.parametrize(
    "text",
    [
        "（一）看似一项。",  # would come back as an item
        "第二章 看似一章",  # would come back as a chapter
        "两个  空格",  # the parser would have collapsed them
        " 前导空格",
        "Cafe\u0301",  # not NFC
        "",  # an empty second paragraph would vanish
    ],
)
def test_canonical_text_refuses_paragraphs_the_parser_could_not_have_produced(seed, text):
    article = seed.article(30)
    extra = dataclasses.replace(article.paragraphs[0], text=text)
    bad = dataclasses.replace(article, paragraphs=(*article.paragraphs, extra))
    structure = dataclasses.replace(seed, articles=(*seed.articles[:-1], bad))
    with pytest.raises(ValueError):
        canonical_text(structure)


def test_canonical_text_refuses_what_is_not_a_structure():
    with pytest.raises(TypeError):
        canonical_text(["第一条 甲。"])


def test_from_dict_reports_a_malformed_structure():
    with pytest.raises(ValueError, match="not a convention structure"):
        ParsedConvention.from_dict({"title": "公约", "chapters": []})
