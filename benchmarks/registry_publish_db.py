"""``publish()`` end to end against a SQLite database: N listed rows, a full publication, then
single changes as the actions write them (an entry delisted and one listed at one serial, with
their FeedChange rows), each published by ``publish(then_follow=False)``: what the
``publish_feeds`` task does before what follows (gzip, matcher, checksums).

    python benchmarks/registry_publish_db.py --entries 100000
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import pstats
import random
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=6)
    parser.add_argument("--profile", action="store_true", help="cProfile the changes' publications")
    parser.add_argument("--profile-sort", default="tottime", help="e.g. cumulative")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gongyue-publish-db-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)  # 2.7 GB at 1,000,000 entries
    import registry as bench

    bench.setup_django(tmp)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from gongyue.core.testing import make_unit
    from gongyue.registry import publishing
    from gongyue.registry.actions import _changed
    from gongyue.registry.models import Entry, Op, Status

    call_command("migrate", verbosity=0)
    settings.REGISTRY_FEED_DIR = tmp / "feeds"
    unit = make_unit("基准测试单位", "914403001922038216")
    items, _names = bench.make_items(args.entries, random.Random(bench.SEED))
    now = timezone.now()
    Entry.objects.bulk_create(
        [
            Entry(
                kind=i.kind,
                value=i.value,
                include_subdomains=i.include_subdomains,
                indicator=i.indicator,
                category=i.category,
                status=Status.LISTED,
                unit=unit,
                listed_at=now,
                expires_at=now + timedelta(days=30),
                last_sighted_at=now - timedelta(days=1),
            )
            for i in items
        ],
        batch_size=5000,
    )
    started = time.perf_counter()
    publishing.publish(then_follow=False)
    print(f"full publication from the database: {time.perf_counter() - started:.1f} s")
    rng = random.Random(4)
    ids = list(Entry.objects.values_list("pk", flat=True))
    timings = []
    profile = cProfile.Profile() if args.profile else None
    for n in range(args.changes):
        with transaction.atomic():
            old = Entry.objects.get(pk=ids.pop(rng.randrange(len(ids))))
            old.status = Status.DELISTED
            old.save()
            new = Entry.objects.create(
                kind="domain",
                value=f"bench-{n}.com",
                indicator=f"bench-{n}.com",
                category="phishing",
                status=Status.LISTED,
                unit=unit,
                listed_at=timezone.now(),
                expires_at=timezone.now() + timedelta(days=30),
            )
            _changed([(Op.REMOVE, old), (Op.ADD, new)])
        started = time.perf_counter()
        if profile:
            profile.enable()
        publication = publishing.publish(then_follow=False)
        if profile:
            profile.disable()
        timings.append((time.perf_counter() - started) * 1000)
        print(f"serial {publication.serial} served in {timings[-1]:.1f} ms")
    timings.sort()
    print(f"median {timings[len(timings) // 2]:.1f} ms, max {timings[-1]:.1f} ms")
    if profile:
        pstats.Stats(profile).sort_stats(args.profile_sort).print_stats(40)


if __name__ == "__main__":
    main()
