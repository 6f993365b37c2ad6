"""The public record of a closed ballot, and its re-derivation from the file alone.

The format is documented in docs/ballot-record.md. Nothing here touches the database:
`gongyue verify_ballot FILE.json` must work on a machine that has only the file.
"""

import hashlib
import json
from collections import Counter

from .threshold import Threshold

CHOICES = ("agree", "disagree", "abstain")
RESULTS = ("adopted", "rejected")


def canonical_json(value) -> bytes:
    """Keys sorted, `,` and `:` with no spaces, UTF-8 with non-ASCII characters unescaped."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def electorate_sha256(electorate: list) -> str:
    return hashlib.sha256(canonical_json(electorate)).hexdigest()


def receipt(ballot_id, unit_id, choice: str, cast_at: str) -> str:
    """What a unit keeps to find its vote later: the hash of its vote record."""
    return hashlib.sha256(
        canonical_json(
            {"ballot": ballot_id, "unit_id": unit_id, "choice": choice, "cast_at": cast_at}
        )
    ).hexdigest()


def tally(electorate_ids, votes) -> dict:
    """Counts of each choice among `votes` (unit_id → choice), and of units that did not vote."""
    counts = Counter(votes.values())
    return {
        "agree": counts["agree"],
        "disagree": counts["disagree"],
        "abstain": counts["abstain"],
        "not_voted": sum(1 for unit in electorate_ids if unit not in votes),
    }


def _require(data, key, kind, problems, where="record"):
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        problems.append(f"{where}: '{key}' is missing or not {kind.__name__}")
        return None
    return value


def verify(data) -> tuple[list[str], str | None]:
    """Re-derive the result of a ballot record. Returns (problems, result); the record is
    consistent when there are no problems, and then `result` is what the threshold gives."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["the record is not a JSON object"], None
    ballot = _require(data, "ballot", dict, problems)
    if ballot is not None:
        for key in ("id", "subject", "opened_at", "closes_at", "closed_at"):
            if key not in ballot:
                problems.append(f"ballot: '{key}' is missing")
    threshold = None
    raw = _require(data, "threshold", dict, problems)
    if raw is not None:
        numerator = _require(raw, "numerator", int, problems, "threshold")
        denominator = _require(raw, "denominator", int, problems, "threshold")
        inclusive = _require(raw, "inclusive", bool, problems, "threshold")
        if None not in (numerator, denominator, inclusive):
            try:
                threshold = Threshold(numerator, denominator, inclusive)
            except ValueError as error:
                problems.append(f"threshold: {error}")
    electorate = _require(data, "electorate", list, problems) or []
    ids = []
    for index, unit in enumerate(electorate, 1):
        if not isinstance(unit, dict) or not {"unit_id", "name", "uscc"} <= unit.keys():
            problems.append(f"electorate row {index}: needs unit_id, name and uscc")
            continue
        ids.append(unit["unit_id"])
    for unit_id, count in Counter(ids).items():
        if count > 1:
            problems.append(f"electorate: unit {unit_id} is listed {count} times")
    stated_hash = _require(data, "electorate_sha256", str, problems)
    if stated_hash is not None and isinstance(data.get("electorate"), list):
        actual = electorate_sha256(data["electorate"])
        if actual != stated_hash:
            problems.append(
                f"electorate_sha256 is {stated_hash} but the electorate hashes to {actual}"
            )
    members = set(ids)
    votes = {}
    for index, vote in enumerate(_require(data, "votes", list, problems) or [], 1):
        if not isinstance(vote, dict) or not {"unit_id", "choice", "cast_at", "receipt"} <= (
            vote.keys()
        ):
            problems.append(f"vote {index}: needs unit_id, choice, cast_at and receipt")
            continue
        unit_id, choice = vote["unit_id"], vote["choice"]
        if unit_id not in members:
            problems.append(f"vote {index}: unit {unit_id} is not in the electorate")
            continue
        if unit_id in votes:
            problems.append(f"vote {index}: unit {unit_id} voted more than once")
            continue
        if choice not in CHOICES:
            problems.append(f"vote {index}: unknown choice {choice!r}")
            continue
        if ballot is not None and vote["receipt"] != receipt(
            ballot.get("id"), unit_id, choice, vote["cast_at"]
        ):
            problems.append(f"vote {index}: the receipt of unit {unit_id} does not match its vote")
        votes[unit_id] = choice
    counts = tally(ids, votes)
    stated_counts = _require(data, "counts", dict, problems)
    if stated_counts is not None:
        for key, value in counts.items():
            if stated_counts.get(key) != value:
                problems.append(
                    f"counts: '{key}' says {stated_counts.get(key)!r}, the votes give {value}"
                )
        if sum(v for v in stated_counts.values() if isinstance(v, int)) != len(members):
            problems.append(f"counts do not add up to the {len(members)} units of the electorate")
    result = None
    if threshold is not None:
        result = "adopted" if threshold.met(counts["agree"], len(members)) else "rejected"
        stated = data.get("result")
        if stated not in RESULTS:
            problems.append(f"result: {stated!r} is neither 'adopted' nor 'rejected'")
        elif stated != result:
            problems.append(
                f"result says {stated} but {counts['agree']} of {len(members)} agreeing "
                f"with a threshold of {threshold.numerator}/{threshold.denominator}"
                f"{'' if threshold.inclusive else ' (strict)'} gives {result}"
            )
    return problems, result
