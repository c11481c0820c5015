from django.apps import AppConfig


class MigrationConfig(AppConfig):
    name = "leadcrew.migration"
    label = "migration"
