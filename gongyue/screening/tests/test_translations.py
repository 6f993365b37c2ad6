import ast
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from gongyue.screening import lexicon_csv
from gongyue.screening.lexicon import ROW_MESSAGES, problem_message
from gongyue.screening.lexicon_csv import Problem

PO = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries():
    """(msgid, [msgstr…], flags) for each entry of the app's catalogue, header first."""
    found = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().splitlines()
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                key = match[1]
                fields[key] = ast.literal_eval(match[2])
            else:
                fields[key] += ast.literal_eval(line)
        flags = [line for line in lines if line.startswith("#,")]
        found.append(
            (fields.get("msgid"), [v for k, v in fields.items() if k.startswith("msgstr")], flags)
        )
    return found


def test_the_catalogue_header_declares_utf8_and_one_plural_form_and_is_not_fuzzy():
    msgid, msgstrs, flags = entries()[0]
    assert msgid == ""
    assert "Content-Type: text/plain; charset=UTF-8" in msgstrs[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in msgstrs[0]
    assert not flags


def test_every_message_has_a_chinese_translation_and_none_is_fuzzy():
    for msgid, msgstrs, flags in entries()[1:]:
        assert msgstrs and all(msgstrs), f"untranslated: {msgid!r}"
        assert not any("fuzzy" in flag for flag in flags), f"fuzzy: {msgid!r}"


def test_placeholders_survive_translation():
    pattern = r"%\(\w+\)[0-9]*[a-zA-Z]|\{\w+\}"
    for msgid, msgstrs, _flags in entries()[1:]:
        for msgstr in msgstrs:
            assert sorted(re.findall(pattern, msgid)) == sorted(re.findall(pattern, msgstr)), msgid


@pytest.mark.parametrize("template", [*lexicon_csv.MESSAGES.values(), *ROW_MESSAGES.values()])
def test_every_lexicon_file_problem_reads_in_chinese(template):
    with translation.override("zh-hans"):
        assert gettext(template) != template


def test_a_problem_is_shown_with_its_row_in_the_readers_language():
    problem = Problem(lexicon_csv.MESSAGES["empty_category"], 7)
    assert str(problem) == "row 7: the category is empty"
    with translation.override("zh-hans"):
        assert problem_message(problem) == "第 7 行：类别为空"
    with translation.override("en"):
        assert problem_message(problem) == "row 7: the category is empty"
