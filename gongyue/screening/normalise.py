"""The one canonical form that lexicon terms and screened text are both reduced to.

Every code point is mapped on its own (no context), so the mapping is a table built once per
process and applied to a whole text in a few numpy operations:

* compatibility decomposition (NFKD), so full-width forms, styled letters and digits
  (①, ⑴, Ⓐ, 𝐀 …), compatibility ideographs and Kangxi radicals become plain characters;
* case folding;
* combining marks dropped, so "fǎ" is "fa" and a mark cannot be slipped between two characters;
* decimal digits of any script and numeric dingbats (❶) become ASCII digits, and symbols named
  after a Latin letter (🅐, 🇦) become that letter;
* traditional to simplified Chinese, one character at a time, from OpenCC's ``t2s`` data;
* deletion of spaces, punctuation, symbols and invisible characters (controls, format
  characters such as zero-width spaces and joiners, private-use and unassigned code points),
  so that none of them can split a term.

A few code points expand to more than one character (⑩ is "10", ß is "ss", ㎏ is "kg"); the
table marks them with ``EXPANSION`` and :data:`expansions` holds their text. The table is
idempotent: the canonical form of a canonical form is itself.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Sequence

import numpy as np

#: Size of the code point space: the table has one entry per code point.
CODE_POINTS = 0x110000
#: Table value of a code point that is removed.
DELETED = 0
#: Table value of a code point whose canonical form has several characters.
EXPANSION = CODE_POINTS
_PLACEHOLDER = 0xE000

#: General categories whose characters are removed: separators, punctuation, symbols,
#: controls, format characters (zero-width and bidi marks), surrogates, private use,
#: unassigned code points and non-spacing or enclosing marks.
DELETED_CATEGORIES = frozenset(
    "Zs Zl Zp Pc Pd Ps Pe Pi Pf Po Sm Sc Sk So Cc Cf Cs Co Cn Mn Me".split()
)

_LETTER_NAME = re.compile(
    r"(?:LATIN (?:CAPITAL|SMALL) LETTER|LATIN LETTER SMALL CAPITAL"
    r"|REGIONAL INDICATOR SYMBOL LETTER) ([A-Z])$"
)

_lock = threading.Lock()
_table: np.ndarray | None = None
_expansions: dict[int, str] = {}
_fingerprint: str | None = None


def _traditional_to_simplified() -> dict[str, str]:
    """Map each traditional character that OpenCC converts on its own to one simplified one."""
    import opencc

    letters = [chr(cp) for cp in range(CODE_POINTS) if unicodedata.category(chr(cp)) == "Lo"]
    # One character per line, so OpenCC's phrase dictionary cannot join neighbours.
    converted = opencc.OpenCC("t2s").convert("\n".join(letters)).split("\n")
    if len(converted) != len(letters):  # pragma: no cover - guards against an OpenCC change
        converted = [opencc.OpenCC("t2s").convert(ch) for ch in letters]
    return {a: b for a, b in zip(letters, converted) if a != b and len(b) == 1}


def _canonical_of_char(ch: str, t2s: dict[str, str]) -> str:
    """Return the canonical text of one code point (possibly empty or several characters)."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold())
    out = []
    for x in text:
        category = unicodedata.category(x)
        if category == "Nd":
            out.append(str(unicodedata.decimal(x)))
            continue
        if category == "No" and not unicodedata.decomposition(x):
            value = unicodedata.numeric(x, None)
            if value is not None and value == int(value) and value >= 0:
                out.append(str(int(value)))
                continue
        if category in {"So", "Sk", "Ll", "Lm"} and not unicodedata.decomposition(x):
            named = _LETTER_NAME.search(unicodedata.name(x, ""))
            if named:
                out.append(named.group(1).lower())
                continue
        if category in DELETED_CATEGORIES:
            continue
        out.append(t2s.get(x, x))
    return "".join(out)


def _build() -> tuple[np.ndarray, dict[int, str]]:
    t2s = _traditional_to_simplified()
    table = np.zeros(CODE_POINTS, dtype=np.uint32)
    expansions: dict[int, str] = {}
    category = unicodedata.category
    decomposition = unicodedata.decomposition
    for cp in range(CODE_POINTS):
        ch = chr(cp)
        cat = category(ch)
        if cat in {"Cn", "Co", "Cs"}:
            continue
        if cat == "Lo" and not decomposition(ch):
            # Most code points are ideographs: only the traditional→simplified step applies.
            table[cp] = ord(t2s.get(ch, ch))
            continue
        text = _canonical_of_char(ch, t2s)
        if len(text) > 1:
            # Hangul syllables decompose into jamo under NFKD but stay one character in NFKC.
            composed = _canonical_of_char(unicodedata.normalize("NFKC", ch), t2s)
            if len(composed) == 1:
                text = composed
        if len(text) == 1:
            table[cp] = ord(text)
        elif text:
            expansions[cp] = text
    # Close the table under itself so that canonical(canonical(x)) == canonical(x); an
    # expanding code point maps to itself meanwhile so that what maps onto it follows it.
    for cp in expansions:
        table[cp] = cp
    while True:
        again = table[table]
        if np.array_equal(again, table):
            break
        table = again
    for _ in range(4):
        closed = {
            cp: "".join(_char_canonical(table, expansions, ord(x)) for x in text)
            for cp, text in expansions.items()
        }
        if closed == expansions:
            break
        expansions = closed
    final: dict[int, str] = {}
    for cp in np.flatnonzero(np.isin(table, np.fromiter(expansions, dtype=np.uint32))).tolist():
        text = expansions[int(table[cp])]
        if len(text) == 1:
            table[cp] = ord(text)
        elif text:
            table[cp] = EXPANSION
            final[cp] = text
        else:
            table[cp] = DELETED
    return table, final


def _char_canonical(table: np.ndarray, expansions: dict[int, str], cp: int) -> str:
    value = int(table[cp])
    if value in expansions:
        return expansions[value]
    return chr(value) if value else ""


def table() -> np.ndarray:
    """Return the code point table (built on first use, about half a second, then shared).

    ``table()[cp]`` is the canonical code point of ``cp``, :data:`DELETED` or
    :data:`EXPANSION`; the array is read-only.
    """
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                built, expansions = _build()
                built.flags.writeable = False
                _expansions.update(expansions)
                _table = built
    return _table


def fingerprint() -> str:
    """Return a digest of the table and expansions, to tell whether saved data still fits."""
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.blake2b(table().tobytes(), digest_size=16)
        digest.update(repr(sorted(_expansions.items())).encode())
        _fingerprint = digest.hexdigest()
    return _fingerprint


def expansions() -> dict[int, str]:
    """Return the code points whose canonical form has several characters, with that form."""
    table()
    return _expansions


def code_points(text: str) -> np.ndarray:
    """Return the code points of ``text`` as a uint32 array (lone surrogates included)."""
    try:
        raw = text.encode("utf-32-le")
    except UnicodeEncodeError:
        raw = text.encode("utf-32-le", "surrogatepass")
    return np.frombuffer(raw, dtype=np.uint32)


def canonical(text: str) -> str:
    """Return the canonical form of ``text``."""
    return canonical_with_map(text)[0]


def canonical_many(texts: Sequence[str]) -> list[str]:
    """Return the canonical form of each text: :func:`canonical` for many at once (a lexicon)."""
    if not texts:
        return []
    lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
    values = table().take(code_points("".join(texts)))
    kept = values != DELETED
    # Where each text's survivors start and end among all survivors, then one decode of them.
    survivors = np.concatenate(([0], np.cumsum(kept)))
    ends = np.cumsum(lengths)
    bounds = np.stack([survivors[ends - lengths], survivors[ends]], axis=1).tolist()
    values = values[kept]
    expanding = values == EXPANSION
    values[expanding] = _PLACEHOLDER  # never in a canonical form: private use is deleted
    joined = values.astype("<u4").tobytes().decode("utf-32-le")
    forms = [joined[start:end] for start, end in bounds]
    if expanding.any():
        forms = [canonical(t) if chr(_PLACEHOLDER) in f else f for t, f in zip(texts, forms)]
    return forms


def canonical_with_map(text: str) -> tuple[str, list[int]]:
    """Return the canonical form of ``text`` and, for each of its characters, the index of the
    character of ``text`` it comes from."""
    tbl = table()
    values = tbl.take(code_points(text))
    chars: list[str] = []
    origin: list[int] = []
    for index in np.flatnonzero(values).tolist():
        value = int(values[index])
        piece = _expansions[ord(text[index])] if value == EXPANSION else chr(value)
        chars.append(piece)
        origin.extend([index] * len(piece))
    return "".join(chars), origin


def collapse_repeats(text: str) -> str:
    """Collapse each run of one repeated character to a single character ("哈哈哈" → "哈")."""
    return "".join(ch for i, ch in enumerate(text) if i == 0 or ch != text[i - 1])
