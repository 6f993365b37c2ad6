"""The client's address, which behind a proxy comes from the right of X-Forwarded-For."""

from django.test import RequestFactory

from gongyue.core.ratelimit import client_address


def request(remote="10.0.0.2", forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_a_proxy_forwarded_for_is_ignored(settings):
    settings.BEHIND_PROXY = False
    assert client_address(request("203.0.113.9", "192.0.2.1")) == "203.0.113.9"


def test_behind_one_proxy_the_right_most_entry_is_the_client(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    assert client_address(request(forwarded="203.0.113.9")) == "203.0.113.9"
    # A client that sends its own header only adds entries on the left.
    assert (
        client_address(request(forwarded="192.0.2.1, 198.51.100.7, 203.0.113.9")) == "203.0.113.9"
    )


def test_behind_two_proxies_the_entry_the_outer_proxy_wrote_is_the_client(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 2
    # The outer proxy saw the client and appended it; the inner one appended the outer proxy.
    assert client_address(request(forwarded="192.0.2.1, 203.0.113.9, 10.0.0.1")) == "203.0.113.9"
    assert client_address(request(forwarded="203.0.113.9")) == "203.0.113.9"


def test_a_header_that_is_not_an_address_falls_back_to_the_peer(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    assert client_address(request("10.0.0.2", "<script>")) == "10.0.0.2"
    assert client_address(request("10.0.0.2", "")) == "10.0.0.2"
    assert client_address(request(forwarded=" 2001:DB8::1 ")) == "2001:db8::1"
