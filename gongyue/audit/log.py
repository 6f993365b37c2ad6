"""record() appends to the hash-chained audit log; verify() recomputes the chain."""

from dataclasses import dataclass

from django.db import transaction

from gongyue.core.locks import bump_singleton

from .models import GENESIS_HASH, AuditEntry, ChainHead, Visibility, chain_hash, to_json_value


def subject_fields(subject) -> dict:
    if subject is None:
        return {"subject_type": "", "subject_id": "", "subject_label": ""}
    return {
        "subject_type": subject._meta.label_lower,
        "subject_id": str(subject.pk),
        "subject_label": str(subject)[:300],
    }


def record(
    action: str, *, actor="system", subject=None, old=None, new=None, visibility=Visibility.MEMBERS
):
    """Append one entry. Call it inside the action's transaction so both land or neither does."""
    with transaction.atomic():
        # Concurrent writers queue on the head row instead of forking the chain.
        head = bump_singleton(ChainHead, "seq")
        is_person = getattr(actor, "is_authenticated", False)
        entry = AuditEntry(
            seq=head.seq,
            actor=actor if is_person else None,
            # A person's name at the time, or who acted without an account ("system", "public").
            actor_label=str(actor)[:200] if is_person or isinstance(actor, str) else "system",
            action=action,
            old=to_json_value(old),
            new=to_json_value(new),
            visibility=visibility,
            prev_hash=head.hash,
            **subject_fields(subject),
        )
        entry.digest = entry.compute_digest()
        entry.hash = chain_hash(entry.prev_hash, entry.digest)
        entry.save(force_insert=True)
        ChainHead.objects.filter(pk=1).update(hash=entry.hash)
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    head_hash: str = GENESIS_HASH


def verify() -> Verification:
    """Recompute every hash in order; report the first entry that does not fit the chain."""
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return Verification(False, checked, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return Verification(
                False, checked, entry.seq, "its previous-hash does not match the entry before it"
            )
        if (
            entry.compute_digest() != entry.digest
            or chain_hash(entry.prev_hash, entry.digest) != entry.hash
        ):
            return Verification(False, checked, entry.seq, "its content does not match its hash")
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = ChainHead.objects.filter(pk=1).first()
    if head and head.seq != checked:
        return Verification(False, checked, checked + 1, f"entry #{checked + 1} is missing")
    return Verification(True, checked, head_hash=prev_hash)
