from django.core.management.base import BaseCommand

from gongyue.core.duties import run_due_duties


class Command(BaseCommand):
    help = "Run every background duty once (deadlines, reminders). Safe to run twice at once."

    def handle(self, *args, **options):
        for name, count in run_due_duties().items():
            self.stdout.write(f"{name}: {count}")
