import pytest

from gongyue.core.refusals import FileRefused
from gongyue.screening.engine import Lexicon, Term
from gongyue.screening.lexicon_csv import parse_lexicon, read_lexicon


def problems(data):
    with pytest.raises(FileRefused) as caught:
        parse_lexicon(data, source="lexicon.csv")
    return caught.value.problems


def test_a_lexicon_reads_terms_options_and_allowed_phrases():
    data = (
        "term,category,action,severity,collapse_repeats,pinyin,note\n"
        "冰毒,drugs,block,5,yes,true,a comment\n"
        '"代开,发票",fraud,Review,,,,\n'
        "冰毒危害,,allow,,,,\n"
        "\n"
    ).encode()

    assert parse_lexicon(data) == Lexicon(
        [
            Term("冰毒", "drugs", "block", 5, collapse_repeats=True, pinyin=True),
            Term("代开,发票", "fraud", "review"),
        ],
        allow=["冰毒危害"],
    )


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out():
    lexicon = parse_lexicon("action,term,category\nmask,广告,spam\n")

    assert lexicon.terms == (Term("广告", "spam", "mask"),)


def test_a_byte_order_mark_is_accepted():
    assert parse_lexicon("\ufeffterm,category,action\n冰毒,drugs,block\n".encode()).terms


def test_the_invalid_byte_is_counted_from_the_start_of_the_file_even_after_a_bom():
    assert problems(b"\xef\xbb\xbfterm,category,action\n\xff") == [
        "not valid UTF-8 at byte 24 (line 2); save the file as UTF-8"
    ]


def test_an_identical_row_twice_counts_once():
    lexicon = parse_lexicon("term,category,action\n冰毒,drugs,block\n冰毒,drugs,block\n")

    assert len(lexicon.terms) == 1


def test_an_empty_file_is_refused():
    assert problems(b"") == ["the file is empty; expected a header row: term,category,action"]
    assert problems(b" \n\n") == ["the file is empty; expected a header row: term,category,action"]


def test_a_header_without_the_required_columns_is_refused():
    assert problems("term,type\n冰毒,drugs\n") == [
        "row 1: the header lacks category, action (found: term, type);"
        " expected term,category,action"
    ]


def test_a_header_with_a_column_twice_is_refused():
    assert problems("term,category,action,term\n") == ["row 1: column term appears twice"]


def test_a_header_alone_is_refused():
    assert problems("term,category,action\n") == [
        "no terms: the file has a header but no term rows"
    ]


def test_every_bad_row_is_reported_by_its_row_number():
    data = (
        "term,category,action,severity,pinyin\n"
        "冰毒,drugs,block,1,no\n"
        ",drugs,block,1,no\n"
        "！！！,drugs,block,1,no\n"
        "赌博,gambling,delete,1,no\n"
        "赌博,,block,1,no\n"
        "赌博,gambling,block,high,no\n"
        "赌博,gambling,block,1,maybe\n"
        "赌,博,gambling,block,1,no\n"
    )

    assert problems(data) == [
        "row 3: the term is empty",
        "row 4: term '！！！' normalises to nothing (it has only spaces, punctuation, symbols"
        " or invisible characters)",
        "row 5: unknown action 'delete' (expected one of block, review, mask, allow)",
        "row 6: the category is empty",
        "row 7: severity 'high' is not a whole number",
        "row 8: pinyin 'maybe' is not true or false",
        "row 9: 6 fields but the header has 5 (quote a term that contains a comma)",
    ]


def test_invalid_utf8_is_refused_with_the_byte_and_line():
    assert problems(
        "term,category,action\n冰毒,drugs,block\n".encode() + b"\xff\xfe,x,block\n"
    ) == ["not valid UTF-8 at byte 40 (line 3); save the file as UTF-8"]


def test_the_error_message_names_the_file_and_every_problem(tmp_path):
    path = tmp_path / "lexicon.csv"
    path.write_text("term,category,action\n！,x,block\n", encoding="utf-8")

    with pytest.raises(FileRefused) as caught:
        read_lexicon(path)

    assert str(caught.value).startswith(f"{path}: 1 problem(s):\n  row 2: term '！'")


def test_a_missing_file_is_refused_by_name(tmp_path):
    with pytest.raises(FileRefused, match=r"nope.csv: 1 problem\(s\):\n  cannot read the file"):
        read_lexicon(tmp_path / "nope.csv")


def test_each_problem_keeps_its_row_template_and_values_for_translation():
    (problem,) = problems("term,category,action\n冰毒,drugs,burn\n")

    assert problem == "row 2: unknown action 'burn' (expected one of block, review, mask, allow)"
    assert (problem.row, problem.params) == (
        2,
        {"action": "'burn'", "expected": "block, review, mask, allow"},
    )
    assert problem.render() == "unknown action 'burn' (expected one of block, review, mask, allow)"
    assert problem.render(
        lambda template: template.replace("unknown action", "未知的处理方式")
    ) == ("未知的处理方式 'burn' (expected one of block, review, mask, allow)")


def test_a_check_adds_its_own_problems_to_each_readable_row_in_order():
    seen = []

    def check(number, entry):
        seen.append((number, entry))
        return [f"row {number}: no drugs here"] if getattr(entry, "category", "") == "drugs" else []

    data = "term,category,action\n冰毒,drugs,block\n赌博,gambling,burn\n冰毒危害,,allow\n"
    with pytest.raises(FileRefused) as caught:
        parse_lexicon(data, check=check)

    assert caught.value.problems == [
        "row 2: no drugs here",
        "row 3: unknown action 'burn' (expected one of block, review, mask, allow)",
    ]
    assert seen == [(2, Term("冰毒", "drugs", "block")), (4, "冰毒危害")]


def test_a_severity_in_other_digits_is_refused_rather_than_crashing():
    assert problems("term,category,action,severity\n冰毒,drugs,block,²\n") == [
        "row 2: severity '²' is not a whole number"
    ]
