from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leadcrew.leads"
    label = "leads"
