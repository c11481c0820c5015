"""The README's screenshots: the demo data on a throw-away SQLite database, a real `leadcrew
serve` on a free loopback port, and Chromium (through Playwright) at 1280×800 and, for the
phone, 390×844.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Writes leads.png, lead.png, stats.png and privacy-preview.png, then phone-leads.png,
phone-lead.png and phone-menu.png.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("LEADCREW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = (
    "leads.png",
    "lead.png",
    "stats.png",
    "privacy-preview.png",
    "phone-leads.png",
    "phone-lead.png",
    "phone-menu.png",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit code {server.returncode})")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url} within {seconds:.0f} s")


def log_in(page: Any) -> None:
    from leadcrew import demo

    page.goto("/login")
    page.get_by_label("E-mail").fill(demo.ADMIN_EMAIL)
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/leads$"))
    page.wait_for_load_state("networkidle")


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=url, viewport=VIEWPORT, locale="en-GB")
        page = context.new_page()
        log_in(page)
        page.screenshot(path=str(out / "leads.png"))

        # A lead with a team, its page scrolled to the access panel.
        page.locator("table.leads tbody td.title a").nth(2).click()
        page.wait_for_url(re.compile(r"/leads/\d+$"))
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / "lead.png"))

        page.goto("/stats")
        page.locator("#stats-chart[data-drawn]").wait_for(state="attached")
        page.wait_for_timeout(600)  # the bars' short animation
        page.screenshot(path=str(out / "stats.png"))

        page.goto("/settings/privacy")
        page.get_by_label("Only admins can see everything inside teams").check()
        page.get_by_role("button", name="Preview the effect").click()
        page.locator("#preview").wait_for()
        page.screenshot(path=str(out / "privacy-preview.png"))

        # The same account on a phone: the list as cards, a lead's quick actions, the menu.
        phone = browser.new_context(
            base_url=url, viewport=PHONE, locale="en-GB", device_scale_factor=2, has_touch=True
        )
        page = phone.new_page()
        log_in(page)
        page.screenshot(path=str(out / "phone-leads.png"))
        page.locator("table.leads tbody td.title a").nth(2).click()
        page.wait_for_url(re.compile(r"/leads/\d+"))
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / "phone-lead.png"))
        page.get_by_role("button", name="Menu").click()
        page.screenshot(path=str(out / "phone-menu.png"))
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="leadcrew-screens-") as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'screens.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        os.environ.update(env)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        leadcrew = str(BIN / "leadcrew")
        subprocess.run([leadcrew, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            [leadcrew, "demo", "--url", url], env=env, check=True, stdout=subprocess.DEVNULL
        )
        server = subprocess.Popen(
            [leadcrew, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"],
            env=env,
            cwd=ROOT,
        )
        try:
            wait_until_up(url, server)
            import django

            sys.path.insert(0, str(ROOT))
            django.setup()
            shoot(url, out)
        finally:
            server.terminate()
            server.wait(timeout=30)
    for name in SHOTS:
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
