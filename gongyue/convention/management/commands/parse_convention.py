import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from gongyue.convention.canonical import canonical_text, text_sha256
from gongyue.convention.parser import parse
from gongyue.core.refusals import FileRefused


class Command(BaseCommand):
    help = (
        "Parse a convention text file and print its structure as JSON. "
        "Touches no database and saves nothing."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="a UTF-8 text file, or - to read standard input")
        output = parser.add_mutually_exclusive_group()
        output.add_argument(
            "--canonical",
            action="store_true",
            help="print the canonical text (what signatures bind to) instead of JSON",
        )
        output.add_argument(
            "--sha256", action="store_true", help="print the SHA-256 of the canonical text"
        )

    def handle(self, *args, file, canonical, sha256, **options):
        source = "<stdin>" if file == "-" else file
        try:
            if file == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(file, "rb") as f:
                    data = f.read()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}", returncode=1) from exc
        try:
            parsed = parse(data)
        except FileRefused as exc:
            for problem in exc.problems:
                message = problem.render(gettext)
                prefix = f"line {problem.line}" if problem.line is not None else source
                self.stderr.write(f"{prefix}: {message}")
            raise CommandError(
                f"{source}: {len(exc.problems)} problem(s); nothing saved", returncode=1
            ) from exc
        if canonical:
            self.stdout.write(canonical_text(parsed), ending="")
        elif sha256:
            self.stdout.write(text_sha256(parsed))
        else:
            self.stdout.write(json.dumps(parsed.to_dict(), ensure_ascii=False, indent=2))
