"""Comments point to a real activity type, remember the team an activity counts for, and a
lead's reminder says what is planned.

Before, `activity_id` was a bare number nothing checked. Each number a comment carried becomes
a real type: the account's type of that id when there is one, otherwise a disabled type named
after the number (an admin may rename and enable it), so that no logged activity is lost."""

from importlib import import_module
from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def recreate_sqlite_tally_triggers(apps: Any, schema_editor: Any) -> None:
    """SQLite rebuilt leads_lead to add its foreign key, which dropped the tally's triggers
    (migration 0004): put them back. PostgreSQL altered the table in place."""
    if schema_editor.connection.vendor == "sqlite":
        tally = import_module("leadcrew.leads.migrations.0004_lead_tally")
        for statement in tally.SQLITE_TRIGGERS:
            schema_editor.execute(statement)


def link_activity_types(apps: Any, schema_editor: Any) -> None:
    comment_model = apps.get_model("leads", "Comment")
    activity_type = apps.get_model("activities", "ActivityType")
    pairs = (
        comment_model.objects.filter(activity_legacy__isnull=False)
        .values_list("account_id", "activity_legacy")
        .distinct()
    )
    for account_id, number in list(pairs):
        found = activity_type.objects.filter(account_id=account_id, pk=number).first()
        if found is None:
            name = f"Activity {number}"
            found = activity_type.objects.filter(account_id=account_id, name=name).first()
            if found is None:
                found = activity_type.objects.create(
                    account_id=account_id, name=name, kind="other", is_disabled=True, position=1000
                )
        comment_model.objects.filter(account_id=account_id, activity_legacy=number).update(
            activity_id=found.pk
        )
    # The team each past activity counts for, by the rule of new ones (the author a member of
    # the lead's team), as things stand now: the past memberships are not known.
    membership = apps.get_model("teams", "Membership")
    lead_model = apps.get_model("leads", "Lead")

    def team_of(lead_ref: Any) -> Any:
        return models.Subquery(lead_model.objects.filter(pk=lead_ref).values("team_id")[:1])

    lead_team = team_of(models.OuterRef("lead_id"))
    is_member = models.Exists(
        membership.objects.filter(
            user_id=models.OuterRef("author_id"),
            team_id=team_of(models.OuterRef(models.OuterRef("lead_id"))),
        )
    )
    comment_model.objects.filter(activity__isnull=False).filter(is_member).update(team_id=lead_team)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_default_types"),
        ("leads", "0005_lead_client_folder"),
        ("teams", "0001_initial"),
    ]

    operations = [
        migrations.RenameField("comment", "activity_id", "activity_legacy"),
        migrations.AddField(
            model_name="comment",
            name="activity",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="activities.activitytype",
            ),
        ),
        migrations.AddField(
            model_name="comment",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="teams.team",
            ),
        ),
        migrations.RunPython(link_activity_types, migrations.RunPython.noop),
        migrations.RemoveField("comment", "activity_legacy"),
        migrations.AddField(
            model_name="lead",
            name="remind_activity",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="activities.activitytype",
            ),
        ),
        migrations.AddField(
            model_name="lead",
            name="remind_note",
            field=models.CharField(blank=True, db_default="", default="", max_length=255),
        ),
        migrations.RunPython(recreate_sqlite_tally_triggers, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(fields=["lead", "-created_at", "-id"], name="comment_lead_newest"),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("activity__isnull", False)),
                fields=["account", "created_at", "activity", "author", "team", "lead"],
                name="activity_account_time",
            ),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("activity__isnull", False)),
                fields=["account", "team", "created_at", "activity", "author", "lead"],
                name="activity_team_time",
            ),
        ),
    ]
