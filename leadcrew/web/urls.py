from django.urls import path

from leadcrew.web.views import auth, boards, lead, leads

app_name = "web"

urlpatterns = [
    path("", auth.home_view, name="home"),
    path("login", auth.login_view, name="login"),
    path("logout", auth.logout_view, name="logout"),
    path("password", auth.password_view, name="password"),
    path("language", auth.language_view, name="language"),
    path("leads", leads.lead_list, name="leads"),
    path("leads/bulk", leads.lead_bulk, name="bulk"),
    path("leads/export", leads.lead_export, name="export"),
    path("bulk/<int:bulk_id>/undo", leads.bulk_undo_view, name="undo"),
    path("leads/new", lead.lead_new, name="lead_new"),
    path("leads/<int:lead_id>", lead.lead_detail, name="lead"),
    path("leads/<int:lead_id>/owner", lead.lead_owner, name="lead_owner"),
    path("leads/<int:lead_id>/team", lead.lead_team, name="lead_team"),
    path("leads/<int:lead_id>/step", lead.lead_step, name="lead_step"),
    path("leads/<int:lead_id>/comments", lead.lead_comment, name="lead_comment"),
    path("leads/<int:lead_id>/delete", lead.lead_delete, name="lead_delete"),
    path("leads/<int:lead_id>/access", lead.lead_access, name="lead_access"),
    path("pipeline", boards.pipeline_board, name="pipeline"),
    path("unassigned", boards.unassigned_pool, name="unassigned"),
    path("todo", boards.todo_list, name="todo"),
]
