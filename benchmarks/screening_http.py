"""Benchmark the screening API over HTTP under gunicorn, and a screening worker's memory.

    python benchmarks/screening_http.py               # 10 s per target and worker class
    python benchmarks/screening_http.py --seconds 3   # a quick look
    python benchmarks/screening_http.py --worker-class gthread --target batch --memory-terms 0

Builds a throwaway SQLite database in a temporary folder: a 10,000-term lexicon imported
through the real action (``do_import_lexicon``), a member unit's legal representative and
their API token. Starts gunicorn on 127.0.0.1 (a free port) with 2 workers, once with sync
workers and once with gthread workers, and puts a bounded load on it (a fixed number of
client processes, each for a fixed time and at most a fixed number of requests) against:

* ``GET /screening/ping``: a bare Django view on the same server (the whole middleware
  stack, no database, no template), the ceiling the server itself sets;
* ``POST /api/v1/screening/screen``: one 1 KB post per request;
* ``POST /api/v1/screening/screen/batch``: 100 posts of 1 KB per request.

Then memory: a 100,000-term lexicon is imported, gunicorn restarted on it, and the RSS of
each worker is read from /proc after it has loaded the engine from the version's ``compiled``
field, and again after the lexicon changed and the workers swapped to the new version.

``--in-process`` measures instead the CPU time of each request through Django's WSGI handler
called directly (no server, no network, no client competing for the cores), which is what a
shared machine measures best; ``--profile`` adds cProfile's top functions for each target.

Loopback only; prints markdown to standard output. Run on its own or by
``benchmarks/screening.py`` (its HTTP part).
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

#: benchmarks/run.py runs this module through screening.py, not on its own.
RUN_BY = "screening.py"

POSTS_PER_BATCH = 100
MAX_REQUESTS_PER_CLIENT = 200_000
CATEGORIES = ("fraud", "gambling", "pornography", "malware", "other")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(folder: Path, database: str) -> dict:
    (folder / "static").mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{folder / database}",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "PYTHONPATH": str(ROOT),
        # The quota is checked on every request (that is part of what is measured), with room
        # for the load the benchmark puts on one unit.
        "SCREENING_REQUESTS_PER_MINUTE": "100000000",
        "SCREENING_POSTS_PER_MINUTE": "1000000000",
    }


# -- the database ------------------------------------------------------------------------------


def lexicon_csv(terms: list[str], seed: int) -> bytes:
    rng = random.Random(seed)
    lines = ["term,category,action,severity"]
    for term in terms:
        action = rng.choices(("block", "review", "mask"), (6, 3, 1))[0]
        lines.append(f"{term},{rng.choice(CATEGORIES)},{action},{rng.randint(1, 5)}")
    return ("\n".join(lines) + "\n").encode()


def prepare(folder: Path, database: str, terms: list[str], seed: int) -> dict:
    """Run in a child process: migrate, import the lexicon, issue a token; print JSON."""
    os.environ.update(environment(folder, database))
    import django

    django.setup()
    from django.core.management import call_command

    from gongyue.accounts.models import ApiToken, Role
    from gongyue.core.testing import make_member, make_unit, make_user
    from gongyue.screening.actions import do_import_lexicon

    call_command("migrate", verbosity=0)
    secretariat = make_user("bench_sec", Role.SECRETARIAT_STAFF)
    unit = make_unit("基准测试网络科技有限公司", "914403001922038216")
    make_member(unit)  # screening is for member units
    member = make_user("bench_rep", Role.LEGAL_REP, unit=unit)
    _token, secret = ApiToken.issue(member, "benchmark")
    started = time.perf_counter()
    _plan, version = do_import_lexicon(lexicon_csv(terms, seed), actor=secretariat, mode="replace")
    import resource

    return {
        "token": secret,
        "version": version.number,
        "terms": version.term_count,
        "import_s": time.perf_counter() - started,
        "compiled_mb": len(version.compiled) / 1e6,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def add_term_in(folder: Path, database: str, term: str) -> dict:
    """Run in a child process: publish one more version (a changed lexicon)."""
    os.environ.update(environment(folder, database))
    import django

    django.setup()
    from gongyue.accounts.models import User
    from gongyue.screening.actions import do_add_term

    started = time.perf_counter()
    _row, version = do_add_term(
        actor=User.objects.get(username="bench_sec"), term=term, category="other", action="block"
    )
    return {"version": version.number, "publish_s": time.perf_counter() - started}


def in_child(function, *args):
    """Run ``function`` in a fresh interpreter, so its memory and Django state stay there."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


# -- the server --------------------------------------------------------------------------------


class Server:
    def __init__(self, folder: Path, database: str, worker_class: str, workers: int, threads: int):
        self.port = free_port()
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads),
            "--log-level", "warning", "--timeout", "120",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=environment(folder, database), stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = request(self.port, "GET", "/screening/ping")
                if status == 200 and len(self.worker_pids()) == workers:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited")
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start within 60 s")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def memory(self) -> list[dict]:
        """Resident and peak resident size of each worker, in MB."""
        rows = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
            peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
            rows.append({"pid": pid, "rss_mb": rss, "peak_mb": peak})
        return rows

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def request(port, method, path, body=None, token=None, connection=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.will_close:
            connection.close()
        return response.status, data
    finally:
        if own:
            connection.close()


def warm(port: int, token: str, body: bytes, seconds: float = 3.0, threads: int = 4) -> None:
    """Requests from several threads at once, so that every worker loads the engine."""
    deadline = time.monotonic() + seconds

    def loop():
        while time.monotonic() < deadline:
            status, data = request(port, "POST", "/api/v1/screening/screen", body, token)
            assert status == 200, (status, data[:300])

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


# -- the load ----------------------------------------------------------------------------------


def raw_request(port: int, method: str, path: str, body: bytes | None, token: str | None) -> bytes:
    """The request's bytes, built once: what a load generator such as wrk sends."""
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if body is not None:
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + (body or b"")


def connect(port: int):
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def exchange(sock, raw: bytes) -> tuple[int, bool]:
    """Send one request and read its whole response: (status, whether the server closes)."""
    sock.sendall(raw)
    data = b""
    while (end := data.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response's head")
        data += chunk
    head = data[:end].lower()
    length = CONTENT_LENGTH.search(head)
    if length is None:
        raise ConnectionError("a response without Content-Length")
    missing = int(length.group(1)) - (len(data) - end - 4)
    while missing > 0:
        chunk = sock.recv(min(missing, 1 << 20))
        if not chunk:
            raise ConnectionError("closed before the response's end")
        missing -= len(chunk)
    return int(head[9:12]), b"\r\nconnection: close" in head


CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)")


def client(port, method, path, body, token, seconds, max_requests, posts_per_request):
    """One client process: requests one after another on a kept-alive connection (reopened
    when the server closes it, as sync workers do after each response) until the time or the
    request budget is used up. The request's bytes are built once and the response is read
    by its Content-Length, as a load generator does: the clients share the cores with the
    workers, so every microsecond they spend is one the workers do not get."""
    raw = raw_request(port, method, path, body, token)
    sock = connect(port)
    latencies, errors = [], 0
    clock = time.perf_counter_ns
    deadline = time.perf_counter() + seconds
    cpu = time.process_time()
    while len(latencies) < max_requests and time.perf_counter() < deadline:
        begin = clock()
        try:
            status, closes = exchange(sock, raw)
        except OSError:
            status, closes = 0, True
        latencies.append(clock() - begin)
        errors += status != 200
        if closes:
            sock.close()
            sock = connect(port)
    sock.close()
    return latencies, errors, time.process_time() - cpu


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far (from /proc/PID/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def load(port, target, token, clients, seconds, workers: list[int]) -> dict:
    method, path, body, posts = target["method"], target["path"], target["body"], target["posts"]
    context = multiprocessing.get_context("fork")
    cpu_before = cpu_seconds(workers)
    started = time.perf_counter()
    with context.Pool(clients) as pool:
        runs = pool.starmap(
            client,
            [(port, method, path, body, token, seconds, MAX_REQUESTS_PER_CLIENT, posts)] * clients,
        )
    elapsed = time.perf_counter() - started
    worker_cpu = cpu_seconds(workers) - cpu_before
    latencies = sorted(ns for run, _errors, _cpu in runs for ns in run)
    requests = len(latencies)
    return {
        "worker_cpu_ms": worker_cpu * 1000 / max(requests, 1),
        "client_cpu_ms": sum(cpu for _run, _errors, cpu in runs) * 1000 / max(requests, 1),
        # What the workers would serve with a core each and the clients elsewhere.
        "capacity_posts_s": requests * posts * len(workers) / worker_cpu if worker_cpu else 0,
        "requests": requests,
        "errors": sum(errors for _run, errors, _cpu in runs),
        "requests_s": requests / elapsed,
        "posts_s": requests * posts / elapsed,
        "p50_ms": statistics.median(latencies) / 1e6,
        "p99_ms": latencies[min(requests - 1, int(requests * 0.99))] / 1e6,
        "seconds": elapsed,
    }


def targets(posts: list[str]) -> list[dict]:
    single = json.dumps({"text": posts[0]}, ensure_ascii=False).encode()
    batch = json.dumps(
        {"posts": [{"id": str(i), "text": p} for i, p in enumerate(posts[:POSTS_PER_BATCH])]},
        ensure_ascii=False,
    ).encode()
    return [
        {"key": "ping", "name": "bare Django view `GET /screening/ping`", "method": "GET",
         "path": "/screening/ping", "body": None, "posts": 1},
        {"key": "screen", "name": "`POST /api/v1/screening/screen`, one 1 KB post", "method": "POST",
         "path": "/api/v1/screening/screen", "body": single, "posts": 1},
        {"key": "batch", "name": f"`POST /api/v1/screening/screen/batch`, {POSTS_PER_BATCH} posts of 1 KB",
         "method": "POST", "path": "/api/v1/screening/screen/batch", "body": batch,
         "posts": POSTS_PER_BATCH},
    ]  # fmt: skip


def chosen(posts: list[str], args) -> list[dict]:
    """The targets asked for with --target (default: all three)."""
    return [t for t in targets(posts) if not args.targets or t["key"] in args.targets]


# -- the report --------------------------------------------------------------------------------


def mb(workers: list[dict], key: str) -> str:
    return " and ".join(f"{w[key]:.0f}" for w in workers)


def run(args) -> str:
    from screening import common_hanzi, make_posts, make_terms

    rng = random.Random(args.seed)
    hanzi = common_hanzi()
    terms = make_terms(rng, args.terms, hanzi)
    posts, _planted = make_posts(random.Random(args.seed + 2), 2000, terms, hanzi)
    lines = []
    with tempfile.TemporaryDirectory(prefix="gongyue-bench-") as tmp:
        folder = Path(tmp)
        print(f"preparing a {len(terms):,}-term lexicon …", file=sys.stderr)
        prepared = in_child(prepare, folder, "http.sqlite3", terms, args.seed)
        token = prepared["token"]
        rows = []
        for worker_class in args.worker_classes:
            threads = (
                args.threads if worker_class == "gthread" else 1
            )  # sync with threads is gthread
            server = Server(folder, "http.sqlite3", worker_class, args.workers, threads)
            try:
                warm(server.port, token, targets(posts)[1]["body"])
                for target in chosen(posts, args):
                    print(f"loading {worker_class}: {target['path']} …", file=sys.stderr)
                    rows.append((worker_class, target["name"],
                                 load(server.port, target, token, args.clients, args.seconds,
                                      server.worker_pids())))  # fmt: skip
                memory_10k = server.memory()
            finally:
                server.stop()

        lines += [
            f"HTTP: gunicorn with {args.workers} workers (gthread: {args.threads} threads each;"
            " gunicorn's defaults otherwise: no access log, keep-alive 2 s, which sync workers"
            " do not keep) on 127.0.0.1, SQLite, a"
            f" {prepared['terms']:,}-term lexicon (imported in {prepared['import_s']:.1f} s,"
            f" compiled engine {prepared['compiled_mb']:.1f} MB); {args.clients} client"
            f" processes on the same machine, each for {args.seconds:g} s (at most"
            f" {MAX_REQUESTS_PER_CLIENT:,} requests), one request at a time on a kept-alive"
            " connection (sync workers close it after each response; the client reconnects),"
            " the request's bytes built once and the response read by its Content-Length;"
            " latency is the client's, from sending to the last byte. The clients"
            " share the two cores with the workers, so posts/s is what this machine serves with"
            " its own load generator; worker CPU per request is read from /proc, and capacity is"
            f" posts per worker CPU-second times {args.workers} workers: what the workers serve"
            " with a core each and the clients on other machines.",
            "",
            "| workers | target | requests | posts/s | requests/s | p50 (ms) | p99 (ms) | errors"
            " | worker CPU per request (ms) | client CPU per request (ms)"
            " | capacity of the workers (posts/s) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for worker_class, name, r in rows:
            lines.append(
                f"| {worker_class} | {name} | {r['requests']:,} | {r['posts_s']:,.0f} |"
                f" {r['requests_s']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} |"
                f" {r['worker_cpu_ms']:.2f} | {r['client_cpu_ms']:.2f} |"
                f" {r['capacity_posts_s']:,.0f} |"
            )
        worst = max(m["rss_mb"] for m in memory_10k)
        lines += [
            "",
            f"- Worker RSS with the {prepared['terms']:,}-term lexicon after the load: {worst:.0f} MB.",
        ]

        if args.memory_terms:
            print(f"preparing a {args.memory_terms:,}-term lexicon …", file=sys.stderr)
            big_terms = make_terms(random.Random(args.seed), args.memory_terms, hanzi)
            big = in_child(prepare, folder, "memory.sqlite3", big_terms, args.seed)
            worker_class = args.memory_worker_class
            threads = args.threads if worker_class == "gthread" else 1
            server = Server(folder, "memory.sqlite3", worker_class, args.workers, threads)
            try:
                baseline = server.memory()
                warm(server.port, big["token"], targets(posts)[1]["body"])
                loaded = server.memory()
                print("publishing a new version of the big lexicon …", file=sys.stderr)
                published = in_child(add_term_in, folder, "memory.sqlite3", "基准新增词条")
                time.sleep(2.5)  # SCREENING_RELOAD_SECONDS (2) and a little
                warm(server.port, big["token"], targets(posts)[1]["body"])
                status, data = request(server.port, "POST", "/api/v1/screening/screen",
                                       targets(posts)[1]["body"], big["token"])  # fmt: skip
                version_seen = json.loads(data)["lexicon_version"] if status == 200 else None
                reloaded = server.memory()
            finally:
                server.stop()
            lines += [
                f"- Memory with a {big['terms']:,}-term lexicon ({big['compiled_mb']:.0f} MB compiled;"
                f" the import, which compiles it, took {big['import_s']:.1f} s and peaked at"
                f" {big['peak_mb']:.0f} MB in the process that ran it): each of the"
                f" {args.workers} {worker_class} workers at start {mb(baseline, 'rss_mb')} MB RSS;"
                f" after loading the engine from `compiled` {mb(loaded, 'rss_mb')} MB (peak"
                f" {mb(loaded, 'peak_mb')} MB); after the lexicon changed (version"
                f" {published['version']} published in {published['publish_s']:.1f} s) and each"
                f" worker swapped to it {mb(reloaded, 'rss_mb')} MB (peak"
                f" {mb(reloaded, 'peak_mb')} MB). Version screened with afterwards: {version_seen}.",
            ]
            peak = max(m["peak_mb"] for m in reloaded)
            lines.append(
                f"- Target, a worker with 100,000 terms under 300 MB RSS:"
                f" {'met' if peak < 300 else 'MISSED'} (highest peak of any worker,"
                f" reload included: {peak:.0f} MB)."
            )
    return "\n".join(lines)


def in_process(args) -> str:
    """CPU milliseconds per request of each target, through the WSGI handler in this process."""
    import cProfile
    import io
    import pstats

    from screening import common_hanzi, make_posts, make_terms

    rng = random.Random(args.seed)
    hanzi = common_hanzi()
    terms = make_terms(rng, args.terms, hanzi)
    posts, _planted = make_posts(random.Random(args.seed + 2), 2000, terms, hanzi)
    folder = Path(tempfile.mkdtemp(prefix="gongyue-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    prepared = in_child(prepare, folder, "inproc.sqlite3", terms, args.seed)
    os.environ.update(environment(folder, "inproc.sqlite3"))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()

    def call(target):
        body = target["body"] or b""
        environ = {
            "REQUEST_METHOD": target["method"], "PATH_INFO": target["path"],
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
            "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json", "wsgi.url_scheme": "http",
            "HTTP_AUTHORIZATION": f"Bearer {prepared['token']}", "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": True,
        }  # fmt: skip
        status = []
        b"".join(app(environ, lambda line, headers: status.append(line)))
        assert status[0].startswith("200"), status

    lines = [
        f"In process: CPU time per request through Django's WSGI handler (SQLite, a"
        f" {prepared['terms']:,}-term lexicon), after 50 warm-up requests.",
        "",
        "| target | requests | CPU ms per request | posts/s per core |",
        "|---|---:|---:|---:|",
    ]
    profiles = []
    for target in chosen(posts, args):
        for _ in range(50):
            call(target)
        count = 200 if target["posts"] > 1 else 1000
        started = time.process_time()
        for _ in range(count):
            call(target)
        per = (time.process_time() - started) / count
        lines.append(
            f"| {target['name']} | {count:,} | {per * 1e3:.3f} | {target['posts'] / per:,.0f} |"
        )
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(count // 4):
                call(target)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.profile_sort).print_stats(30)
            profiles.append(f"\n{target['name']}\n```\n{out.getvalue().strip()}\n```")
    return "\n".join(lines + profiles)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per target and worker class")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="per gthread worker")
    parser.add_argument("--worker-class", dest="worker_classes", action="append",
                        choices=["sync", "gthread"], help="default: both")  # fmt: skip
    parser.add_argument("--target", dest="targets", action="append",
                        choices=["ping", "screen", "batch"], help="default: all three")  # fmt: skip
    parser.add_argument("--terms", type=int, default=10_000)
    parser.add_argument("--memory-terms", type=int, default=100_000, help="0 to skip")
    parser.add_argument("--memory-worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--in-process", action="store_true", help="CPU time per request, no server")
    parser.add_argument("--profile", action="store_true", help="with --in-process: cProfile")
    parser.add_argument("--profile-sort", default="cumulative", help="e.g. tottime")
    args = parser.parse_args(argv)
    if args.in_process:
        print(in_process(args))
        return 0
    args.worker_classes = args.worker_classes or ["sync", "gthread"]
    print(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
