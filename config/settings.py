"""One settings file, driven by the environment.

SQLite at var/leadcrew.sqlite3 unless DATABASE_URL points elsewhere (postgres://…).
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("LEADCREW_DEBUG")
# A fixed development key keeps `make run` a one-step affair; production sets its own.
# `leadcrew serve` refuses to listen beyond the loopback interface with it (leadcrew/cli.py).
LEADCREW_DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me-in-production"
SECRET_KEY = os.environ.get("LEADCREW_SECRET_KEY", LEADCREW_DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("LEADCREW_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "leadcrew.core",
    "leadcrew.accounts",
    "leadcrew.teams",
    "leadcrew.activities",
    "leadcrew.leads",
    "leadcrew.contacts",
    "leadcrew.bulk",
    "leadcrew.audit",
    "leadcrew.imports",
    "leadcrew.migration",
    "leadcrew.events",
    "leadcrew.stats",
    # The task queue in leadcrew's own database: webhook deliveries and e-mails
    # (docs/operations.md, "The worker").
    "django_tasks_db",
    "django_htmx",
    # Only for its templates and static files: the API docs page (/api/v2/docs) then loads
    # Swagger UI from leadcrew's own static files, not from a CDN.
    "ninja",
    "leadcrew.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "leadcrew.core.middleware.ApiJsonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whose writes a replica read must see; not used without replicas.
    "leadcrew.core.replicas.ReadYourWritesMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "leadcrew.web.middleware.WebRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leadcrew.web.context_processors.web",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'leadcrew.sqlite3'}")
DATABASES = {
    # A connection kept between requests is checked before it is reused: a database restart
    # or a dropped connection costs one reconnection, not one failed request per worker.
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the reminder scheduler write while web workers read.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # An index's INCLUDE columns (PostgreSQL) are left out on SQLite: its plans do not use them.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# No JIT compilation: PostgreSQL compiles a statement whose estimated cost passes
# jit_above_cost, which an estimate over ten million comments does for a search that finds
# three rows; compiling took 250 ms of a 270 ms search. leadcrew's statements are short.
# Prepared statements keep their generic plan: left to choose, PostgreSQL planned a lead's row
# (a join of ten tables) again at every run, 5 ms of a 6 ms read. Only the statements every
# request runs, written so that one plan suits every parameter, are prepared (with parameters
# bound by the server: leadcrew/core/compiled.py); every other statement is sent with its values
# in place (Django's default), so PostgreSQL plans it for them at each run.
POSTGRESQL_OPTIONS = {"options": "-c jit=off -c plan_cache_mode=force_generic_plan"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        **POSTGRESQL_OPTIONS,
        **dict(DATABASES["default"].get("OPTIONS") or {}),
    }

# --- Read replicas and a connection pooler (docs/operations.md, "Read replicas") --------------
# LEADCREW_REPLICA_URLS: comma-separated postgres:// URLs of streaming replicas of the primary.
# Only the reads that tolerate lag go there, chosen by the functions that make them
# (leadcrew/core/replicas.py); each replica is the database alias replica_1, replica_2, ….
LEADCREW_REPLICA_URLS = env_list("LEADCREW_REPLICA_URLS")
# After a caller's write, how long their replica reads wait for the replicas to replay it (on
# the primary meanwhile); past it they read the replicas as they are.
LEADCREW_READ_YOUR_WRITES_SECONDS = int(os.environ.get("LEADCREW_READ_YOUR_WRITES_SECONDS", "30"))
# How long a replica that did not answer is left out before it is tried again.
LEADCREW_REPLICA_RETRY_SECONDS = int(os.environ.get("LEADCREW_REPLICA_RETRY_SECONDS", "30"))
# "pgbouncer": the databases are reached through PgBouncer in transaction mode, where one
# client's statements may run on different server connections: no server-side prepared
# statement, no server-side cursor (which outlive the transaction that made them).
LEADCREW_DATABASE_POOLER = os.environ.get("LEADCREW_DATABASE_POOLER", "").strip().lower()
POOLERS = ("pgbouncer",)
# Whether the statements every request runs are prepared (leadcrew/core/compiled.py): not behind
# PgBouncer in transaction mode, where a prepared statement may be on another server connection.
LEADCREW_PREPARED_STATEMENTS = LEADCREW_DATABASE_POOLER != "pgbouncer"


def configure_databases(
    databases: dict[str, Any], replica_urls: list[str], pooler: str
) -> list[str]:
    """Adds the replicas to `databases`, applies the pooler's needs; the replicas' aliases."""
    from django.core.exceptions import ImproperlyConfigured

    postgresql = "django.db.backends.postgresql"
    aliases = []
    if replica_urls and databases["default"]["ENGINE"] != postgresql:
        raise ImproperlyConfigured("LEADCREW_REPLICA_URLS needs a PostgreSQL DATABASE_URL")
    for number, url in enumerate(replica_urls, start=1):
        replica = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if replica["ENGINE"] != postgresql:
            raise ImproperlyConfigured(f"LEADCREW_REPLICA_URLS: not a postgres:// URL: {url}")
        # A replica that does not answer is given up on after seconds, not minutes.
        replica["OPTIONS"] = {
            "connect_timeout": 2,
            **POSTGRESQL_OPTIONS,
            **dict(replica.get("OPTIONS") or {}),
        }
        # Tests create no database for a replica: it is the primary's test database.
        replica["TEST"] = {"MIRROR": "default"}
        alias = f"replica_{number}"
        databases[alias] = replica
        aliases.append(alias)
    if pooler and pooler not in POOLERS:
        raise ImproperlyConfigured(f"LEADCREW_DATABASE_POOLER: one of {', '.join(POOLERS)}")
    if pooler == "pgbouncer":
        for database in databases.values():
            if database["ENGINE"] != postgresql:
                continue
            options = dict(database.get("OPTIONS") or {})
            options["prepare_threshold"] = None
            options.pop("server_side_binding", None)
            # PgBouncer refuses startup options: set jit = off on the server instead.
            options.pop("options", None)
            database["OPTIONS"] = options
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
    return aliases


LEADCREW_REPLICA_ALIASES = configure_databases(
    DATABASES, LEADCREW_REPLICA_URLS, LEADCREW_DATABASE_POOLER
)
if LEADCREW_REPLICA_ALIASES:
    DATABASE_ROUTERS = ["leadcrew.core.replicas.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["leadcrew.accounts.backends.EmailBackend"]
# For every password a person chooses (API, web app, `leadcrew create-account`). The demo's
# published password is set directly by `leadcrew demo`, never through these.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "leadcrew" / "locale"]
LANGUAGE_COOKIE_NAME = "leadcrew_language"

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:leads"
# Database sessions that know their user, so disabling or deleting a user ends their sessions
# (leadcrew/accounts/sessions.py).
SESSION_ENGINE = "leadcrew.accounts.sessions"

# --- Behind a TLS proxy (docs/operations.md, "Running behind a TLS proxy") ---------------------
# Send the session and CSRF cookies only over HTTPS.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_flag("LEADCREW_SECURE_COOKIES")
# Origins (scheme and host) whose POSTs are trusted besides the request's own host, e.g.
# https://crm.example.com when the proxy does not pass the public Host header on.
CSRF_TRUSTED_ORIGINS = env_list("LEADCREW_CSRF_TRUSTED_ORIGINS")
# The proxy terminates TLS and says so in X-Forwarded-Proto: only set it when every request
# reaches leadcrew through a proxy that sets (or strips) that header itself.
if env_flag("LEADCREW_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("LEADCREW_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("LEADCREW_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("LEADCREW_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_flag("LEADCREW_HSTS_PRELOAD")
# The proxies gunicorn believes about the scheme (X-Forwarded-Proto): `leadcrew serve` passes
# it as gunicorn's forwarded_allow_ips. None keeps gunicorn's default (FORWARDED_ALLOW_IPS, or
# the loopback addresses).
LEADCREW_FORWARDED_ALLOW_IPS = os.environ.get("LEADCREW_FORWARDED_ALLOW_IPS") or None

# Every page's scripts, styles and images come from leadcrew itself: htmx, Chart.js and the API
# docs' Swagger UI are static files (no inline script, style or event handler; htmx's
# indicator styles are off, see base.html). An inline script would need nonce="{{ csp_nonce }}".
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # data: for the page icon (base.html) and Swagger UI's icons, inlined in its stylesheet.
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it, even before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # An account key sent as ?api_key=… never reaches the logs in clear.
    "filters": {"redact_secrets": {"()": "leadcrew.core.redact.RedactSecretsFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LEADCREW_LOG_LEVEL", "INFO")},
    # Django's own handlers (a console with DEBUG on, mail_admins) would print its records
    # unfiltered, and twice with DEBUG on: they all go through the root's console instead.
    "loggers": {"django": {"handlers": []}},
}

# The API answers every error in its own JSON format; Django's HTML pages are for the web app.
NINJA_PAGINATION_MAX_LIMIT = 1000
# How often the server turns passed standby reminders back into to-dos (seconds).
LEADCREW_REMINDER_INTERVAL = int(os.environ.get("LEADCREW_REMINDER_INTERVAL", "30"))
# The hour (0-23, in each user's time zone) from which the daily digest of their to-do goes out.
LEADCREW_DIGEST_HOUR = int(os.environ.get("LEADCREW_DIGEST_HOUR", "7"))
# Per-credential API rate limit (requests per minute); 0 turns it off.
LEADCREW_API_RATE_LIMIT = int(os.environ.get("LEADCREW_API_RATE_LIMIT", "0"))
# Per-account API quota (requests per UTC day, every credential of the account together; the
# reference API allows 2000); 0 turns it off.
LEADCREW_API_DAILY_LIMIT = int(os.environ.get("LEADCREW_API_DAILY_LIMIT", "0"))
# The largest spreadsheet an import accepts, in bytes (larger ones get 413). A row of a lead
# is about 100 bytes: the default takes a few hundred thousand leads.
LEADCREW_IMPORT_MAX_BYTES = int(os.environ.get("LEADCREW_IMPORT_MAX_BYTES", str(50 * 1_000_000)))
# Where the web import keeps an uploaded spreadsheet between its preview and the import (a
# day at most). Several servers behind a load balancer need it on a shared disk.
LEADCREW_IMPORT_DIR = Path(os.environ.get("LEADCREW_IMPORT_DIR") or BASE_DIR / "var" / "imports")

# --- Shared counters: the API rate limit and the login throttle (docs/operations.md) ----------
# Counted in Django's cache, which every worker of every server must share: the database's own
# cache table by default (created by `leadcrew migrate`), Redis when LEADCREW_CACHE_URL is set
# (redis://host:6379/0, rediss://… for TLS, unix:///path.sock).
DATABASE_CACHE_TABLE = "leadcrew_cache"
# Past this many rows the database cache deletes expired rows, then a third of the others:
# high enough that an attacker cannot push live locks out, low enough that the row count it
# takes on each write stays cheap.
DATABASE_CACHE_MAX_ENTRIES = 10_000
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def cache_settings(url: str) -> dict[str, dict[str, object]]:
    if not url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": DATABASE_CACHE_TABLE,
                "OPTIONS": {"MAX_ENTRIES": DATABASE_CACHE_MAX_ENTRIES},
            }
        }
    if not url.startswith(REDIS_SCHEMES):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"LEADCREW_CACHE_URL names a Redis server: it starts with {', '.join(REDIS_SCHEMES)}"
        )
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "leadcrew",
            # A Redis that stops answering fails the request after seconds, not never.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


LEADCREW_CACHE_URL = os.environ.get("LEADCREW_CACHE_URL", "").strip()
CACHES = cache_settings(LEADCREW_CACHE_URL)
# Login throttle (leadcrew/accounts/throttle.py): failed logins allowed per e-mail and per
# client address within LEADCREW_LOGIN_LOCKOUT_SECONDS, before logins there are refused for as
# long again. 0 turns either count off.
LEADCREW_LOGIN_FAILURES_PER_EMAIL = int(os.environ.get("LEADCREW_LOGIN_FAILURES_PER_EMAIL", "5"))
LEADCREW_LOGIN_FAILURES_PER_ADDRESS = int(
    os.environ.get("LEADCREW_LOGIN_FAILURES_PER_ADDRESS", "20")
)
LEADCREW_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LEADCREW_LOGIN_LOCKOUT_SECONDS", "900"))
# "Forgot password?" requests allowed per e-mail and per client address within one
# LEADCREW_LOGIN_LOCKOUT_SECONDS window (leadcrew/accounts/throttle.py); 0 turns either count off.
LEADCREW_RESET_REQUESTS_PER_EMAIL = int(os.environ.get("LEADCREW_RESET_REQUESTS_PER_EMAIL", "3"))
LEADCREW_RESET_REQUESTS_PER_ADDRESS = int(
    os.environ.get("LEADCREW_RESET_REQUESTS_PER_ADDRESS", "10")
)
# How many login passwords this machine checks at once (leadcrew/accounts/login_slots.py): by
# default half its cores, so that attackers' guesses never take every core; 0: no bound.
LEADCREW_LOGIN_CONCURRENCY = int(
    os.environ.get("LEADCREW_LOGIN_CONCURRENCY", max((os.cpu_count() or 1) // 2, 1))
)
# Where the slots' lock files live: one folder for every leadcrew server of the machine.
LEADCREW_LOGIN_SLOTS_DIR = Path(
    os.environ.get("LEADCREW_LOGIN_SLOTS_DIR") or BASE_DIR / "var" / "login-slots"
)


# --- Events out: webhooks and notifications (docs/operations.md, "The worker") ---------------
# Django's tasks framework, with its queue in the project's own database: `leadcrew serve`
# starts a worker beside the scheduler, `leadcrew worker` runs more of them.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Hosts a webhook may reach over plain http:// or at a private or loopback address (tests, a
# private network); every other target must be https:// to a public address.
LEADCREW_WEBHOOK_ALLOWED_HOSTS = env_list("LEADCREW_WEBHOOK_ALLOWED_HOSTS")
# How long one delivery waits for the receiver's answer (seconds).
LEADCREW_WEBHOOK_TIMEOUT = float(os.environ.get("LEADCREW_WEBHOOK_TIMEOUT", "10"))
# The public address of the web app, for the links in e-mails (http://127.0.0.1:8000 by default).
LEADCREW_SITE_URL = os.environ.get("LEADCREW_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def mailer_settings(url: str) -> dict[str, object]:
    """Django's mailer from one URL: smtp://user:password@host:25 (add ?tls=1 for STARTTLS, as
    on port 587), smtps://… (TLS from the start, port 465), console:// (the server's output,
    the default)."""
    from urllib.parse import parse_qs, unquote, urlsplit

    if not url or url.startswith("console:"):
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("LEADCREW_EMAIL_URL starts with smtp://, smtps:// or console://")
    query = parse_qs(parts.query)
    use_ssl = parts.scheme == "smtps"
    use_tls = query.get("tls", ["0"])[0] in {"1", "true", "yes"}
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if use_ssl else 587 if use_tls else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": use_ssl,
            "use_tls": use_tls,
            "timeout": 20,
        },
    }


LEADCREW_EMAIL_URL = os.environ.get("LEADCREW_EMAIL_URL", "").strip()
MAILERS = {"default": mailer_settings(LEADCREW_EMAIL_URL)}
DEFAULT_FROM_EMAIL = os.environ.get("LEADCREW_EMAIL_FROM", "leadcrew <noreply@localhost>")
