from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "leadcrew.teams"
    label = "teams"
