"""Browser tests: Playwright drives the machine's Chromium (/usr/bin/chromium, Debian's package;
Playwright never downloads a browser here) against pytest-django's live server."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from leadcrew.testing.cast import Cast, build_cast

CHROMIUM = Path(os.environ.get("LEADCREW_CHROMIUM", "/usr/bin/chromium"))
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """One browser for all the browser tests, closed after the last of them.

    Playwright's sync API runs an event loop in this thread for as long as it is open, and
    Django refuses database calls where it sees one. Nothing here is async (the test code, then
    the database flush after each test, run while the browser waits), so the guard is lifted
    for exactly that long, and other tests keep it."""
    if not CHROMIUM.exists():
        message = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def context(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser context on the live server: its own cookies, so nobody is logged in."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def acme(transactional_db: None) -> Iterator[Cast]:
    """The shared cast, committed so that the live server sees it; English is active again after."""
    yield build_cast()
    translation.activate("en")
