"""Every existing account gets the default lead fields a new account starts with."""

from django.db import migrations
from django.utils import timezone

# As they were when this migration was written (leadcrew/contacts/services.py has today's).
DEFAULT_LEAD_FIELDS = (
    ("first_name", "First name", "text"),
    ("last_name", "Last name", "text"),
    ("email", "Email", "email"),
    ("phone", "Phone", "phone"),
    ("company", "Company", "text"),
    ("address", "Address", "text"),
    ("web", "Web", "url"),
)


def add_default_fields(apps, schema_editor):  # type: ignore[no-untyped-def]
    Account = apps.get_model("accounts", "Account")
    Field = apps.get_model("contacts", "Field")
    now = timezone.now()
    for account_id in Account.objects.values_list("pk", flat=True).iterator():
        taken = set(
            Field.objects.filter(account_id=account_id, parent_type="lead").values_list(
                "key", flat=True
            )
        )
        Field.objects.bulk_create(
            Field(
                account_id=account_id,
                parent_type="lead",
                key=key,
                name=name,
                type=type_,
                is_key=key in ("email", "phone"),
                position=position,
                created_at=now,
            )
            for position, (key, name, type_) in enumerate(DEFAULT_LEAD_FIELDS)
            if key not in taken
        )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial"), ("accounts", "0002_websession")]

    operations = [migrations.RunPython(add_default_fields, migrations.RunPython.noop)]
