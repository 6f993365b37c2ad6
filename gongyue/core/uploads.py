"""Checks every uploaded file passes before anything is stored: size first, then real type."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Leading bytes of the formats the platform accepts as evidence or documents.
MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
}
DOCUMENT_KINDS = ("pdf", "png", "jpeg")


def check_upload(upload, *, kinds=DOCUMENT_KINDS, max_bytes: int | None = None) -> str:
    """Validate size and content type of an UploadedFile; return the detected kind."""
    limit = max_bytes or settings.MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    head = upload.read(16)
    upload.seek(0)
    for kind in kinds:
        if any(head.startswith(magic) for magic in MAGIC[kind]):
            return kind
    raise ValidationError(
        _("The file must be one of: %(kinds)s.") % {"kinds": ", ".join(k.upper() for k in kinds)},
        code="bad_type",
    )


def read_text_upload(upload, *, max_bytes: int | None = None) -> bytes:
    """Read a plain-text upload after checking its size; decoding is the caller's business."""
    limit = max_bytes or settings.MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    data = upload.read()
    if not data.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    return data
