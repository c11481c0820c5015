from django.urls import path

from leadcrew.web.views import admin, auth, boards, imports, lead, leads, stats, undo

app_name = "web"

urlpatterns = [
    path("", auth.home_view, name="home"),
    path("login", auth.login_view, name="login"),
    path("logout", auth.logout_view, name="logout"),
    path("password", auth.password_view, name="password"),
    path("profile", auth.profile_view, name="profile"),
    path("language", auth.language_view, name="language"),
    path("leads", leads.lead_list, name="leads"),
    path("leads/bulk", leads.lead_bulk, name="bulk"),
    path("leads/export", leads.lead_export, name="export"),
    path("bulk/<int:bulk_id>/undo", leads.bulk_undo_view, name="undo"),
    path("bulk", undo.bulk_actions_page, name="bulk_actions"),
    path("bulk/<int:bulk_id>/undo-here", undo.bulk_action_undo, name="bulk_action_undo"),
    path("bin", undo.bin_page, name="bin"),
    path("bin/<int:lead_id>/restore", undo.bin_restore, name="bin_restore"),
    path("leads/new", lead.lead_new, name="lead_new"),
    path("leads/import", imports.import_page, name="import"),
    path("leads/import/progress", imports.import_progress, name="import_progress"),
    path("leads/<int:lead_id>", lead.lead_detail, name="lead"),
    path("leads/<int:lead_id>/owner", lead.lead_owner, name="lead_owner"),
    path("leads/<int:lead_id>/team", lead.lead_team, name="lead_team"),
    path("leads/<int:lead_id>/step", lead.lead_step, name="lead_step"),
    path("leads/<int:lead_id>/status", lead.lead_status, name="lead_status"),
    path("leads/<int:lead_id>/comments", lead.lead_comment, name="lead_comment"),
    path("leads/<int:lead_id>/delete", lead.lead_delete, name="lead_delete"),
    path("leads/<int:lead_id>/access", lead.lead_access, name="lead_access"),
    path("pipeline", boards.pipeline_board, name="pipeline"),
    path("unassigned", boards.unassigned_pool, name="unassigned"),
    path("todo", boards.todo_list, name="todo"),
    # Statistics
    path("stats", stats.stats_page, name="stats"),
    path("stats/export", stats.stats_export, name="stats_export"),
    # The admin panel
    path("settings", admin.settings_home, name="settings"),
    path("settings/privacy", admin.settings_privacy, name="settings_privacy"),
    path("settings/teams", admin.settings_teams, name="settings_teams"),
    path("settings/teams/<int:team_id>/rename", admin.team_rename, name="team_rename"),
    path("settings/teams/<int:team_id>/delete", admin.team_delete, name="team_delete"),
    path("settings/teams/<int:team_id>/members", admin.team_member_add, name="team_member_add"),
    path(
        "settings/teams/<int:team_id>/members/<int:user_id>/remove",
        admin.team_member_remove,
        name="team_member_remove",
    ),
    path(
        "settings/teams/<int:team_id>/members/<int:user_id>/manager",
        admin.team_member_manager,
        name="team_member_manager",
    ),
    path(
        "settings/teams/<int:team_id>/round-robin", admin.team_round_robin, name="team_round_robin"
    ),
    path("settings/users", admin.settings_users, name="settings_users"),
    path("settings/users/<int:user_id>", admin.user_edit, name="user_edit"),
    path("settings/users/<int:user_id>/active", admin.user_active, name="user_active"),
    path("settings/users/<int:user_id>/delete", admin.user_delete, name="user_delete"),
    path("settings/pipelines", admin.settings_pipelines, name="settings_pipelines"),
    path("settings/pipelines/<int:pipeline_id>", admin.pipeline_edit, name="pipeline_edit"),
    path(
        "settings/pipelines/<int:pipeline_id>/delete",
        admin.pipeline_delete,
        name="pipeline_delete",
    ),
    path("settings/pipelines/<int:pipeline_id>/steps", admin.step_add, name="step_add"),
    path("settings/steps/<int:step_id>", admin.step_edit, name="step_edit"),
    path("settings/steps/<int:step_id>/delete", admin.step_delete, name="step_delete"),
    path("settings/api-keys", admin.settings_api_keys, name="settings_api_keys"),
    path("settings/api-keys/<int:key_id>/revoke", admin.api_key_revoke, name="api_key_revoke"),
    path("settings/data", admin.settings_data, name="settings_data"),
    path("settings/log", admin.settings_log, name="settings_log"),
]
