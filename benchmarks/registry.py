"""Benchmark the registry: look-ups, URL checks, publication, worker memory, publish → Unbound.

    python benchmarks/registry.py                      # 1,000,000 entries (the acceptance figure)
    python benchmarks/registry.py --entries 100000 --no-unbound

No database: the matcher and the feeds are built from generated entries, as a publication
builds them from the listed rows. Prints one markdown table, each figure beside the plain
alternative measured in the same process: a Python set of exact names for host look-ups,
``urllib.parse.urlsplit`` and a set for URL checks. Rates are per second of the process's CPU
time (one core: it is single-threaded), so other work on the machine does not lower them;
publication times are wall-clock, CPU time in brackets.
"""

from __future__ import annotations

import argparse
import gc
import http.server
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = 12
TLDS = ["com", "cn", "com.cn", "net", "org", "xyz", "top", "xn--fiqs8s", "xn--55qx5d", "info"]


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    import django

    django.setup()


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def label(rng: random.Random) -> str:
    return "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(5, 12))
    )


def make_items(count: int, rng: random.Random):
    from gongyue.registry.feeds import Item

    categories = ["phishing", "malware", "fraud", "gambling", "pornography", "illegal", "other"]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    items, names = [], []
    for n in range(count):
        name = f"{label(rng)}{n}.{rng.choice(TLDS)}"
        roll = n % 20
        if roll < 14:
            kind, value, wildcard, indicator = "domain", name, roll % 2 == 0, None
            indicator = f"*.{name}" if wildcard else name
            names.append((name, wildcard))
        elif roll < 17:
            kind, value, wildcard = "url", f"http://{name}/{label(rng)}/login.php", False
            indicator = value
        elif roll < 19:
            kind, wildcard = "sha256", False
            value = indicator = f"{rng.getrandbits(256):064x}"
        else:
            kind, wildcard = "ip", False
            value = indicator = f"45.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        items.append(
            Item(
                n + 1,
                kind,
                value,
                wildcard,
                indicator,
                categories[n % 7],
                now,
                now + timedelta(days=30),
            )
        )
    return items, names


def rate(function, values) -> float:
    """Calls per second of this process's CPU time: per core, whatever else the machine runs."""
    started = time.process_time()
    for value in values:
        function(value)
    return len(values) / (time.process_time() - started)


def host_queries(names, rng, count):
    """A third listed names, a third names under listed ``*.`` entries, a third not listed."""
    queries = []
    for _ in range(count):
        name, wildcard = rng.choice(names)
        roll = rng.random()
        if roll < 1 / 3:
            queries.append(name)
        elif roll < 2 / 3:
            queries.append(f"www.{label(rng)}.{name}" if wildcard else f"m.{name}")
        else:
            queries.append(f"{label(rng)}.example-{rng.randint(0, 999)}.com")
    return queries


def unbound_latency(tmp: Path, items, zone: str, refresh: int) -> tuple[float, float]:
    """Seconds from a publication being written to Unbound answering NXDOMAIN for a name it
    added (the resolver polling at the zone's SOA refresh), and the first load time."""
    from gongyue.core.testing import free_port
    from gongyue.registry import feeds, resolver

    folder = tmp / "served"
    folder.mkdir()
    meta = {
        "title": "bench",
        "zone": zone,
        "refresh": refresh,
        "retry": 5,
        "expire": 86400,
        "ttl": 60,
    }

    def write(serial, scoped):
        data = feeds.rpz(
            scoped,
            scope="all",
            serial=serial,
            published_at=datetime.now(UTC),
            title="bench",
            **{k: v for k, v in meta.items() if k != "title"},
        )
        (folder / "next.rpz").write_bytes(data)
        os.replace(folder / "next.rpz", folder / "all.rpz")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args):
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    write(1, items)
    probe = "added-by-bench.com"
    unbound = resolver.Unbound(
        tmp / "unbound",
        port=free_port(),
        zone=zone,
        url=f"http://127.0.0.1:{port}/all.rpz",
        local={probe: "45.33.32.10", "control.com": "45.33.32.11"},
    )
    try:
        started = time.perf_counter()
        unbound.start(timeout=120)
        first = items[0].value
        unbound.wait_for(first, "NXDOMAIN", timeout=300)
        loaded = time.perf_counter() - started
        from gongyue.registry.feeds import Item

        extra = Item(0, "domain", probe, False, probe, "phishing", datetime.now(UTC), None)
        write(2, [*items, extra])
        seen = unbound.wait_for(probe, "NXDOMAIN", timeout=refresh * 4 + 120, every=0.1)
        return seen, loaded
    finally:
        unbound.stop()
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    parser.add_argument("--urls", type=int, default=100_000)
    parser.add_argument("--unbound-entries", type=int, default=100_000)
    parser.add_argument("--no-unbound", action="store_true")
    args = parser.parse_args()
    rng = random.Random(SEED)
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        setup_django(tmp)
        from django.conf import settings

        from gongyue.registry import publishing

        items, names = make_items(args.entries, rng)
        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        matcher, meta = publishing.build_matcher(items)
        build_seconds = time.perf_counter() - started
        gc.collect()
        matcher_mb = rss_mb() - before
        exact = {name for name, _w in names}

        queries = host_queries(names, rng, args.lookups)
        ours = rate(matcher.match_host, queries)
        baseline = rate(exact.__contains__, queries)
        rows.append(
            (
                "host look-ups/s, suffix walking (≥ 1,000,000)",
                f"{ours:,.0f}",
                f"{baseline:,.0f} (set of exact names)",
            )
        )

        urls = []
        for _ in range(args.urls):
            name, _w = rng.choice(names)
            urls.append(
                f"HTTP://WWW.{name.upper()}:8080/a/./b/../{label(rng)}/%7Eindex.php?q={label(rng)}#frag"
            )
        ours = rate(matcher.check, urls)
        baseline = rate(lambda u: urlsplit(u).hostname in exact, urls)
        rows.append(
            (
                "URL checks/s, full canonicalisation (≥ 30,000)",
                f"{ours:,.0f}",
                f"{baseline:,.0f} (urlsplit + set)",
            )
        )

        rows.append(("matcher build from the listed rows", f"{build_seconds:.1f} s", "—"))
        rows.append(
            (
                f"worker memory holding the {args.entries:,}-entry matcher",
                f"{matcher_mb:,.0f} MB",
                f"{len(exact):,}-name set: see the set row",
            )
        )
        del matcher, meta
        gc.collect()

        settings.REGISTRY_FEED_DIR = tmp / "feeds"
        from gongyue.registry import feeds

        # As the snapshot reads them: in the feeds' (code-point) order, from the database.
        items.sort(key=lambda i: i.indicator)
        feeds.CACHE.clear()
        gc.collect()
        before = rss_mb()
        wall, cpu = time.perf_counter(), time.process_time()
        folder = tmp / "feeds" / "one"
        files = publishing.write_files(
            folder, items, serial=1, published_at=datetime.now(UTC), compress=False
        )
        publish_seconds, publish_cpu = time.perf_counter() - wall, time.process_time() - cpu
        cache_mb = rss_mb() - before
        wall, cpu = time.perf_counter(), time.process_time()
        publishing.compress_files(folder, files)
        gzip_seconds, gzip_cpu = time.perf_counter() - wall, time.process_time() - cpu
        total = sum(f["size"] for f in files.values())
        packed = sum(f["gzip_size"] for f in files.values())
        rows.append(
            (
                f"feed publication, {args.entries:,} entries, 6 formats × 8 scopes, "
                "first in a process: served (≤ 5 s)",
                f"{publish_seconds:.1f} s ({publish_cpu:.1f} s CPU)",
                f"{total / 1e6:,.0f} MB written",
            )
        )
        rows.append(
            (
                "  then the gzipped copies and checksums (2 threads)",
                f"{gzip_seconds:.1f} s ({gzip_cpu:.1f} s CPU)",
                f"{packed / 1e6:,.0f} MB gzipped",
            )
        )
        # One change: an entry leaves, one arrives; the parts of the rest are kept.
        now = datetime.now(UTC)
        extra = feeds.Item(
            len(items) + 1,
            "domain",
            "added-by-bench.com",
            False,
            "added-by-bench.com",
            "phishing",
            now,
            now + timedelta(days=30),
        )
        changed = sorted([*items[1:], extra], key=lambda i: i.indicator)
        shutil.rmtree(folder)
        wall, cpu = time.perf_counter(), time.process_time()
        folder = tmp / "feeds" / "two"
        files = publishing.write_files(folder, changed, serial=2, published_at=now, compress=False)
        again_seconds, again_cpu = time.perf_counter() - wall, time.process_time() - cpu
        formatted = feeds.CACHE.formatted
        wall, cpu = time.perf_counter(), time.process_time()
        publishing.compress_files(folder, files)
        again_gzip, again_gzip_cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append(
            (
                f"publication after one change: served (formats {formatted} entry, "
                "rewrites every file) (≤ 50 ms)",
                f"{again_seconds:.1f} s ({again_cpu:.1f} s CPU)",
                f"first: {publish_seconds:.1f} s",
            )
        )
        rows.append(
            (
                "  then its gzipped copies and checksums",
                f"{again_gzip:.1f} s ({again_gzip_cpu:.1f} s CPU)",
                "—",
            )
        )
        rows.append(
            (
                "  worker memory of the formatted parts kept between publications",
                f"{cache_mb:,.0f} MB",
                "—",
            )
        )
        shutil.rmtree(tmp / "feeds" / "two")
        feeds.CACHE.clear()
        gc.collect()

        if not args.no_unbound:
            from gongyue.registry import resolver

            if resolver.available():
                subset = [i for i in items if i.kind == "domain"][: args.unbound_entries]
                refresh = settings.REGISTRY_RPZ_REFRESH
                try:
                    seen, loaded = unbound_latency(tmp, subset, "rpz.bench", refresh)
                    rows.append(
                        (
                            f"publish → Unbound sees it, {len(subset):,}-name zone, "
                            f"refresh {refresh} s (≤ 60 s)",
                            f"{seen:.1f} s",
                            "URLhaus 5 min; Safe Browsing v4 20–50 min",
                        )
                    )
                    rows.append(("  Unbound's first load of that zone", f"{loaded:.1f} s", "—"))
                except Exception as exc:  # the table still prints, saying what went wrong
                    rows.append(("publish → Unbound", f"failed: {type(exc).__name__}", "—"))
            else:
                rows.append(("publish → Unbound", "unbound not installed", "—"))

    print(
        f"Registry benchmark: {args.entries:,} entries, seed {SEED}, one core, Python {sys.version.split()[0]}\n"
    )
    print("| measure | gongyue | plain alternative |")
    print("|---|---|---|")
    for name, ours, other in rows:
        print(f"| {name} | {ours} | {other} |")


if __name__ == "__main__":
    main()
