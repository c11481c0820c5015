from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "leadcrew.imports"
    label = "imports"
