from django.apps import AppConfig


class OndemandConfig(AppConfig):
    name = "ondemand"
    verbose_name = "Rufbus (on demand)"
