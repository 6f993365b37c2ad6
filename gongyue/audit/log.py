"""record() appends to the hash-chained audit log; verify() recomputes the chain."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.core.locks import bump_singleton

from . import heads, registry
from .models import (
    GENESIS_HASH,
    ActorKind,
    AuditEntry,
    ChainHead,
    SignedHead,
    Visibility,
    chain_hash,
    to_json_value,
)


def subject_fields(subject) -> dict:
    if subject is None:
        return {"subject_type": "", "subject_id": "", "subject_label": ""}
    return {
        "subject_type": subject._meta.label_lower,
        "subject_id": str(subject.pk),
        "subject_label": str(subject)[:300],
    }


def actor_kind(actor) -> str:
    """The capacity the actor acts in now; the secretariat first, as complaints about it (Art. 23)
    must find all its acts even when the same person holds another role too."""
    if isinstance(actor, str):
        return ActorKind.PUBLIC if actor == "public" else ActorKind.SYSTEM
    if not getattr(actor, "is_authenticated", False):
        return ActorKind.PUBLIC
    if actor.is_secretariat:
        return ActorKind.SECRETARIAT
    if actor.is_authority:
        return ActorKind.AUTHORITY
    if actor.is_site_admin:
        return ActorKind.ADMIN
    if actor.unit_id or actor.roles() & {"legal_rep", "delegate", "unit_staff"}:
        return ActorKind.UNIT
    return ActorKind.PERSON


def unit_of(subject, actor):
    """The unit an entry concerns: the subject if it is one, the subject's unit, else the actor's."""
    if subject is not None:
        if subject._meta.label_lower == "organisations.unit":
            return subject.pk
        if getattr(subject, "unit_id", None) is not None:
            return subject.unit_id
    return getattr(actor, "unit_id", None) if getattr(actor, "is_authenticated", False) else None


def record(
    action: str,
    *,
    actor="system",
    subject=None,
    old=None,
    new=None,
    visibility=Visibility.MEMBERS,
    unit=None,
):
    """Append one entry. Call it inside the action's transaction so both land or neither does.

    `action` must be a type declared in an app's events.py (UnknownEventType otherwise); `unit`
    overrides the unit the entry is filed under. Recording a publication signs the new head.
    """
    action = registry.check_known(action)
    is_person = getattr(actor, "is_authenticated", False)
    kind = actor_kind(actor)
    unit_id = getattr(unit, "pk", unit) if unit is not None else unit_of(subject, actor)
    with transaction.atomic():
        # Concurrent writers queue on the head row instead of forking the chain.
        head = bump_singleton(ChainHead, "seq")
        entry = AuditEntry(
            seq=head.seq,
            actor=actor if is_person else None,
            # A person's name at the time, or who acted without an account ("system", "public").
            actor_label=str(actor)[:200] if is_person or isinstance(actor, str) else kind,
            actor_kind=kind,
            unit_id=unit_id,
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
        if action in registry.PUBLICATIONS:
            heads.sign_head(
                seq=entry.seq,
                hash=entry.hash,
                occasion=SignedHead.Occasion.PUBLICATION,
                event=action,
            )
    return entry


# Why verification failed (Verification.reason); Verification.message says it in words.
MISSING = "missing"
PREV_HASH = "prev_hash"
CONTENT = "content"
TRUNCATED = "truncated"
REWRITTEN = "rewritten"
BAD_SIGNATURE = "bad_signature"
UNKNOWN_KEY = "unknown_key"
MALFORMED = "malformed"


def local_time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    head_hash: str = GENESIS_HASH
    # What the message names besides the entry: the signed head's seq and time, a field.
    details: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The result as one sentence in the active language."""
        values = {"seq": self.broken_seq, "n": self.checked, "hash": self.head_hash}
        values.update(self.details)
        if self.ok:
            if "signed_seq" in values:
                return (
                    _(
                        "The chain is intact and contains the head of entry #%(signed_seq)s "
                        "signed at %(signed_at)s: %(n)s entries, latest hash %(hash)s."
                    )
                    % values
                )
            return _("The chain is intact: %(n)s entries, latest hash %(hash)s.") % values
        messages = {
            MISSING: _("The chain is broken at entry #%(seq)s: the entry is missing."),
            PREV_HASH: _(
                "The chain is broken at entry #%(seq)s: its previous-hash does not match "
                "the entry before it."
            ),
            CONTENT: _(
                "The chain is broken at entry #%(seq)s: its content does not match its hash."
            ),
            TRUNCATED: _(
                "The chain ends at entry #%(n)s, but a head of entry #%(signed_seq)s was "
                "signed at %(signed_at)s: entries were removed."
            ),
            REWRITTEN: _(
                "Entry #%(seq)s does not have the hash of the head signed at %(signed_at)s: "
                "the log was rewritten."
            ),
            BAD_SIGNATURE: _(
                "The signature of the head of entry #%(signed_seq)s is not valid: the head "
                "was not signed by the key it names, or it was changed."
            ),
            UNKNOWN_KEY: _(
                "The head of entry #%(signed_seq)s was signed with a key this platform has "
                "never used."
            ),
            MALFORMED: _(
                "The saved head cannot be checked: its field “%(field)s” is missing or malformed."
            ),
        }
        return messages[self.reason] % values

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "broken_seq": self.broken_seq,
            "reason": self.reason,
            "message": self.message,
            "head_hash": self.head_hash,
        }


@dataclass(frozen=True)
class Head:
    """A signed head to hold the chain to: a stored one, or one saved by an outsider."""

    seq: int
    hash: str
    signed_at: str
    public_key: str
    signature: str

    @classmethod
    def from_document(cls, document) -> "Head":
        """Read a saved HEAD.json (as parsed JSON); HeadUnreadable names the bad field."""
        if not isinstance(document, dict):
            raise HeadUnreadable("seq")
        values = {}
        for name, kind in (
            ("seq", int),
            ("hash", str),
            ("signed_at", str),
            ("public_key", str),
            ("signature", str),
        ):
            value = document.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise HeadUnreadable(name)
            if name == "seq" and value < 1:
                raise HeadUnreadable(name)
            values[name] = value
        return cls(**values)

    def signature_is_valid(self) -> bool:
        return heads.signature_is_valid(
            self.seq, self.hash, self.signed_at, self.public_key, self.signature
        )

    def details(self) -> dict:
        when = self.signed_at
        try:
            when = local_time(datetime.fromisoformat(self.signed_at))
        except ValueError:
            pass
        return {"signed_seq": self.seq, "signed_at": when}


class HeadUnreadable(ValueError):
    def __init__(self, field_name: str):
        self.field = field_name
        super().__init__(field_name)


def stored_heads() -> list[Head]:
    return [
        Head(h.seq, h.hash, h.signed_time, h.public_key, h.signature)
        for h in SignedHead.objects.order_by("seq")
    ]


def verify(against=None) -> Verification:
    """Recompute every hash in order and hold the chain to every signed head.

    Reports the first entry that does not fit the chain, a signed head whose entry is gone
    (truncation) or has another hash (rewriting), or a signature that does not verify.
    `against` is a head document saved earlier (HEAD.json, parsed); it must be signed with a
    key this platform has used, and the chain must contain it.
    """
    try:
        saved = Head.from_document(against) if against is not None else None
    except HeadUnreadable as exc:
        return Verification(False, 0, reason=MALFORMED, details={"field": exc.field})
    held = stored_heads()
    known_keys = {head.public_key for head in held}
    if current := heads.current_public_key():
        known_keys.add(current)
    if saved is not None:
        if saved.public_key not in known_keys:
            return Verification(False, 0, reason=UNKNOWN_KEY, details=saved.details())
        held.append(saved)
    # The saved head's signature too: a changed file fails here.
    for head in held:
        if not head.signature_is_valid():
            return Verification(False, 0, head.seq, BAD_SIGNATURE, details=head.details())
    by_seq: dict[int, list[Head]] = {}
    for head in held:
        by_seq.setdefault(head.seq, []).append(head)

    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return Verification(False, checked, expected_seq, MISSING)
        if entry.prev_hash != prev_hash:
            return Verification(False, checked, entry.seq, PREV_HASH)
        if (
            entry.compute_digest() != entry.digest
            or chain_hash(entry.prev_hash, entry.digest) != entry.hash
        ):
            return Verification(False, checked, entry.seq, CONTENT)
        for head in by_seq.get(entry.seq, ()):
            if head.hash != entry.hash:
                return Verification(False, checked, entry.seq, REWRITTEN, details=head.details())
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    chain_head = ChainHead.objects.filter(pk=1).first()
    if chain_head and chain_head.seq != checked:
        return Verification(False, checked, checked + 1, MISSING)
    if held and (longest := max(held, key=lambda h: h.seq)).seq > checked:
        return Verification(
            False, checked, checked + 1, TRUNCATED, prev_hash, details=longest.details()
        )
    return Verification(
        True, checked, head_hash=prev_hash, details=saved.details() if saved else {}
    )
