from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_statistics_figures")]

    operations = [
        migrations.AddIndex(
            model_name="dayfigures",
            index=models.Index(
                condition=models.Q(("owner_id", -1), ("team_id", -1)),
                fields=["account", "step_id"],
                name="day_figures_account_steps",
            ),
        ),
    ]
