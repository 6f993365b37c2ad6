from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongyue.core.backup import BackupError, check, restore


class Command(BaseCommand):
    help = (
        "Replace the database and the media files with a backup made by `gongyue backup`. The"
        " backup is checked first (every file against SHA256SUMS, the dump readable); a damaged"
        " one is refused, naming the file, and nothing is changed. Stop the web server and"
        " workers before restoring."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="do not ask to confirm"
        )
        parser.add_argument(
            "--check", action="store_true", help="only check the backup; change nothing"
        )

    def handle(self, *args, folder, interactive, **options):
        try:
            metadata = check(folder)
            if options["check"]:
                self.stdout.write(f"ok: {folder} is a complete {metadata['engine']} backup")
                return
            if interactive:
                answer = input(
                    f"Replace this platform's database and media files with the backup of"
                    f" {metadata['created_at']}? Type 'yes' to continue: "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("restore cancelled; nothing was changed")
            result = restore(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"restored the {result.engine} database and {result.files} files; audit chain ok"
            f" ({result.audit_entries} entries, head {result.audit_head})"
        )
