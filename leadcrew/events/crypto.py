"""The API keys webhooks sign with, kept encrypted: the accounts app keeps only their hashes,
and a database dump must not hand them out. The key derives from SECRET_KEY; a server whose
SECRET_KEY changed can no longer read them, and says so in the delivery log."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"leadcrew.webhook-keys:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str | None:
    """The value, or None when it cannot be read (SECRET_KEY changed)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None
