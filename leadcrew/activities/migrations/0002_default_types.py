"""Every existing account gets the default activity types that new accounts start with."""

from typing import Any

from django.db import migrations

# Kept here as they were when this migration was written: models.DEFAULT_TYPES may change later.
DEFAULT_TYPES = (
    ("Call", "call", "phone", "#2e7d32"),
    ("E-mail", "email", "envelope", "#1565c0"),
    ("Meeting", "meeting", "users", "#6a1b9a"),
    ("Note", "note", "sticky-note", "#757575"),
)


def create_default_types(apps: Any, schema_editor: Any) -> None:
    account_model = apps.get_model("accounts", "Account")
    activity_type = apps.get_model("activities", "ActivityType")
    having = set(activity_type.objects.values_list("account_id", flat=True))
    activity_type.objects.bulk_create(
        activity_type(
            account_id=account_id, name=name, kind=kind, icon=icon, color=color, position=position
        )
        for account_id in account_model.objects.values_list("pk", flat=True)
        if account_id not in having
        for position, (name, kind, icon, color) in enumerate(DEFAULT_TYPES)
    )


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [migrations.RunPython(create_default_types, migrations.RunPython.noop)]
