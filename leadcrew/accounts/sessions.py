"""The web app's session engine: Django's database sessions, stored as `WebSession` rows that
carry the id of the logged-in user (docs/operations.md). Set as SESSION_ENGINE."""

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from leadcrew.accounts.models import WebSession


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[WebSession]:
        return WebSession

    def create_model_instance(self, data: dict[str, Any]) -> WebSession:
        session = super().create_model_instance(data)
        assert isinstance(session, WebSession)
        try:
            session.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            session.user_id = None
        return session


def user_sessions_end(*, user_id: int) -> int:
    """Deletes every web session of the user: each browser they were logged in with is logged
    out at its next request (and stays so, even if they are enabled again). Answers how many
    sessions ended."""
    deleted, _ = WebSession.objects.filter(user_id=user_id).delete()
    return deleted
