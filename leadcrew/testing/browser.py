"""What browser tests share: logging in through the login page, in English or French, and
waiting for htmx and the chart."""

import re
from typing import Any

from leadcrew.testing.cast import CAST_PASSWORD


def log_in(page: Any, email: str) -> None:
    """Logs in as one of the cast (their password is CAST_PASSWORD) and waits for the leads."""
    page.goto("/login")
    page.get_by_label(re.compile("E-mail")).fill(email)
    page.get_by_label(re.compile("Password|Mot de passe")).fill(CAST_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/leads$"))


def settled(page: Any) -> None:
    """Waits until htmx has no request in flight and has swapped its last answer in.

    It waits with a selector, not a JavaScript predicate: the pages' Content Security Policy
    forbids the evaluation a polled predicate needs."""
    page.wait_for_load_state("networkidle")
    page.locator(".htmx-request, .htmx-settling").first.wait_for(state="detached")


def chart_drawn(page: Any) -> None:
    """Waits until the statistics chart is drawn."""
    page.locator("#stats-chart[data-drawn='1']").wait_for(state="attached")
