from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "leadcrew.core"
    label = "core"
