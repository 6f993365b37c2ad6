"""Changes to the lexicon: add, change and remove terms and allowed phrases, import a CSV.

Each action runs in one transaction: it queues behind any other lexicon change (the
LexiconHead row), works out the lexicon as it will be, compiles it (so that anything the engine
refuses is refused before a row is written), writes the rows, publishes a new LexiconVersion
with the compiled engine and the term-by-term history, and writes one audit row. A refused
change raises ActionRefused and leaves the version in service untouched. Workers pick the new
version up on their own (service.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.errors import ActionRefused
from gongyue.core.locks import bump_singleton

from . import lexicon
from .engine import Engine, LexiconError
from .lexicon import Entry, InvalidLexicon, Upload, key_of
from .models import (
    MAX_TERM_CHARS,
    SEVERITIES,
    Action,
    AllowPhrase,
    Category,
    ChangeKind,
    LexiconHead,
    LexiconTerm,
    LexiconVersion,
    TermChange,
)


class ImportMode:
    """How an import treats the lexicon in service: ``replace`` makes it the file (what the
    file lacks is removed); ``merge`` adds the file's rows and updates the terms of the same
    normalised form, removing nothing."""

    REPLACE = "replace"
    MERGE = "merge"
    ALL = (REPLACE, MERGE)


_CHUNK = 2000


def _chunks(items, size=_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# -- what a change will do ----------------------------------------------------------------------


@dataclass
class Plan:
    """The rows a change adds, changes and removes, against the live lexicon it was made for."""

    live_terms: dict[str, LexiconTerm]
    live_phrases: dict[str, AllowPhrase]
    add_terms: list[tuple[str, Entry]] = field(default_factory=list)
    change_terms: list[tuple[LexiconTerm, str, Entry]] = field(default_factory=list)
    remove_terms: list[LexiconTerm] = field(default_factory=list)
    add_phrases: list[tuple[str, str]] = field(default_factory=list)
    remove_phrases: list[AllowPhrase] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.add_terms),
            "changed": len(self.change_terms),
            "removed": len(self.remove_terms),
            "phrases_added": len(self.add_phrases),
            "phrases_removed": len(self.remove_phrases),
        }

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values())

    def terms_after(self) -> list[Entry]:
        """Every term of the lexicon after the change, in order of normalised form."""
        terms = {key: Entry.of(row) for key, row in self.live_terms.items()}
        for row in self.remove_terms:
            del terms[row.key]
        for row, _key, _entry in self.change_terms:
            del terms[row.key]
        for _row, key, entry in self.change_terms:
            terms[key] = entry
        for key, entry in self.add_terms:
            terms[key] = entry
        return [terms[key] for key in sorted(terms)]

    def phrases_after(self) -> list[str]:
        phrases = {key: row.phrase for key, row in self.live_phrases.items()}
        for row in self.remove_phrases:
            del phrases[row.key]
        phrases.update(self.add_phrases)
        return [phrases[key] for key in sorted(phrases)]


def _live():
    terms = {row.key: row for row in LexiconTerm.objects.live()}
    phrases = {row.key: row for row in AllowPhrase.objects.live()}
    return terms, phrases


def plan_import(upload: Upload, mode: str) -> Plan:
    """What importing ``upload`` would do now, in ``mode`` (replace or merge)."""
    if mode not in ImportMode.ALL:
        raise ActionRefused(
            _("Unknown import mode %(mode)r.") % {"mode": mode},
            code="invalid",
            field="mode",
            status=400,
        )
    plan = Plan(*_live())
    for key, entry in upload.terms.items():
        row = plan.live_terms.get(key)
        if row is None:
            plan.add_terms.append((key, entry))
        elif Entry.of(row) != entry:
            plan.change_terms.append((row, key, entry))
    for key, phrase in upload.phrases.items():
        if key not in plan.live_phrases:
            plan.add_phrases.append((key, phrase))
    if mode == ImportMode.REPLACE:
        plan.remove_terms = [row for key, row in plan.live_terms.items() if key not in upload.terms]
        plan.remove_phrases = [
            row for key, row in plan.live_phrases.items() if key not in upload.phrases
        ]
    return plan


# -- checks shared by the single-term actions ------------------------------------------------


def _checked_entry(
    *, term, category, action, severity, collapse_repeats, pinyin
) -> tuple[str, Entry]:
    """The entry and its normalised form; ActionRefused (400, naming the field) when invalid."""
    term = (term or "").strip()
    if not term:
        raise ActionRefused(_("Enter the term."), code="invalid", field="term", status=400)
    if len(term) > MAX_TERM_CHARS:
        raise ActionRefused(
            _("The term has %(length)s characters; the limit is %(limit)s.")
            % {"length": len(term), "limit": MAX_TERM_CHARS},
            code="invalid",
            field="term",
            status=400,
        )
    key = key_of(term)
    if not key:
        raise ActionRefused(
            _(
                "The term normalises to nothing: it has only spaces, punctuation, symbols or invisible characters, which screening ignores."
            ),
            code="invalid",
            field="term",
            status=400,
        )
    if category not in Category.values:
        raise ActionRefused(_("Choose a category."), code="invalid", field="category", status=400)
    if action not in Action.values:
        raise ActionRefused(_("Choose an action."), code="invalid", field="action", status=400)
    if severity not in SEVERITIES:
        raise ActionRefused(
            _("The severity is 1 to 5."), code="invalid", field="severity", status=400
        )
    return key, Entry(term, category, action, int(severity), bool(collapse_repeats), bool(pinyin))


def _refuse_duplicate(existing: LexiconTerm) -> None:
    raise ActionRefused(
        _("The lexicon already has this term, written %(term)s.") % {"term": existing.term},
        code="duplicate",
        field="term",
        status=409,
    )


def _checked_phrase(phrase) -> tuple[str, str]:
    phrase = (phrase or "").strip()
    if not phrase:
        raise ActionRefused(_("Enter the phrase."), code="invalid", field="phrase", status=400)
    if len(phrase) > MAX_TERM_CHARS:
        raise ActionRefused(
            _("The phrase has %(length)s characters; the limit is %(limit)s.")
            % {"length": len(phrase), "limit": MAX_TERM_CHARS},
            code="invalid",
            field="phrase",
            status=400,
        )
    key = key_of(phrase)
    if not key:
        raise ActionRefused(
            _(
                "The phrase normalises to nothing: it has only spaces, punctuation, symbols or invisible characters, which screening ignores."
            ),
            code="invalid",
            field="phrase",
            status=400,
        )
    return key, phrase


# -- publishing ---------------------------------------------------------------------------------


def _queue() -> int:
    """Wait for any other lexicon change to commit; return the number the new version takes."""
    number = bump_singleton(LexiconHead, "number").number
    # A head behind the versions (restored from an older backup) must not reuse a number.
    latest = (
        LexiconVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
    )
    if number <= latest:
        number = latest + 1
        LexiconHead.objects.filter(pk=1).update(number=number)
    return number


def compile_lexicon(terms, phrases) -> Engine:
    """Compile the lexicon as it will be; ActionRefused when the engine cannot use it."""
    try:
        return Engine.build(lexicon.to_engine_lexicon(terms, phrases))
    except LexiconError as exc:
        raise InvalidLexicon(exc.problems) from None


def _apply(
    plan: Plan, *, number: int, engine: Engine, actor, note: str, csv_bytes: bytes
) -> LexiconVersion:
    """Write the plan's rows, the new version and the history of each row it touched."""
    now = timezone.now()
    person = _person(actor)
    counts = plan.counts
    version = LexiconVersion.objects.create(
        number=number,
        created_at=now,
        created_by=person,
        note=note.strip()[:300],
        term_count=len(plan.live_terms) - counts["removed"] + counts["added"],
        allow_count=len(plan.live_phrases) - counts["phrases_removed"] + counts["phrases_added"],
        added=counts["added"] + counts["phrases_added"],
        changed=counts["changed"],
        removed=counts["removed"] + counts["phrases_removed"],
        sha256=lexicon.sha256(csv_bytes),
        compiled=engine.to_bytes(),
        backend=engine.backend,
    )
    history: list[TermChange] = []

    def change(kind, *, term=None, phrase=None, old=None, new=None):
        history.append(
            TermChange(
                term=term,
                phrase=phrase,
                version=version,
                kind=kind,
                old=old,
                new=new,
                actor=person,
                at=now,
            )
        )

    # Removals first, so that a form they free can be taken again by this change.
    for rows in _chunks(plan.remove_terms):
        LexiconTerm.objects.filter(pk__in=[r.pk for r in rows]).update(
            is_active=False, updated_at=now
        )
    for row in plan.remove_terms:
        change(ChangeKind.REMOVED, term=row, old=row.snapshot())
    for rows in _chunks(plan.remove_phrases):
        AllowPhrase.objects.filter(pk__in=[r.pk for r in rows]).update(
            is_active=False, updated_at=now
        )
    for row in plan.remove_phrases:
        change(ChangeKind.REMOVED, phrase=row, old=row.snapshot())

    changed = []
    for row, key, entry in plan.change_terms:
        old = row.snapshot()
        for name, value in entry.as_dict().items():
            setattr(row, name, value)
        row.key, row.updated_at = key, now
        changed.append(row)
        change(ChangeKind.CHANGED, term=row, old=old, new=row.snapshot())
    LexiconTerm.objects.bulk_update(changed, [*Entry.FIELDS, "key", "updated_at"], batch_size=500)

    new_row = {"is_active": True, "created_by": person, "created_at": now, "updated_at": now}
    terms = [
        (key, LexiconTerm(key=key, **new_row, **entry.as_dict())) for key, entry in plan.add_terms
    ]
    for row in _add_rows(LexiconTerm, terms, [*Entry.FIELDS, "key", "is_active", "updated_at"]):
        change(ChangeKind.ADDED, term=row, new=row.snapshot())
    phrases = [
        (key, AllowPhrase(key=key, phrase=phrase, **new_row)) for key, phrase in plan.add_phrases
    ]
    for row in _add_rows(AllowPhrase, phrases, ["phrase", "key", "is_active", "updated_at"]):
        change(ChangeKind.ADDED, phrase=row, new=row.snapshot())

    TermChange.objects.bulk_create(history, batch_size=_CHUNK)
    # Workers load the newest version; older engines are only dead weight in the database.
    LexiconVersion.objects.filter(
        number__lte=number - max(1, settings.SCREENING_KEEP_COMPILED), compiled__isnull=False
    ).update(compiled=None)
    return version


# -- the actions --------------------------------------------------------------------------------


def _run(make_plan, *, actor, note=""):
    """Queue behind other changes, plan against the lexicon as it is now, compile, publish."""
    number = _queue()
    plan = make_plan()
    if plan.is_empty:
        raise ActionRefused(_("Nothing to change."), code="unchanged", status=409)
    terms, phrases = plan.terms_after(), plan.phrases_after()
    engine = compile_lexicon(terms, phrases)
    csv_bytes = lexicon.export_csv(terms, phrases)
    version = _apply(
        plan, number=number, engine=engine, actor=actor, note=note, csv_bytes=csv_bytes
    )
    return plan, version


def _live_row(model, pk, message):
    """Re-read a row once the change is queued; refuse when it is no longer in the lexicon."""
    row = model.objects.get(pk=pk)
    if not row.is_active:
        raise ActionRefused(message, code="removed", status=409)
    return row


@transaction.atomic
def do_add_term(
    *, actor, term, category, action, severity=1, collapse_repeats=False, pinyin=False, note=""
):
    """Add a term; returns (the term, the version that published it)."""
    key, entry = _checked_entry(
        term=term,
        category=category,
        action=action,
        severity=severity,
        collapse_repeats=collapse_repeats,
        pinyin=pinyin,
    )

    def make_plan():
        plan = Plan(*_live())
        if key in plan.live_terms:
            _refuse_duplicate(plan.live_terms[key])
        plan.add_terms.append((key, entry))
        return plan

    return _add(LexiconTerm, key, make_plan, "screening.term_added", actor, note)


@transaction.atomic
def do_change_term(row: LexiconTerm, *, actor, note="", **changes):
    """Change a live term's text, category, action, severity or options."""
    unknown = set(changes) - set(Entry.FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    seen = {}

    def make_plan():
        current = _live_row(
            LexiconTerm, row.pk, _("This term was removed from the lexicon; add it again instead.")
        )
        key, entry = _checked_entry(**{**Entry.of(current).as_dict(), **changes})
        plan = Plan(*_live())
        other = plan.live_terms.get(key)
        if other is not None and other.pk != current.pk:
            _refuse_duplicate(other)
        if Entry.of(current) != entry:
            plan.change_terms.append((plan.live_terms[current.key], key, entry))
        seen["old"] = current.snapshot()
        return plan

    _plan, version = _run(make_plan, actor=actor, note=note)
    row.refresh_from_db()
    record(
        "screening.term_changed",
        actor=actor,
        subject=row,
        old=seen["old"],
        new={**row.snapshot(), "version": version.number},
        visibility=Visibility.SECRETARIAT,
    )
    return row, version


@transaction.atomic
def do_remove_term(row: LexiconTerm, *, actor, note=""):
    """Take a term out of the lexicon; its row and history stay."""
    return _remove(
        row, "terms", _("This term was already removed."), "screening.term_removed", actor, note
    )


@transaction.atomic
def do_add_allow_phrase(*, actor, phrase, note=""):
    """Allow a phrase: a term found inside it is not reported."""
    key, phrase = _checked_phrase(phrase)

    def make_plan():
        plan = Plan(*_live())
        if key in plan.live_phrases:
            raise ActionRefused(
                _("The allow list already has this phrase, written %(phrase)s.")
                % {"phrase": plan.live_phrases[key].phrase},
                code="duplicate",
                field="phrase",
                status=409,
            )
        plan.add_phrases.append((key, phrase))
        return plan

    return _add(AllowPhrase, key, make_plan, "screening.allow_phrase_added", actor, note)


@transaction.atomic
def do_remove_allow_phrase(row: AllowPhrase, *, actor, note=""):
    """Take a phrase off the allow list."""
    return _remove(
        row,
        "phrases",
        _("This phrase was already removed."),
        "screening.allow_phrase_removed",
        actor,
        note,
    )


def _add(model, key: str, make_plan, action: str, actor, note):
    """Publish the version that adds a term or phrase; returns (its live row, the version)."""
    _plan, version = _run(make_plan, actor=actor, note=note)
    row = model.objects.live().get(key=key)
    record(
        action,
        actor=actor,
        subject=row,
        new={**row.snapshot(), "version": version.number},
        visibility=Visibility.SECRETARIAT,
    )
    return row, version


def _remove(row, kind: str, gone: str, action: str, actor, note):
    """Remove a live term or phrase (`kind`: "terms" or "phrases") and publish a new version."""

    def make_plan():
        current = _live_row(type(row), row.pk, gone)
        plan = Plan(*_live())
        getattr(plan, f"remove_{kind}").append(getattr(plan, f"live_{kind}")[current.key])
        return plan

    _plan, version = _run(make_plan, actor=actor, note=note)
    row.refresh_from_db()
    record(
        action,
        actor=actor,
        subject=row,
        old=row.snapshot(),
        new={"version": version.number},
        visibility=Visibility.SECRETARIAT,
    )
    return row, version


@transaction.atomic
def do_import_lexicon(
    data: bytes | Upload,
    *,
    actor,
    mode: str = ImportMode.MERGE,
    note: str = "",
    source_name: str = "",
):
    """Import a lexicon CSV, all or nothing; returns (the plan carried out, the new version).

    Every row is checked (by the engine's parser, this platform's rules and a compile of the
    resulting lexicon) before anything is written; a file with problems raises InvalidLexicon
    listing them by row, and the version in service stays.
    """
    upload = data if isinstance(data, Upload) else lexicon.read_upload(data)
    if mode not in ImportMode.ALL:
        raise ActionRefused(
            _("Unknown import mode %(mode)r.") % {"mode": mode},
            code="invalid",
            field="mode",
            status=400,
        )
    plan, version = _run(lambda: plan_import(upload, mode), actor=actor, note=note)
    record(
        "screening.lexicon_imported",
        actor=actor,
        subject=version,
        new={
            "mode": mode,
            "source_name": source_name[:200],
            **plan.counts,
            "version": version.number,
            "term_count": version.term_count,
            "allow_count": version.allow_count,
            "sha256": version.sha256,
        },
        visibility=Visibility.SECRETARIAT,
    )
    return plan, version


def _add_rows(model, rows: list, fields: list[str]) -> list:
    """Save new terms or phrases, given as (key, unsaved row); returns them saved.

    A key added again takes back its removed row, so that its history stays in one place.
    """
    if not rows:
        return []
    removed = dict(
        model.objects.filter(is_active=False).order_by("updated_at", "pk").values_list("key", "pk")
    )
    revived, created = [], []
    for key, row in rows:
        if key in removed:
            row.pk = removed[key]
            revived.append(row)
        else:
            created.append(row)
    model.objects.bulk_update(revived, fields, batch_size=500)
    model.objects.bulk_create(created, batch_size=_CHUNK)
    return [*revived, *created]
