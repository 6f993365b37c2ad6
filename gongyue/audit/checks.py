from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def signing_key_exists(app_configs, **kwargs):
    """Without its key the platform stores no signed heads, so outsiders cannot hold it to one."""
    from .heads import key_path

    if key_path().exists():
        return []
    return [
        checks.Warning(
            f"AUDIT_SIGNING_KEY_FILE {settings.AUDIT_SIGNING_KEY_FILE} does not exist: audit "
            "chain heads are not signed.",
            hint="Run `gongyue audit_key` once and back the file up (docs/audit.md).",
            id="audit.W001",
        )
    ]
