"""Reading input one item a line from files or standard input, for the offline commands."""

import sys

from django.core.management.base import CommandError


def input_lines(paths):
    """Each line (without its line end) of the files named, or of standard input."""
    if not paths:
        for line in sys.stdin.buffer:
            yield line.rstrip(b"\r\n")
        return
    for path in paths:
        try:
            with open(path, "rb") as source:
                for line in source:
                    yield line.rstrip(b"\r\n")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
