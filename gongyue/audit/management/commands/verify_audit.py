from django.core.management.base import BaseCommand

from gongyue.audit.log import verify


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain and name the first broken entry."

    def handle(self, *args, **options):
        result = verify()
        if result.ok:
            self.stdout.write(f"ok: {result.checked} entries, head {result.head_hash}")
            return
        self.stderr.write(f"broken at entry #{result.broken_seq}: {result.reason}")
        raise SystemExit(1)
