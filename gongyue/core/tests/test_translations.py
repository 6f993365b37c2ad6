"""The interface is Chinese first: every catalogue is complete, and nothing in the code or the
templates lacks a Chinese translation."""

import ast
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted(ROOT.glob("locale/zh_Hans/LC_MESSAGES/django.po")) + sorted(
    ROOT.glob("gongyue/*/locale/zh_Hans/LC_MESSAGES/django.po")
)
PLACEHOLDER = r"%\(\w+\)[0-9]*[a-zA-Z]|\{\w+\}"


def catalogue_key(fields: dict):
    """The key gettext looks the entry up by: context and message, and an index for plurals."""
    msgid = f"{fields['msgctxt']}\x04{fields['msgid']}" if "msgctxt" in fields else fields["msgid"]
    return (msgid, 0) if "msgid_plural" in fields else msgid


def entries(po: Path):
    """(msgid, [msgstr…], flags, text to translate, lookup key) for each entry, header first."""
    found = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
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
            elif key:
                fields[key] += ast.literal_eval(line)
        if "msgid" in fields:
            flags = [line for line in lines if line.startswith("#,")]
            # For a plural the translation must carry the plural's placeholders (nplurals=1).
            source = fields.get("msgid_plural", fields["msgid"])
            found.append(
                (
                    fields["msgid"],
                    [v for k, v in fields.items() if k.startswith("msgstr")],
                    flags,
                    source,
                    catalogue_key(fields),
                )
            )
    return found


def test_the_project_and_each_app_with_text_have_a_catalogue():
    places = {
        po.relative_to(ROOT).parts[
            0 if po.parts[-4] == "locale" and po.parent.parent.parent.parent == ROOT else 1
        ]
        for po in CATALOGUES
    }
    assert places >= {"locale", "convention", "organisations", "screening"}


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_catalogue_is_utf8_with_one_plural_form_and_nothing_fuzzy_or_missing(po):
    (header_id, header, header_flags, *_), *messages = entries(po)
    assert header_id == "" and not header_flags
    assert "charset=UTF-8" in header[0] and "Plural-Forms: nplurals=1; plural=0;" in header[0]
    for msgid, msgstrs, flags, source, _key in messages:
        assert msgstrs and all(msgstrs), f"untranslated: {msgid!r}"
        assert not any("fuzzy" in flag for flag in flags), f"fuzzy: {msgid!r}"
        for msgstr in msgstrs:
            assert sorted(re.findall(PLACEHOLDER, source)) == sorted(
                re.findall(PLACEHOLDER, msgstr)
            ), msgid


def test_every_string_in_the_code_and_templates_has_a_chinese_translation(
    tmp_path, settings, monkeypatch
):
    """Extract the messages afresh (as a translator would) and find none left untranslated."""
    # What the running site knows: every catalogue merged, as Django loads them (before the
    # settings below point the loader elsewhere).
    catalogue = translation.trans_real.translation("zh-hans")._catalog
    skip = shutil.ignore_patterns("__pycache__", "*.mo", "tests", "testing.py", "demo")
    for name in ("gongyue", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=skip)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    extracted = {
        entry[-1]
        for po in tmp_path.glob("**/zh_Hans/LC_MESSAGES/django.po")
        for entry in entries(po)[1:]
    }
    assert sorted(str(key) for key in extracted if key not in catalogue) == []


def test_no_two_catalogues_translate_the_same_message_differently():
    """Django merges every catalogue into one, so where two apps translate the same message
    differently only one translation shows, in both apps' pages: "Send" read 上传 on the cases'
    form. The same English meaning something else takes a context (``pgettext``)."""
    translations: dict = {}
    for po in CATALOGUES:
        for msgid, msgstrs, _flags, _source, key in entries(po):
            if msgid:
                translations.setdefault(key, {})[str(po.relative_to(ROOT))] = tuple(msgstrs)
    differing = {
        key: places for key, places in translations.items() if len(set(places.values())) > 1
    }
    assert not differing, "\n".join(f"{key!r}: {places}" for key, places in differing.items())
