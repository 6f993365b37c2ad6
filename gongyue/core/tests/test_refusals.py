"""One refusal shape for files and rows: the convention parser, the lexicon CSV and the member
CSV all refuse a file with FileRefused, a list of problems each with its line or row."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from gongyue.convention.parser import parse
from gongyue.core.errors import ActionRefused
from gongyue.core.refusals import FileRefused, Problem
from gongyue.organisations.actions import do_import_members
from gongyue.organisations.models import MemberImport
from gongyue.screening.lexicon_csv import parse_lexicon


def test_the_parser_refuses_a_text_by_line():
    with pytest.raises(FileRefused) as refused:
        parse("第一条 甲。\n第三条 乙。")
    [problem] = refused.value.problems
    assert (problem.at, problem.place, problem.line, problem.code) == (2, "line", 2, "article_gap")
    assert refused.value.blockers == ["line 2: found 第三条 where 第二条 was expected (a gap)"]
    assert (refused.value.status, refused.value.field) == (400, "file")


def test_the_lexicon_reader_refuses_a_csv_by_row():
    with pytest.raises(FileRefused) as refused:
        parse_lexicon("term,category,action\n冰毒,,block\n", source="x.csv")
    [problem] = refused.value.problems
    assert (problem.row, problem.code, problem) == (
        2,
        "empty_category",
        "row 2: the category is empty",
    )
    assert str(refused.value) == "x.csv: 1 problem(s):\n  row 2: the category is empty"


def test_the_member_import_refuses_a_csv_by_row_and_imports_nothing(secretariat):
    data = "uscc,name,joined,categories\n914403001922038216,甲,2019-13-01,other\n".encode()
    with pytest.raises(FileRefused) as refused:
        do_import_members(data, actor=secretariat, source_name="m.csv")
    assert isinstance(refused.value, ActionRefused) and refused.value.code == "bad_rows"
    [problem] = refused.value.problems
    assert problem.row == 2 and "2019-13-01" in problem.message
    assert refused.value.blockers == [str(problem)] and str(problem).startswith("row 2: ")
    assert not MemberImport.objects.exists()


def test_a_refusal_is_translated_whole_with_its_places():
    with pytest.raises(FileRefused) as refused:
        parse("第一条 甲。\n第三条 乙。")
    with translation.override("zh-hans"):
        [message] = refused.value.translated(gettext).blockers
    assert message.startswith("第 2 行") and "第三条" in message
    assert refused.value.translated(gettext).problems == refused.value.problems


def test_a_message_with_braces_and_no_values_is_shown_as_it_is():
    problem = Problem.at_row(3, "the name “{x}” is odd")
    assert problem == "row 3: the name “{x}” is odd" and problem.message == "the name “{x}” is odd"
