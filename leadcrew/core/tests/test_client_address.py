"""The client's address: X-Forwarded-For believed only from a trusted proxy, read from the right."""

import pytest
from django.test import override_settings

from leadcrew.core.client_address import client_address


def address(peer: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(meta)


def test_without_a_proxy_the_peer_is_the_client() -> None:
    assert address("198.51.100.7") == "198.51.100.7"
    assert address("2001:db8::1") == "2001:db8::1"
    assert address("::ffff:198.51.100.7") == "198.51.100.7"
    assert client_address({}) == "unknown"
    assert address("not an address") == "unknown"


def test_a_client_that_is_not_a_trusted_proxy_cannot_choose_its_address() -> None:
    assert address("198.51.100.7", "203.0.113.5") == "198.51.100.7"


def test_behind_the_trusted_proxy_the_last_hop_it_appended_is_the_client() -> None:
    # The default trusts the loopback addresses, like gunicorn's forwarded_allow_ips.
    assert address("127.0.0.1", "203.0.113.5") == "203.0.113.5"
    assert address("::1", "203.0.113.5") == "203.0.113.5"
    # What the client wrote itself stands to the left, and is not believed.
    assert address("127.0.0.1", "10.9.9.9, 203.0.113.5") == "203.0.113.5"
    assert address("127.0.0.1", "1.2.3.4:5678") == "1.2.3.4"
    assert address("127.0.0.1", "[2001:db8::5]:443") == "2001:db8::5"
    # Garbage in the proxy's place: the proxy itself is all that is known.
    assert address("127.0.0.1", "203.0.113.5, nonsense") == "127.0.0.1"
    assert address("127.0.0.1", "") == "127.0.0.1"


@override_settings(LEADCREW_FORWARDED_ALLOW_IPS="10.0.0.0/8")
def test_a_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    assert address("10.0.0.2", "203.0.113.5, 10.0.0.9") == "203.0.113.5"
    assert address("127.0.0.1", "203.0.113.5") == "127.0.0.1"  # loopback no longer trusted
    # Every hop trusted: the leftmost one is the client (a machine of the private network).
    assert address("10.0.0.2", "10.1.1.1, 10.0.0.9") == "10.1.1.1"


@override_settings(LEADCREW_FORWARDED_ALLOW_IPS="*")
def test_trusting_every_peer_believes_only_the_nearest_proxy() -> None:
    assert address("198.51.100.7", "10.9.9.9, 203.0.113.5") == "203.0.113.5"
    assert address("198.51.100.7", "junk") == "198.51.100.7"


def test_gunicorns_own_variable_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "192.0.2.10")
    with override_settings(LEADCREW_FORWARDED_ALLOW_IPS=None):
        assert address("192.0.2.10", "203.0.113.5") == "203.0.113.5"
        assert address("127.0.0.1", "203.0.113.5") == "127.0.0.1"
