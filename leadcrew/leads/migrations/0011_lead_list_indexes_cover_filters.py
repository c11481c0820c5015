from django.db import migrations, models


class Migration(migrations.Migration):
    """The list indexes carry what a non-admin's list filters and sorts on (PostgreSQL's
    INCLUDE; SQLite ignores it): one owner's leads in any order, and one team's leads in the
    orders of the account's ordered indexes, are read from the index alone."""

    dependencies = [("leads", "0010_place_tally")]

    operations = [
        migrations.RemoveIndex(
            model_name="lead",
            name="lead_live_owner_by_id",
        ),
        migrations.RemoveIndex(
            model_name="lead",
            name="lead_live_created",
        ),
        migrations.RemoveIndex(
            model_name="lead",
            name="lead_live_amount",
        ),
        migrations.RemoveIndex(
            model_name="lead",
            name="lead_live_probability",
        ),
        migrations.RemoveIndex(
            model_name="lead",
            name="lead_live_title",
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["account", "owner", "-id"],
                include=("created_at", "amount", "probability", "title"),
                name="lead_live_owner_by_id",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["account", "created_at", "id"],
                include=("owner", "team"),
                name="lead_live_created",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["account", "amount", "id"],
                include=("owner", "team"),
                name="lead_live_amount",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["account", "probability", "id"],
                include=("owner", "team"),
                name="lead_live_probability",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["account", "title", "id"],
                include=("owner", "team"),
                name="lead_live_title",
            ),
        ),
    ]
