from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongyue.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup or pg_dump) and the media files into a new"
        " folder, with a SHA-256 manifest (SHA256SUMS). The platform may keep running."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", type=Path, help="a folder that does not exist yet, or is empty"
        )

    def handle(self, *args, folder, **options):
        try:
            result = backup(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for name in result.missing:
            self.stderr.write(f"warning: a row refers to {name}, which is not in the media folder")
        self.stdout.write(
            f"backed up the {result.engine} database (audit entries up to #{result.audit_seq})"
            f" and {result.files} media files into {result.folder}"
        )
