from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gongyue.audit.heads import current_public_key, ensure_signing_key


class Command(BaseCommand):
    help = (
        "Create the Ed25519 key that signs the audit chain's head, at AUDIT_SIGNING_KEY_FILE, "
        "unless it exists; print its path and public key."
    )

    def handle(self, *args, **options):
        path, created = ensure_signing_key()
        if created:
            self.stdout.write(_("Created the audit signing key %(path)s.") % {"path": path})
        self.stdout.write(
            _("Audit signing key %(path)s, public key %(key)s")
            % {"path": path, "key": current_public_key()}
        )
