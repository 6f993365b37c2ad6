"""Benchmark the public membership pages with many member units.

    python benchmarks/members.py              # 2,000 units (the acceptance figure)
    python benchmarks/members.py --units 20000

Builds a throwaway SQLite database (or uses DATABASE_URL if set, on a test database it
creates and drops), fills it with member units that joined during one quarter, publishes that
quarter's list, then renders each page through Django's test client several times. Prints one
markdown table to standard output: median and worst render time and the number of SQL queries
per page, which must not grow with the number of units.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = tmp / "media"
    from django.db import connections

    test_settings = connections["default"].settings_dict["TEST"]
    if connections["default"].vendor == "sqlite":
        # Not the suite's var/test.sqlite3, which a test run may be using at the same time.
        test_settings["NAME"] = str(tmp / "bench-test.sqlite3")


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
            rows = run(args.units, args.runs, connection, CaptureQueriesContext)
        finally:
            runner.teardown_databases(old_config)

    print(
        f"Membership pages with {args.units:,} member units "
        f"({platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
        f"{connection.vendor}); {args.runs} renders each\n"
    )
    print("| page | median ms | worst ms | SQL queries |")
    print("|---|---:|---:|---:|")
    for url, median, worst, queries in rows:
        print(f"| `{url}` | {median:.1f} | {worst:.1f} | {queries} |")


def run(units: int, runs: int, connection, capture) -> list[tuple[str, float, float, int]]:
    from django.test import Client

    from gongyue.accounts.models import Role
    from gongyue.core.testing import make_user
    from gongyue.organisations.actions import do_publish_register
    from gongyue.organisations.periods import period_from_key
    from gongyue.organisations.tests.test_scale import make_units

    started = time.perf_counter()
    make_units(units)
    secretariat = make_user("bench_secretariat", Role.SECRETARIAT_STAFF)
    record = do_publish_register(period_from_key("2025-Q1"), actor=secretariat)
    print(f"(setup: {units:,} units in {time.perf_counter() - started:.1f} s)", file=sys.stderr)

    client = Client()
    urls = [
        "/members/",
        "/members/?page=20",
        "/members/?q=测试单位01&category=other",
        "/members/lists/",
        "/members/lists/2025-Q2/",  # provisional: computed from the timeline
        f"/members/lists/records/{record.pk}/",  # published: every unit of the quarter
        "/members/lists/2025-Q1/list.csv",
        "/members/lists/2025-Q1/list.json",
        "/members/lists/feed/",
    ]
    results = []
    for url in urls:
        client.get(url)  # warm the template cache
        timings = []
        for _ in range(runs):
            with capture(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        results.append(
            (url, statistics.median(timings), max(timings), len(queries.captured_queries))
        )
    return results


if __name__ == "__main__":
    main()
