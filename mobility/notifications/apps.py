from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mobility.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import signals

        signals.connect()
