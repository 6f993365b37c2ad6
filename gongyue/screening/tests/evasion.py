"""The evasion suite: the ways a term is disguised, shared by the tests and the benchmark.

Each form turns a term into the disguised text a poster would write; every form keeps the
first and last characters of the term at the ends of the disguised text, so the expected span
of a match is the whole disguised text.
"""

from __future__ import annotations

import functools

TERMS = ("代开发票", "网络赌博", "冰毒", "刷单返利", "USDT洗钱", "1024福利", "枪支弹药")

ZERO_WIDTH = "\u200b"
SEVERAL = "\u200b ★\u3000·\u2060"
_CIRCLED_DIGITS = "⓪①②③④⑤⑥⑦⑧⑨"


@functools.cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def plain(term: str) -> str:
    return term


def full_width(term: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in term)


def mixed_case(term: str) -> str:
    return "".join(ch.upper() if i % 2 else ch.lower() for i, ch in enumerate(term))


def traditional(term: str) -> str:
    return _s2t().convert(term)


def _between(term: str, gap: str) -> str:
    return gap.join(term)


def space(term: str) -> str:
    return _between(term, " ")


def symbol(term: str) -> str:
    return _between(term, "★")


def zero_width(term: str) -> str:
    return _between(term, ZERO_WIDTH)


def several(term: str) -> str:
    return _between(term, SEVERAL)


def styled(term: str) -> str:
    """Digits circled, capitals in mathematical bold, small letters circled."""
    out = []
    for ch in term:
        if ch.isdigit() and ch.isascii():
            out.append(_CIRCLED_DIGITS[int(ch)])
        elif "A" <= ch <= "Z":
            out.append(chr(0x1D400 + ord(ch) - ord("A")))
        elif "a" <= ch <= "z":
            out.append(chr(0x24D0 + ord(ch) - ord("a")))
        else:
            out.append(ch)
    return "".join(out)


def all_mixed(term: str) -> str:
    """Traditional, case flipped, full-width and styled by turns, a different gap each time."""
    gaps = [" ", ZERO_WIDTH, "★", "\u3000", "·", "\u2060\u00ad"]
    chars = list(mixed_case(traditional(term)))
    out = []
    for i, ch in enumerate(chars):
        out.append(styled(ch) if i % 2 else full_width(ch))
        if i < len(chars) - 1:
            out.append(gaps[i % len(gaps)])
    return "".join(out)


FORMS = {
    "plain": plain,
    "full-width": full_width,
    "mixed case": mixed_case,
    "traditional": traditional,
    "a space between characters": space,
    "a symbol between characters": symbol,
    "a zero-width character between characters": zero_width,
    "several of them between characters": several,
    "styled digits and letters": styled,
    "all mixed": all_mixed,
}

PREFIX = "大家好，今天说说"
SUFFIX = "的事情。"


def cases():
    """Yield (term, form name, text, expected start, expected end) for the whole suite."""
    for term in TERMS:
        for name, form in FORMS.items():
            disguised = form(term)
            text = PREFIX + disguised + SUFFIX
            yield term, name, text, len(PREFIX), len(PREFIX) + len(disguised)
