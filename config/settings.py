"""One settings file, driven by the environment.

SQLite at var/leadcrew.sqlite3 unless DATABASE_URL points elsewhere (postgres://…).
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("LEADCREW_DEBUG")
# A fixed development key keeps `make run` a one-step affair; production sets its own.
SECRET_KEY = os.environ.get(
    "LEADCREW_SECRET_KEY", "insecure-development-key-change-me-in-production"
)
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("LEADCREW_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
        ","
    )
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "leadcrew.core",
    "leadcrew.accounts",
    "leadcrew.teams",
    "leadcrew.leads",
    "leadcrew.bulk",
    "leadcrew.audit",
    "django_htmx",
    "leadcrew.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "leadcrew.core.middleware.ApiJsonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leadcrew.web.context_processors.web",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'leadcrew.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the reminder scheduler write while web workers read.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["leadcrew.accounts.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
# Behind HTTPS, send the session and CSRF cookies only over it.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_flag("LEADCREW_SECURE_COOKIES")

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
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LEADCREW_LOG_LEVEL", "INFO")},
}

# The API answers every error in its own JSON format; Django's HTML pages are for the web app.
NINJA_PAGINATION_MAX_LIMIT = 1000
# How often the server turns passed standby reminders back into to-dos (seconds).
LEADCREW_REMINDER_INTERVAL = int(os.environ.get("LEADCREW_REMINDER_INTERVAL", "30"))
# Per-credential API rate limit (requests per minute); 0 turns it off.
LEADCREW_API_RATE_LIMIT = int(os.environ.get("LEADCREW_API_RATE_LIMIT", "0"))
