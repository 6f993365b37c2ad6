"""Split a screened text into plain and matched pieces, for showing the matches highlighted."""

from .engine import DECISIONS


def segments(text: str, matches) -> list[dict]:
    """Pieces of ``text`` in order: {"text", "mark"} and, for a marked piece, the matches that
    cover it and the strictest of their actions. Overlapping matches make one marked piece."""
    spans = sorted((m.start, m.end) for m in matches)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, at = [], 0
    for start, end in merged:
        if at < start:
            pieces.append({"text": text[at:start], "mark": False})
        covering = [m for m in matches if start <= m.start and m.end <= end]
        action = min((m.action for m in covering), key=DECISIONS.index)
        terms = list(dict.fromkeys(m.term for m in covering))
        pieces.append(
            {
                "text": text[start:end],
                "mark": True,
                "action": action,
                "terms": terms,
                "start": start,
                "end": end,
            }
        )
        at = end
    if at < len(text):
        pieces.append({"text": text[at:], "mark": False})
    return pieces
