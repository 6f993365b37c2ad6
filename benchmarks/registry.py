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
import bisect
import gc
import http.server
import os
import pickle
import random
import shutil
import subprocess
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
#: Single changes published one after another at the end of the publication rows.
CHANGES = 15
#: Hosts a look-up call is given: as many as one link-check request takes.
LOOKUP_BATCH = 1000
TLDS = ["com", "cn", "com.cn", "net", "org", "xyz", "top", "xn--fiqs8s", "xn--55qx5d", "info"]


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    import django

    django.setup()


def loaded_mb(tmp: Path, path: Path) -> float:
    """The memory a fresh process takes to hold the matcher of the matcher file ``path``, as a
    web worker loads it (``publishing.load_matcher``, without the host index)."""
    script = (
        "import gc, pickle, sys; from pathlib import Path; sys.path[:0] = sys.argv[1:3]\n"
        "import registry as bench; bench.setup_django(Path(sys.argv[3]))\n"
        "from gongyue.registry import publishing\n"
        "gc.collect(); before = bench.rss_mb()\n"
        "with open(sys.argv[4], 'rb') as source: _serial, matcher = pickle.load(source)\n"
        "gc.collect()\n"
        "print(bench.rss_mb() - before)\n"
    )
    here = Path(__file__).resolve().parent
    arguments = [str(here.parent), str(here), str(tmp), str(path)]
    done = subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return float(done.stdout.split()[-1])


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


def batch_rate(function, values, size) -> float:
    """Values per second of this process's CPU time, given ``size`` a call."""
    started = time.process_time()
    for at in range(0, len(values), size):
        function(values[at : at + size])
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


def _clock():
    return time.perf_counter(), time.process_time()


def _since(start) -> tuple[float, float]:
    wall, cpu = start
    return time.perf_counter() - wall, time.process_time() - cpu


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def worker_update(path: Path, matcher, items) -> tuple[float, float]:
    """Seconds a web worker takes to bring the link check's matcher up to a publication of one
    change: as ``service`` does it (a copy of the matcher held, the change applied; without the
    query of the change's row), median of CHANGES; and loading the matcher file (``path``)
    instead."""

    from gongyue.registry.matcher import Indicator

    timings = []
    for n in range(CHANGES):
        gone = items[n * 7919 % len(items)]
        started = time.perf_counter()
        changed = matcher.copy()
        changed.remove(Indicator(gone.kind, gone.value, gone.include_subdomains), gone.indicator)
        line = f"caught-up-by-bench-{n}.com"
        changed.add(Indicator("domain", line, False), line)
        timings.append(time.perf_counter() - started)
        del changed
    timings.sort()
    started = time.perf_counter()
    with open(path, "rb") as source:  # as load_matcher reads it (without the host index)
        _serial, loaded = pickle.load(source)
    file_load = time.perf_counter() - started
    del loaded
    path.unlink()
    gc.collect()
    return timings[len(timings) // 2], file_load


def rendering_alone(lines: list[str], folder: Path, site_url: str) -> tuple[float, int]:
    """Seconds of CPU (one core) and bytes written by less than a publication must do: each
    category's recipe lines rendered in the four entry formats by ``Renderer`` a slice of
    REGISTRY_FEED_CHUNK lines at a time (whole categories at once took a third longer here,
    their strings too large for the caches), its domains as hosts and RPZ lines, "all" as
    text, each encoded and appended to its file. No chunks, no digests, no checksums, no sorted
    names, no state: a floor for the first publication in Python."""
    from django.conf import settings

    from gongyue.registry import chunks, feeds, publishing

    step = settings.REGISTRY_FEED_CHUNK
    formats = ("txt", "csv", "json", "stix.json", "hosts", "rpz")
    folder.mkdir()
    started = time.process_time()
    with publishing._no_gc():  # as publish() renders
        renderer = feeds.Renderer(site_url)
        with open(folder / "all.txt", "wb") as out:
            for at in range(0, len(lines), step):
                block = lines[at : at + step]
                out.write("".join([line[: line.index("\t")] + "\n" for line in block]).encode())
        for category, group in chunks.by_category(lines).items():
            files = [open(folder / f"{category}.{fmt}", "wb") for fmt in formats]
            for at in range(0, len(group), step):
                block = group[at : at + step]
                parts = renderer.render(block, lead=at == 0)
                names = [line.split("\t", 4)[3] for line in block if "\tdomain\t" in line]
                parts += (feeds.render_names("hosts", names), feeds.render_names("rpz", names))
                for out, part in zip(files, parts, strict=True):
                    out.write(part.encode())
            for out in files:
                out.close()
    seconds = time.process_time() - started
    written = sum(path.stat().st_size for path in folder.iterdir())
    shutil.rmtree(folder)
    return seconds, written


def publication_rows(tmp: Path, items, settings, rng) -> list[tuple[str, str, str]]:
    """Publication as the publishing worker does it, into a migrated SQLite database: the
    chunks written, the Publication row recorded, and the feed view answering the new serial
    ("served"); then the gzipped form; then after single changes; then a fresh worker."""
    from django.core.management import call_command
    from django.test import Client

    from gongyue.registry import feeds, publishing
    from gongyue.registry.models import Publication

    call_command("migrate", verbosity=0)
    settings.REGISTRY_FEED_DIR = tmp / "feeds"
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    rows = []
    serial = 0

    def served(plan) -> tuple[float, float, int]:
        """Seconds (wall, CPU) until the view answers the new serial; bytes written."""
        nonlocal serial
        serial += 1
        written = publishing.store().written
        start, children = _clock(), _children_cpu()
        now = datetime.now(UTC)
        with publishing._no_gc():  # as publish() runs it
            files = publishing.write_publication(serial, now, plan)
            publication = Publication.objects.create(
                serial=serial,
                published_at=now,
                count=files["all.txt"]["count"],
                sha256=files["all.txt"]["list_sha256"],
                files=files,
            )
        response = client.get("/registry/feeds/phishing.txt")
        first = next(iter(response.streaming_content))
        assert response["X-Registry-Serial"] == str(serial) and first.startswith(b"# ")
        wall, cpu = _since(start)
        cpu += _children_cpu() - children
        served.publication = publication
        return wall, cpu, publishing.store().written - written

    def recipe_lines(items) -> tuple[list[str], tuple[float, float]]:
        """The entries' recipe lines, as the snapshot reads them (with the collector off, as
        publish() reads them), and the seconds (wall, CPU) that took."""
        start = _clock()
        with publishing._no_gc():
            lines = [feeds.entry_line(item) for item in items]
        return lines, _since(start)

    def gzipped() -> tuple[float, float]:
        start = _clock()
        publication = served.publication
        publication.files = publishing.compress_files(publication.files)
        Publication.objects.filter(pk=publication.pk).update(files=publication.files)
        return _since(start)

    def followed() -> tuple[float, float]:
        """What follows a change as the task runs it: the gzipped form, each file's SHA-256
        and pruning (no FeedChange rows here, so no matcher file is due)."""
        start = _clock()
        publishing.follow(served.publication)
        return _since(start)

    # As the snapshot reads them: in the feeds' (code-point) order, from the database.
    items = sorted(items, key=lambda i: i.indicator)
    count = len(items)
    gc.collect()
    before = rss_mb()
    # From the rows as the snapshot reads them (in the feeds' order): their recipe lines.
    lines, (lines_wall, lines_cpu) = recipe_lines(items)
    wall, cpu, written = served(("full", lines))
    wall, cpu = wall + lines_wall, cpu + lines_cpu
    del lines
    gc.collect()
    state_mb = rss_mb() - before
    state = publishing.held_state()
    pieces = len(publishing.store().meta)
    first_row = len(rows)
    rows.append(
        (
            f"feed publication, {count:,} entries, 6 formats × 8 scopes, first ever (no chunks "
            f"on disk, {settings.REGISTRY_FEED_PROCESSES} processes): served (≤ 5 s)",
            f"{wall:.1f} s ({cpu:.1f} s CPU)",
            f"{written / 1e6:,.0f} MB written, {pieces:,} chunks",
        )
    )
    gz_wall, gz_cpu = gzipped()
    packed = sum(f["gzip_size"] for f in served.publication.files.values())
    rows.append(
        (
            "  then the gzipped form (each chunk deflated once)",
            f"{gz_wall:.1f} s ({gz_cpu:.1f} s CPU)",
            f"{packed / 1e6:,.0f} MB gzipped",
        )
    )
    start = _clock()
    publishing._write_matcher(served.publication)
    matcher_wall, matcher_cpu = _since(start)
    rows.append(
        (
            "  then the link check's matcher file, from the held recipe lines (written once "
            "every REGISTRY_MATCHER_FILE_EVERY changes)",
            f"{matcher_wall:.1f} s ({matcher_cpu:.1f} s CPU)",
            "—",
        )
    )
    rows.append(
        (
            "  memory of the state kept between publications",
            f"{state_mb:,.0f} MB RSS",
            f"{state.nbytes() / 1e6:,.0f} MB of strings; was 2,310 MB of parts",
        )
    )
    # Single changes: an entry arrives (another leaves), as FeedChange rows would say.
    now = datetime.now(UTC)
    timings, writes, follow_timings = [], [], []
    for n in range(CHANGES):
        new = feeds.Item(
            count + n + 1,
            "domain",
            f"added-by-bench-{n}.com",
            False,
            f"added-by-bench-{n}.com",
            "phishing",
            now,
            now + timedelta(days=30),
        )
        old = feeds.entry_line(items.pop(rng.randrange(len(items))))  # anywhere in the list
        bisect.insort(items, new, key=lambda i: i.indicator)
        wall, cpu, written = served(("delta", [old], [feeds.entry_line(new)]))
        timings.append((wall, cpu))
        writes.append(written)
        follow_timings.append(followed())
    timings.sort()
    wall, cpu = timings[len(timings) // 2]
    rows.append(
        (
            f"publication after one change (one entry in, one out): served, median of {CHANGES} (≤ 50 ms)",
            f"{wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU)",
            f"max {timings[-1][0] * 1000:.0f} ms; {sum(writes) / len(writes) / 1e6:.1f} MB "
            "written per change (was 2,312 MB)",
        )
    )
    follow_timings.sort()
    rows.append(
        (
            "  then what follows it (gzipped form, each file's SHA-256, pruning; no matcher "
            "file), median",
            f"{follow_timings[CHANGES // 2][0] * 1000:.0f} ms ({follow_timings[CHANGES // 2][1] * 1000:.0f} ms CPU)",
            "—",
        )
    )
    # A fresh worker (a restart): no state, the chunks on disk.
    publishing.reset_state()
    gc.collect()
    lines, (lines_wall, lines_cpu) = recipe_lines(items)
    wall, cpu, written = served(("full", lines))
    rows.append(
        (
            "full publication by a fresh worker, chunks on disk (the same list): served",
            f"{wall + lines_wall:.1f} s ({cpu + lines_cpu:.1f} s CPU)",
            f"{written / 1e6:,.1f} MB written",
        )
    )
    floor_cpu, floor_bytes = rendering_alone(lines, tmp / "plain", settings.SITE_URL)
    rows.insert(
        first_row + 1,
        (
            "  the plain alternative: the recipe lines, then rendered straight into one file a "
            "format and scope (one core; no chunks, digests, checksums or sorted names)",
            "—",
            f"{lines_cpu + floor_cpu:.1f} s CPU ({lines_cpu:.1f} s the lines), "
            f"{floor_bytes / 1e6:,.0f} MB written; on two cores at best "
            f"{lines_cpu + floor_cpu / 2:.1f} s",
        ),
    )
    del lines
    publishing.reset_state()
    shutil.rmtree(tmp / "feeds", ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    parser.add_argument("--urls", type=int, default=100_000)
    parser.add_argument("--unbound-entries", type=int, default=100_000)
    parser.add_argument("--no-unbound", action="store_true")
    parser.add_argument("--feeds-only", action="store_true", help="only the publication rows")
    parser.add_argument("--no-feeds", action="store_true", help="no publication rows")
    args = parser.parse_args()
    rng = random.Random(SEED)
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        setup_django(tmp)
        from django.conf import settings

        from gongyue.registry import feeds, publishing

        items, names = make_items(args.entries, rng)
        # The generated entries are the benchmark's own, a million objects no worker holds:
        # out of the cyclic collector's way, so that it does not walk them in every phase.
        gc.freeze()
        if not args.feeds_only:
            lines = [feeds.entry_line(item) for item in items]  # as the database writes them
            started = time.perf_counter()
            # As what follows a publication builds it, and a worker with no matcher file.
            matcher = publishing._matcher_of_lines(lines)
            build_seconds = time.perf_counter() - started
            matcher_file = tmp / publishing.MATCHER_FILE  # as what follows a publication writes it
            with open(matcher_file, "wb") as out:
                pickle.dump((1, matcher), out, protocol=pickle.HIGHEST_PROTOCOL)
            del lines
            matcher_mb = loaded_mb(tmp, matcher_file)
            exact = {name for name, _w in names}

            started = time.perf_counter()
            before_index = rss_mb()
            matcher.host_index()
            index_seconds = time.perf_counter() - started
            index_mb = rss_mb() - before_index
            # As a web worker takes it: mapped from the files what follows a publication saves.
            from gongyue.registry.hostindex import HostIndex

            (tmp / "index").mkdir()
            matcher.host_index().save(tmp / "index")
            gc.collect()
            started = time.perf_counter()
            before_load = rss_mb()
            mapped = HostIndex.load(tmp / "index", matcher.names, matcher.suffixes)
            load_seconds = time.perf_counter() - started
            load_mb = rss_mb() - before_load
            mapped_mb = sum(getattr(mapped, name).nbytes for name in HostIndex.ARRAYS) / 1e6
            del mapped

            queries = host_queries(names, rng, args.lookups)
            ours = batch_rate(matcher.match_hosts, queries, LOOKUP_BATCH)
            walk = rate(matcher.match_host, queries)
            baseline = rate(exact.__contains__, queries)
            rows.append(
                (
                    f"host look-ups/s, suffix walking, {LOOKUP_BATCH:,} a call (≥ 1,000,000)",
                    f"{ours:,.0f}",
                    f"{baseline:,.0f} (set of exact names)",
                )
            )
            rows.append(("host look-ups/s, one call a host (`match_host`)", f"{walk:,.0f}", "—"))

            urls = []
            for _ in range(args.urls):
                name, _w = rng.choice(names)
                urls.append(
                    f"HTTP://WWW.{name.upper()}:8080/a/./b/../{label(rng)}/%7Eindex.php?q={label(rng)}#frag"
                )
            ours = batch_rate(matcher.check_many, urls, LOOKUP_BATCH)
            baseline = rate(lambda u: urlsplit(u).hostname in exact, urls)
            rows.append(
                (
                    f"URL checks/s, full canonicalisation, {LOOKUP_BATCH:,} a call (≥ 30,000)",
                    f"{ours:,.0f}",
                    f"{baseline:,.0f} (urlsplit + set)",
                )
            )

            rows.append(("matcher build from the listed rows", f"{build_seconds:.1f} s", "—"))
            rows.append(
                (
                    "its host index (the arrays of `match_hosts`), built",
                    f"{index_seconds:.1f} s",
                    "—",
                )
            )
            rows.append(
                (
                    "  mapped by a web worker from the files saved with the publication",
                    f"{load_seconds:.2f} s",
                    "—",
                )
            )
            rows.append(
                (
                    f"worker memory holding the {args.entries:,}-entry matcher (as a fresh process"
                    " loads the matcher file)",
                    f"{matcher_mb:,.0f} MB + {index_mb:,.0f} MB host index built, or"
                    f" {load_mb:,.0f} MB with it mapped (its {mapped_mb:,.0f} MB of arrays"
                    " shared by the workers)",
                    f"{len(exact):,}-name set: see the set row",
                )
            )
            catch_up, file_load = worker_update(matcher_file, matcher, items)
            rows.append(
                (
                    "a web worker at a publication of one change (one entry in, one out): its"
                    " matcher copied with the change applied, median",
                    f"{catch_up * 1000:.0f} ms",
                    f"{file_load:.1f} s loading the publication's matcher file",
                )
            )
            del matcher
            gc.collect()

        if not args.no_feeds:
            rows.extend(publication_rows(tmp, items, settings, rng))
        gc.collect()

        if not args.no_unbound and not args.feeds_only:
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
