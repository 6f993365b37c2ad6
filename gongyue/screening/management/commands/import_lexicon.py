"""``gongyue import_lexicon FILE``: the page's and the API's import, without a request timeout.

For lexicons of tens of thousands of terms: an import of 100,000 terms takes some 25 s and
compiling them some 450 MB, which belong in a short-lived process rather than a web worker.
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from gongyue.core.errors import ActionRefused
from gongyue.screening import actions, lexicon


class Command(BaseCommand):
    help = (
        "Import a lexicon CSV (header term,category,action[,severity,collapse_repeats,pinyin]) "
        "and publish it as a new version, all or nothing. A file with problems prints each one "
        "with its row and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a UTF-8 CSV file, or - to read standard input")
        parser.add_argument(
            "--user", required=True, help="the secretariat member the import is recorded as done by"
        )
        parser.add_argument(
            "--mode",
            choices=actions.ImportMode.ALL,
            default=actions.ImportMode.MERGE,
            help="merge (default): add and update; replace: also remove what the file lacks",
        )
        parser.add_argument("--note", default="", help="a short note kept with the version")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and say what it would change"
        )

    def handle(self, *args, **options):
        # Problems in English, as the engine's own command prints them.
        with translation.override("en"):
            self.run(**options)

    def run(self, *, file, user, mode, note, dry_run, **options):
        source = "<stdin>" if file == "-" else file
        try:
            actor = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {user!r}", returncode=1) from None
        if not actor.is_secretariat:
            raise CommandError(
                f"{user} is not secretariat staff, who alone maintain the lexicon", returncode=1
            )
        try:
            data = sys.stdin.buffer.read() if file == "-" else open(file, "rb").read()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}", returncode=1) from exc
        try:
            upload = lexicon.read_upload(data, source=source)
            if dry_run:
                plan = actions.plan_import(upload, mode)
                version = None
            else:
                plan, version = actions.do_import_lexicon(
                    upload, actor=actor, mode=mode, note=note, source_name=source.rsplit("/", 1)[-1]
                )
        except lexicon.InvalidLexicon as invalid:
            for problem in invalid.problems:
                self.stderr.write(f"{source}: {lexicon.problem_message(problem)}")
            raise CommandError(
                f"{source}: {len(invalid.problems)} problem(s); nothing changed", returncode=1
            ) from None
        except ActionRefused as refused:
            raise CommandError(
                f"{source}: {'; '.join(refused.blockers)}; nothing changed", returncode=1
            ) from None
        counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in plan.counts.items())
        if version is None:
            self.stdout.write(f"{source}: would change: {counts} (dry run; nothing changed)")
        else:
            self.stdout.write(
                f"{source}: {counts}; lexicon version {version.number} published "
                f"({version.term_count} terms, sha256 {version.sha256})"
            )
