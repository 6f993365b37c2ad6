"""Each app declares its audit event types once; record() accepts nothing else."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from gongyue.audit import registry
from gongyue.audit.log import record
from gongyue.audit.models import AuditEntry

ROOT = Path(settings.BASE_DIR) / "gongyue"


def test_record_refuses_a_type_no_app_declared(db):
    with pytest.raises(registry.UnknownEventType):
        record("organisations.application_aproved", actor="system")
    assert not AuditEntry.objects.exists()


def test_every_type_the_code_records_is_declared():
    """Every string literal handed to record() (first argument or `action=`) is registered,
    and so is every dotted 'app.event' literal the actions pass around as an action."""
    recorded = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record":
                if node.args and isinstance(node.args[0], ast.Constant):
                    recorded.add(node.args[0].value)
            if isinstance(node, ast.keyword) and node.arg == "action":
                if isinstance(node.value, ast.Constant) and "." in str(node.value.value):
                    recorded.add(node.value.value)
            if (path.name == "actions.py" or path.parent.name == "actions") and isinstance(
                node, ast.Constant
            ):
                value = node.value
                if isinstance(value, str) and value.startswith(f"{path.parts[-2]}."):
                    recorded.add(value)
    assert len(recorded) >= 28
    assert sorted(recorded - registry.EVENT_TYPES.keys()) == []


def test_each_type_has_an_english_and_a_chinese_label():
    assert len(registry.EVENT_TYPES) >= 33
    for code, label in registry.EVENT_TYPES.items():
        with translation.override("en"):
            english = str(label)
        with translation.override("zh-hans"):
            chinese = str(label)
        assert english != code and chinese != english, code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), code


def test_publications_are_the_events_the_public_relies_on():
    assert registry.PUBLICATIONS >= {
        "organisations.convention_published",
        "organisations.register_published",
        "convention.version_adopted",
    }


def test_a_type_declared_twice_is_a_configuration_error(monkeypatch):
    from django.db import models

    from gongyue.screening import events

    class Twin(models.TextChoices):
        AGAIN = "accounts.role_granted", "again"

    Twin.__module__ = events.__name__
    monkeypatch.setattr(events, "Twin", Twin, raising=False)
    try:
        with pytest.raises(ImproperlyConfigured, match=r"accounts\.role_granted"):
            registry.collect()
    finally:
        monkeypatch.undo()
        registry.collect()
    assert "screening.term_added" in registry.EVENT_TYPES


def test_the_api_gives_each_entry_its_label_and_capacity(client_for, secretariat):
    record("accounts.role_granted", actor=secretariat, visibility="public")
    with translation.override("zh-hans"):
        [entry] = client_for(None).get("/api/v1/audit/entries").json()
    assert (entry["action"], entry["actor_kind"]) == ("accounts.role_granted", "secretariat")
    assert entry["action_label"] == "授予角色"
