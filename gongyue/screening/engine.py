"""Content screening: find lexicon terms in user posts, however they are disguised.

Pure Python over compiled helpers (numpy, Hyperscan or the Rust Aho-Corasick); no ORM, no
Django settings. Build an :class:`Engine` once per lexicon and share it::

    lexicon = Lexicon([Term("冰毒", "drugs", "block", pinyin=True)], allow=["冰毒危害"])
    engine = Engine.build(lexicon)
    result = engine.screen("有 B i n g D u 吗")
    result.decision                        # "block"
    match = result.matches[0]
    match.start, match.end, match.text     # (2, 13, "B i n g D u"): offsets into the text
    engine.screen("宣传冰毒危害").decision  # "pass": the allow-listed phrase excuses it

How a text is screened:

1. Every code point is mapped through one table (see :mod:`gongyue.screening.normalise`) to
   its canonical character, already encoded as a small integer "code" of the engine's own
   alphabet (the characters its patterns use; everything else becomes one "other" code that
   no pattern contains), or to 0 when it is deleted. That is three numpy calls on the whole
   text: no Python loop over characters.
2. The deleted characters are squeezed out and the codes, as bytes, go through one
   multi-literal automaton: Hyperscan's pure-literal compiler where it is installed, the Rust
   ``aho-corasick`` crate (``ahocorasick_rs``) elsewhere. Both report every occurrence of every
   pattern, overlapping and adjacent ones included.
3. Only when something matched is the index map built (one ``flatnonzero``) to take each match
   back to its span in the original text.

Terms that opt into ``collapse_repeats`` live in a second automaton run over the text with
runs of one character squeezed to one, built and run only when such terms exist. Terms that
opt into ``pinyin`` add their full pinyin and their initials as extra patterns; the text side
is not transliterated.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import normalise

try:  # Hyperscan wheels exist for x86-64 only; elsewhere the portable automaton is used.
    import hyperscan
except ImportError:  # pragma: no cover - depends on the platform
    hyperscan = None

#: Actions from the strictest to the mildest; a text's decision is its strictest action.
ACTIONS = ("block", "review", "mask")
#: Decisions: an action, or "pass" when nothing was found.
DECISIONS = (*ACTIONS, "pass")
#: Matcher back ends, in order of preference.
BACKENDS = ("hyperscan", "ahocorasick")
#: Longest text :meth:`Engine.screen` accepts, in code points.
MAX_TEXT_CHARS = 16 * 1024 * 1024
#: How many code points :meth:`Engine.screen_many` puts through the automaton at once.
BATCH_CHARS = 256 * 1024
#: Matching stops after this many matches in one text (the result says it was truncated):
#: a 10 MB text made of nothing but terms would otherwise take seconds and gigabytes.
MAX_MATCHES = 1000
# Longer canonical texts are scanned in pieces of this many codes, which bounds the memory
# the portable automaton (which returns all its matches at once) can take.
_SCAN_CHUNK = 64 * 1024
#: The character :meth:`Engine.mask` puts in place of each masked one.
MASK_CHAR = "＊"

_RANK = {action: rank for rank, action in enumerate(DECISIONS)}
# Alphabet codes 0 and 1 are reserved: any character outside the alphabet, and a character
# whose canonical form has several characters (screened again on the slow path).
_OTHER, _EXPAND = 0, 1


class ScreeningError(ValueError):
    """Bad input to the screening engine: the message says what and where."""


class LexiconError(ScreeningError):
    """A lexicon that cannot be built; ``problems`` lists every one, each naming its row."""

    def __init__(self, problems: Sequence[str], source: str = "lexicon") -> None:
        self.problems = list(problems)
        self.source = source
        shown = "\n  ".join(self.problems[:20])
        more = f"\n  … and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{source}: {len(self.problems)} problem(s):\n  {shown}{more}")


class TextTooLong(ScreeningError):
    """A text longer than the engine accepts."""


@dataclass(frozen=True, slots=True)
class Term:
    """One lexicon entry.

    ``collapse_repeats`` also finds the term with characters repeated ("冰冰毒毒毒"); note that
    it makes a term such as "哈哈" match any run of "哈". ``pinyin`` also finds its toneless
    pinyin ("bingdu") and initials ("bd"): short initials match inside unrelated Latin text,
    so use it for terms that are really written that way.
    """

    term: str
    category: str
    action: str
    severity: int = 1
    collapse_repeats: bool = False
    pinyin: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.term, str) or not self.term.strip():
            raise ScreeningError(f"term {self.term!r}: a term must be a non-empty string")
        if self.action not in ACTIONS:
            raise ScreeningError(
                f"term {self.term!r}: unknown action {self.action!r}"
                f" (expected one of {', '.join(ACTIONS)})"
            )
        if not isinstance(self.category, str) or not self.category.strip():
            raise ScreeningError(f"term {self.term!r}: a category is required")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The terms to find and the allow-listed phrases that excuse a match they contain."""

    terms: tuple[Term, ...]
    allow: tuple[str, ...] = ()

    def __init__(self, terms: Iterable[Term], allow: Iterable[str] = ()) -> None:
        object.__setattr__(self, "terms", tuple(terms))
        object.__setattr__(self, "allow", tuple(allow))


class Match(NamedTuple):
    """A term found in a text: ``text[start:end]`` is the original span, ``via`` the form that
    matched ("text", "pinyin" or "initials")."""

    term: str
    category: str
    action: str
    start: int
    end: int
    text: str
    severity: int = 1
    via: str = "text"


class Result(NamedTuple):
    """The decision for one text (its strictest action, or "pass") and every match;
    ``truncated`` when matching stopped at the engine's ``max_matches``."""

    decision: str
    matches: tuple[Match, ...] = ()
    truncated: bool = False

    @property
    def passed(self) -> bool:
        return self.decision == "pass"


PASS = Result("pass", ())


def _encode(k: int, width: int) -> int:
    """Code ``k`` of the alphabet as an integer none of whose ``width`` bytes is zero.

    Hyperscan's Python binding measures literals with strlen(), so a zero byte would cut one.
    """
    value = 0
    for i in range(width):
        value |= (k % 255 + 1) << (8 * i)
        k //= 255
    return value


def _collect(pattern_id, start, end, flags, context):
    hits, limit = context
    hits.append((pattern_id, end))
    return len(hits) >= limit  # True stops the scan


class _HyperscanMatcher:
    name = "hyperscan"

    def __init__(self, patterns: list[bytes] | None = None, serialised: bytes | None = None):
        if serialised is not None:
            self._db = hyperscan.loadb(serialised, hyperscan.HS_MODE_BLOCK)
        else:
            self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            ids = list(range(len(patterns)))
            self._db.compile(expressions=patterns, ids=ids, flags=0, literal=True)
            _release_heap()
        self._prototype = hyperscan.Scratch(self._db)
        self._local = threading.local()

    def scan(self, data: bytes, limit: int) -> list[tuple[int, int]]:
        """Return (pattern id, end byte) for every occurrence of every pattern, in order of
        their ends, stopping after ``limit``."""
        # Hyperscan scratch space may be used by one thread at a time: one clone per thread.
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._prototype.clone()
        hits: list[tuple[int, int]] = []
        try:
            self._db.scan(data, _collect, 0, (hits, limit), scratch)
        except hyperscan.ScanTerminated:
            pass
        return hits

    def serialise(self) -> bytes:
        return hyperscan.dumpb(self._db)


class _AhoCorasickMatcher:
    name = "ahocorasick"

    def __init__(self, patterns: list[bytes], serialised: bytes | None = None) -> None:
        import ahocorasick_rs

        self._ac = ahocorasick_rs.BytesAhoCorasick(
            patterns, implementation=ahocorasick_rs.Implementation.ContiguousNFA
        )

    def scan(self, data: bytes, limit: int) -> list[tuple[int, int]]:
        found = self._ac.find_matches_as_indexes(data, True)
        return [(i, end) for i, _start, end in found[:limit]]

    def serialise(self) -> bytes:
        return b""  # rebuilt from the patterns on load: it builds in a fraction of a second


_MATCHERS = {"hyperscan": _HyperscanMatcher, "ahocorasick": _AhoCorasickMatcher}


def _release_heap() -> None:
    """Give the heap freed by a large compile back to the system (glibc keeps it otherwise:
    a 100,000-term Hyperscan compile would leave a worker some 200 MB larger)."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def available_backends() -> tuple[str, ...]:
    """Return the matcher back ends that work on this machine, preferred first."""
    return BACKENDS if hyperscan is not None else BACKENDS[1:]


def _choose_backend(backend: str | None) -> str:
    backend = backend or os.environ.get("GONGYUE_SCREENING_BACKEND") or available_backends()[0]
    if backend not in available_backends():
        raise ScreeningError(
            f"screening back end {backend!r} is not available here"
            f" (available: {', '.join(available_backends())})"
        )
    return backend


@dataclass(frozen=True)
class _PatternSet:
    """The patterns of one automaton (canonical strings) and what each stands for."""

    keys: list[str]
    targets: list[tuple[tuple[int, str], ...]]  # key index → ((term index, via), …)
    allow: list[bool]  # key index → True for an allow-listed phrase

    @classmethod
    def of(cls, terms: dict[str, list[tuple[int, str]]], allow: set[str]) -> _PatternSet:
        keys = sorted(set(terms) | allow)
        return cls(keys, [tuple(terms.get(k, ())) for k in keys], [k in allow for k in keys])


class _Automaton:
    """One compiled pattern set."""

    __slots__ = ("allow", "lengths", "longest", "matcher", "targets")

    def __init__(self, matcher, lengths, targets, allow, longest) -> None:
        self.matcher = matcher
        self.lengths = lengths  # pattern id → length in codes
        self.targets = targets  # pattern id → ((term index, via), …)
        self.allow = allow  # pattern id → True for an allow-listed phrase
        self.longest = longest


_MAGIC = b"gongyue screening engine\n"
_FORMAT = 1


class Engine:
    """An immutable, thread-safe screener for one lexicon; build it with :meth:`build`."""

    def __init__(self) -> None:  # pragma: no cover - use Engine.build
        raise TypeError("use Engine.build(lexicon)")

    # -- building -------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        lexicon: Lexicon,
        *,
        backend: str | None = None,
        max_text_chars: int = MAX_TEXT_CHARS,
        max_matches: int = MAX_MATCHES,
    ) -> Engine:
        """Compile ``lexicon``; raise :class:`LexiconError` listing every unusable entry.

        ``backend`` is "hyperscan" or "ahocorasick"; by default the environment variable
        ``GONGYUE_SCREENING_BACKEND``, else the first of :func:`available_backends`.
        ``max_text_chars`` and ``max_matches`` bound the work one text can cause.
        """
        backend = _choose_backend(backend)
        if max_text_chars < 1 or max_matches < 1:
            raise ScreeningError("max_text_chars and max_matches must be at least 1")
        normalise.table()  # built once per process, so not counted in build_seconds
        started = time.perf_counter()

        problems: list[str] = []
        plain: dict[str, list[tuple[int, str]]] = {}
        collapsed: dict[str, list[tuple[int, str]]] = {}
        canonical_terms = normalise.canonical_many([term.term for term in lexicon.terms])
        for index, (term, form) in enumerate(zip(lexicon.terms, canonical_terms)):
            if not form:
                problems.append(f"term {index + 1} {term.term!r}: {NOTHING_LEFT}")
                continue
            forms = [(form, "text")]
            if term.pinyin:
                forms += pinyin_forms(form)
            target = collapsed if term.collapse_repeats else plain
            for text, via in forms:
                key = normalise.collapse_repeats(text) if term.collapse_repeats else text
                entries = target.setdefault(key, [])
                if all(i != index for i, _ in entries):
                    entries.append((index, via))
        allow: set[str] = set()
        for index, phrase in enumerate(lexicon.allow):
            form = normalise.canonical(phrase) if isinstance(phrase, str) else ""
            if not form:
                problems.append(f"allowed phrase {index + 1} {phrase!r}: {NOTHING_LEFT}")
            allow.add(form)
        if problems:
            raise LexiconError(problems)

        # The collapsed automaton exists only when some term asks for it.
        sets = [_PatternSet.of(plain, allow)]
        if collapsed:
            sets.append(_PatternSet.of(collapsed, {normalise.collapse_repeats(a) for a in allow}))
        self = cls._assemble(lexicon, backend, (max_text_chars, max_matches), sets)
        self.build_seconds = time.perf_counter() - started
        return self

    @classmethod
    def _assemble(cls, lexicon, backend, limits, sets, serialised=None) -> Engine:
        self = object.__new__(cls)
        self.lexicon = lexicon
        self.backend = backend
        self.max_text_chars, self.max_matches = limits
        self._sets = sets
        alphabet = sorted({ch for pattern_set in sets for key in pattern_set.keys for ch in key})
        self._width = 2 if len(alphabet) + 2 < 255 * 255 else 4
        self._dtype = np.dtype("<u2" if self._width == 2 else "<u4")
        self._codes = {ch: _encode(k + 2, self._width) for k, ch in enumerate(alphabet)}
        self._other = _encode(_OTHER, self._width)
        self._expand = _encode(_EXPAND, self._width)
        dense = self._dense_codes(alphabet)
        self._table = dense.take(normalise.table())
        self._table.flags.writeable = False
        self._expansion_cache: dict[int, np.ndarray] = {}
        # Term index -> what a match reports of its term and its action's rank, filled as terms
        # are found (building a match from the Term cost half of writing a batch's results).
        self._match_fields: dict[int, tuple[str, str, str, int, int]] = {}
        automata = [
            self._automaton(
                backend, pattern_set, dense, serialised and serialised[i], marker=i == 0
            )
            for i, pattern_set in enumerate(sets)
        ]
        # The plain automaton also finds the expansion marker, which sends a text down the
        # slow path.
        self._plain = automata[0]
        self._collapsed = automata[1] if len(automata) > 1 else None
        self.pattern_count = sum(len(a.lengths) for a in automata)
        self.build_seconds = 0.0
        return self

    def _dense_codes(self, alphabet: list[str]) -> np.ndarray:
        """Map each canonical code point (and the two markers) to its code in this engine."""
        dense = np.full(normalise.CODE_POINTS + 1, self._other, dtype=self._dtype)
        dense[normalise.DELETED] = 0
        dense[normalise.EXPANSION] = self._expand
        if alphabet:
            dense[np.array([ord(ch) for ch in alphabet])] = [self._codes[ch] for ch in alphabet]
        return dense

    def _automaton(self, backend, pattern_set, dense, serialised, marker) -> _Automaton:
        lengths = [len(key) for key in pattern_set.keys]
        encoded = dense.take(normalise.code_points("".join(pattern_set.keys))).tobytes()
        bounds = [0, *itertools.accumulate(n * self._width for n in lengths)]
        patterns = [encoded[a:b] for a, b in itertools.pairwise(bounds)]
        targets, allowed = list(pattern_set.targets), list(pattern_set.allow)
        if marker:
            patterns.append(np.array([self._expand], self._dtype).tobytes())
            lengths.append(1)
            targets.append(())
            allowed.append(False)
        matcher = _MATCHERS[backend](patterns, serialised=serialised or None)
        return _Automaton(matcher, lengths, targets, allowed, max(lengths))

    # -- saving ---------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Serialise the engine, compiled automata included, for :meth:`from_bytes`.

        Lets one process compile a large lexicon and every worker load the result in a
        fraction of the time and without the compiler's transient memory.
        """
        header = {
            "format": _FORMAT,
            "backend": self.backend,
            "table": normalise.fingerprint(),
            "limits": [self.max_text_chars, self.max_matches],
            "terms": [
                [t.term, t.category, t.action, t.severity, t.collapse_repeats, t.pinyin]
                for t in self.lexicon.terms
            ],
            "allow": list(self.lexicon.allow),
            "sets": [{"keys": s.keys, "targets": s.targets, "allow": s.allow} for s in self._sets],
        }
        blobs = [self._plain.matcher.serialise()]
        if self._collapsed is not None:
            blobs.append(self._collapsed.matcher.serialise())
        header["blobs"] = [len(blob) for blob in blobs]
        encoded = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
        return b"".join([_MAGIC, len(encoded).to_bytes(8, "little"), encoded, *blobs])

    @classmethod
    def from_bytes(cls, data: bytes) -> Engine:
        """Load an engine saved by :meth:`to_bytes`.

        Raise :class:`ScreeningError` when it was saved in another format or with another
        normalisation table (then build it again from the lexicon). Compiled automata that do
        not fit this machine are compiled again from the saved patterns.
        """
        started = time.perf_counter()
        if not data.startswith(_MAGIC):
            raise ScreeningError("not a saved screening engine")
        at = len(_MAGIC) + 8
        size = int.from_bytes(data[len(_MAGIC) : at], "little")
        header = json.loads(data[at : at + size])
        if header.get("format") != _FORMAT:
            raise ScreeningError(f"saved engine format {header.get('format')} is not {_FORMAT}")
        if header["table"] != normalise.fingerprint():
            raise ScreeningError("saved engine used another normalisation table; rebuild it")
        blobs, at = [], at + size
        for length in header["blobs"]:
            blobs.append(data[at : at + length])
            at += length
        lexicon = Lexicon((Term(*fields) for fields in header["terms"]), allow=header["allow"])
        sets = [
            _PatternSet(s["keys"], [tuple(map(tuple, t)) for t in s["targets"]], s["allow"])
            for s in header["sets"]
        ]
        backend = header["backend"]
        if backend not in available_backends():
            # Saved where Hyperscan runs, loaded where it does not: the patterns are stored.
            backend, blobs = available_backends()[0], None
        try:
            self = cls._assemble(lexicon, backend, header["limits"], sets, blobs)
        except Exception as exc:
            if hyperscan is None or not isinstance(exc, hyperscan.error):
                raise
            # A database compiled for another CPU or Hyperscan version: compile it here.
            self = cls._assemble(lexicon, backend, header["limits"], sets)
        del header, data
        _release_heap()
        self.build_seconds = time.perf_counter() - started
        return self

    # -- screening ------------------------------------------------------------------------

    def screen(self, text: str) -> Result:
        """Screen one text. An empty text passes; one over ``max_text_chars`` raises
        :class:`TextTooLong`."""
        if type(text) is not str or len(text) > self.max_text_chars:
            self._check(text)
        if not text:
            return PASS
        try:
            cps = np.frombuffer(text.encode("utf-32-le"), np.uint32)
        except UnicodeEncodeError:  # lone surrogates, as from a surrogateescape decode
            cps = normalise.code_points(text)
        found, truncated = self._find(cps, self._table.take(cps))
        return self._result(text, found, truncated) if found or truncated else PASS

    def screen_many(self, texts: Iterable[str]) -> list[Result]:
        """Screen several texts at once (cheaper per text than :meth:`screen` one by one)."""
        results: list[Result] = []
        batch: list[str] = []
        size = 0
        for text in texts:
            self._check(text)
            if batch and size + len(text) > BATCH_CHARS:
                results += self._screen_batch(batch)
                batch, size = [], 0
            batch.append(text)
            size += len(text) + 1
        if batch:
            results += self._screen_batch(batch)
        return results

    def _check(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"screen() takes text (str), not {type(text).__name__}")
        if len(text) > self.max_text_chars:
            raise TextTooLong(
                f"text of {len(text):,} characters is longer than the"
                f" {self.max_text_chars:,} this engine accepts"
            )

    def _screen_batch(self, texts: list[str]) -> list[Result]:
        joined = "\n".join(texts)
        starts = [0]
        for text in texts[:-1]:
            starts.append(starts[-1] + len(text) + 1)
        cps = normalise.code_points(joined)
        codes = self._table.take(cps)
        # A separator no pattern contains keeps a match from spanning two texts.
        codes[np.array(starts[1:], dtype=np.intp) - 1] = self._other
        found, truncated = self._find(cps, codes)
        if truncated:  # the limit is per text: screen this batch's texts one by one
            return [self.screen(text) for text in texts]
        per_text: list[list[tuple[int, int, int, str]]] = [[] for _ in texts]
        for start, end, index, via in found:
            k = bisect.bisect_right(starts, start) - 1
            per_text[k].append((start - starts[k], end - starts[k], index, via))
        return [
            self._result(text, found, False) if found else PASS
            for text, found in zip(texts, per_text)
        ]

    def _find(self, cps: np.ndarray, codes: np.ndarray):
        """Return [(start, end, term index, via)] in original code points, allow-list applied,
        and whether matching stopped at the limit."""
        keep = codes != 0
        canon = codes[keep]
        hits, truncated = self._scan(self._plain, canon)
        collapsed_hits, runs, collapsed_truncated = self._scan_collapsed(canon)
        if not hits and not collapsed_hits:
            return [], False
        spans, allowed, expand = self._spans(self._plain, hits)
        origin = None
        if expand:
            canon, origin = self._expanded(cps, codes)
            hits, truncated = self._scan(self._plain, canon)
            spans, allowed, _ = self._spans(self._plain, hits)
            collapsed_hits, runs, collapsed_truncated = self._scan_collapsed(canon)
        truncated = truncated or collapsed_truncated
        found = [s for s in spans if not _covered(s, allowed)] if allowed else spans
        if collapsed_hits:
            run_starts = np.append(np.flatnonzero(runs), canon.size).tolist()
            cspans, callowed, _ = self._spans(self._collapsed, collapsed_hits)
            # Back from the collapsed text to the canonical one: a match covers whole runs.
            cspans = [(run_starts[s], run_starts[e], i, v) for s, e, i, v in cspans]
            callowed = [(run_starts[s], run_starts[e]) for s, e in callowed] + allowed
            found += [s for s in cspans if not _covered(s, callowed)]
        if not found:
            return [], truncated
        if origin is None:
            origin = np.flatnonzero(keep)
        if len(found) > 1:
            found.sort(key=_span_order)
        seen = set()
        result = []
        for start, end, index, via in found:
            span = (int(origin[start]), int(origin[end - 1]) + 1, index)
            if span not in seen:
                seen.add(span)
                result.append((*span, via))
        return result, truncated

    def _scan(self, automaton: _Automaton, canon: np.ndarray):
        """Scan canonical codes, in overlapping pieces when long; return the hits and whether
        the scan stopped at ``max_matches``."""
        limit = self.max_matches
        if canon.size <= _SCAN_CHUNK:
            hits = automaton.matcher.scan(canon.tobytes(), limit)
            return hits, len(hits) >= limit
        width, overlap = self._width, automaton.longest - 1
        hits = []
        for start in range(0, canon.size, _SCAN_CHUNK):
            low = max(0, start - overlap)
            budget = limit - len(hits)
            found = automaton.matcher.scan(canon[low : start + _SCAN_CHUNK].tobytes(), budget)
            base, seen_up_to = low * width, (start - low) * width
            # A match ending inside the overlap was found with the previous piece.
            hits += [(pattern_id, base + end) for pattern_id, end in found if end > seen_up_to]
            if len(found) >= budget:
                return hits, True
        return hits, False

    def _scan_collapsed(self, canon: np.ndarray):
        """Scan the canonical codes with runs squeezed; return hits, runs and truncation."""
        if self._collapsed is None or canon.size == 0:
            return [], None, False
        runs = np.empty(canon.size, dtype=bool)
        runs[0] = True
        np.not_equal(canon[1:], canon[:-1], out=runs[1:])
        hits, truncated = self._scan(self._collapsed, canon[runs])
        return hits, runs, truncated

    def _spans(self, automaton: _Automaton, hits):
        """Turn raw hits into (start, end, term index, via) and allow-listed (start, end), in
        canonical code positions; also say whether the expansion marker was seen."""
        width = self._width
        lengths, targets, allow = automaton.lengths, automaton.targets, automaton.allow
        marker = len(lengths) - 1 if automaton is self._plain else -1
        spans, allowed, expand = [], [], False
        for pattern_id, end in hits:
            if end % width:
                continue  # a match straddling two codes, not a match of whole characters
            end //= width
            if pattern_id == marker:
                expand = True
                continue
            start = end - lengths[pattern_id]
            if allow[pattern_id]:
                allowed.append((start, end))
            for index, via in targets[pattern_id]:
                spans.append((start, end, index, via))
        return spans, allowed, expand

    def _expanded(self, cps: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The slow path: canonical codes with multi-character forms spelled out, and origins."""
        positions = np.flatnonzero(codes == self._expand)
        pieces = [self._expansion(int(cps[p])) for p in positions.tolist()]
        counts = (codes != 0).astype(np.intp)
        counts[positions] = [len(piece) for piece in pieces]
        canon = np.repeat(codes, counts)
        origin = np.repeat(np.arange(codes.size), counts)
        offsets = (np.cumsum(counts) - counts)[positions].tolist()
        for offset, piece in zip(offsets, pieces):
            canon[offset : offset + len(piece)] = piece
        return canon, origin

    def _expansion(self, cp: int) -> np.ndarray:
        piece = self._expansion_cache.get(cp)
        if piece is None:
            text = normalise.expansions()[cp]
            piece = np.array([self._codes.get(ch, self._other) for ch in text], self._dtype)
            self._expansion_cache[cp] = piece
        return piece

    def _result(self, text: str, found, truncated: bool) -> Result:
        fields = self._match_fields
        matches = []
        best = _RANK["pass"]
        for start, end, index, via in found:
            known = fields.get(index)
            if known is None:
                term = self.lexicon.terms[index]
                known = (term.term, term.category, term.action, term.severity, _RANK[term.action])
                fields[index] = known
            name, category, action, severity, rank = known
            if rank < best:
                best = rank
            matches.append(
                Match(name, category, action, start, end, text[start:end], severity, via)
            )
        # The strictest action found ("pass" when none).
        return Result(DECISIONS[best], tuple(matches), truncated)

    # -- output ---------------------------------------------------------------------------

    @staticmethod
    def mask(text: str, matches: Iterable[Match], char: str = MASK_CHAR) -> str:
        """Return ``text`` with every character of each match's span replaced by ``char``."""
        chars = list(text)
        for match in matches:
            chars[match.start : match.end] = char * (match.end - match.start)
        return "".join(chars)

    def __repr__(self) -> str:
        return (
            f"<Engine {len(self.lexicon.terms)} terms, {self.pattern_count} patterns,"
            f" {self.backend}>"
        )


NOTHING_LEFT = (
    "normalises to nothing (it has only spaces, punctuation, symbols or invisible characters)"
)


def _span_order(span):
    return span[0], span[1], span[2], span[3] != "text"


def _covered(span, allowed) -> bool:
    start, end = span[0], span[1]
    return any(a <= start and end <= b for a, b in allowed)


def pinyin_forms(form: str) -> list[tuple[str, str]]:
    """Return the canonical full pinyin (with ü as v and as u) and initials of a canonical term,
    each with its kind ("pinyin" or "initials"); empty when the term has no Chinese."""
    from pypinyin import Style, lazy_pinyin  # loaded only when a term asks for pinyin

    forms = []
    for text, via in (
        ("".join(lazy_pinyin(form)), "pinyin"),
        ("".join(lazy_pinyin(form, v_to_u=True)), "pinyin"),
        ("".join(lazy_pinyin(form, style=Style.FIRST_LETTER)), "initials"),
    ):
        text = normalise.canonical(text)
        if text and text != form and all(text != f for f, _ in forms):
            forms.append((text, via))
    return forms
