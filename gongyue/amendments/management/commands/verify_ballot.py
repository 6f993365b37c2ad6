"""``gongyue verify_ballot FILE.json``: re-derive a ballot's result from its public record alone.

It reads nothing but the file (no database), so anyone holding the downloaded record can check
the electorate hash, every vote, the counts and the result against the threshold.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from gongyue.amendments.record import verify


class Command(BaseCommand):
    help = "Check a ballot record (JSON) and print its result; exit 1 naming each problem."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="the ballot record, as downloaded from the ballot page")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as handle:
                data = json.loads(handle.read().decode("utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"{file} is not JSON: line {error.lineno}: {error.msg}") from None
        problems, result = verify(data)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s): the record does not add up")
        counts = data["counts"]
        self.stdout.write(
            f"{result}: {counts['agree']} agree, {counts['disagree']} disagree, "
            f"{counts['abstain']} abstain, {counts['not_voted']} did not vote, "
            f"of {len(data['electorate'])} units"
        )
