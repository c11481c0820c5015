from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0011_lead_list_indexes_cover_filters")]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True), ("owner__isnull", True)),
                fields=["account", "-created_at", "-id"],
                include=("team",),
                name="lead_pool_created",
            ),
        ),
    ]
