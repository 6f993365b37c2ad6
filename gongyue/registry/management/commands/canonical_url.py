"""gongyue canonical_url [FILE…]: the Safe Browsing canonical form of each URL, one a line.

Works offline, without a database. A line that cannot be canonicalised prints ``!`` and the
reason, and the exit status is then 1.
"""

import sys

from django.core.management.base import BaseCommand

from gongyue.registry.canonical import CanonicalError, canonical_url

from ._lines import input_lines


class Command(BaseCommand):
    help = "Print the canonical form (Safe Browsing rules) of each URL, one a line, in order."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="files of URLs, one a line (default: stdin)")

    def handle(self, *args, files, **options):
        failed = False
        out = self.stdout
        for line in input_lines(files):
            try:
                out.write(canonical_url(line))
            except CanonicalError as exc:
                out.write(f"! {exc}")
                failed = True
        out.flush()
        if failed:
            sys.exit(1)
