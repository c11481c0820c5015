"""The database cache's table (settings.CACHES), where the API rate limit and the login throttle
count when no Redis is configured. Created by the migrations so that every way a database is set
up (`leadcrew migrate`, `manage.py migrate`, the tests, the benchmark) has it; `leadcrew migrate`
also creates it again should the settings move from Redis back to the database later."""

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    # Does nothing when the configured cache is not a database cache, or its table exists.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
