import pytest
from django.utils import translation
from django.utils.translation import gettext

from gongyue.screening import lexicon_csv
from gongyue.screening.lexicon import ROW_MESSAGES, problem_message
from gongyue.screening.lexicon_csv import Problem


@pytest.mark.parametrize("template", [*lexicon_csv.MESSAGES.values(), *ROW_MESSAGES.values()])
def test_every_lexicon_file_problem_reads_in_chinese(template):
    with translation.override("zh-hans"):
        assert gettext(template) != template


def test_a_problem_is_shown_with_its_row_in_the_readers_language():
    problem = Problem.at_row(7, lexicon_csv.MESSAGES["empty_category"])
    assert str(problem) == "row 7: the category is empty"
    with translation.override("zh-hans"):
        assert problem_message(problem) == "第 7 行：类别为空"
    with translation.override("en"):
        assert problem_message(problem) == "row 7: the category is empty"
