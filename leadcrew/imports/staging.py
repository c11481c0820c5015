"""Spreadsheets the web import keeps between their preview and the import: each under a random
token in LEADCREW_IMPORT_DIR, named after the user it belongs to, removed once imported and
after a day in any case."""

import re
import secrets
import shutil
import time
from pathlib import Path
from typing import IO

from django.conf import settings

from leadcrew.core.errors import Code, InvalidParameter

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
MAX_AGE_SECONDS = 24 * 3600


def _dir() -> Path:
    path = Path(settings.LEADCREW_IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(user_id: int | None, token: str) -> Path:
    if not TOKEN.fullmatch(token):
        raise InvalidParameter("file", Code.IMPORT_UPLOAD_EXPIRED)
    return _dir() / f"{user_id or 0}-{token}"


def stage(user_id: int | None, source: IO[bytes]) -> str:
    """Copies an upload (streamed, in chunks) and answers its token."""
    _purge_old()
    token = secrets.token_urlsafe(24)
    with _path(user_id, token).open("wb") as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    return token


def staged(user_id: int | None, token: str) -> Path:
    """The staged file of this user, or an error: another user's token finds nothing."""
    path = _path(user_id, token)
    if not path.is_file():
        raise InvalidParameter("file", Code.IMPORT_UPLOAD_EXPIRED)
    return path


def unstage(user_id: int | None, token: str) -> None:
    _path(user_id, token).unlink(missing_ok=True)


def _purge_old() -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in _dir().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue
