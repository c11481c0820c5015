"""Production settings: the documented environment of docs/operations.md ("Running behind a TLS
proxy") passes `check --deploy` and makes a proxied request secure; `leadcrew serve` refuses the
published development key beyond loopback and passes the proxy settings on to gunicorn; no
account key sent in a query string reaches the logs."""

import io
import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from leadcrew import cli
from leadcrew.core.redact import RedactSecretsFilter, redact_query_secrets

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ROOT / "docs" / "operations.md"
DEVELOPMENT_KEY = settings.LEADCREW_DEVELOPMENT_SECRET_KEY
SECRET = "lc_Zm9vYmFyYmF6cXV4"  # what an account key looks like
BASE_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def documented_environment() -> dict[str, str]:
    """The variables of the first code block under "## Running behind a TLS proxy"."""
    text = OPERATIONS.read_text()
    section = text.split("## Running behind a TLS proxy", 1)[1]
    block = re.search(r"```\w*\n(.*?)```", section, re.S)
    assert block, "the section has no code block"
    variables = {}
    for line in block.group(1).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, separator, value = line.partition("=")
            assert separator, f"not a variable: {line!r}"
            variables[name.strip()] = value.strip()
    return variables


def production_environment(tmp_path: Path) -> dict[str, str]:
    """The documented environment, with what each installation supplies itself: its own secret
    key, and here a database nobody else uses."""
    documented = documented_environment()
    assert {"LEADCREW_SECRET_KEY", "DATABASE_URL"} <= documented.keys()
    # Nothing else from this process's environment: no other LEADCREW_ setting, and none of
    # what test runs set (DJANGO_ALLOW_ASYNC_UNSAFE, which `check --deploy` rightly refuses).
    env = {name: os.environ[name] for name in BASE_ENVIRONMENT if name in os.environ}
    env |= documented
    env["LEADCREW_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'production.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- The documented environment ----------------------------------------------------------------


def test_the_documented_environment_covers_every_https_setting() -> None:
    documented = documented_environment()
    for name in (
        "LEADCREW_ALLOWED_HOSTS",
        "LEADCREW_CSRF_TRUSTED_ORIGINS",
        "LEADCREW_BEHIND_TLS_PROXY",
        "LEADCREW_FORWARDED_ALLOW_IPS",
        "LEADCREW_SSL_REDIRECT",
        "LEADCREW_SECURE_COOKIES",
        "LEADCREW_HSTS_SECONDS",
        "LEADCREW_HSTS_INCLUDE_SUBDOMAINS",
        "LEADCREW_HSTS_PRELOAD",
    ):
        assert name in documented, name
    assert "LEADCREW_DEBUG" not in documented


def test_check_deploy_is_clean_with_the_documented_environment(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    # Nothing is silenced but SQLite's notice that it leaves out the INCLUDE columns of indexes.
    silenced = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.SILENCED_SYSTEM_CHECKS)",
        ],
        cwd=ROOT,
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert silenced.stdout.splitlines()[-1] in ("[]", "['models.W040']"), silenced.stdout


# What the documented settings make of requests from the TLS proxy: run with the environment set,
# as `leadcrew serve` would read it. The docs page and the login form touch no database table.
PROXIED_REQUESTS = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="crm.example.com")
https = client.get("/api/v2/docs", headers={"X-Forwarded-Proto": "https"})
plain = client.get("/api/v2/docs?x=1", headers={"X-Forwarded-Proto": "http"})
direct = client.get("/login")
login = client.get("/login", headers={"X-Forwarded-Proto": "https"})
csrf = login.cookies["csrftoken"]
print(json.dumps({
    "https": [https.status_code, https.headers.get("Strict-Transport-Security")],
    "plain": [plain.status_code, plain.headers.get("Location")],
    "direct": [direct.status_code, direct.headers.get("Location")],
    "login": [login.status_code, bool(csrf["secure"]), csrf["samesite"]],
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "trusted_origins": settings.CSRF_TRUSTED_ORIGINS,
    "forwarded_allow_ips": settings.LEADCREW_FORWARDED_ALLOW_IPS,
}))
"""


def test_the_documented_tls_proxy_set_up_sees_proxied_https_and_redirects_http(
    tmp_path: Path,
) -> None:
    done = run_python(PROXIED_REQUESTS, production_environment(tmp_path))
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    # Secure: answered, with the HSTS header Django sends over HTTPS only.
    assert seen["https"] == [200, "max-age=31536000; includeSubDomains; preload"]
    # Plain HTTP, said by the proxy or not said at all: sent to the same URL over HTTPS.
    assert seen["plain"] == [301, "https://crm.example.com/api/v2/docs?x=1"]
    assert seen["direct"] == [301, "https://crm.example.com/login"]
    assert seen["login"] == [200, True, "Lax"]
    assert seen["session_cookie_secure"] is True
    assert seen["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert seen["trusted_origins"] == ["https://crm.example.com"]
    assert seen["forwarded_allow_ips"] == "127.0.0.1,::1"


def test_without_the_environment_nothing_is_forced_to_https() -> None:
    """`make run` and the tests: plain HTTP on loopback works as before."""
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 0
    assert settings.SESSION_COOKIE_SECURE is False
    assert settings.LEADCREW_FORWARDED_ALLOW_IPS is None


# --- leadcrew serve: the development key ----------------------------------------------------


class FakeServer:
    """Stands for gunicorn: records the options instead of serving."""

    started: list[dict[str, Any]] = []

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def run(self) -> None:
        FakeServer.started.append(self.options)


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """`leadcrew serve` up to gunicorn's start, without database, static files or scheduler."""
    FakeServer.started = []
    monkeypatch.setattr(cli, "LeadcrewServer", FakeServer)
    monkeypatch.setattr(cli, "_warn_unapplied_migrations", lambda: None)
    monkeypatch.setattr(cli, "_collect_static_if_needed", lambda: None)
    return FakeServer.started


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "crm.example.com"])
@override_settings(SECRET_KEY=DEVELOPMENT_KEY, DEBUG=False)
def test_serve_refuses_the_development_key_beyond_loopback(
    host: str, fake_server: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--host", host, "--no-scheduler"]) == 1

    assert fake_server == []
    error = capsys.readouterr().err
    assert error.startswith("leadcrew: error: refusing to serve")
    assert "development secret key" in error
    assert "Set LEADCREW_SECRET_KEY" in error


@pytest.mark.parametrize("host", [None, "127.0.0.1", "127.0.1.1", "::1", "[::1]", "localhost"])
@override_settings(SECRET_KEY=DEVELOPMENT_KEY, DEBUG=False)
def test_serve_starts_on_loopback_with_the_development_key(
    host: str | None, fake_server: list[dict[str, Any]]
) -> None:
    """`make run` (--host 127.0.0.1) needs no set-up; neither does the default host."""
    assert cli.main(["serve", "--no-scheduler", *(["--host", host] if host else [])]) == 0
    assert len(fake_server) == 1


@override_settings(SECRET_KEY=DEVELOPMENT_KEY, DEBUG=True)
def test_serve_allows_the_development_key_anywhere_with_debug_on(
    fake_server: list[dict[str, Any]],
) -> None:
    assert cli.main(["serve", "--host", "0.0.0.0", "--no-scheduler"]) == 0
    assert len(fake_server) == 1


@override_settings(SECRET_KEY=secrets.token_urlsafe(50), DEBUG=False)
def test_serve_listens_anywhere_with_a_key_of_its_own(fake_server: list[dict[str, Any]]) -> None:
    assert cli.main(["serve", "--host", "0.0.0.0", "--no-scheduler"]) == 0
    assert fake_server[0]["bind"] == "0.0.0.0:8000"


def test_the_development_key_is_the_default_one() -> None:
    """What serve compares with is what settings.py falls back to."""
    env = {k: v for k, v in os.environ.items() if k != "LEADCREW_SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    code = "from config import settings; print(settings.SECRET_KEY)"
    done = run_python(code, env)
    assert done.stdout.strip() == DEVELOPMENT_KEY


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("::1", True),
        ("[::1]", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("128.0.0.1", False),
        ("localhost.example.com", False),
        ("", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert cli.is_loopback(host) is loopback


# --- leadcrew serve: gunicorn behind the proxy -------------------------------------------------


def gunicorn_config(**settings_: Any) -> Any:
    args = cli.build_parser().parse_args(["serve", "--workers", "2"])
    with override_settings(**settings_):
        options = cli._gunicorn_options(args, "http://127.0.0.1:8000", scheduler=None)
    return cli.LeadcrewServer(options).cfg


def test_serve_passes_the_trusted_proxies_to_gunicorn() -> None:
    cfg = gunicorn_config(LEADCREW_FORWARDED_ALLOW_IPS="10.0.0.7,10.1.0.0/16")
    assert cfg.forwarded_allow_ips == ["10.0.0.7", "10.1.0.0/16"]
    assert [str(network) for network in cfg.forwarded_allow_networks()] == [
        "10.0.0.7/32",
        "10.1.0.0/16",
    ]


def test_serve_keeps_gunicorns_default_proxies_when_unset() -> None:
    cfg = gunicorn_config(LEADCREW_FORWARDED_ALLOW_IPS=None)
    default = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(",")
    assert cfg.forwarded_allow_ips == default


# --- Account keys in query strings, out of the logs --------------------------------------------


def test_redaction_keeps_the_rest_of_the_url() -> None:
    assert (
        redact_query_secrets(f"GET /api/v2/leads?limit=5&api_key={SECRET}&offset=10 HTTP/1.1")
        == "GET /api/v2/leads?limit=5&api_key=[redacted]&offset=10 HTTP/1.1"
    )
    assert redact_query_secrets(f"api_key={SECRET}") == "api_key=[redacted]"
    assert redact_query_secrets(f"/x?API%5Fkey={SECRET}#top") == "/x?API%5Fkey=[redacted]#top"
    assert redact_query_secrets(f"/x?my_api_key={SECRET}") == f"/x?my_api_key={SECRET}"
    assert redact_query_secrets("/api/v2/ping") == "/api/v2/ping"


def test_gunicorn_access_log_redacts_the_api_key() -> None:
    """The access log line, as `leadcrew serve` configures gunicorn to write it."""
    cfg = gunicorn_config()
    log = cfg.logger_class(cfg)
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    log.access_log.addHandler(handler)
    try:
        url = f"/api/v2/leads?api_key={SECRET}&limit=5"
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": url,
            "PATH_INFO": "/api/v2/leads",
            "QUERY_STRING": f"api_key={SECRET}&limit=5",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_REFERER": f"https://crm.example.com{url}",
            "HTTP_USER_AGENT": "curl/8",
        }
        response = SimpleNamespace(status="200 OK", sent=42, headers=[])
        request = SimpleNamespace(headers=[("USER-AGENT", "curl/8")])
        log.access(response, request, environ, SimpleNamespace(seconds=0, microseconds=1500))
    finally:
        log.access_log.removeHandler(handler)

    line = lines.getvalue()
    assert '"GET /api/v2/leads?api_key=[redacted]&limit=5 HTTP/1.1" 200 42' in line
    assert SECRET not in line


def test_gunicorn_error_log_redacts_the_api_key() -> None:
    cfg = gunicorn_config()
    log = cfg.logger_class(cfg)
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    log.error_log.addHandler(handler)
    try:
        log.error("Invalid request from %s: /api/v2/leads?api_key=%s", "127.0.0.1", SECRET)
    finally:
        log.error_log.removeHandler(handler)
    assert "/api/v2/leads?api_key=[redacted]" in lines.getvalue()
    assert SECRET not in lines.getvalue()


def test_django_logs_redact_the_api_key() -> None:
    """Django's loggers write through the root's console handler, which redacts."""
    [console] = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
    ]
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate
    lines = io.StringIO()
    previous = console.setStream(lines)  # type: ignore[attr-defined]
    try:
        logging.getLogger("django.request").warning(
            "Bad Request: %s", f"/api/v2/leads?api_key={SECRET}"
        )
    finally:
        console.setStream(previous)  # type: ignore[attr-defined]
    assert "Bad Request: /api/v2/leads?api_key=[redacted]" in lines.getvalue()
    assert SECRET not in lines.getvalue()
