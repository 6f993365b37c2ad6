"""The engine each worker screens with, kept current without ever making a request wait.

``current_engine()`` returns the worker's loaded engine with its version number. At most once
every ``SCREENING_RELOAD_SECONDS`` one request (never more at a time) asks the database for the
newest version's number, a single-row query; when it is newer, that request loads the compiled
engine stored with the version (``Engine.from_bytes``, a fraction of a second) and then swaps
the module's reference to it. Screening takes no lock: other requests go on with the engine they
already hold, including while a load is under way, and a request in flight finishes with the
engine it started with. Until the first version is published the engine is empty and everything
passes.

Where the WSGI server says that it runs one request at a time per process
(``wsgi.multithread`` false: gunicorn's sync workers), there is no other request to keep
screening, so the old engine is let go before the new one loads: a worker then holds one
engine, never two, which is what keeps a 100,000-term worker under 300 MB during a reload.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import DatabaseError

from gongyue.core.ratelimit import count, uncount

from . import lexicon
from .engine import Engine, Lexicon, Match, Result, ScreeningError
from .models import LexiconVersion

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """An engine with the lexicon version it was built from (0: none published yet)."""

    engine: Engine
    version: int
    sha256: str
    checked_at: float


_state: Loaded | None = None
# Held only by the one request that checks for (and loads) a new version, never by screening.
_checking = threading.Lock()
_empty: Engine | None = None
_clock = time.monotonic


def _empty_engine() -> Engine:
    global _empty
    if _empty is None:
        _empty = Engine.build(Lexicon([]))
    return _empty


def current_engine(*, exclusive: bool = False) -> Loaded:
    """The engine to screen one request with; see the module's docstring.

    ``exclusive`` says that no other request can be running in this process (a WSGI server
    that is not multithreaded, such as gunicorn's sync workers): the old engine is then let go
    before the new one loads, so that the worker never holds two.
    """
    state = _state
    if state is not None and _clock() - state.checked_at < settings.SCREENING_RELOAD_SECONDS:
        return state
    # Without an engine yet, requests wait for the first load; afterwards nobody waits.
    if not _checking.acquire(blocking=state is None):
        return state
    del state  # _refresh may let the old engine go: hold no reference to it here
    try:
        return _refresh(exclusive)
    finally:
        _checking.release()


def _refresh(exclusive: bool) -> Loaded:
    global _state
    state = _state
    now = _clock()
    if state is not None and now - state.checked_at < settings.SCREENING_RELOAD_SECONDS:
        return state  # another request refreshed it while this one waited
    try:
        latest = LexiconVersion.objects.order_by("-number").values_list("number", "sha256").first()
        if latest is None:
            fresh = Loaded(_empty_engine(), 0, "", now)
        elif state is not None and (state.version, state.sha256) == latest:
            fresh = replace(state, checked_at=now)
        else:
            if exclusive:
                # Nothing else in this process screens: free the old engine before loading the
                # new one (a 100,000-term engine is some 130 MB).
                _state = state = None
            fresh = Loaded(load_version(latest[0]), latest[0], latest[1], now)
    except DatabaseError:
        if state is None:
            raise
        # Keep screening with what we have; look again after the next interval.
        logger.exception(
            "could not look for a new lexicon version; screening goes on with version %s",
            state.version,
        )
        fresh = replace(state, checked_at=now)
    _state = fresh  # one reference assignment: requests see the old engine or the new one
    return fresh


def load_version(number: int) -> Engine:
    """The engine of version ``number``: loaded from its compiled form, else compiled here."""
    compiled = (
        LexiconVersion.objects.filter(number=number).values_list("compiled", flat=True).first()
    )
    if compiled:
        try:
            return Engine.from_bytes(bytes(compiled))
        except ScreeningError as exc:
            # Saved with another normalisation table (a library upgrade): compile it here.
            logger.warning("lexicon version %s: %s; compiling it in this worker", number, exc)
        finally:
            del compiled
    # The live rows are the newest version's content: every change publishes in its transaction.
    from .queries import live_lexicon

    return Engine.build(lexicon.to_engine_lexicon(*live_lexicon()))


def is_exclusive(request) -> bool:
    """Whether the WSGI server runs no other request in this process while this one runs."""
    return request.META.get("wsgi.multithread") is False


def reset() -> None:
    """Forget the loaded engine (tests: every test starts from an empty database)."""
    global _state
    with _checking:
        _state = None
    _callers.clear()


# -- screening -----------------------------------------------------------------------------------


def _offset_converter(text: str, unit: str):
    """A function taking a code point offset in ``text`` to ``unit`` (UTF-16 code units for
    JavaScript, UTF-8 bytes for Go and Rust)."""
    if unit == "code_points":
        return lambda offset: offset
    import numpy as np

    from .normalise import code_points

    cps = code_points(text)
    if unit == "utf16":
        sizes = 1 + (cps > 0xFFFF)
    else:
        sizes = 1 + (cps > 0x7F) + (cps > 0x7FF) + (cps > 0xFFFF)
    prefix = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64))).tolist()
    return prefix.__getitem__


# -- who is screening ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """What the screening API needs to know of a token's holder, read at ``checked_at``."""

    user: object
    can_screen: bool
    reveal: bool
    checked_at: float


# Token digest -> Caller: a screening request with a token seen in the last
# SCREENING_RELOAD_SECONDS makes no query at all (the token, the unit's membership and the
# person's roles are what otherwise cost most of a one-post request).
_callers: dict[str, Caller] = {}
_MAX_CALLERS = 10_000


def cached_caller(digest: str) -> Caller | None:
    caller = _callers.get(digest)
    if caller is not None and _clock() - caller.checked_at < settings.SCREENING_RELOAD_SECONDS:
        return caller
    return None


def caller_for(user, digest: str | None = None) -> Caller:
    """The caller's rights, read now; remembered under the token's digest when there is one."""
    from .access import can_use_screening

    can_screen = can_use_screening(user)
    caller = Caller(user, can_screen, can_screen and reveals_terms(user), _clock())
    if digest is not None and settings.SCREENING_RELOAD_SECONDS > 0:
        if len(_callers) >= _MAX_CALLERS:
            _callers.clear()
        _callers[digest] = caller
    return caller


def reveals_terms(user) -> bool:
    """Whether ``user`` may learn which lexicon term a match is: the secretariat, and members
    only where SCREENING_REVEAL_TERMS_TO_MEMBERS says so (a list of the terms looked for is a
    guide to getting round them)."""
    return settings.SCREENING_REVEAL_TERMS_TO_MEMBERS or user.is_secretariat


def match_dict(match: Match, convert, *, reveal: bool = True) -> dict:
    out = {"term": match.term} if reveal else {}
    out.update(
        category=match.category,
        action=match.action,
        severity=match.severity,
        start=convert(match.start),
        end=convert(match.end),
        text=match.text,
    )
    return out


def result_dict(
    text: str,
    result: Result,
    *,
    mask: bool,
    offsets: str = "code_points",
    post_id=None,
    reveal: bool = True,
) -> dict:
    """One post's result as the API returns it; ``reveal``: with each match's lexicon term."""
    convert = _offset_converter(text, offsets) if result.matches else None
    out = {
        "id": post_id,
        "decision": result.decision,
        "matches": [match_dict(m, convert, reveal=reveal) for m in result.matches],
        "truncated": result.truncated,
    }
    if mask:
        out["masked"] = Engine.mask(text, result.matches) if result.matches else text
    return out


_encode = json.encoder.encode_basestring  # a str as a JSON string, non-ASCII kept (C)


def results_json(
    version: int, texts, results, ids, *, mask: bool, offsets: str, reveal: bool
) -> str:
    """The API's answer ``{"lexicon_version": n, "results": [...]}`` as compact JSON, the same
    bytes as ``json.dumps`` of :func:`result_dict` for each post (a test holds the two together)
    written directly: building a dict per post and per match only to walk it again cost more
    than writing the text."""
    parts = []
    for text, result, post_id in zip(texts, results, ids):
        head = '{"id":' + ("null" if post_id is None else _encode(post_id))
        matches = result.matches
        if matches:
            convert = _offset_converter(text, offsets)
            written = []
            for m in matches:
                term = '{"term":' + _encode(m.term) + ',"category":' if reveal else '{"category":'
                written.append(
                    f'{term}{_encode(m.category)},"action":{_encode(m.action)},'
                    f'"severity":{int(m.severity)},"start":{int(convert(m.start))},'
                    f'"end":{int(convert(m.end))},"text":{_encode(m.text)}}}'
                )
            listed = ",".join(written)
        else:
            listed = ""
        truncated = "true" if result.truncated else "false"
        masked = ""
        if mask:
            masked = ',"masked":' + _encode(Engine.mask(text, matches) if matches else text)
        parts.append(
            f'{head},"decision":{_encode(result.decision)},"matches":[{listed}],'
            f'"truncated":{truncated}{masked}}}'
        )
    return f'{{"lexicon_version":{int(version)},"results":[{",".join(parts)}]}}'


def screen_texts(texts: list[str], *, exclusive: bool = False) -> tuple[int, list[Result]]:
    """Screen texts with the worker's current engine; returns its version and the results.

    ``exclusive``: see :func:`current_engine`."""
    loaded = current_engine(exclusive=exclusive)
    engine = loaded.engine
    results = [engine.screen(texts[0])] if len(texts) == 1 else engine.screen_many(texts)
    return loaded.version, results


# -- the quota ---------------------------------------------------------------------------------

_QUOTA_WINDOW = 60
# Requests and posts share one counter, requests in the high bits, so that the check is one
# cache round trip (a minute's posts stay far below 2**32).
_REQUEST = 1 << 32


def use_quota(user, posts: int) -> int | None:
    """Count one request of ``posts`` posts against the caller's unit (the secretariat: the
    person) for this minute. None when within SCREENING_REQUESTS_PER_MINUTE and
    SCREENING_POSTS_PER_MINUTE; otherwise the seconds until the minute ends, and the request is
    not counted (a refused request uses no allowance)."""
    key = f"screening-quota:{f'u{user.unit_id}' if user.unit_id else f'p{user.pk}'}"
    amount = _REQUEST + posts
    value, wait = count(key, window=_QUOTA_WINDOW, amount=amount)
    if (
        value >> 32 <= settings.SCREENING_REQUESTS_PER_MINUTE
        and value & (_REQUEST - 1) <= settings.SCREENING_POSTS_PER_MINUTE
    ):
        return None
    uncount(key, window=_QUOTA_WINDOW, amount=amount)
    return wait
