from django.core.management.base import BaseCommand, CommandError, no_translations

from gongyue.accounts.models import User
from gongyue.core.refusals import FileRefused
from gongyue.organisations.actions import do_import_members
from gongyue.organisations.importing import check_member_csv


class Command(BaseCommand):
    help = (
        "Import an association's existing member list from CSV (uscc,name,joined,categories[,…]). "
        "Every bad row is reported as 'row N: reason'; a file with any bad row imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file in UTF-8; the header is row 1")
        parser.add_argument(
            "--dry-run", action="store_true", help="only check the file; exit 1 if a row is bad"
        )
        parser.add_argument("--actor", help="username recorded in the audit log (default: system)")

    @no_translations
    def handle(self, *args, file, dry_run, actor, **options):
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        person = "system"
        if actor:
            person = User.objects.filter(username=actor).first()
            if person is None:
                raise CommandError(f"no user named {actor}")
        if dry_run:
            rows, problems = check_member_csv(data)
        else:
            try:
                batch = do_import_members(data, actor=person, source_name=file.rsplit("/", 1)[-1])
            except FileRefused as refused:
                problems = refused.problems
            else:
                self.stderr.write(f"imported {batch.count} members")
                return
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} bad row(s); nothing imported", returncode=1)
        self.stderr.write(f"{len(rows)} rows are correct")
