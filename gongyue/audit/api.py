from ninja import Router, Schema

from gongyue.api.auth import public

from .log import verify
from .models import AuditEntry

router = Router(tags=["audit"])


class EntryOut(Schema):
    seq: int
    # The exact string that was hashed (UTC, microseconds), not a re-formatted datetime.
    at: str
    actor_label: str
    action: str
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
    reason: str
    head_hash: str


@router.get("/entries", response=list[EntryOut], auth=public)
def entries(request, after: int = 0, limit: int = 100):
    """Entries the caller may read, oldest first, after a sequence number (for incremental copies)."""
    limit = max(1, min(limit, 1000))
    return list(
        AuditEntry.objects.visible_to(request.user).filter(seq__gt=after).order_by("seq")[:limit]
    )


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
    return verify().__dict__
