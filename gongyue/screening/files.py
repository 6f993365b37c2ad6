"""Screening files and standard input from the command line (``gongyue screen``), no database."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import BinaryIO, TextIO

from .engine import Engine, ScreeningError

STDIN = "-"


class InputError(ScreeningError):
    """An input that cannot be screened; the message names it."""


def decode(data: bytes, name: str) -> str:
    """Decode UTF-8 strictly; the error names the input, the byte and the line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{name}: not valid UTF-8 at byte {exc.start} (line {line}); nothing screened"
        ) from exc


def read_input(name: str, stdin: BinaryIO) -> str:
    """Read one file (or standard input for ``-``) as UTF-8 text."""
    if name == STDIN:
        return decode(stdin.read(), "<stdin>")
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from exc
    return decode(data, name)


def screen_inputs(
    engine: Engine,
    names: Iterable[str],
    *,
    stdin: BinaryIO,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """Screen each named input, writing one JSON object per match to ``stdout`` and one line
    per unusable input to ``stderr``; return how many inputs could not be screened."""
    failures = 0
    for name in list(names) or [STDIN]:
        shown = "<stdin>" if name == STDIN else name
        try:
            text = read_input(name, stdin)
            if not text:
                stderr.write(f"{shown}: empty, nothing to screen\n")
                continue
            result = engine.screen(text)
        except ScreeningError as exc:
            message = str(exc)
            stderr.write((message if message.startswith(shown) else f"{shown}: {message}") + "\n")
            failures += 1
            continue
        if result.truncated:
            stderr.write(
                f"{shown}: more than {engine.max_matches:,} matches; only the first are listed\n"
            )
        for match in result.matches:
            record = {
                "file": shown,
                "term": match.term,
                "category": match.category,
                "action": match.action,
                "start": match.start,
                "end": match.end,
                "text": match.text,
            }
            stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    return failures
