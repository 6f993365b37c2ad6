"""``gongyue export_lexicon [FILE]``: the lexicon in service as CSV, as the page downloads it."""

import sys

from django.core.management.base import BaseCommand

from gongyue.screening import lexicon, queries


class Command(BaseCommand):
    help = "Write the lexicon in service as CSV (UTF-8 with BOM) to FILE or standard output."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", default="-", help="where to write; - for standard output"
        )

    def handle(self, *args, file, **options):
        data, version = queries.export_bytes()
        if file == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            with open(file, "wb") as handle:
                handle.write(data)
        number = version.number if version else 0
        self.stderr.write(f"lexicon version {number}, sha256 {lexicon.sha256(data)}")
