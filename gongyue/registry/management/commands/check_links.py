"""gongyue check_links --list LIST.txt [FILE…]: look URLs, hosts or hashes up in a list.

Works offline, without a database, on the registry's plain-text feed (or any list in its
format). Prints one JSON object a line: {"input", "canonical", "listed", "match"}, where
``match`` is the line of the list that matched (null when none). An input that cannot be
canonicalised has ``canonical`` null and an ``error``, and the exit status is then 1.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from gongyue.registry.canonical import CanonicalError
from gongyue.registry.matcher import ListError, Matcher

from ._lines import input_lines


class Command(BaseCommand):
    help = "Check URLs, hosts or hashes (one a line) against a plain-text registry list."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--list", required=True, dest="list_path", help="the plain-text list")
        parser.add_argument("files", nargs="*", help="files to check, one a line (default: stdin)")

    def handle(self, *args, list_path, files, **options):
        try:
            with open(list_path, encoding="utf-8") as source:
                matcher = Matcher.from_lines(source)
        except OSError as exc:
            raise CommandError(f"cannot read {list_path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{list_path} is not UTF-8 text: {exc}") from exc
        except ListError as exc:
            raise CommandError(
                "\n".join(f"{list_path}:{n}: {m}" for n, m in exc.problems[:20])
            ) from exc
        failed = False
        out = self.stdout
        for raw in input_lines(files):
            text = raw.decode("utf-8", "replace")
            if not text.strip():
                continue
            try:
                canonical, line = matcher.check(text)
                result = {
                    "input": text,
                    "canonical": canonical,
                    "listed": line is not None,
                    "match": line,
                }
            except CanonicalError as exc:
                result = {
                    "input": text,
                    "canonical": None,
                    "listed": False,
                    "match": None,
                    "error": str(exc),
                }
                failed = True
            out.write(json.dumps(result, ensure_ascii=False))
        out.flush()
        if failed:
            sys.exit(1)
