from django.db import migrations, models


class Migration(migrations.Migration):
    """Lists by next action and by weighted amount are read in order from an index, as the
    other orders are: the leads that have a next action (nulls come last both ways, read by
    id), and the weighted amount's expression. The owner's index carries the next action, so
    that one owner's leads are sorted on it from the index alone."""

    dependencies = [("leads", "0012_lead_pool_created")]

    operations = [
        migrations.RemoveIndex(
            model_name="lead",
            name="lead_live_owner_by_id",
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["account", "owner", "-id"],
                include=("created_at", "amount", "probability", "title", "next_action_at"),
                name="lead_live_owner_by_id",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True), ("next_action_at__isnull", False)),
                fields=["account", "next_action_at", "id"],
                include=("owner", "team"),
                name="lead_live_next_action",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                models.F("account"),
                models.ExpressionWrapper(
                    models.F("amount") * models.F("probability"),
                    output_field=models.DecimalField(),
                ),
                models.F("id"),
                condition=models.Q(("deleted_at__isnull", True)),
                include=("owner", "team"),
                name="lead_live_weighted",
            ),
        ),
    ]
