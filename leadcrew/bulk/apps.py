from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "leadcrew.bulk"
    label = "bulk"
