from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "mobility.stats"
    label = "stats"
    verbose_name = "Usage statistics"
