"""The matcher each worker checks links with, kept current without making a request wait.

As in screening: at most every REGISTRY_RELOAD_SECONDS one request looks up the newest
publication's serial; when it is newer, that request loads the matcher written with it and
swaps the module's reference; other requests go on with the one they hold.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from django.conf import settings

from .canonical import CanonicalError
from .matcher import Matcher
from .models import Publication


@dataclass(frozen=True)
class Loaded:
    matcher: Matcher
    meta: dict
    serial: int
    checked_at: float


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
    serial = Publication.objects.order_by("-serial").values_list("serial", flat=True).first()
    if serial is None:
        fresh = Loaded(Matcher(), {}, 0, now)
    elif state is not None and state.serial == serial:
        fresh = replace(state, checked_at=now)
    else:
        # A worker that holds a matcher keeps it until the new one's file is written (it
        # follows the feeds); one that holds none builds it.
        loaded = load_matcher(serial, build=state is None)
        if loaded is None:
            fresh = replace(state, checked_at=now)
        else:
            loaded[0].host_index()  # built here, so that no check waits for it
            fresh = Loaded(*loaded, serial, now)
    _state = fresh
    return fresh


def reset() -> None:
    global _state
    with _checking:
        _state = None


def check(values: list[str]) -> tuple[int, list[dict]]:
    """Each value's canonical form and the entry that lists it; the serial checked against."""
    loaded = current()
    results = []
    for value, found in zip(values, loaded.matcher.check_many(values), strict=True):
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
            entry_id, category, listed_at = loaded.meta.get(line, (None, None, None))
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
