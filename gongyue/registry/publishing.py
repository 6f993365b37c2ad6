"""Writing the feeds of the list as it is now, and reading them back.

``publish()`` reads the head serial and what changed since the list this worker holds (or, when
it holds none, the whole list) together, writes the feed chunks that changed (``chunks.py``)
and records the :class:`Publication` — each file's head, body (a list of chunks) and foot —
which is what switches readers over. The gzipped form, the link check's matcher and the files'
SHA-256 follow. Running it twice for one serial writes once. Chunks and lists no kept
publication uses, and changes beyond the kept history, are removed.
"""

from __future__ import annotations

import base64
import fcntl
import gc
import hashlib
import json
import logging
import os
import pickle
import shutil
import struct
import time
import zlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Func, TextField, Value, When
from django.db.models.functions import Cast, Collate, Concat
from django.utils import timezone

from . import chunks, feeds
from .hostindex import HostIndex
from .matcher import Indicator, Matcher
from .models import Category, Entry, FeedChange, Publication, RegistryHead, Status

logger = logging.getLogger(__name__)

SCOPES = ("all", *Category.values)
#: (serial, matcher); named anew when what it holds changes, so that a worker of another
#: version finds none rather than misreads one.
MATCHER_FILE = "matcher-3.pickle"
TITLE = "gongyue registry"
#: Re-sightings refresh a listed entry's expiry without a serial; those up to this long before
#: the list was last read are looked at again (longer than any transaction runs).
RESIGHT_MARGIN = timedelta(minutes=10)
#: The formats whose "all" body is its categories' bodies in turn (the txt body is sorted).
ROW_FORMATS = ("csv", "json", "stix.json")
SEQUENCES = ("entries", "hosts", "rpz")
#: From this many pieces to render, a publication packs them (see chunks.Store).
PACK_MIN_PIECES = 16
#: Below this many lines to render, a full publication renders in its own process.
POOL_MIN_LINES = 50_000


def feed_dir() -> Path:
    return Path(settings.REGISTRY_FEED_DIR)


def publication_dir(serial: int) -> Path:
    return feed_dir() / f"serial-{serial}"


def feed_names() -> list[str]:
    return [f"{scope}.{fmt}" for scope in SCOPES for fmt in feeds.FORMATS]


def scope_of(name: str) -> str:
    return name.split(".", 1)[0]


def format_of(name: str) -> str:
    return name.split(".", 1)[1]


def content_type(name: str) -> str:
    return feeds.FORMATS[format_of(name)]


def _meta(serial, published_at) -> dict:
    return {
        "serial": serial,
        "published_at": published_at,
        "title": TITLE,
        "site_url": settings.SITE_URL,
        "zone": settings.REGISTRY_RPZ_ZONE,
        "refresh": settings.REGISTRY_RPZ_REFRESH,
        "retry": settings.REGISTRY_RPZ_RETRY,
        "expire": settings.REGISTRY_RPZ_EXPIRE,
        "ttl": settings.REGISTRY_RPZ_TTL,
    }


# -- the state this process holds ----------------------------------------------------------------

_state: chunks.State | None = None
_store: chunks.Store | None = None


def store() -> chunks.Store:
    global _store
    if _store is None or _store.folder != feed_dir():
        _store = chunks.Store(feed_dir())
    return _store


def reset_state() -> None:
    """Forget the chunks this process holds (the next publication reads the whole list)."""
    global _state
    _state = None


def held_state() -> chunks.State | None:
    return _state


def _state_fits(state: chunks.State | None, latest: Publication | None) -> bool:
    """Whether the held state is the list of a publication this database still has, whose
    chunks are kept and whose changes since can be replayed."""
    if state is None or latest is None:
        return False
    if (state.n, state.site_url, state.folder) != (
        settings.REGISTRY_FEED_CHUNK,
        settings.SITE_URL,
        feed_dir(),
    ):
        return False
    if state.serial < latest.history_from:
        return False
    kept = _kept_serials()
    if state.serial not in kept:
        return False
    row = Publication.objects.filter(serial=state.serial).values_list("files", flat=True).first()
    held = state.lists.get(("all", "entries"), ("",))[0]
    return bool(row) and row.get("all.txt", {}).get("body") == held


def _kept_serials() -> list[int]:
    """The publications whose files are kept: the newest REGISTRY_KEEP_PUBLICATIONS, and each
    one a newer one replaced less than REGISTRY_KEEP_REPLACED_SECONDS ago (a download of it may
    still be reading its chunks), at most REGISTRY_KEEP_MAX_PUBLICATIONS in all."""
    newest = max(1, settings.REGISTRY_KEEP_PUBLICATIONS)
    rows = Publication.objects.order_by("-serial").values_list("serial", "published_at")
    since = timezone.now() - timedelta(seconds=settings.REGISTRY_KEEP_REPLACED_SECONDS)
    kept, replaced_at = [], None
    for serial, published_at in rows[: max(newest, settings.REGISTRY_KEEP_MAX_PUBLICATIONS)]:
        if len(kept) >= newest and replaced_at < since:
            break  # replaced longer ago, and so is every older one
        kept.append(serial)
        replaced_at = published_at
    return kept


class _UtcIso(Func):
    """A moment as ``feeds.entry_line`` writes it (ISO 8601 in UTC, "+00:00"), or "" for
    none, written by the database: SQLite keeps Django's moments as UTC text
    ("2026-12-01 08:30:15.123456"), PostgreSQL formats its own (always with microseconds,
    which renders the same)."""

    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        template = "COALESCE(REPLACE(%(expressions)s, ' ', 'T') || '+00:00', '')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = (
            "COALESCE(TO_CHAR(%(expressions)s AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00', '')"
        )
        return self.as_sql(compiler, connection, template=template, **extra)


def _recipe_line():
    """An entry's recipe line (``feeds.entry_line``), written by the database: reading a
    million of them costs the database a string each, not Python two moments parsed and
    written again."""
    tab = Value("\t")
    return Concat(
        "indicator", tab, Cast("id", TextField()), tab, "kind", tab, "value", tab,
        Case(When(include_subdomains=True, then=Value("1")), default=Value("")), tab,
        "category", tab, _UtcIso("listed_at"), tab, _UtcIso("expires_at"),
        output_field=TextField(),
    )  # fmt: skip


def _lines(*, ordered: bool = True, **filters) -> list[str]:
    """The recipe lines of the listed entries (these ``filters`` on them), in the feeds'
    order when ``ordered``."""
    rows = Entry.objects.listed().filter(**filters).annotate(recipe=_recipe_line())
    if ordered:  # in code-point order (the feeds' order): sorting again costs one pass
        order = Collate("indicator", "C") if connection.vendor == "postgresql" else "indicator"
        rows = rows.order_by(order)
    else:  # a few rows by an index: sorting them would make the planner scan
        rows = rows.order_by()
    return list(rows.values_list("recipe", flat=True).iterator(chunk_size=20000))


def _all_lines() -> list[str]:
    """The recipe line of every listed entry, in the feeds' order."""
    lines = _lines()
    lines.sort(key=feeds.line_key)
    return lines


def _snapshot(state: chunks.State | None):
    """Under the head row's lock: (serial, when, plan). The plan is None (published), ("full",
    lines), ("legacy", lines) (a publication of this serial not kept as chunks) or ("delta",
    old lines, new lines) against the held state."""
    with transaction.atomic():
        head = RegistryHead.objects.select_for_update().filter(pk=1).first()
        serial = head.serial if head else 0
        now = timezone.now()
        existing = Publication.objects.filter(serial=serial).values_list("files", flat=True)
        if existing:
            if "body" in existing[0].get("all.txt", {}):
                return serial, now, None
            # Written before feeds were kept as chunks: written again, as chunks.
            return serial, now, ("legacy", _all_lines())
        if not _state_fits(state, Publication.objects.order_by("-serial").first()):
            return serial, now, ("full", _all_lines())
        touched = set(
            FeedChange.objects.filter(serial__gt=state.serial, serial__lte=serial).values_list(
                "indicator", flat=True
            )
        )
        # By the index on last_sighted_at alone (with the status too, a planner may walk
        # every listed row instead); the status is checked here.
        recent = (
            Entry.objects.filter(last_sighted_at__gte=state.watermark - RESIGHT_MARGIN)
            .order_by()
            .annotate(recipe=_recipe_line())
            .values_list("indicator", "recipe", "status")
        )
        resighted = {
            indicator: line for indicator, line, status in recent if status == Status.LISTED
        }
        held = state.lookup(touched | set(resighted))
        for indicator, line in resighted.items():
            if held.get(indicator) != line:
                touched.add(indicator)
        new: list[str] = []
        wanted = sorted(touched)
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            new.extend(_lines(ordered=False, indicator__in=batch))
        old = [held[i] for i in touched if i in held]
        unchanged = set(old) & set(new)
        old = [line for line in old if line not in unchanged]
        new = [line for line in new if line not in unchanged]
        return serial, now, ("delta", old, new)


# -- rendering pieces ----------------------------------------------------------------------------


def _render(job) -> tuple[str, dict, bytes | None, tuple[str, int] | None]:
    """Render one piece and write it; returns (digest, meta, its txt part or None, its place
    in a pack or None)."""
    folder, site_url, kind, digest, text, packed = job
    target = store() if feed_dir() == folder else chunks.Store(folder)
    lines = text.split("\n") if text else []
    if kind == "entries-txt":
        parts = {"txt": _txt_part(text)}
    elif kind.startswith("entries"):
        txt, csv_body, json_body, stix_body = _renderer(site_url).render(
            lines, lead=kind == "entries-lead"
        )
        parts = {
            "txt": txt.encode(),
            "csv": csv_body.encode(),
            "json": json_body.encode(),
            "stix.json": stix_body.encode(),
        }
    else:
        parts = {kind: feeds.render_names(kind, lines).encode("ascii")}
    meta = target.put(digest, parts, packed=packed)
    return digest, meta, parts.get("txt"), target.where.get(digest)


_pending: list[tuple] = []


def _render_pending(index: int):
    return _render(_pending[index])


_renderers: dict[str, feeds.Renderer] = {}


def _renderer(site_url: str) -> feeds.Renderer:
    renderer = _renderers.get(site_url)
    if renderer is None:
        renderer = _renderers[site_url] = feeds.Renderer(site_url)
    return renderer


def _pieces_of(state: chunks.State, fresh: dict, *, packed: bool | None = None) -> list[tuple]:
    """Give the chunks listed in ``fresh`` ({"scope/sequence": indices}) their piece digests;
    returns the jobs rendering the pieces the store lacks, into a pack when ``packed`` (by
    default when there are many)."""
    jobs, seen = [], set()
    target = store()
    for scope in state.scopes.values():
        for which in ("entries", "hosts", "rpz"):
            seq = getattr(scope, which)
            indices = set(fresh.get(f"{scope.name}/{which}", ()))
            if which == "entries" and seq.bodies:
                indices.add(0)  # the lead chunk: it may have become the first one
            for index in sorted(indices):
                texts = seq.piece_texts(index)
                seq.pieces[index] = tuple(d for d, _t in texts)
                seq.unsize(index)
                for number, (digest, text) in enumerate(texts):
                    kind = seq.kind
                    if kind == "entries" and index == 0 and number == 0:
                        kind = "entries-lead"
                        # its twin, which the "all" scope's bodies may take (State.rows)
                        seq.twin = chunks.piece_digest("entries", text, seq.salt)
                        if seq.twin not in seen and not target.has(seq.twin):
                            seen.add(seq.twin)
                            jobs.append((target.folder, state.site_url, "entries", seq.twin, text))
                    if digest in seen:
                        continue
                    seen.add(digest)
                    if target.has(digest):
                        if which == "entries" and digest not in state.txt:
                            state.txt[digest] = target.read_part(digest, "txt")
                        continue
                    jobs.append((target.folder, state.site_url, kind, digest, text))
    if packed is None:
        packed = len(jobs) >= PACK_MIN_PIECES  # one file for many pieces (see chunks.Store)
    return [(*job, packed) for job in jobs]


#: What the last publication of this process rendered: pieces and their lines.
rendered = {"pieces": 0, "lines": 0}


def _run_jobs(state: chunks.State, jobs: list[tuple]) -> None:
    lines = _lines_of(jobs)
    rendered.update(pieces=len(jobs), lines=lines)
    processes = settings.REGISTRY_FEED_PROCESSES
    target = store()
    if processes > 1 and len(jobs) > 1 and lines >= POOL_MIN_LINES:
        # Both cores: forked children render and write pieces (they inherit the jobs, so
        # only numbers go to them); the parent keeps the pieces' meta and txt parts.
        global _pending
        # Each child would leave its pack unsealed (no index): files of their own here.
        _pending = [(*job[:-1], False) for job in jobs]
        try:
            with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
                results = list(pool.map(_render_pending, range(len(jobs)), chunksize=8))
        finally:
            _pending = []
        for digest, meta, txt, place in results:
            target.record(digest, meta, place)
            target.written += sum(size for _offset, size in meta.values())
            if txt is not None:
                state.txt[digest] = txt
        return
    _render_here(jobs, state.txt)


def _render_here(jobs: list[tuple], txt: dict[str, bytes]) -> None:
    """Render and write the jobs in this process (its pack, if it made one, sealed at the
    end), their entry pieces' txt parts into ``txt``."""
    try:
        for job in jobs:
            digest, _meta, part, _place = _render(job)
            if part is not None:
                txt[digest] = part
    finally:
        store().seal()


def _lines_of(jobs: list[tuple]) -> int:
    """How many lines these jobs render."""
    return sum(job[4].count("\n") + 1 for job in jobs)


def _build(state: chunks.State, lines: list[str]) -> None:
    """Build every scope of a new state from the list's recipe lines, and render and write
    the pieces the store lacks. Each category is built, rendered and written on its own (in
    forked processes when there are many lines); its chunks, its pieces' meta and txt parts
    come back and are merged, and its checksum is worked out here. "all" is built here: its
    entries (rendered as text) while the categories are built, its DNS names from theirs."""
    global _pending
    groups = chunks.by_category(lines)
    names = sorted((name for name in state.scopes if name != "all"),
                   key=lambda name: -len(groups.get(name, ())))  # fmt: skip
    _pending = [(name, groups.get(name, [])) for name in names]
    rendered.update(pieces=0, lines=0)
    processes = settings.REGISTRY_FEED_PROCESSES
    try:
        if processes > 1 and len(lines) >= POOL_MIN_LINES:
            with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
                results = pool.map(_build_forked, range(len(names)))
                everything = _Built("all")
                everything.build(lambda scope: scope.build_entries(lines), ("entries",))
                for path in results:
                    with open(path, "rb") as source:
                        result = pickle.load(source)
                    os.unlink(path)
                    _merge(state, result, forked=True)
        else:
            for index in range(len(names)):
                _merge(state, _build_pending(index), forked=False)
            everything = _Built("all")
            everything.build(lambda scope: scope.build_entries(lines), ("entries",))
        parts = [state.scopes[name] for name in names]
        everything.build(lambda scope: scope.build_names(parts), ("hosts", "rpz"))
        _merge(state, everything.result(), forked=False)
    finally:
        _pending = []
        store().seal()


class _Built:
    """One scope of a full build, built and rendered in steps in this process; ``result()``
    is what ``_merge`` takes."""

    def __init__(self, name: str):
        self.one = chunks.State((name,), n=settings.REGISTRY_FEED_CHUNK,
                                site_url=settings.SITE_URL, folder=feed_dir())  # fmt: skip
        self.scope = self.one.scopes[name]
        self.written = store().written
        self.jobs = self.lines = 0

    def build(self, step, sequences) -> None:
        """``step(scope)`` builds these sequences of it; their pieces the store lacks are
        rendered and written (a pack each step)."""
        step(self.scope)
        name = self.scope.name
        fresh = {f"{name}/{w}": range(len(getattr(self.scope, w).bodies)) for w in sequences}
        jobs = _pieces_of(self.one, fresh, packed=True)  # a full build packs each step
        _render_here(jobs, self.one.txt)
        self.jobs += len(jobs)
        self.lines += _lines_of(jobs)

    def result(self):
        target, scope = store(), self.scope
        pieces = {d for which in SEQUENCES for ps in getattr(scope, which).pieces for d in ps}
        if scope.entries.twin:
            pieces.add(scope.entries.twin)
        for which in SEQUENCES:  # their sizes, known here
            fmts = _formats(scope, which)
            getattr(scope, which).size(partial(_piece_sizes, target, fmts))
        metas = {d: target.meta[d] for d in pieces}
        places = {d: target.where[d] for d in pieces if d in target.where}
        written = target.written - self.written
        return scope.name, scope, metas, places, self.one.txt, self.jobs, self.lines, written


def _build_pending(index: int):
    """Build one category (``_pending[index]``), render and write its pieces the store lacks;
    returns what ``_merge`` takes."""
    name, lines = _pending[index]
    built = _Built(name)
    built.build(lambda scope: scope.build_from(lines), SEQUENCES)
    return built.result()


def _build_forked(index: int) -> str:
    """``_build_pending`` in a forked process: its result pickled to a file, whose name goes
    back (a pipe would pass tens of megabytes 64 KB at a time, each read waiting for the
    interpreter lock of the parent, busy building "all")."""
    result = _build_pending(index)
    path = feed_dir() / f".build-{os.getpid()}-{index}.pickle"
    with open(path, "wb") as out:
        pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
    return str(path)


def _merge(state, result, *, forked: bool) -> None:
    """Take into the state and store what ``_build_pending`` returns."""
    name, scope, metas, places, txt, pieces, lines, written = result
    target = store()
    if forked:  # bytes another process wrote
        target.written += written
    state.scopes[name] = scope
    for digest, meta in metas.items():
        target.record(digest, meta, places.get(digest))
    state.txt.update(txt)
    scope.list_sha256 = state.list_sha256(scope, scope.entries.digests())
    rendered["pieces"] += pieces
    rendered["lines"] += lines


def _formats(scope: chunks.Scope, which: str) -> tuple[str, ...]:
    """The formats a scope's sequence gives parts in."""
    if which != "entries":
        return (which,)
    return ("txt",) if scope.name == "all" else feeds.ENTRY_FORMATS


def _txt_part(text: str) -> bytes:
    """The txt part of an entry piece, from its recipe lines: its indicators, one a line."""
    if not text:
        return b""
    return ("\n".join([line[: line.index("\t")] for line in text.split("\n")]) + "\n").encode()


def _piece_sizes(target: chunks.Store, fmts, pieces) -> tuple[int, ...]:
    """The bytes these pieces make in each format."""
    return tuple(sum(target.info(d)[f][1] for d in pieces) for f in fmts)


def _lists(state: chunks.State, entry_digests: dict[str, list[str]]) -> None:
    """Write the bodies (lists of pieces) of the scopes that changed (``entry_digests``: their
    entry pieces, by scope)."""
    target = store()
    everything = state.scopes["all"]
    rows_dirty = everything.dirty
    for scope in state.scopes.values():
        if not scope.dirty:
            continue
        for which in ("entries", "hosts", "rpz"):
            seq = getattr(scope, which)
            digests = entry_digests[scope.name] if which == "entries" else seq.digests()
            fmts = _formats(scope, which)
            sizes = seq.size(partial(_piece_sizes, target, fmts)) or (0,) * len(fmts)
            state.lists[(scope.name, which)] = (target.put_list(digests), dict(zip(fmts, sizes)))
        scope.dirty = False
    if rows_dirty:  # the CSV, JSON and STIX bodies of "all": its categories' in turn
        fmts, sizes = ROW_FORMATS, dict.fromkeys(ROW_FORMATS, 0)
        first = True
        for name, scope in state.scopes.items():
            if scope is everything or not scope.entries.pieces:
                continue
            for fmt in fmts:
                sizes[fmt] += state.lists[(name, "entries")][1][fmt]
            if not first:  # its twin for its first piece
                lead, twin = (
                    target.info(scope.entries.pieces[0][0]),
                    target.info(scope.entries.twin),
                )
                for fmt in fmts:
                    sizes[fmt] += twin[fmt][1] - lead[fmt][1]
            first = False
        state.lists[("all", "rows")] = (target.put_list(state.rows()), sizes)
    pieces = sum(len(scope.entries.pieces) for scope in state.scopes.values())
    if len(state.txt) > 2 * pieces + 1000:  # forget the txt parts of pieces no longer used
        used = {d for scope in state.scopes.values() for ps in scope.entries.pieces for d in ps}
        for d in [d for d in state.txt if d not in used]:
            del state.txt[d]


def _files(state: chunks.State, serial, published_at) -> dict:
    meta, files = _meta(serial, published_at), {}
    for scope in state.scopes.values():
        for fmt in feeds.FORMATS:
            head, foot = feeds.heads(
                scope.name,
                fmt,
                count=scope.entries.total,
                names=scope.hosts.total,
                list_sha=scope.list_sha256,
                **meta,
            )
            which = fmt if fmt in feeds.NAME_FORMATS else "entries"
            if scope.name == "all" and fmt in ROW_FORMATS:
                which = "rows"
            body, sizes = state.lists[(scope.name, which)]
            size = sizes[fmt]
            info = {
                "size": len(head.encode()) + size + len(foot.encode()),
                "count": scope.entries.total,
                "head": head,
                "foot": foot,
                "body": body,
            }
            if fmt == "txt":
                info["list_sha256"] = scope.list_sha256
            files[f"{scope.name}.{fmt}"] = info
    return files


@contextmanager
def _no_gc():
    """Millions of new objects in a full build: the cyclic collector would walk them again
    and again (they hold no cycles), tripling the time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextmanager
def _lock(exclusive: bool, *, wait: bool = True):
    """Publishers hold the feed folder shared while they write and record; pruning holds it
    alone (so that it never removes what a publication not yet recorded uses)."""
    feed_dir().mkdir(parents=True, exist_ok=True)
    with open(feed_dir() / ".lock", "a") as handle:
        flags = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(handle, flags | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_publication(serial: int, published_at, plan) -> dict:
    """Apply the plan to the held state (or build one), write the chunks and lists that are
    new, and return the files' manifests. Does not record anything."""
    global _state
    kind = plan[0]
    state = _state
    try:
        if kind in ("full", "legacy"):
            state = chunks.State(
                SCOPES,
                n=settings.REGISTRY_FEED_CHUNK,
                site_url=settings.SITE_URL,
                folder=feed_dir(),
            )
            _build(state, plan[1])
            _lists(state, {name: scope.entries.digests() for name, scope in state.scopes.items()})
            state.serial, state.watermark = serial, published_at
            _state = state
            return _files(state, serial, published_at)
        _kind, old, new = plan
        jobs = _pieces_of(state, state.apply(old, new))
        # The list checksums need only the indicators (the txt parts), known before anything
        # is rendered: hashed on a second thread (hashlib lets go of the interpreter lock)
        # while the pieces are rendered and written.
        for _folder, _site, kind, digest, text, _packed in jobs:
            if kind.startswith("entries"):
                state.txt[digest] = _txt_part(text)
        dirty = [scope for scope in state.scopes.values() if scope.dirty]
        digests = {scope.name: scope.entries.digests() for scope in dirty}
        with ThreadPoolExecutor(1) as hasher:
            checksums = hasher.submit(
                lambda: [state.list_sha256(scope, digests[scope.name]) for scope in dirty]
            )
            _run_jobs(state, jobs)
            _lists(state, digests)
            for scope, checksum in zip(dirty, checksums.result(), strict=True):
                scope.list_sha256 = checksum
        state.serial, state.watermark = serial, published_at
        _state = state
        return _files(state, serial, published_at)
    except BaseException:
        _state = None
        raise


def publish(*, then_follow: bool = True) -> Publication:
    """Publish the list as it is now (or return the publication of this serial if there is
    one). The publication is served when this returns; what follows it (:func:`follow`) is
    done here too unless ``then_follow`` is false (the task queues it apart)."""
    started = time.monotonic()
    with _no_gc():
        serial, now, plan = _snapshot(_state)
        if plan is None:
            return Publication.objects.get(serial=serial)
        history_from = max(0, serial - settings.REGISTRY_KEEP_SERIALS)
        with _lock(exclusive=False):
            files = write_publication(serial, now, plan)
            if plan[0] == "legacy":
                Publication.objects.filter(serial=serial).update(files=files)
                publication = Publication.objects.get(serial=serial)
                if then_follow:
                    follow(publication)
                return publication
            publication = _record(serial, now, files, history_from, started)
    if publication.files is not files:  # another worker recorded this serial first
        return publication
    if history_from:
        FeedChange.objects.filter(serial__lte=history_from).delete()
    if then_follow:
        follow(publication)
    return publication


def _record(serial, now, files, history_from, started) -> Publication:
    try:
        with transaction.atomic():
            return Publication.objects.create(
                serial=serial,
                published_at=now,
                count=files["all.txt"]["count"],
                sha256=files["all.txt"]["list_sha256"],
                history_from=history_from,
                files=files,
                took_ms=int((time.monotonic() - started) * 1000),
            )
    except IntegrityError:
        return Publication.objects.get(serial=serial)


def follow(publication: Publication) -> None:
    """What follows a publication being served: the gzipped form of each file, the link
    check's matcher, each file's SHA-256, and pruning. The last two only while it is the
    newest (a newer one does them for itself)."""
    with _lock(exclusive=False):  # pruning must not remove the pack being written
        publication.files = compress_files(publication.files)
    Publication.objects.filter(pk=publication.pk).update(files=publication.files)
    if _matcher_file_due(publication):
        _write_matcher(publication)
    if _newest_serial() == publication.serial:
        # On both cores: hashlib and the reads let go of the interpreter lock.
        files = publication.files
        with ThreadPoolExecutor(2) as pool:
            digests = pool.map(partial(_file_sha256, publication.serial), files, files.values())
            for info, digest in zip(files.values(), digests, strict=True):
                info["sha256"] = digest
        Publication.objects.filter(pk=publication.pk).update(files=publication.files)
        _prune(publication.serial)


def _matcher_file_due(publication: Publication) -> bool:
    """Whether what follows a publication writes the link check's matcher: when the newest
    file is older than REGISTRY_MATCHER_FILE_EVERY changes, or than the history kept (a worker
    loads the newest file and applies the changes since, as ``service`` does)."""
    written = matcher_serials()
    if not written:
        return True
    newest = written[0]
    if newest >= publication.serial:
        return False  # a newer publication's is there
    if newest < publication.history_from:
        return True
    since = FeedChange.objects.filter(serial__gt=newest, serial__lte=publication.serial)
    return since.count() >= settings.REGISTRY_MATCHER_FILE_EVERY


def _write_matcher(publication: Publication) -> None:
    final = publication_dir(publication.serial)
    final.mkdir(parents=True, exist_ok=True)
    state = _state
    held = state is not None and state.serial == publication.serial
    # The recipe lines it holds, or (a worker restarted since) the database's.
    matcher = _matcher_of_lines(state.lines() if held else _lines())
    # Its host index, which the workers map from the files rather than each building its own;
    # written first, since a worker that finds the matcher's file looks for it.
    matcher.host_index().save(final)
    temporary = final / f".{MATCHER_FILE}.{os.getpid()}"
    with open(temporary, "wb") as out:
        pickle.dump((publication.serial, matcher), out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, final / MATCHER_FILE)


def _newest_serial() -> int | None:
    return Publication.objects.order_by("-serial").values_list("serial", flat=True).first()


def _file_sha256(serial: int, name: str, info: dict) -> str:
    digest = hashlib.sha256()
    for block in stream(name, info, serial=serial):
        digest.update(block)
    return digest.hexdigest()


def compress_files(files: dict) -> dict:
    """Add to each file its gzip size, the CRC-32 of its bytes and its deflated head and
    foot (the deflated pieces are written here, once each)."""
    target = store()
    try:  # the deflated pieces appended to one pack, sealed (indexed) at the end
        for name, info in files.items():
            key = (info["body"], format_of(name))
            found = target.bodies.get(key)
            if found is None:
                if len(target.bodies) > 4096:
                    target.bodies.clear()
                found = target.bodies[key] = target.body(
                    _list(info["body"]), format_of(name), packed=True
                )
            size, body_crc, zsize = found
            head, foot = info["head"].encode(), info["foot"].encode()
            crc = chunks.crc32_combine(zlib.crc32(head), body_crc, size)
            crc = chunks.crc32_combine(crc, zlib.crc32(foot), len(foot))
            zhead, zfoot = chunks.deflate_block(head), chunks.deflate_block(foot)
            info.update(
                crc32=f"{crc:08x}",
                zhead=base64.b64encode(zhead).decode(),
                zfoot=base64.b64encode(zfoot).decode(),
                gzip_size=len(chunks.GZIP_HEADER)
                + len(zhead)
                + zsize
                + len(zfoot)
                + len(chunks.GZIP_END)
                + 8,
            )
    finally:
        target.seal()
    return files


def _matcher_of_lines(lines) -> Matcher:
    """The matcher of these recipe lines, made without an ``Item`` a line. Where a line is its
    value (a name without its subdomains, an address, a hash), the matcher's key is the line
    itself, one string rather than two equal ones: pickled once, and 48 MB less in a worker at
    1,000,000 entries (see docs/registry.md, "Matching")."""
    matcher = Matcher()
    for line in lines:
        indicator, _pk, kind, value, sub, _rest = line.split("\t", 5)
        key = indicator if value == indicator else value
        matcher.add(Indicator(kind, key, sub == "1"), indicator)
    return matcher


def _prune(serial: int) -> None:
    """Remove the chunks and lists no kept publication uses, and the matcher folders of all but
    the newest REGISTRY_KEEP_PUBLICATIONS."""
    with _lock(exclusive=True, wait=False) as locked:
        if not locked:
            return  # another publisher is writing: the next publication prunes
        kept = _kept_serials()
        keep = set(kept) | _being_read()
        rows = Publication.objects.filter(serial__in=keep).values_list("files", flat=True)
        lists = {info["body"] for files in rows for info in files.values() if "body" in info}
        pieces = set()
        for body in lists:
            pieces.update(_list(body))
        target = store()
        index = {**target.index(fresh=True), **target.where}
        packs = {pack for key, (pack, _o) in index.items() if key.removesuffix(".z") in pieces}
        gone_pieces, gone_lists = set(), set()
        for folder in target.chunks.glob("??") if target.chunks.exists() else ():
            for path in folder.iterdir():
                digest = path.name.removesuffix(".z")
                if digest not in pieces and not path.name.startswith("."):
                    path.unlink(missing_ok=True)
                    gone_pieces.add(digest)
        if target.lists.exists():
            for path in target.lists.iterdir():
                digest = path.name.split(".", 1)[0]
                if digest not in lists and not path.name.startswith("."):
                    path.unlink(missing_ok=True)
                    gone_lists.add(digest)
                    _lists_cache.pop(digest, None)
        gone_packs = set()  # packs no kept list uses a piece of (and their indexes)
        for path in target.packs.iterdir() if target.packs.exists() else ():
            name = path.name.removesuffix(".idx")
            if name not in packs and not name.startswith("."):
                path.unlink(missing_ok=True)
                gone_packs.add(name)
        target.forget(gone_pieces, gone_lists)
        target.forget_packs(gone_packs)
        newest_matcher = next(iter(matcher_serials()), None)
        for number, path in _serial_folders().items():
            # A matcher folder (about 150 MB at 1,000,000 entries) only while its publication
            # is among the newest, and the newest matcher's: workers load the newest one.
            if (
                number not in kept[: max(1, settings.REGISTRY_KEEP_PUBLICATIONS)]
                and number < serial
                and number != newest_matcher
            ):
                shutil.rmtree(path, ignore_errors=True)


# -- reading ---------------------------------------------------------------------------------------

_lists_cache: dict[str, list[str]] = {}


def _list(digest: str) -> list[str]:
    """A list (a scope's body: its pieces) by its digest; lists never change, so are cached."""
    body = _lists_cache.get(digest)
    if body is None:
        body = json.loads(store().list_path(digest).read_bytes())
        if len(_lists_cache) > 256:
            _lists_cache.clear()
        _lists_cache[digest] = body
    return body


def _stream_pieces(digest: str, fmt: str, *, gz: bool = False, skip: int = 0, block: int = 1 << 20):
    """The pieces' parts, in blocks, less their first ``skip`` bytes (of a piece wholly within
    them only the first line is read, which gives its parts' sizes); returns how many of those
    bytes were beyond the last piece. Each pack is opened once (thousands of pieces are read
    from one) and stays readable to the download should pruning remove it meanwhile."""
    target = store()
    packs: dict[str, BinaryIO] = {}
    try:
        for piece in _list(digest):
            key = f"{piece}.z" if gz else piece
            source, base, own = _open_piece(target, key, packs)
            try:
                source.seek(base)
                line = source.readline()
                offset, size = json.loads(line)[fmt][:2]
                if size <= skip:
                    skip -= size
                    continue
                source.seek(base + len(line) + offset + skip)
                size, skip = size - skip, 0
                while size > 0:
                    data = source.read(min(block, size))
                    if not data:
                        raise OSError(f"chunk {piece} is shorter than it says")
                    size -= len(data)
                    yield data
            finally:
                if own:
                    source.close()
    finally:
        for source in packs.values():
            source.close()
    return skip


def _open_piece(target: chunks.Store, key: str, packs: dict[str, BinaryIO]):
    """(file, offset, whether the file is the piece's own) of a piece's parts: its pack's file
    from ``packs`` (opened and kept there when not yet), else its own file, opened."""

    def opened(pack: str | None):
        if pack is None:
            return open(target.piece_path(key), "rb")
        if pack not in packs:
            packs[pack] = open(target.packs / pack, "rb")
        return packs[pack]

    pack, base = target.place(key)
    try:
        return opened(pack), base, pack is None
    except FileNotFoundError:  # a pack written, or one pruned, since the indexes were read
        pack, base = target.place(key, fresh=True)
        return opened(pack), base, pack is None


def _readers_dir() -> Path:
    return feed_dir() / "readers"


@contextmanager
def _reading(serial: int):
    """Mark publication ``serial`` as being read while this lasts (a shared lock on its file
    in ``readers/``): pruning keeps whatever it uses, however long ago it was replaced."""
    path = _readers_dir() / str(serial)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(path, "ab")  # held until the download ends
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:  # pruning may have removed the file before the lock was had: take the new one
            if os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
                break
        except FileNotFoundError:
            pass
        handle.close()
    try:
        yield
    finally:
        handle.close()


def _being_read() -> set[int]:
    """The publications a download is reading now (``_reading``); the files of those no
    download reads are removed. Called by pruning, with the feed folder held alone."""
    read = set()
    for path in _readers_dir().iterdir() if _readers_dir().exists() else ():
        if not path.name.isdigit():
            continue
        with open(path, "ab") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                read.add(int(path.name))
                continue
            path.unlink(missing_ok=True)
    return read


def stream(name: str, info: dict, *, serial: int, gzipped: bool = False, start: int = 0):
    """The bytes of a feed file of publication ``serial`` (its gzip member when ``gzipped``)
    from byte ``start`` on, in blocks. While it is read, pruning keeps what it uses."""
    with _reading(serial):
        yield from _stream(name, info, gzipped=gzipped, start=start)


def _stream(name: str, info: dict, *, gzipped: bool, start: int):
    fmt = format_of(name)
    if gzipped:
        head = chunks.GZIP_HEADER + base64.b64decode(info["zhead"])
        foot = base64.b64decode(info["zfoot"]) + chunks.GZIP_END
        foot += struct.pack("<II", int(info["crc32"], 16), info["size"] & 0xFFFFFFFF)
    else:
        head, foot = info["head"].encode(), info["foot"].encode()
    if start < len(head):
        yield head[start:]
    left = yield from _stream_pieces(info["body"], fmt, gz=gzipped, skip=max(0, start - len(head)))
    if left < len(foot):
        yield foot[left:]


def read_feed(publication: Publication, name: str, *, gzipped: bool = False) -> bytes:
    """A whole feed file of a publication (for tests and commands)."""
    info = publication.files[name]
    return b"".join(stream(name, info, serial=publication.serial, gzipped=gzipped))


def latest() -> Publication | None:
    return Publication.objects.order_by("-serial").first()


def _serial_folders() -> dict[int, Path]:
    """The publications' folders (``publication_dir``) on disk, by serial."""
    folders = {}
    for path in feed_dir().glob("serial-*"):
        try:
            folders[int(path.name.removeprefix("serial-"))] = path
        except ValueError:
            continue
    return folders


def matcher_serials() -> list[int]:
    """The serials a matcher file was written with, newest first."""
    written = [n for n, path in _serial_folders().items() if (path / MATCHER_FILE).exists()]
    return sorted(written, reverse=True)


def load_matcher(
    serial: int, history_from: int = 0, *, after: int = -1, build: bool = True
) -> tuple[int, Matcher] | None:
    """The newest matcher file written at or before ``serial`` and after ``after``, not before
    ``history_from`` (so that the changes since it can be applied): the serial it was written
    with, and the matcher with its host index mapped from the files beside it. When there is
    none, the matcher built from the database at ``serial``, or None when
    not ``build``."""
    for written in matcher_serials():
        if written > serial:
            continue
        if written < max(history_from, after + 1):
            break
        folder = publication_dir(written)
        try:
            with open(folder / MATCHER_FILE, "rb") as source:
                stored_serial, matcher = pickle.load(source)
            if stored_serial == written:
                matcher.index = HostIndex.load(folder, matcher.names, matcher.suffixes)
                return written, matcher
        # A file of an older Matcher (its fields renamed) reads as no file.
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, TypeError):
            pass
    if not build:
        return None
    logger.warning("registry: no matcher file for serial %s; building it here", serial)
    return serial, _matcher_of_lines(_lines())
