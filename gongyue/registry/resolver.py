"""Running Debian's Unbound against an RPZ feed, for the resolver test and the benchmark.

Not used by the platform itself: it starts ``unbound`` on a local port, answering a few local
names, with an ``rpz:`` clause that fetches the feed over HTTP; ``answer(name)`` asks it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from pathlib import Path

UNBOUND = "/usr/sbin/unbound"


def available() -> bool:
    return Path(UNBOUND).exists() or shutil.which("unbound") is not None


class Unbound:
    def __init__(self, folder: Path, *, port: int, zone: str, url: str, local: dict[str, str]):
        self.folder, self.port, self.zone, self.url = Path(folder), port, zone, url
        self.local = local
        self.process = None

    def config(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        # Local names as authoritative zones the iterator answers from, so that RPZ applies
        # to them as to any name (local-zone answers would come before RPZ).
        zones = ""
        for name, address in self.local.items():
            path = self.folder / f"{name}.zone"
            path.write_text(
                f"$ORIGIN {name}.\n$TTL 60\n@ SOA localhost. hostmaster.localhost. 1 60 60 60 60\n"
                f"@ NS localhost.\n@ A {address}\n"
            )
            zones += (
                f'auth-zone:\n  name: "{name}."\n  zonefile: "{path}"\n'
                "  for-downstream: no\n  for-upstream: yes\n  fallback-enabled: no\n"
            )
        return (
            "server:\n"
            "  interface: 127.0.0.1\n"
            f"  port: {self.port}\n"
            "  do-daemonize: no\n"
            '  username: ""\n'
            '  chroot: ""\n'
            f'  directory: "{self.folder}"\n'
            f'  pidfile: "{self.folder}/unbound.pid"\n'
            "  use-syslog: no\n"
            f'  logfile: "{self.folder}/unbound.log"\n'
            "  verbosity: 1\n"
            "  do-ip6: no\n"
            "  access-control: 127.0.0.0/8 allow\n"
            '  module-config: "respip iterator"\n'
            "  cache-max-ttl: 0\n"
            "  cache-max-negative-ttl: 0\n"
            f"{zones}"
            "rpz:\n"
            f"  name: {self.zone}\n"
            f"  url: {self.url}\n"
            f'  zonefile: "{self.folder}/rpz.zone"\n'
            "  rpz-log: yes\n"
        )

    def start(self, timeout: float = 20) -> Unbound:
        conf = self.folder / "unbound.conf"
        conf.write_text(self.config())
        checked = subprocess.run(
            ["/usr/sbin/unbound-checkconf", str(conf)], capture_output=True, text=True
        )
        if checked.returncode != 0:
            raise RuntimeError(checked.stdout + checked.stderr)
        self.process = subprocess.Popen(
            [UNBOUND, "-d", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.answer(next(iter(self.local)), timeout=0.5)
                return self
            except Exception:  # not listening yet
                if self.process.poll() is not None:
                    raise RuntimeError(self.log()) from None
                time.sleep(0.1)
        raise RuntimeError("unbound did not start:\n" + self.log())

    def answer(self, name: str, *, timeout: float = 2.0) -> str:
        """ "NXDOMAIN" or the first address Unbound answers for ``name``."""
        import dns.message
        import dns.query
        import dns.rcode

        query = dns.message.make_query(name, "A")
        response = dns.query.udp(query, "127.0.0.1", port=self.port, timeout=timeout)
        if response.rcode() == dns.rcode.NXDOMAIN:
            return "NXDOMAIN"
        for rrset in response.answer:
            for item in rrset:
                if hasattr(item, "address"):
                    return item.address
        return dns.rcode.to_text(response.rcode())

    def wait_for(self, name: str, expected, *, timeout: float = 60.0, every: float = 0.05) -> float:
        """Seconds until ``answer(name)`` satisfies ``expected`` (a value or a predicate)."""
        test = expected if callable(expected) else (lambda answer: answer == expected)
        started = time.monotonic()
        import dns.exception

        while time.monotonic() - started < timeout:
            # A resolver busy loading a zone times out: ask again.
            with contextlib.suppress(dns.exception.Timeout):
                if test(self.answer(name)):
                    return time.monotonic() - started
            time.sleep(every)
        raise TimeoutError(f"{name}: still {self.answer(name)} after {timeout} s\n{self.log()}")

    def log(self) -> str:
        path = self.folder / "unbound.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
