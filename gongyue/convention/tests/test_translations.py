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
        found.append(
            (fields.get("msgid"), [v for k, v in fields.items() if k.startswith("msgstr")], flags)
        )
    return found


def test_every_parser_problem_reads_in_chinese():
    catalogue = {msgid for msgid, _, _ in entries()}
    with translation.override("zh-hans"):
        for template in MESSAGES.values():
            assert template in catalogue
            assert gettext(template) != template, template
