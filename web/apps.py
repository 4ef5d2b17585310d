from django.apps import AppConfig


class WebConfig(AppConfig):
    """The HTML layer for residents and members: server-rendered pages over the services."""

    name = "web"
    label = "web"
    verbose_name = "Web app"
