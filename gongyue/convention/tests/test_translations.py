import ast
import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext

from gongyue.convention.parser import MESSAGES

PO = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries():
    """(msgid, [msgstr…], flags) for each entry of the app's catalogue, header excluded."""
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
        found.append((fields.get("msgid"), [v for k, v in fields.items() if k.startswith("msgstr")], flags))
    return found


def test_the_catalogue_header_declares_utf8_and_one_plural_form_and_is_not_fuzzy():
    header = entries()[0]
    assert header[0] == ""
    assert "Content-Type: text/plain; charset=UTF-8" in header[1][0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header[1][0]
    assert not header[2]


def test_every_message_has_a_chinese_translation_and_none_is_fuzzy():
    for msgid, msgstrs, flags in entries()[1:]:
        assert msgstrs and all(msgstrs), f"untranslated: {msgid!r}"
        assert not any("fuzzy" in flag for flag in flags), f"fuzzy: {msgid!r}"


def test_placeholders_survive_translation():
    for msgid, msgstrs, _ in entries()[1:]:
        for msgstr in msgstrs:
            assert set(re.findall(r"%\(\w+\)s|\{\w+\}", msgid)) == set(re.findall(r"%\(\w+\)s|\{\w+\}", msgstr)), msgid


def test_every_parser_problem_reads_in_chinese():
    catalogue = {msgid for msgid, _, _ in entries()}
    with translation.override("zh-hans"):
        for template in MESSAGES.values():
            assert template in catalogue
            assert gettext(template) != template, template
