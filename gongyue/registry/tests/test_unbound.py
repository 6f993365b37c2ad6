"""A real resolver: Debian's Unbound fetches the RPZ feed over HTTP from the live test server;
a listed domain answers NXDOMAIN through it, and after delisting and the next refresh it
answers again."""

import pytest

from gongyue.core.testing import browser_required, free_port
from gongyue.registry import actions, publishing, resolver


@pytest.fixture
def unbound_binary():
    if not resolver.available():
        if browser_required():
            pytest.fail("unbound is required under CI=true (apt-get install unbound)")
        pytest.skip("unbound is not installed")


def test_unbound_answers_nxdomain_for_a_listed_domain_until_it_is_delisted(
    unbound_binary, live_server, settings, tmp_path, listed, secretariat, member_token
):
    settings.REGISTRY_RPZ_REFRESH = 1
    settings.REGISTRY_RPZ_RETRY = 1
    entry = listed("evil-bank.com")
    listed("*.malware-cdn.com", "malware")
    publishing.publish()
    server = resolver.Unbound(
        tmp_path / "unbound",
        port=free_port(),
        zone=settings.REGISTRY_RPZ_ZONE,
        url=f"{live_server.url.replace('localhost', '127.0.0.1')}/registry/feeds/all.rpz?token={member_token}",
        local={
            "evil-bank.com": "45.33.32.10",
            "cdn.malware-cdn.com": "45.33.32.11",
            "fine-site.com": "45.33.32.12",
        },
    ).start()
    try:
        server.wait_for("evil-bank.com", "NXDOMAIN", timeout=30)
        assert server.answer("cdn.malware-cdn.com") == "NXDOMAIN"
        assert server.answer("fine-site.com") == "45.33.32.12"
        actions.do_delist_entry(entry, actor=secretariat, reason="cleaned")
        publishing.publish()
        seconds = server.wait_for("evil-bank.com", "45.33.32.10", timeout=60)
        print(f"publication → Unbound: {seconds:.1f} s")
        assert server.answer("cdn.malware-cdn.com") == "NXDOMAIN"
    finally:
        server.stop()
