import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext

from gongyue.convention.actions import do_adopt_version, do_import_version
from gongyue.convention.models import Convention
from gongyue.core.errors import ActionRefused
from gongyue.core.refusals import FileRefused


class Command(BaseCommand):
    help = (
        "Import a convention text file as a new draft version (the first import creates the "
        "convention). A file with problems prints each one with its line and saves nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a UTF-8 text file, or - to read standard input")
        parser.add_argument(
            "--user", help="record the import as done by this username (default: system)"
        )
        parser.add_argument("--note", default="", help="a short note kept with the version")
        parser.add_argument(
            "--adopt", action="store_true", help="adopt the new version straight away"
        )

    def handle(self, *args, file, user, note, adopt, **options):
        source = "<stdin>" if file == "-" else file
        if adopt and not user:
            # Adopting is the secretariat head's decision (Art. 25), never the server's own.
            raise CommandError("--adopt needs --user naming the secretariat head", returncode=1)
        actor = "system"
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"no user named {user!r}", returncode=1) from None
        try:
            if file == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(file, "rb") as f:
                    data = f.read()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}", returncode=1) from exc
        try:
            # One transaction, so that a refused adoption leaves no draft behind either.
            with transaction.atomic():
                version = do_import_version(
                    Convention.objects.current(),
                    data,
                    actor=actor,
                    source_name=source.rsplit("/", 1)[-1],
                    note=note,
                )
                if adopt:
                    version = do_adopt_version(version, actor=actor)
        except FileRefused as invalid:
            for problem in invalid.problems:
                prefix = f"line {problem.line}" if problem.line is not None else source
                self.stderr.write(f"{prefix}: {problem.render(gettext)}")
            raise CommandError(
                f"{source}: {len(invalid.problems)} problem(s); nothing saved", returncode=1
            ) from None
        except ActionRefused as refused:
            for blocker in refused.blockers:
                self.stderr.write(f"{source}: {blocker}")
            raise CommandError(f"{source}: nothing saved", returncode=1) from None
        self.stdout.write(
            f"version {version.number} ({version.get_status_display()}): "
            f"{version.article_count} articles, sha256 {version.sha256}"
        )
