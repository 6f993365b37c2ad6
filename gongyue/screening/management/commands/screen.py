"""``gongyue screen --lexicon LEXICON.csv FILE…``: screen files against a lexicon, no database."""

import sys

from django.core.management.base import BaseCommand, CommandError

from gongyue.core.refusals import FileRefused
from gongyue.screening.engine import MAX_MATCHES, Engine, LexiconError, available_backends
from gongyue.screening.files import screen_inputs
from gongyue.screening.lexicon_csv import read_lexicon


class Command(BaseCommand):
    help = (
        "Screen files (or standard input) against a lexicon CSV with the header"
        " term,category,action; print one JSON object per match."
    )
    # Screening needs neither the database nor a valid configuration for it.
    requires_system_checks = []
    requires_migrations_checks = False
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--lexicon", required=True, metavar="LEXICON.csv")
        parser.add_argument(
            "files", nargs="*", metavar="FILE", help="files to screen; none or - for standard input"
        )
        parser.add_argument("--backend", choices=available_backends(), default=None)
        parser.add_argument(
            "--max-matches", type=int, default=MAX_MATCHES, help="per file (default %(default)s)"
        )

    def handle(self, *args, lexicon, files, backend=None, max_matches=MAX_MATCHES, **options):
        try:
            engine = Engine.build(read_lexicon(lexicon), backend=backend, max_matches=max_matches)
        except (FileRefused, LexiconError) as exc:
            raise CommandError(str(exc), returncode=1) from exc
        failures = screen_inputs(
            engine,
            files,
            stdin=options.get("stdin") or sys.stdin.buffer,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        if failures:
            raise CommandError(f"{failures} input(s) could not be screened", returncode=1)
