import pytest

from gongyue.convention.numerals import MAX_NUMBER, cn_to_int, int_to_cn

STANDARD_FORMS = [
    (0, "零"),
    (1, "一"),
    (9, "九"),
    (10, "十"),
    (11, "十一"),
    (19, "十九"),
    (20, "二十"),
    (21, "二十一"),
    (30, "三十"),
    (99, "九十九"),
    (100, "一百"),
    (101, "一百零一"),
    (110, "一百一十"),
    (111, "一百一十一"),
    (120, "一百二十"),
    (199, "一百九十九"),
    (200, "二百"),
    (1000, "一千"),
    (1001, "一千零一"),
    (1010, "一千零一十"),
    (1100, "一千一百"),
    (2024, "二千零二十四"),
    (9999, "九千九百九十九"),
    (10_000, "一万"),
    (10_010, "一万零一十"),
    (10_500, "一万零五百"),
    (100_000, "十万"),
    (110_000, "十一万"),
    (MAX_NUMBER, "九千九百九十九万九千九百九十九"),
]


@pytest.mark.parametrize(("number", "numeral"), STANDARD_FORMS)
def test_int_to_cn_writes_the_form_legal_texts_use(number, numeral):
    assert int_to_cn(number) == numeral


@pytest.mark.parametrize(("number", "numeral"), STANDARD_FORMS)
def test_cn_to_int_reads_the_standard_form(number, numeral):
    assert cn_to_int(numeral) == number


def test_every_number_up_to_twenty_thousand_survives_a_round_trip():
    for number in range(20_001):
        assert cn_to_int(int_to_cn(number)) == number


@pytest.mark.parametrize(
    ("numeral", "number"),
    [("〇", 0), ("一百〇一", 101), ("一千〇一十", 1010), ("一十", 10), ("一十五", 15)],
)
def test_cn_to_int_accepts_ling_written_as_circle_and_a_leading_yi_shi(numeral, number):
    assert cn_to_int(numeral) == number


@pytest.mark.parametrize(
    "numeral",
    ["", "十十", "一二", "百", "一百十", "二十零", "零一", "一百零零一", "一万万", "两", "1"],
)
def test_cn_to_int_rejects_malformed_numerals(numeral):
    with pytest.raises(ValueError):
        cn_to_int(numeral)


def test_cn_to_int_names_the_standard_form_when_it_can():
    with pytest.raises(ValueError, match="一百一十"):
        cn_to_int("一百十")


@pytest.mark.parametrize("number", [-1, MAX_NUMBER + 1])
def test_int_to_cn_refuses_numbers_out_of_range(number):
    with pytest.raises(ValueError):
        int_to_cn(number)


@pytest.mark.parametrize("value", [1.0, "1", True])
def test_int_to_cn_refuses_what_is_not_an_int(value):
    with pytest.raises(TypeError):
        int_to_cn(value)


def test_cn_to_int_refuses_what_is_not_a_str():
    with pytest.raises(TypeError):
        cn_to_int(10)
