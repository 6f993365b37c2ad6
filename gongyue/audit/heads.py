"""Signed chain heads: the platform's Ed25519 signature over (sequence, hash, time).

The key lives in the file named by settings.AUDIT_SIGNING_KEY_FILE (PEM, PKCS#8); `gongyue
audit_key` and `load_demo` create it when missing. What is signed is the statement below, so an
outsider who saved a head (`GET /api/v1/audit/head`) can check its signature with nothing but
the public key, and later prove that the log still contains that entry with that hash.
"""

import base64
import binascii
import json
import logging
import os
from datetime import timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import AuditEntry, SignedHead

logger = logging.getLogger(__name__)

FORMAT = "gongyue.audit.head.v1"


def key_path() -> Path:
    return Path(settings.AUDIT_SIGNING_KEY_FILE)


def ensure_signing_key(path: Path | None = None) -> tuple[Path, bool]:
    """Create the signing key file if it does not exist; returns (its path, whether it was made)."""
    path = Path(path or key_path())
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Readable by the platform's own user only, created that way rather than narrowed afterwards.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return path, True


def signing_key() -> Ed25519PrivateKey | None:
    """The platform's private key, or None when the key file is missing."""
    path = key_path()
    if not path.exists():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def raw_public_key(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_key_pem(public_key_b64: str) -> str:
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def current_public_key() -> str | None:
    key = signing_key()
    return raw_public_key(key.public_key()) if key else None


def statement(seq: int, hash: str, signed_at: str) -> bytes:
    """The exact bytes signed: compact JSON with sorted keys (docs/audit.md)."""
    return json.dumps(
        {"format": FORMAT, "hash": hash, "seq": seq, "signed_at": signed_at},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def signature_is_valid(seq: int, hash: str, signed_at: str, public_key: str, signature: str):
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        public.verify(base64.b64decode(signature, validate=True), statement(seq, hash, signed_at))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def sign_head(*, seq: int, hash: str, occasion: str, event: str = "") -> SignedHead | None:
    """Sign and store the head at `seq`; None when there is no key or it is already signed."""
    key = signing_key()
    if key is None:
        logger.warning("audit head #%s not signed: no key at %s", seq, key_path())
        return None
    signed = SignedHead(
        seq=seq,
        hash=hash,
        signed_at=timezone.now(),
        public_key=raw_public_key(key.public_key()),
        occasion=occasion,
        event=event,
    )
    signed.signature = base64.b64encode(key.sign(statement(seq, hash, signed.signed_time))).decode()
    try:
        # A savepoint: another worker signing the same head must not spoil our transaction.
        with transaction.atomic():
            signed.save(force_insert=True)
    except IntegrityError:
        return None
    return signed


def sign_current_head(*, occasion: str) -> SignedHead | None:
    """Sign the latest entry's head; None when the log is empty or that head is signed already."""
    last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
    if last is None or SignedHead.objects.filter(seq__gte=last.seq).exists():
        return None
    return sign_head(seq=last.seq, hash=last.hash, occasion=occasion)


def sign_if_due(now) -> SignedHead | None:
    """The scheduled signature: at most once per AUDIT_SIGN_EVERY_MINUTES, and only if the log
    grew since the last signed head (an idle platform does not pile up identical heads)."""
    latest = SignedHead.objects.latest_signed()
    interval = timedelta(minutes=settings.AUDIT_SIGN_EVERY_MINUTES)
    if latest is not None and now - latest.signed_at < interval:
        return None
    return sign_current_head(occasion=SignedHead.Occasion.SCHEDULE)


def head_document(signed: SignedHead) -> dict:
    """What /api/v1/audit/head answers and what an outsider saves as HEAD.json."""
    return {
        "format": FORMAT,
        "seq": signed.seq,
        "hash": signed.hash,
        "signed_at": signed.signed_time,
        "algorithm": "Ed25519",
        "public_key": signed.public_key,
        "public_key_pem": public_key_pem(signed.public_key),
        "signature": signed.signature,
        "occasion": signed.occasion,
        "event": signed.event,
    }
