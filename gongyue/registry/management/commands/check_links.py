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

#: Lines looked up together.
BATCH = 1000


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
        # Looked up a thousand lines at a time (Matcher.check_many); one at a time when a
        # person types them.
        size = 1 if not files and sys.stdin.isatty() else BATCH
        for texts in batches(input_lines(files), size):
            for text, result in zip(texts, matcher.check_many(texts), strict=True):
                if isinstance(result, CanonicalError):
                    failed = True
                    error = str(result)
                    found = {"canonical": None, "listed": False, "match": None, "error": error}
                else:
                    canonical, line = result
                    found = {"canonical": canonical, "listed": line is not None, "match": line}
                out.write(json.dumps({"input": text, **found}, ensure_ascii=False))
            out.flush()
        if failed:
            sys.exit(1)


def batches(lines, size):
    """The non-blank lines as text, in lists of up to ``size``."""
    batch = []
    for raw in lines:
        text = raw.decode("utf-8", "replace")
        if text.strip():
            batch.append(text)
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch
