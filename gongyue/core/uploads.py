"""Files from users are inert: one mechanism for every upload the platform keeps.

- The type comes from the content (libmagic through python-magic), never from the name or the
  browser's Content-Type, and must be on the field's whitelist (``kinds``). A file whose bytes
  also read as markup (HTML with a ``%PDF-`` header, an SVG, data after an image's end, a PDF
  with JavaScript) is refused, because a browser or viewer could be talked into running it.
- The stored name is chosen by the server (random, with the detected type's extension).
- The SHA-256 of the bytes is stored with the row, so a backup or an audit can prove the file
  is the one that was received.
- ``serve_upload()`` answers with the type read from the stored bytes, ``nosniff``, a sandboxing
  Content-Security-Policy, and ``attachment`` unless the type is a PDF or an image.

A model declares a file as::

    scan_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    scan = InertFileField(upload_to=…, kinds=DOCUMENT_KINDS, sha256_field="scan_sha256")

and a form takes it with ``UploadField(kinds=DOCUMENT_KINDS)`` (or ``check_upload()``).
Saving through ``instance.scan.save(anything, upload)`` then checks, names and hashes it.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass

import magic
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Kind:
    name: str
    mime: str
    extension: str
    # Shown in the browser (PDF viewer, image) rather than downloaded.
    inline: bool
    # Bytes a genuine file of this kind ends with (ignoring trailing whitespace and NULs).
    trailer: bytes | None = None


KINDS = {
    "pdf": Kind("pdf", "application/pdf", "pdf", inline=True, trailer=b"%%EOF"),
    "png": Kind("png", "image/png", "png", inline=True, trailer=b"IEND\xaeB`\x82"),
    "jpeg": Kind("jpeg", "image/jpeg", "jpg", inline=True, trailer=b"\xff\xd9"),
}
BY_MIME = {kind.mime: kind for kind in KINDS.values()}
# Evidence and documents: scans of sealed pages, authorisation letters, licences.
DOCUMENT_KINDS = ("pdf", "png", "jpeg")

# How far from the end a PDF's %%EOF may be (incremental updates and scanners add a little).
TRAILER_WINDOW = 1024
# Tags a browser would act on when it reads the bytes as HTML or SVG. Browsers sniff the start
# of a file, so there every tag counts; in the rest only long ones, which compressed image or
# PDF data does not produce by chance.
HEAD_BYTES = 1024
HEAD_MARKUP = re.compile(
    rb"<\s*(?:script|html|body|head|iframe|frame|object|embed|svg|math|meta|link|style|form|"
    rb"base|img|a\s|!doctype|\?xml-stylesheet)|javascript:",
    re.IGNORECASE,
)
BODY_MARKUP = re.compile(
    rb"<\s*(?:script|html|body|iframe|object|embed|!doctype)[\s>/]|javascript:|"
    rb"http://www\.w3\.org/2000/svg",
    re.IGNORECASE,
)
# PDF names whose actions run code or open other programs; #xx escapes are decoded first.
PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
PDF_ACTIVE = {b"JavaScript", b"JS", b"Launch", b"RichMedia", b"XFA"}
# Sandboxing policy of every served upload: no script, no plugin, no form, no framing.
SERVE_CSP = (
    "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
)


def _too_large(size: int, limit: int) -> ValidationError:
    return ValidationError(
        _("The file is %(size)s; the limit is %(limit)s.")
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        code="too_large",
    )


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def detect(data: bytes) -> Kind | None:
    """The kind libmagic reads in the bytes, if it is one the platform knows."""
    return BY_MIME.get(magic.from_buffer(data[:65536], mime=True))


def problems_of(data: bytes, kind: Kind) -> list[str]:
    """Why bytes detected as `kind` could still be read as something that runs."""
    found = []
    end = data.rstrip(b"\x00\r\n\t ")
    if kind.trailer and (
        kind.trailer not in end[-TRAILER_WINDOW:]
        if kind.name == "pdf"
        else not end.endswith(kind.trailer)
    ):
        found.append(
            _("The file does not end as a %(kind)s file does.") % {"kind": kind.name.upper()}
        )
    if HEAD_MARKUP.search(data[:HEAD_BYTES]) or BODY_MARKUP.search(data):
        found.append(_("The file contains web page markup or script."))
    if kind.name == "pdf":
        names = {
            re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), name)
            for name in PDF_NAME.findall(data)
        }
        if names & PDF_ACTIVE:
            found.append(_("The PDF contains scripts or actions; save it again without them."))
    return found


def check_upload(upload, *, kinds=DOCUMENT_KINDS, max_bytes: int | None = None) -> str:
    """Validate an UploadedFile's size and real type; return the detected kind's name.

    Raises ValidationError (codes too_large, empty, bad_type, active_content).
    """
    limit = max_bytes or settings.MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise _too_large(upload.size, limit)
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    data = _read_all(upload)
    kind = detect(data)
    if kind is None or kind.name not in kinds:
        raise ValidationError(
            _("The file must be one of: %(kinds)s.")
            % {"kinds": ", ".join(k.upper() for k in kinds)},
            code="bad_type",
        )
    if found := problems_of(data, kind):
        raise ValidationError(found, code="active_content")
    upload.detected_kind = kind.name
    return kind.name


def read_text_upload(upload, *, max_bytes: int | None = None) -> bytes:
    """Read a plain-text upload after checking its size; decoding is the caller's business.

    Text uploads (convention text, CSV, lexicon) are parsed, never stored or served as files.
    """
    limit = max_bytes or settings.MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise _too_large(upload.size, limit)
    data = upload.read()
    if not data.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    return data


class UploadField(forms.FileField):
    """A form's file input that accepts only the given kinds, read from the content."""

    def __init__(self, *, kinds=DOCUMENT_KINDS, max_bytes: int | None = None, **kwargs):
        self.kinds, self.max_bytes = tuple(kinds), max_bytes
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": self.accept}))
        super().__init__(**kwargs)

    @property
    def accept(self) -> str:
        return ",".join(KINDS[k].mime for k in self.kinds)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload is not initial and hasattr(upload, "size"):
            check_upload(upload, kinds=self.kinds, max_bytes=self.max_bytes)
        return upload


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in (
        upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
    ):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


class InertFieldFile(FieldFile):
    def save(self, name, content, save=True):
        """Check the content, store it under a server-chosen name and record its SHA-256.

        The caller's `name` is ignored on purpose: only the detected kind names the file.
        """
        field = self.field
        kind = KINDS[check_upload(content, kinds=field.kinds, max_bytes=field.max_bytes)]
        digest = sha256_of(content)
        if field.sha256_field:
            setattr(self.instance, field.sha256_field, digest)
        super().save(f"{secrets.token_hex(16)}.{kind.extension}", content, save)
        if field.sha256_field and not save and self.instance.pk:
            # The caller saves only the file column (update_fields); the hash must not be lost.
            type(self.instance)._base_manager.filter(pk=self.instance.pk).update(
                **{field.sha256_field: digest}
            )


class InertFileField(models.FileField):
    """A FileField whose files are checked, named by the server and hashed (see module doc)."""

    attr_class = InertFieldFile

    def __init__(self, *args, kinds=DOCUMENT_KINDS, sha256_field=None, max_bytes=None, **kwargs):
        self.kinds, self.sha256_field, self.max_bytes = tuple(kinds), sha256_field, max_bytes
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kinds"] = list(self.kinds)
        if self.sha256_field:
            kwargs["sha256_field"] = self.sha256_field
        if self.max_bytes:
            kwargs["max_bytes"] = self.max_bytes
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(
            **{
                "form_class": UploadField,
                "kinds": self.kinds,
                "max_bytes": self.max_bytes,
                **kwargs,
            }
        )


def stored_files():
    """(row, field, expected SHA-256) for every file kept through an InertFileField."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, InertFileField):
                for row in model._base_manager.exclude(**{field.name: ""}).iterator():
                    yield (
                        row,
                        field,
                        getattr(row, field.sha256_field, None) if field.sha256_field else None,
                    )


def serve_upload(field_file, filename_stem: str) -> FileResponse:
    """Serve a stored upload after the caller checked access (never through MEDIA_URL).

    The type is read again from the stored bytes, so a file kept before these checks existed
    is served as harmlessly as a new one: inline only as PDF or image, otherwise a download.
    """
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    head = handle.read(65536)
    handle.seek(0)
    kind = detect(head)
    inline = kind is not None and kind.inline
    filename = f"{filename_stem}.{kind.extension if kind else 'bin'}"
    response = FileResponse(handle, filename=filename, as_attachment=not inline)
    response["Content-Type"] = kind.mime if kind else "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SERVE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
