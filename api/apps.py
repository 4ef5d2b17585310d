from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "HTTP and WebSocket API"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers OpenAPI extensions)
