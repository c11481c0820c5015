from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "leadcrew.stats"
    label = "stats"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from leadcrew.stats.local_day import register_local_day

        connection_created.connect(register_local_day)
