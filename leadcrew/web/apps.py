from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "leadcrew.web"
    label = "web"
    verbose_name = "Web app"
