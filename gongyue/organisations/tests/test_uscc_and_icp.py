import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from gongyue.organisations.validators import validate_icp, validate_uscc, validate_website


def test_the_huawei_code_passes_the_check_character():
    assert validate_uscc("914403001922038216") == "914403001922038216"


def test_a_wrong_check_character_is_named_with_the_one_expected():
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_uscc("91350100M000100Y4Z")
    message = error.value.messages[0]
    assert "check character" in message and "“Z”" in message and "“3”" in message


def test_the_check_character_message_is_in_chinese_by_default():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        validate_uscc("91350100M000100Y4Z")
    assert "校验码" in error.value.messages[0] and "Z" in error.value.messages[0]


@pytest.mark.parametrize(
    "code, words",
    [
        ("9144030019220382", "18"),
        ("A14403001922038216", "8"),
        ("91440300I922038216", "“I”"),
    ],
)
def test_length_and_character_set_errors_say_what_is_wrong(code, words):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert words in error.value.messages[0]


def test_spaces_and_lower_case_are_tidied_before_checking():
    assert validate_uscc(" 9144 0300 1922 0382 16 ") == "914403001922038216"


@pytest.mark.parametrize(
    "number",
    ["赣ICP备2021003257号-1", "京ICP备05060933号", "粤ICP备2020123456号", "沪ICP备12345678号-3"],
)
def test_current_and_older_icp_filing_numbers_are_valid(number):
    assert validate_icp(number) == number


@pytest.mark.parametrize(
    "number",
    [
        "赣ICP备123号",
        "ICP备2021003257号",
        "赣ICP备2021003257",
        "赣ICP证2021003257号",
        "XX ICP 2021003257",
        "赣ICP备2021003257号-0",
    ],
)
def test_malformed_icp_numbers_are_refused_with_an_example(number):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_icp(number)
    assert "赣ICP备2021003257号-1" in error.value.messages[0]


def test_icp_numbers_with_spaces_or_a_full_width_hyphen_are_normalised():
    assert validate_icp("赣 ICP备2021003257号－2") == "赣ICP备2021003257号-2"


def test_a_website_without_a_scheme_gets_https_and_nonsense_is_refused():
    assert validate_website("poyang.example.cn") == "https://poyang.example.cn"
    with pytest.raises(ValidationError):
        validate_website("not a site")
