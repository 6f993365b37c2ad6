from datetime import date

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from gongyue.api.auth import public
from gongyue.api.errors import ApiError, Error, cleaned

from . import registry
from .forms import LogFilterForm
from .heads import head_document
from .log import verify
from .models import AuditEntry, SignedHead

router = Router(tags=["audit"])


class EntryOut(Schema):
    seq: int
    # The exact string that was hashed (UTC, microseconds), not a re-formatted datetime.
    at: str
    actor_label: str
    # secretariat, authority, admin, unit, person, system or public; blank in old entries.
    actor_kind: str
    action: str
    action_label: str
    # The unit the entry concerns, by id.
    unit: int | None
    subject_type: str
    subject_id: str
    subject_label: str
    old: dict | list | str | int | None
    new: dict | list | str | int | None
    visibility: str
    prev_hash: str
    hash: str

    @staticmethod
    def resolve_at(entry):
        return entry.hashed_time

    @staticmethod
    def resolve_action_label(entry):
        return registry.label(entry.action)

    @staticmethod
    def resolve_unit(entry):
        return entry.unit_id


class LinkOut(Schema):
    seq: int
    prev_hash: str
    digest: str
    hash: str
    entry: EntryOut | None


class VerificationOut(Schema):
    ok: bool
    checked: int
    broken_seq: int | None
    # missing, prev_hash, content, truncated, rewritten, bad_signature; blank when ok.
    reason: str
    # The result in one sentence, in the caller's language.
    message: str
    head_hash: str


class HeadOut(Schema):
    """A signed chain head: save it, and later prove the log still contains it (docs/audit.md)."""

    format: str
    seq: int
    hash: str
    # UTC, ISO 8601 with microseconds: the exact string that was signed.
    signed_at: str
    algorithm: str
    # Base64 of the raw 32-byte Ed25519 public key, and the same key as PEM.
    public_key: str
    public_key_pem: str
    # Base64 of the 64-byte signature over the compact JSON of {format, hash, seq, signed_at}.
    signature: str
    # publication, schedule or manual; with the publication's event type.
    occasion: str
    event: str


@router.get("/entries", response={200: list[EntryOut], 400: Error}, auth=public)
def entries(
    request,
    after: int = 0,
    limit: int = 100,
    action: str = "",
    actor_kind: str = "",
    unit: int | None = None,
    since: date | None = None,
    until: date | None = None,
    q: str = "",
):
    """Entries the caller may read, oldest first, after a sequence number (for incremental copies).

    The filters are those of the page /audit/ (docs/audit.md): an event type, the capacity the
    actor acted in (`actor_kind=secretariat` for the secretariat's acts, Art. 23), a unit's id,
    local dates (inclusive) and part of the subject's name or its id.
    """
    limit = max(1, min(limit, 1000))
    form = LogFilterForm(request.GET)
    cleaned(form)
    visible = AuditEntry.objects.visible_to(request.user).filter(seq__gt=after)
    return Status(200, list(form.filter(visible).order_by("seq")[:limit]))


@router.get("/chain", response=list[LinkOut], auth=public)
def chain(request, after: int = 0, limit: int = 1000):
    """Every link of the chain, with the entry's content where the caller may read it.

    With this alone anyone can check every link (hash = sha256(prev_hash + digest)) and, for the
    entries shown, that the digest is the SHA-256 of their content (docs/audit.md).
    """
    limit = max(1, min(limit, 5000))
    links = list(AuditEntry.objects.filter(seq__gt=after).order_by("seq")[:limit])
    visible = set(
        AuditEntry.objects.visible_to(request.user)
        .filter(seq__in=[link.seq for link in links])
        .values_list("seq", flat=True)
    )
    return [
        {
            "seq": e.seq,
            "prev_hash": e.prev_hash,
            "digest": e.digest,
            "hash": e.hash,
            "entry": e if e.seq in visible else None,
        }
        for e in links
    ]


@router.get("/verify", response=VerificationOut, auth=public)
def verification(request):
    return verify().as_dict()


@router.get("/head", response={200: HeadOut, 404: Error}, auth=public)
def signed_head(request):
    """The latest signed head of the chain, with the platform's public key."""
    latest = SignedHead.objects.latest_signed()
    if latest is None:
        raise ApiError(404, "not_found", _("No head of the audit log has been signed yet."))
    return Status(200, head_document(latest))
