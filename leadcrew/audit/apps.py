from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "leadcrew.audit"
    label = "audit"
