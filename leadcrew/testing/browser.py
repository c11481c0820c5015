"""What browser tests share: logging in through the login page, in English or French."""

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
