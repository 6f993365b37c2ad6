"""`make run`'s server script: the worker beside the web server, the address it serves, one stop."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from gongyue.core.testing import free_port

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def descendants(pid: int) -> list[str]:
    """The command lines of a process's children and their children."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found += [command, *descendants(int(entry.name))]
    return found


@pytest.mark.django_db(transaction=True)
def test_the_run_script_serves_host_and_port_with_the_worker_beside_and_stops_both():
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "DEBUG": "true",
           "DATABASE_URL": database_url()}  # fmt: skip
    env.pop("PYTEST_VERSION", None)
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "run")], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        first_line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first_line
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and status is None:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        children = descendants(process.pid)
        assert any("gongyue worker" in command for command in children), children
        worker = int(first_line.split("worker pid ")[1].split(".")[0])
        assert "worker" in (Path("/proc") / str(worker) / "cmdline").read_text()
        assert any("runserver" in command for command in children), children
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    time.sleep(1)
    assert not (Path("/proc") / str(worker)).exists()  # the worker stopped with the server
    leftover = [c for c in _all_commands() if f"runserver --skip-checks 127.0.0.1:{port}" in c]
    assert leftover == []


def _all_commands() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                pass
    return found
