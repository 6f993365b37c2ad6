from gongyue.convention.diff import (
    ADDED,
    CHANGED,
    REMOVED,
    RENUMBERED,
    UNCHANGED,
    article_body,
    char_diff,
    diff_structures,
    match_identities,
    segments_html,
)
from gongyue.convention.parser import parse


def structure(text, identities=None):
    data = parse(text).to_dict()
    for article, identity in zip(data["articles"], identities or []):
        article["identity"] = identity
    return data


def kinds(diff):
    return [(a.kind, a.old_number, a.new_number) for a in diff.articles]


def test_a_change_inside_an_article_is_marked_character_by_character():
    segments = char_diff(
        "对用户投诉在十五个工作日内作出答复。", "对用户投诉在十个工作日内作出答复，并告知处理结果。"
    )
    assert segments == [
        ("equal", "对用户投诉在十"),
        ("delete", "五"),
        ("equal", "个工作日内作出答复"),
        ("insert", "，并告知处理结果"),
        ("equal", "。"),
    ]
    assert (
        segments_html(segments)
        == "对用户投诉在十<del>五</del>个工作日内作出答复<ins>，并告知处理结果</ins>。"
    )


def test_one_or_two_equal_characters_between_two_edits_are_folded_into_one_replacement():
    assert char_diff("自觉维护消费者的合法权益", "依法维护用户的合法权益") == [
        ("delete", "自觉维护消费者"),
        ("insert", "依法维护用户"),
        ("equal", "的合法权益"),
    ]


def test_marked_text_is_html_escaped():
    assert segments_html(char_diff("a<b", "a<c&")) == "a&lt;<del>b</del><ins>c&amp;</ins>"


def test_the_body_of_an_article_is_its_paragraphs_and_items_without_its_number():
    data = structure("第一条 甲：\n（一）子；\n（二）丑。\n另起一款。")
    assert article_body(data["articles"][0]) == "甲：\n（一）子；\n（二）丑。\n另起一款。"


def test_identical_structures_have_no_changes():
    data = structure("公约\n第一章 总则\n第一条 甲。\n第二条 乙。\n签约单位（盖章）")
    diff = diff_structures(data, data)
    assert not diff.has_changes and diff.headings == ()
    assert diff.counts() == {CHANGED: 0, ADDED: 0, REMOVED: 0, RENUMBERED: 0, UNCHANGED: 2}


def test_articles_pair_by_identity_so_an_insertion_shows_as_renumbering_not_as_changes():
    old = structure("第一条 甲。\n第二条 乙。\n第三条 丙。", [10, 20, 30])
    new = structure("第一条 甲。\n第二条 新。\n第三条 乙。\n第四条 丙。", [10, 40, 20, 30])
    diff = diff_structures(old, new)
    assert kinds(diff) == [
        (UNCHANGED, 1, 1),
        (ADDED, None, 2),
        (RENUMBERED, 2, 3),
        (RENUMBERED, 3, 4),
    ]
    assert diff.articles[1].html == "<ins>新。</ins>"
    assert diff.articles[2].old_label == "第二条" and diff.articles[2].new_label == "第三条"


def test_without_identities_articles_pair_by_number():
    old = structure("第一条 甲。\n第二条 乙。")
    new = structure("第一条 甲。\n第二条 乙丁。\n第三条 丙。")
    diff = diff_structures(old, new)
    assert kinds(diff) == [(UNCHANGED, 1, 1), (CHANGED, 2, 2), (ADDED, None, 3)]
    assert diff.articles[1].html == "乙<ins>丁</ins>。"


def test_a_removed_article_is_listed_where_it_stood():
    old = structure("第一条 甲。\n第二条 乙。\n第三条 丙。", [1, 2, 3])
    new = structure("第一条 甲。\n第二条 丙。", [1, 3])
    diff = diff_structures(old, new)
    assert kinds(diff) == [(UNCHANGED, 1, 1), (REMOVED, 2, None), (RENUMBERED, 3, 2)]
    assert diff.articles[1].html == "<del>乙。</del>"


def test_a_changed_and_renumbered_article_is_a_change_that_says_both_numbers():
    old = structure("第一条 甲。\n第二条 乙。", [1, 2])
    new = structure("第一条 新。\n第二条 甲。\n第三条 乙改。", [3, 1, 2])
    article = diff_structures(old, new).articles[2]
    assert (article.kind, article.old_number, article.new_number, article.renumbered) == (
        CHANGED,
        2,
        3,
        True,
    )


def test_changes_to_the_title_headings_and_closing_block_are_reported():
    old = structure("公约\n第一章 总则\n第一条 甲。\n第二章 执行\n第二条 乙。\n签约单位（盖章）")
    new = structure(
        "新公约\n第一章 总则\n第一节 定义\n第一条 甲。\n第二章 附则\n第二条 乙。\n签约单位（盖章）\n年 月 日"
    )
    headings = {(h.part, h.label): h for h in diff_structures(old, new).headings}
    assert set(headings) == {
        ("title", ""),
        ("chapter", "第二章"),
        ("section", "第一章第一节"),
        ("closing", ""),
    }
    assert headings["title", ""].html == "<ins>新</ins>公约"
    assert headings["chapter", "第二章"].html == "<del>执行</del><ins>附则</ins>"
    assert headings["section", "第一章第一节"].kind == ADDED
    assert headings["closing", ""].html == "签约单位（盖章）<ins>\n年 月 日</ins>"


def test_the_diff_has_a_json_shape_for_programs():
    old = structure("第一条 甲。", [1])
    new = structure("第一条 乙。", [1])
    data = diff_structures(old, new).to_dict()
    assert data["counts"][CHANGED] == 1
    assert data["articles"][0] == {
        "kind": CHANGED,
        "identity": 1,
        "old_number": 1,
        "new_number": 1,
        "old_text": "甲。",
        "new_text": "乙。",
        "segments": [["delete", "甲"], ["insert", "乙"], ["equal", "。"]],
        "html": "<del>甲</del><ins>乙</ins>。",
    }


def test_match_identities_prefers_the_same_text_then_the_same_number():
    old = structure("第一条 甲。\n第二条 乙。\n第三条 丙。", [1, 2, 3])["articles"]
    new = structure("第一条 甲。\n第二条 新。\n第三条 乙。\n第四条 丙丙。")["articles"]
    # 乙 moved to 3 and keeps 2; 新 at 2 finds identity 2 taken; 丙丙 at 4 has no old article 4.
    assert match_identities(old, new) == [1, None, 2, None]


def test_match_identities_gives_each_identity_once_even_to_repeated_texts():
    old = structure("第一条 同。\n第二条 同。", [1, 2])["articles"]
    new = structure("第一条 同。\n第二条 同。\n第三条 同。")["articles"]
    assert match_identities(old, new) == [1, 2, None]
