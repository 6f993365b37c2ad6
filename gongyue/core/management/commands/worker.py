import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from gongyue.core.duties import run_due_duties
from gongyue.core.tasks import run_queued_tasks


class Command(BaseCommand):
    help = "Run due duties and queued tasks (mail) in a loop; several workers may run at once."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    def handle(self, *args, interval, once, **options):
        while True:
            close_old_connections()
            run_due_duties()
            run_queued_tasks()
            if once:
                return
            time.sleep(interval)
