from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gongyue.audit.heads import sign_current_head
from gongyue.audit.models import SignedHead


class Command(BaseCommand):
    help = "Sign the audit chain's current head now (the worker also does so on a schedule)."

    def handle(self, *args, **options):
        signed = sign_current_head(occasion=SignedHead.Occasion.MANUAL)
        latest = signed or SignedHead.objects.latest_signed()
        if latest is None:
            self.stdout.write(_("Nothing to sign: the audit log is empty or there is no key."))
            return
        self.stdout.write(
            _("Signed head: entry #%(seq)s, hash %(hash)s, signed at %(at)s.")
            % {"seq": latest.seq, "hash": latest.hash, "at": latest.signed_time}
        )
