import numpy as np
import pytest

from gongyue.screening import normalise
from gongyue.screening.normalise import canonical, canonical_with_map, collapse_repeats


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＵＳＤＴ洗钱", "usdt洗钱"),  # full-width letters
        ("UsDt", "usdt"),  # case
        ("代開發票", "代开发票"),  # traditional characters
        ("臺灣", "台湾"),
        ("①⓪②④", "1024"),  # circled digits
        ("⑴⒉❸", "123"),  # parenthesised, full-stop and dingbat digits
        ("Ⓐⓑ🅒🇩", "abcd"),  # circled, negative circled and regional-indicator letters
        ("𝐔𝐬𝐃𝐭", "usdt"),  # mathematical bold
        ("ᴜsᴅᴛ", "usdt"),  # small capitals
        ("٣", "3"),  # Arabic-Indic digit
        ("fǎ lún", "falun"),  # tone marks are combining marks
        ("⼈", "人"),  # Kangxi radical
        ("冰\u200b毒", "冰毒"),  # zero-width space
        ("冰\u2060\ufeff\u00ad\u200d\u200e毒", "冰毒"),  # joiners, BOM, soft hyphen, bidi mark
        ("冰\x07\x1b毒", "冰毒"),  # control characters
        ("冰\ue000毒", "冰毒"),  # private use
        ("冰\u0301\u20dd毒", "冰毒"),  # combining and enclosing marks
        ("冰 \u3000\t毒", "冰毒"),  # spaces
        ("冰，。！·—毒", "冰毒"),  # punctuation
        ("冰★♥$€+毒", "冰毒"),  # symbols
        ("冰😀毒", "冰毒"),  # emoji
    ],
)
def test_the_canonical_form_undoes_each_disguise(text, expected):
    assert canonical(text) == expected


def test_characters_with_several_canonical_characters_are_spelled_out():
    assert canonical("⑩") == "10"
    assert canonical("ß") == "ss"
    assert canonical("㎏") == "kg"
    assert canonical("Ⅻ") == "xii"


def test_hangul_syllables_stay_whole():
    assert canonical("한국") == "한국"


def test_the_canonical_form_of_a_canonical_form_is_itself_for_every_code_point():
    table = normalise.table()
    single = table[(table != normalise.DELETED) & (table != normalise.EXPANSION)]
    assert np.array_equal(table[single], single)
    for text in normalise.expansions().values():
        assert canonical(text) == text


def test_the_table_is_read_only():
    with pytest.raises(ValueError):
        normalise.table()[ord("a")] = ord("b")


def test_the_index_map_points_each_canonical_character_at_its_source():
    text = "Ｆａ　L①⑩ 國"
    form, origin = canonical_with_map(text)
    assert form == "fal110国"
    assert origin == [0, 1, 3, 4, 5, 5, 7]
    assert [text[i] for i in origin] == ["Ｆ", "ａ", "L", "①", "⑩", "⑩", "國"]


def test_lone_surrogates_are_removed_rather_than_failing():
    assert canonical("冰\udcff毒") == "冰毒"


def test_collapsing_repeats_keeps_one_of_each_run():
    assert collapse_repeats("冰冰冰毒毒a") == "冰毒a"
    assert collapse_repeats("") == ""
