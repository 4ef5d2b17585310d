from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mobility.notifications"
    label = "notifications"
