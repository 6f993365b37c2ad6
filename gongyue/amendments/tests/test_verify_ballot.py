"""`gongyue verify_ballot` re-derives a ballot's result from its record alone, without a database."""

import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongyue.amendments.record import canonical_json, electorate_sha256, receipt, verify

ROOT = Path(__file__).resolve().parents[3]


def make_record(n=30, agree=20, disagree=3, abstain=2):
    electorate = [
        {"unit_id": i, "name": f"单位{i}号有限公司", "uscc": f"91360100MA35F{i:05d}"}
        for i in range(1, n + 1)
    ]
    ballot = {
        "id": 7,
        "subject": "关于修改第九条的修正案",
        "opened_at": "2026-10-08T00:00:00+08:00",
        "closes_at": "2026-11-07T24:00:00+08:00",
        "closed_at": "2026-10-20T10:00:00+08:00",
    }
    choices = ["agree"] * agree + ["disagree"] * disagree + ["abstain"] * abstain
    votes = []
    for unit, choice in zip(electorate, choices, strict=False):
        cast_at = "2026-10-10T09:00:00+08:00"
        votes.append(
            {
                "unit_id": unit["unit_id"],
                "choice": choice,
                "cast_at": cast_at,
                "receipt": receipt(ballot["id"], unit["unit_id"], choice, cast_at),
            }
        )
    return {
        "ballot": ballot,
        "threshold": {"numerator": 2, "denominator": 3, "inclusive": True},
        "electorate": electorate,
        "electorate_sha256": electorate_sha256(electorate),
        "votes": votes,
        "counts": {
            "agree": agree,
            "disagree": disagree,
            "abstain": abstain,
            "not_voted": n - len(choices),
        },
        "result": "adopted" if agree * 3 >= 2 * n else "rejected",
    }


def run(tmp_path, record, raw=None):
    path = tmp_path / "ballot.json"
    path.write_bytes(raw if raw is not None else json.dumps(record, ensure_ascii=False).encode())
    # No database at all: a URL to a server that does not exist.
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "verify_ballot", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


def test_a_consistent_record_prints_its_result_and_exits_0(tmp_path):
    done = run(tmp_path, make_record())
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("adopted: 20 agree, 3 disagree, 2 abstain, 5 did not vote, of 30")


def test_nineteen_of_thirty_is_rejected_and_the_record_says_so(tmp_path):
    done = run(tmp_path, make_record(agree=19))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rejected: 19 agree")


def test_the_electorate_hash_is_the_sha256_of_the_canonical_electorate_json():
    electorate = [{"uscc": "X", "unit_id": 1, "name": "赣江"}]
    expected = b'[{"name":"\xe8\xb5\xa3\xe6\xb1\x9f","unit_id":1,"uscc":"X"}]'
    assert canonical_json(electorate) == expected
    assert electorate_sha256(electorate) == hashlib.sha256(expected).hexdigest()


def tampered(change):
    record = make_record()
    change(record)
    return record


def flip_a_vote(record):
    record["votes"][0]["choice"] = "disagree"


def rename_a_unit(record):
    record["electorate"][0]["name"] = "别的公司"


def vote_from_outside(record):
    vote = dict(record["votes"][0], unit_id=999)
    record["votes"].append(vote)


def vote_twice(record):
    record["votes"].append(copy.deepcopy(record["votes"][0]))


def claim_adopted(record):
    record["votes"] = record["votes"][1:]
    record["counts"]["agree"] = 19
    record["counts"]["not_voted"] = 6


def bad_counts(record):
    record["counts"]["agree"] = 21


def unknown_choice(record):
    record["votes"][0]["choice"] = "maybe"


def lower_threshold(record):
    record["threshold"]["numerator"] = 1
    record["result"] = "rejected"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (flip_a_vote, "the receipt of unit 1 does not match its vote"),
        (rename_a_unit, "the electorate hashes to"),
        (vote_from_outside, "unit 999 is not in the electorate"),
        (vote_twice, "unit 1 voted more than once"),
        (claim_adopted, "result says adopted but 19 of 30 agreeing"),
        (bad_counts, "counts: 'agree' says 21, the votes give 20"),
        (unknown_choice, "unknown choice 'maybe'"),
        (lower_threshold, "result says rejected but 20 of 30 agreeing with a threshold of 1/3"),
    ],
)
def test_a_tampered_record_exits_1_naming_the_problem(tmp_path, change, message):
    done = run(tmp_path, tampered(change))
    assert done.returncode == 1
    assert message in done.stderr


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff\xfe not utf-8", "is not UTF-8"),
        (b'{"ballot": ', "is not JSON: line 1"),
        (b"[]", "the record is not a JSON object"),
        (b'{"ballot": {}}', "ballot: 'id' is missing"),
    ],
)
def test_a_malformed_file_exits_1_saying_why(tmp_path, raw, message):
    done = run(tmp_path, None, raw=raw)
    assert done.returncode == 1
    assert message in done.stderr


def test_verify_lists_every_problem_not_only_the_first():
    record = make_record()
    vote_from_outside(record)
    bad_counts(record)
    problems, result = verify(record)
    assert "vote 26: unit 999 is not in the electorate" in problems
    assert "counts: 'agree' says 21, the votes give 20" in problems
    assert result == "adopted"
