"""Test personas and helpers shared by every app's tests (fixtures live in the root conftest.py)."""

import email
import os
import shutil
import socket
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from gongyue.accounts.models import UNIT_ROLES, RoleGrant, User
from gongyue.organisations.models import Unit

PASSWORD = "correct horse battery staple"

# The reference convention lives beside the repository (../shared/seed), not in it.
SEED_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seed"


def reference_seed() -> Path:
    """The seed convention's file. Without ../shared (a newcomer's clone) the test asking for it
    is skipped, saying why; with CI=true it fails, because CI must run it."""
    import pytest

    paths = sorted(SEED_DIR.glob("*.txt"))
    if paths:
        return paths[0]
    reason = (
        f"the reference convention is not here ({SEED_DIR}/*.txt): this test reads the seed"
        " convention kept beside the repository in ../shared/seed, which a clone does not have"
        " (skipped here; under CI=true it fails, since CI must run it)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def make_unit(name: str, uscc: str | None = None, **fields) -> Unit:
    return Unit.objects.create(name=name, uscc=uscc, **fields)


def make_member(unit: Unit, since=date(2025, 1, 10)):
    """Make `unit` a member since a day (an imported membership interval)."""
    from gongyue.core.deadlines import start_of_day
    from gongyue.organisations.models import JoinedBy, Membership

    started = since if isinstance(since, datetime) else start_of_day(since)
    return Membership.objects.create(unit=unit, started_at=started, joined_by=JoinedBy.IMPORT)


def make_user(username: str, *roles: str, unit: Unit | None = None, **fields) -> User:
    """A person with the given roles (unit roles are granted for `unit`)."""
    fields.setdefault("email", f"{username}@example.cn")
    fields.setdefault("display_name", username)
    user = User.objects.create_user(username=username, password=PASSWORD, unit=unit, **fields)
    for role in roles:
        RoleGrant.objects.create(
            user=user,
            role=role,
            unit=unit if role in UNIT_ROLES else None,
        )
    return user


def table_counts() -> dict[str, int]:
    """The number of rows in every table the project's models have: compare before and after a
    refused request to show it wrote nothing anywhere (audit, notifications, tasks included)."""
    from django.apps import apps

    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def browser_required() -> bool:
    return os.environ.get("CI") == "true"


def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """What the real SMTP receiver got: parsed messages, in arrival order."""

    messages: list = field(default_factory=list)
    server: object = None
    make_server: object = None

    def start(self):
        """Start (or, after an outage, restart) the receiver on the same port."""
        self.server = self.make_server()
        self.server.start()

    def stop(self):
        if self.server is not None:
            self.server.stop()
            self.server = None

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]

    @staticmethod
    def body(message) -> str:
        part = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
        return part.get_content().replace("\r\n", "\n").strip()


class CollectingHandler:
    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope):
        self.mailbox.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


def form_fields(html: str, testid: str | None = None) -> tuple[str, dict]:
    """The action and the fields of a post form on a page (the one with `data-testid=testid`,
    else the first in <main>), as a browser would post them; lists for repeated names."""
    from html.parser import HTMLParser

    class Forms(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found, self.current, self.in_main = [], None, False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "main":
                self.in_main = True
            elif tag == "form" and (attrs.get("method") or "").lower() == "post" and self.in_main:
                self.current = {"attrs": attrs, "fields": {}}
            elif tag == "select" and self.current is not None:
                self.select = attrs.get("name")
            elif tag == "option" and self.current is not None and "selected" in attrs:
                self.current["fields"].setdefault(self.select, []).append(attrs.get("value", ""))
            elif tag in ("input", "textarea") and self.current is not None and attrs.get("name"):
                if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                    return
                if attrs.get("type") == "submit":
                    return
                self.current["fields"].setdefault(attrs["name"], []).append(
                    attrs.get("value") or ""
                )

        def handle_endtag(self, tag):
            if tag == "form" and self.current is not None:
                self.found.append(self.current)
                self.current = None

    parser = Forms()
    parser.feed(html)
    form = next(
        f for f in parser.found if testid is None or f["attrs"].get("data-testid") == testid
    )
    fields = {k: v if len(v) > 1 else v[0] for k, v in form["fields"].items()}
    return form["attrs"].get("action") or "", fields


def confirm(client, response):
    """Press the confirmation page's button: post what it holds to where it posts."""
    assert response.status_code == 200, response.status_code
    action, fields = form_fields(response.content.decode(), "confirm-form")
    fields.pop("csrfmiddlewaretoken", None)
    return client.post(action, fields)


# axe-core from npm (package.json at the repository root; `make test` runs `npm ci`).
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA (GB/T 37668-2019 follows WCAG 2.0 AA for the web).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _axe_source() -> str:
    import pytest

    if not AXE_SCRIPT.exists():
        reason = f"axe-core is not installed ({AXE_SCRIPT}): run `npm ci --ignore-scripts`"
        if browser_required():
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2 A/AA rules on the page as it is now; its violations, as axe gives
    them. The script is evaluated through the DevTools protocol, which the site's
    Content-Security-Policy does not govern (an inline <script> tag it rightly refuses)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
            .then(results => results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
            })))""",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict], where: str = "") -> str:
    """One readable block per violation: rule, impact, help, and each element's selector."""
    lines = []
    for v in violations:
        lines.append(f"{where}{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            target = " ".join(" >>> ".join(t) if isinstance(t, list) else t for t in node["target"])
            detail = (node.get("summary") or "").replace("\n", " ")
            lines.append(f"    {target}    {detail[:200]}")
    return "\n".join(lines)


def assert_accessible(page):
    """Fail unless axe-core finds no WCAG 2 A/AA violation on the page as it is now."""
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core: {len(violations)} WCAG 2 A/AA violation(s) on {page.url}\n"
        + describe_violations(violations)
    )
