"""Run every benchmark in this folder in turn and print their tables (``make bench``).

    python benchmarks/run.py                 # all of them
    python benchmarks/run.py screening       # those whose file name contains "screening"

A benchmark is any ``*.py`` file here but this one, except those that declare ``RUN_BY``:
another benchmark runs them as its part (``screening_http.py`` is the HTTP part of
``screening.py``). Each runs in its own process, one after the other, so that none disturbs
another's timings; their output goes straight to standard output. The exit status is the
number of benchmarks that failed.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def declares_run_by(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Assign)
        and any(getattr(t, "id", None) == "RUN_BY" for t in node.targets)
        for node in tree.body
    )


def benchmarks(only: list[str]) -> list[Path]:
    found = []
    for path in sorted(HERE.glob("*.py")):
        if path.name == Path(__file__).name or path.name.startswith("_") or declares_run_by(path):
            continue
        if only and not any(word in path.stem for word in only):
            continue
        found.append(path)
    return found


def main(argv: list[str]) -> int:
    failed = []
    for path in benchmarks(argv):
        print(f"\n## {path.name}\n", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(path)], cwd=HERE.parent)
        print(
            f"\n({path.name}: {time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True
        )
        if done.returncode:
            failed.append(path.name)
            print(f"\n**{path.name} failed with exit status {done.returncode}.**", flush=True)
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
    return len(failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
