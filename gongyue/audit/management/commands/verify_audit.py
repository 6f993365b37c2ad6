import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongyue.audit.log import verify


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chain, hold it to every stored signed head (and to a head "
        "saved earlier, with --against) and name the first problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--against",
            metavar="HEAD.json",
            help="a signed head saved earlier from /api/v1/audit/head: the chain must contain it",
        )

    def handle(self, *args, against=None, **options):
        document = None
        if against:
            try:
                document = json.loads(Path(against).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise CommandError(
                    _("Cannot read the saved head %(file)s: %(error)s")
                    % {"file": against, "error": exc}
                ) from exc
        result = verify(against=document)
        if result.ok:
            self.stdout.write(result.message)
            return
        self.stderr.write(result.message)
        raise SystemExit(1)
