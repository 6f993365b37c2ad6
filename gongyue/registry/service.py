"""The matcher each worker checks links with, kept current without making a request wait.

As in screening: at most every REGISTRY_RELOAD_SECONDS one request looks up the newest
publication's serial; when it is newer, that request brings the matcher up to it and swaps the
module's reference; other requests go on with the one they hold.

Bringing it up to date is applying the changes between the two serials (the FeedChange rows
``changes?since=`` replays) to a copy of the held matcher: a few milliseconds, so a link check
answers from a publication as soon as it is served. A worker loads the newest matcher file
instead (what follows publications writes one every REGISTRY_MATCHER_FILE_EVERY changes) and
applies the changes since it when it holds none, when the history no longer has the changes,
or when it has applied more than REGISTRY_MATCHER_CATCH_UP changes since its file (their names
are walked rather than looked up in the mapped host index).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from django.conf import settings

from .canonical import CanonicalError
from .matcher import Indicator, Matcher
from .models import Entry, FeedChange, Op, Publication


@dataclass(frozen=True)
class Loaded:
    matcher: Matcher
    serial: int
    checked_at: float
    # Changes applied to the matcher since it was loaded from its file or built, and the
    # serial of that file (or build).
    applied: int = 0
    base: int = 0


_state: Loaded | None = None
_checking = threading.Lock()
_clock = time.monotonic


def current() -> Loaded:
    state = _state
    if state is not None and _clock() - state.checked_at < settings.REGISTRY_RELOAD_SECONDS:
        return state
    if not _checking.acquire(blocking=state is None):
        return state
    try:
        return _refresh()
    finally:
        _checking.release()


def _refresh() -> Loaded:
    global _state
    from .publishing import load_matcher

    state, now = _state, _clock()
    newest = Publication.objects.order_by("-serial").values_list("serial", "history_from").first()
    if newest is None:
        fresh = Loaded(Matcher(), 0, now)
    elif state is not None and state.serial == newest[0]:
        fresh = replace(state, checked_at=now)
    else:
        serial, history_from = newest
        replayable = state is not None and state.serial >= history_from
        fresh = None
        if replayable:
            fresh = _caught_up(state, serial, now, settings.REGISTRY_MATCHER_CATCH_UP)
        if fresh is None:
            # The newest matcher file newer than the one held (what follows publications
            # writes one every REGISTRY_MATCHER_FILE_EVERY changes), and the changes since it;
            # a worker that holds no matcher builds it when there is no file.
            loaded = load_matcher(
                serial,
                history_from,
                after=-1 if state is None else state.base,
                build=state is None,
            )
            if loaded is not None:
                base, matcher = loaded
                matcher.host_index()  # built here when not mapped, so that no check waits
                fresh = Loaded(matcher, base, now, base=base)
                if base < serial:  # no request holds the loaded matcher yet: no copy
                    fresh = _caught_up(fresh, serial, now, None, in_place=True)
            elif replayable:  # no newer file: the changes, however many
                fresh = _caught_up(state, serial, now, None)
            else:
                fresh = replace(state, checked_at=now)
    _state = fresh
    return fresh


def _caught_up(
    state: Loaded, serial: int, now: float, limit: int | None, *, in_place: bool = False
) -> Loaded | None:
    """The held matcher with the changes up to ``serial`` applied, as a copy (requests that
    hold the old one go on with it) unless ``in_place`` (one no request holds yet); None when
    that would make more than ``limit`` changes since its file."""
    rows = (
        FeedChange.objects.filter(serial__gt=state.serial, serial__lte=serial)
        .order_by("serial", "pk")
        .values_list("indicator", "op", "entry__kind", "entry__value", "entry__include_subdomains")
    )
    if limit is not None:
        rows = rows[: max(0, limit - state.applied) + 1]
    last = {row[0]: row for row in rows}  # an indicator's last change is what it is now
    if limit is not None and state.applied + len(rows) > limit:
        return None
    matcher = state.matcher if in_place else state.matcher.copy()
    for line, op, kind, value, subdomains in last.values():
        indicator = Indicator(kind, value, subdomains)
        matcher.remove(indicator, line)  # nothing when it does not hold the line
        if op == Op.ADD:
            matcher.add(indicator, line)
    return Loaded(matcher, serial, now, state.applied + len(rows), state.base)


def reset() -> None:
    global _state
    with _checking:
        _state = None


def check(values: list[str]) -> tuple[int, list[dict]]:
    """Each value's canonical form and the entry that lists it; the serial checked against.

    The matcher answers with the listed line; the entry it names (number, category, when
    listed) is read from the database, in one query for all the lines that matched, none when
    nothing did: a worker holding it for each of a million lines took 160 MB."""
    loaded = current()
    found_all = loaded.matcher.check_many(values)
    matched = {found[1] for found in found_all if isinstance(found, tuple) and found[1]}
    entries = {}
    if matched:
        rows = Entry.objects.filter(indicator__in=matched).values_list(
            "indicator", "pk", "category", "listed_at"
        )
        entries = {line: rest for line, *rest in rows}
    results = []
    for value, found in zip(values, found_all, strict=True):
        if isinstance(found, CanonicalError):
            results.append(
                {
                    "input": value,
                    "canonical": None,
                    "listed": False,
                    "match": None,
                    "error": str(found),
                }
            )
            continue
        canonical, line = found
        match = None
        if line is not None:
            entry_id, category, listed_at = entries.get(line, (None, None, None))
            match = {
                "indicator": line,
                "entry": entry_id,
                "category": category,
                "listed_at": listed_at,
            }
        results.append(
            {"input": value, "canonical": canonical, "listed": line is not None, "match": match}
        )
    return loaded.serial, results
