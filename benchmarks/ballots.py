"""Benchmark a ballot of many member units: the tally, the public record and its re-derivation.

    python benchmarks/ballots.py              # 2,000 units (the acceptance figure)
    python benchmarks/ballots.py --units 20000

Builds a throwaway database (SQLite, or DATABASE_URL's server on a test database it creates and
drops), opens a ballot on an amendment with every unit in its electorate, casts a vote for 95%
of them, then times each step several times. The baseline beside the tally is the plain
alternative: reading each elector's vote one by one. Prints one markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from members import setup_django  # noqa: E402 - needs the path above


def timed(function, runs: int, connection, capture) -> tuple[float, float, int]:
    """Median and worst of `runs` calls, and the SQL queries of one call."""
    function()  # warm caches
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        function()
    return statistics.median(timings), max(timings), count


def run(units: int, runs: int, connection, capture):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from gongyue.accounts.models import Role
    from gongyue.amendments import actions, queries
    from gongyue.amendments.models import Ballot, Elector, Vote
    from gongyue.amendments.record import verify
    from gongyue.amendments.tests.conftest import uscc
    from gongyue.amendments.tests.test_scale import big_ballot
    from gongyue.convention.demo import SAMPLE
    from gongyue.convention.testing import make_version
    from gongyue.core.testing import make_user

    started = time.perf_counter()
    make_version()
    secretariat = make_user("bench_secretariat", Role.SECRETARIAT_STAFF)
    text = SAMPLE.read_text(encoding="utf-8").replace("原则。", "原则，并接受社会监督。", 1)
    ballot = big_ballot(secretariat, text.encode(), units)
    print(f"(setup: {units:,} units in {time.perf_counter() - started:.1f} s)", file=sys.stderr)
    assert uscc  # the units' codes come from the tests' helper

    def one_by_one():
        counts = {"agree": 0, "disagree": 0, "abstain": 0, "not_voted": 0}
        for elector in Elector.objects.filter(ballot=ballot):
            vote = Vote.objects.filter(ballot=ballot, unit_id=elector.unit_id).first()
            counts[vote.choice if vote else "not_voted"] += 1
        return counts

    assert one_by_one() == queries.ballot_counts(ballot)
    client = Client()
    rows = [
        ("tally: one aggregate query (`ballot_counts`)", lambda: queries.ballot_counts(ballot)),
        ("tally baseline: each elector's vote read one by one", one_by_one),
        ("ballot page while open", lambda: client.get(f"/amendments/ballots/{ballot.pk}/")),
    ]
    results = [(name, *timed(f, runs, connection, capture)) for name, f in rows[:1]]
    results.append((rows[1][0], *timed(rows[1][1], max(3, runs // 5), connection, capture)))
    results.append((rows[2][0], *timed(rows[2][1], runs, connection, capture)))
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    start = time.perf_counter()
    actions.do_close_ballot(ballot)
    results.append(
        ("close (tally, result, audit row, notices)", (time.perf_counter() - start) * 1000, 0, 0)
    )
    ballot.refresh_from_db()
    data = queries.ballot_record_data(ballot)
    body = json.dumps(data, ensure_ascii=False)
    more = [
        ("record: build (`ballot_record_data`)", lambda: queries.ballot_record_data(ballot)),
        (
            "record: download `record.json`",
            lambda: client.get(f"/amendments/ballots/{ballot.pk}/record.json"),
        ),
        ("record: `verify` from the file alone", lambda: verify(json.loads(body))),
        (
            "ballot page after the close (every vote listed)",
            lambda: client.get(f"/amendments/ballots/{ballot.pk}/"),
        ),
    ]
    results += [(name, *timed(f, runs, connection, capture)) for name, f in more]
    return results, len(body.encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        from django.db import connection
        from django.test.runner import DiscoverRunner
        from django.test.utils import CaptureQueriesContext, setup_test_environment

        setup_test_environment()
        runner = DiscoverRunner(verbosity=0)
        old_config = runner.setup_databases()
        try:
            rows, size = run(args.units, args.runs, connection, CaptureQueriesContext)
        finally:
            runner.teardown_databases(old_config)
    print(
        f"A ballot of {args.units:,} member units, 95% voting "
        f"({platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
        f"{connection.vendor}); record {size / 1024:.0f} KiB\n"
    )
    print("| step | median ms | worst ms | SQL queries |")
    print("|---|---:|---:|---:|")
    for name, median, worst, count in rows:
        print(f"| {name} | {median:.1f} | {worst:.1f} | {count} |")


if __name__ == "__main__":
    main()
