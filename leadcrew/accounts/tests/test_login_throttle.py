"""The login throttle (leadcrew/accounts/throttle.py) through GET /api/v2/auth/login: failures
counted per e-mail and per client address, 429 with Retry-After once locked, no hashing then,
unlocked after the delay (time injected, never waited for), logged without the password."""

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache.backends.db import DatabaseCache
from django.test import Client, override_settings

from leadcrew.accounts import throttle
from leadcrew.accounts.login_slots import password_check_slot
from leadcrew.core.errors import RateLimited
from leadcrew.testing.api_world import BASE, PASSWORD, World, error_type

pytestmark = pytest.mark.django_db

PERIOD = 900  # the default LEADCREW_LOGIN_LOCKOUT_SECONDS


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0 + 100  # 100 s into a window

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle, "clock", fake)
    return fake


@pytest.fixture
def hashings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every password hash computed (a check, or the dummy one for an unknown e-mail)."""
    calls: list[str] = []
    encode, verify = MD5PasswordHasher.encode, MD5PasswordHasher.verify

    def counted_encode(self: Any, password: str, salt: str) -> str:
        calls.append("encode")
        return encode(self, password, salt)

    def counted_verify(self: Any, password: str, encoded: str) -> bool:
        calls.append("verify")
        return verify(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted_encode)
    monkeypatch.setattr(MD5PasswordHasher, "verify", counted_verify)
    yield calls


def login(
    email: str, password: str, *, address: str = "198.51.100.7", forwarded: str | None = None
) -> Any:
    raw = base64.b64encode(f"{email}:{password}".encode()).decode()
    meta: dict[str, Any] = {"REMOTE_ADDR": address}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    client = Client(headers={"Authorization": f"Basic {raw}"}, **meta)
    return client.get(f"{BASE}/auth/login")


def fail(times: int, email: str = "ann@acme.test", **kwargs: Any) -> list[int]:
    return [login(email, "wrong-password", **kwargs).status_code for _ in range(times)]


@pytest.fixture
def ann(acme: World) -> str:
    acme.user("ann@acme.test")
    return "ann@acme.test"


def test_five_failures_lock_the_email_even_for_the_right_password(ann: str, clock: Clock) -> None:
    assert fail(5) == [401] * 5
    refused = login(ann, PASSWORD)
    assert refused.status_code == 429
    assert error_type(refused) == "rate_limited"
    body = refused.json()
    assert body["code"] == "login_throttled"
    assert body["message"] == f"Too many failed logins: try again in {PERIOD} seconds."
    assert refused["Retry-After"] == str(PERIOD)
    assert refused["API-RETRY-AFTER"] == str(PERIOD)
    assert refused["Cache-Control"].startswith("max-age=0")  # never_cache, as every login answer
    # The e-mail in any case, from any address, is the same e-mail.
    assert login("ANN@acme.test", PASSWORD, address="192.0.2.1").status_code == 429


def test_once_locked_an_attempt_costs_no_hashing(
    ann: str, clock: Clock, hashings: list[str]
) -> None:
    fail(5)
    assert len(hashings) >= 5
    hashings.clear()
    assert fail(20) == [429] * 20
    assert login(ann, PASSWORD).status_code == 429
    assert hashings == []


def test_the_lock_ends_after_the_delay_with_a_full_allowance(ann: str, clock: Clock) -> None:
    fail(5)
    clock.advance(PERIOD - 1)
    refused = login(ann, PASSWORD)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    clock.advance(1)
    assert login(ann, PASSWORD).status_code == 200
    # The count started again from zero: four failures are allowed before a fifth locks.
    assert fail(4) == [401] * 4
    assert login(ann, PASSWORD).status_code == 200


def test_failures_counted_in_an_earlier_window_are_forgotten(ann: str, clock: Clock) -> None:
    assert fail(4) == [401] * 4
    clock.advance(PERIOD)
    assert fail(4) == [401] * 4
    assert login(ann, PASSWORD).status_code == 200


def test_a_success_clears_its_own_emails_count(ann: str, clock: Clock) -> None:
    fail(4)
    assert login(ann, PASSWORD).status_code == 200
    assert fail(4) == [401] * 4
    assert login(ann, PASSWORD).status_code == 200


def test_twenty_failures_from_one_address_lock_that_address_only(ann: str, clock: Clock) -> None:
    # Four tries at each of five e-mails: no e-mail reaches its limit, the address does.
    statuses = [s for n in range(5) for s in fail(4, f"guess{n}@acme.test")]
    assert statuses == [401] * 20
    refused = login(ann, PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["code"] == "login_throttled"
    # Ann herself, from her own address, is not held back by the attacker's.
    assert login(ann, PASSWORD, address="192.0.2.1").status_code == 200


def test_a_success_does_not_clear_its_addresss_count(acme: World, clock: Clock) -> None:
    """Someone with an account of their own cannot wipe the count of their guesses by logging in
    between them, and does not clear the count of the others on the same address."""
    acme.user("mallory@acme.test")
    statuses = [s for n in range(5) for s in fail(4 if n < 4 else 3, f"guess{n}@acme.test")]
    assert statuses == [401] * 19
    assert login("mallory@acme.test", PASSWORD).status_code == 200
    assert fail(1, "guess9@acme.test") == [401]  # the 20th failure of this address
    assert login("mallory@acme.test", PASSWORD).status_code == 429


def test_the_address_is_the_proxys_client_not_what_a_client_claims(ann: str, clock: Clock) -> None:
    # Through the trusted proxy on the loopback (the default), X-Forwarded-For names the client.
    for n in range(5):
        fail(4, f"guess{n}@acme.test", address="127.0.0.1", forwarded="203.0.113.5")
    assert login(ann, PASSWORD, address="127.0.0.1", forwarded="203.0.113.5").status_code == 429
    assert login(ann, PASSWORD, address="127.0.0.1", forwarded="203.0.113.6").status_code == 200
    # A client writing its own X-Forwarded-For gets counted as the peer it is.
    for n in range(5):
        fail(4, f"other{n}@acme.test", address="198.51.100.9", forwarded=f"10.0.0.{n}")
    assert login(ann, PASSWORD, address="198.51.100.9").status_code == 429


def test_failures_are_logged_with_email_and_address_never_the_password(
    ann: str, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="leadcrew.login"):
        fail(5)
    messages = [record.getMessage() for record in caplog.records]
    assert "Failed login for 'ann@acme.test' from 198.51.100.7." in messages
    assert any(
        message.startswith("Logins locked for 900 s after 5 failures") for message in messages
    )
    assert not any("wrong-password" in message for message in messages)


@override_settings(LEADCREW_LOGIN_FAILURES_PER_EMAIL=0, LEADCREW_LOGIN_FAILURES_PER_ADDRESS=0)
def test_zero_turns_the_throttle_off(ann: str, clock: Clock) -> None:
    assert fail(30) == [401] * 30
    assert login(ann, PASSWORD).status_code == 200


def test_two_processes_count_together(
    ann: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each failure goes through another connection to the cache, as if another worker or
    another server had answered it: nothing is counted in a process's memory."""
    connections = [DatabaseCache("leadcrew_cache", {}), DatabaseCache("leadcrew_cache", {})]
    for n in range(5):
        monkeypatch.setattr(throttle, "cache", connections[n % 2])
        assert fail(1) == [401]
    monkeypatch.setattr(throttle, "cache", DatabaseCache("leadcrew_cache", {}))
    assert login(ann, PASSWORD).status_code == 429


# --- Password checks at once (leadcrew/accounts/login_slots.py) ---------------------------------


def test_a_login_while_every_slot_is_busy_is_refused_at_once_and_not_counted(
    ann: str, clock: Clock, hashings: list[str], tmp_path: Path
) -> None:
    with override_settings(LEADCREW_LOGIN_CONCURRENCY=1, LEADCREW_LOGIN_SLOTS_DIR=tmp_path):
        with password_check_slot():  # another worker checking a password
            busy = [login(ann, "wrong-password") for _ in range(6)]
        assert {response.status_code for response in busy} == {429}
        assert busy[0].json()["code"] == "login_busy"
        assert busy[0]["Retry-After"] == "1"
        assert hashings == []
        # Refusals for lack of a slot are not failures: nothing is locked.
        assert login(ann, PASSWORD).status_code == 200


def take_a_slot() -> None:
    with password_check_slot():
        pass


def test_slots_are_shared_and_given_back(tmp_path: Path) -> None:
    with override_settings(LEADCREW_LOGIN_CONCURRENCY=2, LEADCREW_LOGIN_SLOTS_DIR=tmp_path):
        with password_check_slot(), password_check_slot(), pytest.raises(RateLimited):
            take_a_slot()
        with pytest.raises(ValueError), password_check_slot():
            raise ValueError  # a slot is given back whatever happens inside
        with password_check_slot(), password_check_slot():
            pass
