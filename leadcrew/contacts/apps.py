from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite has no function to strip accents: the search's folding is Python's, the same
    PostgreSQL's `leadcrew_fold` does in SQL (migration contacts/0003)."""
    if connection.vendor != "sqlite":
        return
    from leadcrew.contacts.search import digits, fold_or_none

    connection.connection.create_function("leadcrew_fold", 1, fold_or_none, deterministic=True)
    connection.connection.create_function("leadcrew_digits", 1, digits, deterministic=True)


class ContactsConfig(AppConfig):
    name = "leadcrew.contacts"
    label = "contacts"

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_functions)
