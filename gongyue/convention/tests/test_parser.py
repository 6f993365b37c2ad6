import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongyue.convention.numerals import int_to_cn
from gongyue.convention.parser import MESSAGES, ParsedConvention, parse
from gongyue.core.refusals import FileRefused


def problems_of(data):
    with pytest.raises(FileRefused) as excinfo:
        parse(data)
    return excinfo.value.problems


def codes_by_line(data):
    return [(p.line, p.code) for p in problems_of(data)]


def articles_text(count, *, start=1):
    return "".join(f"第{int_to_cn(n)}条 第{n}条的内容。\n" for n in range(start, start + count))


# --- The seed convention -----------------------------------------------------


@pytest.fixture(scope="module")
def seed(seed_bytes):
    return parse(seed_bytes)


def test_the_seed_has_its_title(seed):
    assert seed.title == "江西省互联网行业自律公约"


def test_the_seed_has_four_chapters_with_full_width_spaces_removed_from_titles(seed):
    assert [(c.number, c.title) for c in seed.chapters] == [
        (1, "总则"),
        (2, "自律条款"),
        (3, "公约的执行"),
        (4, "附则"),
    ]


def test_the_seed_has_thirty_articles_numbered_in_order_and_no_sections(seed):
    assert [a.number for a in seed.articles] == list(range(1, 31))
    assert seed.sections == ()
    assert all(a.section is None for a in seed.articles)


def test_the_seed_puts_each_article_in_its_chapter(seed):
    chapters = {a.number: a.chapter for a in seed.articles}
    assert {n for n, c in chapters.items() if c == 1} == set(range(1, 6))
    assert {n for n, c in chapters.items() if c == 2} == set(range(6, 18))
    assert {n for n, c in chapters.items() if c == 3} == set(range(18, 25))
    assert chapters[25] == 4
    assert {n for n, c in chapters.items() if c == 4} == set(range(25, 31))


def test_seed_article_nine_is_one_paragraph_with_four_items(seed):
    article = seed.article(9)
    assert len(article.paragraphs) == 1
    paragraph = article.paragraphs[0]
    assert paragraph.text.startswith("互联网信息服务者应自觉遵守")
    assert paragraph.text.endswith("自律义务：")
    assert [item.number for item in paragraph.items] == [1, 2, 3, 4]
    assert paragraph.items[1].text == "不链接含有有害信息的网站，确保网络信息内容的合法、健康；"


def test_seed_article_text_starts_after_the_number_and_a_space(seed):
    assert seed.article(3).paragraphs[0].text == (
        "互联网行业自律的基本原则是爱国、守法、公平、诚信。"
    )
    assert seed.article(30).paragraphs[0].text == "本公约自公布之日起施行。"


def test_seed_lines_with_a_leading_or_trailing_space_are_read_like_the_others(seed):
    assert seed.article(5).paragraphs[0].text == (
        "江西省互联网协会作为本公约的执行机构，负责组织实施本公约。"
    )
    assert seed.article(8).paragraphs[0].text.endswith("合法权益。")
    assert len(seed.article(8).paragraphs) == 1


def test_the_seed_closing_signature_block_is_recognised(seed):
    assert seed.closing == "签约单位（盖章）\n年 月 日"
    assert seed.article(30).paragraphs[0].text == "本公约自公布之日起施行。"


def test_the_seed_keeps_source_line_numbers_for_display(seed):
    assert seed.chapters[1].line == 13
    assert seed.article(9).line == 19
    assert seed.article(9).paragraphs[0].items[0].line == 21


def test_to_dict_gives_exactly_the_documented_json_shape(seed):
    data = seed.to_dict()
    assert list(data) == ["title", "chapters", "sections", "articles", "closing"]
    assert data["chapters"][0] == {"number": 1, "title": "总则"}
    article = data["articles"][8]
    assert list(article) == ["number", "chapter", "section", "paragraphs"]
    assert article["number"] == 9 and article["chapter"] == 2 and article["section"] is None
    assert list(article["paragraphs"][0]) == ["text", "items"]
    assert article["paragraphs"][0]["items"][3] == {
        "number": 4,
        "text": "引导广大用户文明使用网络，增强网络道德意识，自觉抵制有害信息的传播。",
    }
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_from_dict_rebuilds_an_equal_structure(seed):
    assert ParsedConvention.from_dict(json.loads(json.dumps(seed.to_dict()))) == seed


def test_a_crlf_and_bom_copy_of_the_seed_parses_identically(seed, seed_bytes):
    windows = codecs.BOM_UTF8 + seed_bytes.replace(b"\n", b"\r\n")
    assert parse(windows) == seed
    assert parse(windows).to_dict() == seed.to_dict()


def test_old_mac_line_endings_parse_identically(seed, seed_bytes):
    assert parse(seed_bytes.replace(b"\n", b"\r")) == seed


def test_a_str_with_a_bom_parses_like_the_bytes(seed, seed_bytes):
    assert parse("\ufeff" + seed_bytes.decode()) == seed


def test_blank_lines_and_whitespace_around_the_text_change_nothing(seed, seed_bytes):
    padded = b"\n \n\xe3\x80\x80\n" + seed_bytes.replace(b"\n", b" \n\n") + b"\n\n\t\n"
    assert parse(padded) == seed


def test_line_numbers_count_lines_of_the_original_file_whatever_the_line_endings():
    text = "标题\r\n\r\n第一条 甲。\r\n第三条 乙。\r\n"
    assert codes_by_line(text.encode()) == [(4, "article_gap")]
    assert codes_by_line(text.replace("\r\n", "\r").encode()) == [(4, "article_gap")]


# --- Headings, articles, paragraphs, items ----------------------------------


def test_full_width_spaces_inside_a_heading_are_removed():
    parsed = parse(
        "第一章　总　则\n第一条 内容。\n第二章\u3000公约的\u3000\u3000执行  \n第二条 内容。"
    )
    assert [c.title for c in parsed.chapters] == ["总则", "公约的执行"]


def test_spaces_between_latin_words_in_a_heading_are_kept_as_one_space():
    parsed = parse("第一章　Internet\u3000\u3000services 与　服务\n第一条 内容。")
    assert parsed.chapters[0].title == "Internet services 与服务"


def test_a_chapter_heading_without_a_space_or_a_title_is_still_a_chapter():
    parsed = parse("第一章总则\n第一条 内容。\n第二章\n第二条 内容。")
    assert [(c.number, c.title) for c in parsed.chapters] == [(1, "总则"), (2, "")]


def test_the_title_is_optional():
    parsed = parse("第一章 总则\n第一条 内容。")
    assert parsed.title is None


def test_spaces_inside_the_title_line_are_tightened_like_a_heading():
    assert parse("自　律　公　约\n第一条 内容。").title == "自律公约"


def test_a_convention_may_have_no_chapters():
    parsed = parse("公约\n第一条 甲。\n第二条 乙。")
    assert parsed.chapters == ()
    assert [(a.number, a.chapter, a.section) for a in parsed.articles] == [
        (1, None, None),
        (2, None, None),
    ]


def test_articles_before_the_first_chapter_have_no_chapter():
    parsed = parse("第一条 序。\n第一章 总则\n第二条 甲。")
    assert [(a.number, a.chapter) for a in parsed.articles] == [(1, None), (2, 1)]


def test_sections_are_optional_and_restart_in_each_chapter():
    text = """公约
第一章 总则
第一条 不在节中。
第一节 定义
第二条 甲。
第二节 原则
第三条 乙。
第二章 执行
第一节 机构
第四条 丙。
第五条 丁。
"""
    parsed = parse(text)
    assert [s.to_dict() for s in parsed.sections] == [
        {"chapter": 1, "number": 1, "title": "定义"},
        {"chapter": 1, "number": 2, "title": "原则"},
        {"chapter": 2, "number": 1, "title": "机构"},
    ]
    assert [(a.number, a.chapter, a.section) for a in parsed.articles] == [
        (1, 1, None),
        (2, 1, 1),
        (3, 1, 2),
        (4, 2, 1),
        (5, 2, 1),
    ]


def test_articles_are_numbered_in_chinese_up_to_one_hundred_and_ninety_nine():
    parsed = parse("长公约\n第一章 总则\n" + articles_text(199))
    assert [a.number for a in parsed.articles] == list(range(1, 200))
    assert parsed.article(101).paragraphs[0].text == "第101条的内容。"
    assert parsed.article(110).paragraphs[0].text == "第110条的内容。"
    assert parsed.article(199).paragraphs[0].text == "第199条的内容。"


def test_every_line_inside_an_article_is_a_new_paragraph():
    parsed = parse("第一条 第一款。\n\n第二款。\n第三款。\n第二条 另一条。")
    assert [p.text for p in parsed.article(1).paragraphs] == ["第一款。", "第二款。", "第三款。"]


def test_items_attach_to_the_paragraph_before_them_and_a_later_line_is_a_new_paragraph():
    parsed = parse(
        "第一条 有下列情形之一的：\n（一）甲；\n（二）乙。\n"
        "有前款情形的，予以通报。\n（一）丙；\n（二）丁。"
    )
    first, second = parsed.article(1).paragraphs
    assert first.text == "有下列情形之一的："
    assert [(i.number, i.text) for i in first.items] == [(1, "甲；"), (2, "乙。")]
    assert second.text == "有前款情形的，予以通报。"
    assert [(i.number, i.text) for i in second.items] == [(1, "丙；"), (2, "丁。")]


def test_items_run_at_least_to_twenty():
    items = "".join(f"（{int_to_cn(n)}）第{n}项；\n" for n in range(1, 21))
    paragraph = parse("第一条 下列事项：\n" + items).article(1).paragraphs[0]
    assert [i.number for i in paragraph.items] == list(range(1, 21))
    assert paragraph.items[19].text == "第20项；"


def test_items_may_use_half_width_parentheses_and_a_space():
    paragraph = parse("第一条 如下：\n(一) 甲；\n（二） 乙；\n(三）丙。").article(1).paragraphs[0]
    assert [(i.number, i.text) for i in paragraph.items] == [(1, "甲；"), (2, "乙；"), (3, "丙。")]


def test_an_article_heading_alone_on_its_line_takes_its_text_from_the_next_line():
    parsed = parse("第一条\n内容在下一行。\n第二条 乙。")
    assert [p.text for p in parsed.article(1).paragraphs] == ["内容在下一行。"]


def test_items_straight_after_an_article_heading_belong_to_an_empty_first_paragraph():
    parsed = parse("第一条\n（一）甲；\n（二）乙。")
    (paragraph,) = parsed.article(1).paragraphs
    assert paragraph.text == ""
    assert [i.number for i in paragraph.items] == [1, 2]


def test_a_heading_glued_to_its_text_is_read_when_its_number_is_the_next_one():
    parsed = parse("第一条本公约适用于全省。\n第二条\u3000另一条。")
    assert [a.paragraphs[0].text for a in parsed.articles] == ["本公约适用于全省。", "另一条。"]


def test_a_paragraph_opening_with_a_cross_reference_stays_a_paragraph():
    parsed = parse("第一条 甲。\n第二条 乙。\n第一条所称单位，是指成员单位。\n第三条 丙。")
    paragraphs = [p.text for p in parsed.article(2).paragraphs]
    assert paragraphs == ["乙。", "第一条所称单位，是指成员单位。"]
    assert [a.number for a in parsed.articles] == [1, 2, 3]


def test_arabic_digits_in_headings_are_read_as_numbers():
    parsed = parse("第1章 总则\n第1条 甲。\n第２条 乙。")
    assert parsed.chapters[0].number == 1
    assert [a.number for a in parsed.articles] == [1, 2]


def test_whitespace_inside_body_text_collapses_to_one_space():
    parsed = parse("第一条 使用\u3000\u3000IPv6  与\tDNS。")
    assert parsed.article(1).paragraphs[0].text == "使用 IPv6 与 DNS。"


def test_text_is_put_in_unicode_nfc():
    decomposed = "第一条 Cafe\u0301。"
    assert parse(decomposed).article(1).paragraphs[0].text == "Caf\u00e9。"


# --- Closing block -------------------------------------------------------------


def test_a_convention_without_a_signature_block_has_no_closing():
    parsed = parse("第一条 甲。\n第二条 乙。\n第二款。")
    assert parsed.closing is None
    assert [p.text for p in parsed.article(2).paragraphs] == ["乙。", "第二款。"]


def test_a_date_line_alone_is_a_closing_block():
    assert parse("第一条 甲。\n\n二〇二四年三月一日").closing == "二〇二四年三月一日"
    assert parse("第一条 甲。\n2024年3月1日\n").closing == "2024年3月1日"


def test_the_closing_block_takes_the_unit_name_just_above_the_date():
    parsed = parse("第一条 甲。\n\n  江西省互联网协会\n\n    2006年  3月  1日  \n")
    assert parsed.closing == "江西省互联网协会\n2006年 3月 1日"
    assert [p.text for p in parsed.article(1).paragraphs] == ["甲。"]


def test_the_closing_block_keeps_every_line_after_it_starts():
    text = "第一条 甲。\n签约单位（盖章）：\n法定代表人（签字）：\n某某网络有限公司\n  年   月   日"
    closing = "签约单位（盖章）：\n法定代表人（签字）：\n某某网络有限公司\n年 月 日"
    assert parse(text).closing == closing


def test_a_sentence_mentioning_signing_is_not_a_closing_block():
    parsed = parse("第一条 甲。\n本公约经发起单位签字后生效。")
    assert parsed.closing is None
    assert parsed.article(1).paragraphs[1].text == "本公约经发起单位签字后生效。"


def test_a_signature_line_inside_an_earlier_article_is_just_text():
    parsed = parse("第一条 甲。\n签字\n第二条 乙。")
    assert parsed.closing is None
    assert [p.text for p in parsed.article(1).paragraphs] == ["甲。", "签字"]


def test_items_are_never_pulled_into_the_closing_block():
    parsed = parse("第一条 如下：\n（一）甲\n（二）乙\n年 月 日")
    assert [i.text for i in parsed.article(1).paragraphs[0].items] == ["甲", "乙"]
    assert parsed.closing == "年 月 日"


# --- Errors --------------------------------------------------------------------


def test_an_empty_file_is_an_error():
    assert codes_by_line(b"") == [(1, "empty_file")]


@pytest.mark.parametrize("data", [b"\n\n  \n", codecs.BOM_UTF8, "\u3000\r\n".encode(), ""])
def test_a_file_of_blanks_is_an_empty_file(data):
    assert codes_by_line(data) == [(1, "empty_file")]


def test_a_file_without_articles_is_an_error():
    assert codes_by_line("江西省互联网行业自律公约\n".encode()) == [(None, "no_articles")]


def test_gbk_encoded_text_is_refused_naming_each_line(seed_bytes):
    gbk = seed_bytes.decode().encode("gbk")
    problems = problems_of(gbk)
    assert (problems[0].line, problems[0].code) == (None, "gbk")
    assert problems[0] == MESSAGES["gbk"]
    lines = [p.line for p in problems[1:]]
    assert {p.code for p in problems[1:]} == {"not_utf8"}
    assert lines[:4] == [1, 2, 3, 5]
    assert 74 in lines  # 年  月  日
    assert 4 not in lines  # blank lines are valid in any encoding
    assert "save the file as UTF-8" in problems[1].message


def test_a_stray_invalid_byte_is_reported_with_its_line_and_column():
    data = "第一条 甲。\n第二条 乙".encode() + b"\xff" + "。\n".encode()
    (problem,) = problems_of(data)
    assert (problem.line, problem.code) == (2, "not_utf8")
    assert problem.params == {"byte": "FF", "column": 14}


def test_utf16_text_is_refused():
    data = "第一条 甲。".encode("utf-16")
    assert codes_by_line(data) == [(None, "utf16")]


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "DOCX/ZIP"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "DOC/WPS"),
        (b"%PDF-1.7\n", "PDF"),
        (b"{\\rtf1\\ansi \\u31532?", "RTF"),
        ("第一条 甲。".encode("utf-16-le"), "NUL bytes"),
    ],
)
def test_a_word_pdf_or_binary_upload_is_refused_as_one_problem(data, kind):
    (problem,) = problems_of(data)
    assert (problem.line, problem.code, problem.params) == (None, "not_text", {"kind": kind})


def test_duplicate_article_numbers_name_each_repeated_line():
    text = "公约\n第一条 甲。\n第二条 乙。\n第二条 丙。\n第三条 丁。\n第三条 戊。\n第四条 己。"
    problems = problems_of(text)
    assert [(p.line, p.code) for p in problems] == [
        (4, "article_duplicate"),
        (6, "article_duplicate"),
    ]
    assert problems[0].message == "第二条 appears twice (first on line 3)"
    assert problems[1].params["first_line"] == 5


def test_a_gap_in_article_numbers_names_the_line_after_the_gap():
    text = "第一条 甲。\n第二条 乙。\n第五条 丙。\n第六条 丁。\n第八条 戊。"
    problems = problems_of(text)
    assert [(p.line, p.code) for p in problems] == [(3, "article_gap"), (5, "article_gap")]
    assert problems[0].message == "found 第五条 where 第三条 was expected (a gap)"


def test_articles_must_start_at_one():
    assert codes_by_line("第二条 甲。\n第三条 乙。") == [(1, "article_gap")]


def test_article_numbers_going_backwards_are_an_error():
    text = "第一条 甲。\n第三条 丙。\n第二条 乙。\n第四条 丁。"
    assert codes_by_line(text) == [(2, "article_gap"), (3, "article_out_of_order")]


def test_an_article_repeated_later_is_a_duplicate_not_a_new_gap():
    text = "第一条 甲。\n第二条 乙。\n第三条 丙。\n第二条 又乙。\n第四条 丁。"
    assert codes_by_line(text) == [(4, "article_duplicate")]


def test_article_numbering_runs_across_chapters():
    text = "第一章 甲\n第一条 甲。\n第二章 乙\n第一条 乙。"
    assert codes_by_line(text) == [(4, "article_duplicate")]


def test_chapter_gaps_and_duplicates_name_their_lines():
    text = "第一章 甲\n第一条 a。\n第三章 丙\n第二条 b。\n第三章 丙\n第三条 c。"
    assert codes_by_line(text) == [(3, "chapter_gap"), (5, "chapter_duplicate")]


def test_section_gaps_name_their_line_and_chapter():
    text = "第一章 甲\n第一节 a\n第一条 a。\n第三节 c\n第二条 b。"
    (problem,) = problems_of(text)
    assert (problem.line, problem.code) == (4, "section_gap")
    assert problem.message == "found 第三节 in 第一章 where 第二节 was expected (a gap)"


def test_item_gaps_and_duplicates_name_their_lines():
    text = "第一条 如下：\n（一）甲；\n（三）丙；\n（三）又丙。"
    problems = problems_of(text)
    assert [(p.line, p.code) for p in problems] == [(3, "item_gap"), (4, "item_duplicate")]
    assert problems[0].message == "found item （三） in 第一条 where （二） was expected (a gap)"


def test_items_restart_in_each_paragraph():
    article = parse("第一条 如下：\n（一）甲。\n又如下：\n（一）乙。\n（二）丙。").article(1)
    assert [p.text for p in article.paragraphs] == ["如下：", "又如下："]
    assert [[(i.number, i.text) for i in p.items] for p in article.paragraphs] == [
        [(1, "甲。")],
        [(1, "乙。"), (2, "丙。")],
    ]


def test_every_problem_is_reported_at_once_in_line_order():
    text = "公约\n前言不属于任何条。\n第一章 总则\n第二条 乙。\n第二条 丙。\n（二）项。\n第四章 空"
    assert codes_by_line(text) == [
        (2, "stray_text"),
        (4, "article_gap"),
        (5, "article_duplicate"),
        (6, "item_gap"),
        (7, "chapter_gap"),
        (7, "empty_chapter"),
    ]


def test_text_between_a_chapter_heading_and_its_first_article_is_an_error():
    assert codes_by_line("第一章 总则\n本章说明。\n第一条 甲。") == [(2, "stray_text")]


def test_an_article_without_text_is_an_error():
    assert codes_by_line("第一条\n第二条 乙。") == [(1, "empty_article")]


def test_an_item_without_text_is_an_error():
    assert codes_by_line("第一条 如下：\n（一）\n（二）乙。") == [(2, "empty_item")]


def test_a_chapter_or_section_without_articles_is_an_error():
    text = "第一章 甲\n第一节 空\n第二节 有\n第一条 a。\n第二章 空"
    assert codes_by_line(text) == [(2, "empty_section"), (5, "empty_chapter")]


def test_a_section_outside_any_chapter_is_an_error():
    assert codes_by_line("第一节 定义\n第一条 甲。") == [(1, "section_outside_chapter")]


def test_an_item_outside_any_article_is_an_error():
    assert codes_by_line("第一章 总则\n（一）甲。\n第一条 乙。") == [(2, "item_outside_article")]


def test_an_unreadable_number_is_reported_without_a_cascade():
    text = "第一条 甲。\n第十十条 乙。\n第三条 丙。"
    problems = problems_of(text)
    assert [(p.line, p.code) for p in problems] == [(2, "bad_number")]
    assert problems[0].params["numeral"] == "十十"


@pytest.mark.parametrize(
    ("char", "codepoint"),
    [
        ("\u200b", "U+200B"),
        ("\u202e", "U+202E"),
        ("\ufeff", "U+FEFF"),
        ("\x07", "U+0007"),
        ("\u2028", "U+2028"),
    ],
)
def test_invisible_and_control_characters_are_refused(char, codepoint):
    (problem,) = problems_of(f"第一条 甲。\n第二条 乙{char}乙。")
    assert (problem.line, problem.code) == (2, "bad_character")
    assert problem.params["codepoint"] == codepoint
    assert problem.params["column"] == 6


def test_a_tab_is_ordinary_whitespace():
    assert parse("第一条\t甲。").article(1).paragraphs[0].text == "甲。"


def test_parse_refuses_what_is_neither_bytes_nor_str():
    with pytest.raises(TypeError):
        parse(None)


# --- Messages ------------------------------------------------------------------


def test_every_problem_code_has_an_english_template():
    problems = problems_of("第二条 甲。\n第二条 乙。")
    assert all(p.template == MESSAGES[p.code] for p in problems)


def test_a_problem_prints_as_line_and_message():
    (problem,) = problems_of("第一条 甲。\n第三条 乙。")
    assert str(problem) == "line 2: found 第三条 where 第二条 was expected (a gap)"


def test_a_problem_renders_through_a_translation_function():
    (problem,) = problems_of("第一条 甲。\n第三条 乙。")
    catalogue = {MESSAGES["article_gap"]: "第{found}处应为{expected}（编号不连续）"}
    assert problem.render(catalogue.get) == "第第三条处应为第二条（编号不连续）"


def test_the_refusal_lists_every_problem_with_its_line():
    with pytest.raises(FileRefused) as excinfo:
        parse("第二条 甲。\n第二条 乙。")
    assert excinfo.value.blockers == [
        "line 1: found 第二条 where 第一条 was expected (a gap)",
        "line 2: 第二条 appears twice (first on line 1)",
    ]


def test_the_parser_and_canonical_text_import_no_django():
    code = (
        "import sys, gongyue.convention.parser, gongyue.convention.canonical; "
        "sys.exit('django' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[3]
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)
