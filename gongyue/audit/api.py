from datetime import datetime

from ninja import Router, Schema

from gongyue.api.auth import public

from .log import verify
from .models import AuditEntry

router = Router(tags=["audit"])


class EntryOut(Schema):
    seq: int
    at: datetime
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
    return list(AuditEntry.objects.visible_to(request.user).filter(seq__gt=after).order_by("seq")[:limit])


@router.get("/verify", response=VerificationOut, auth=public)
def verification(request):
    return verify().__dict__
