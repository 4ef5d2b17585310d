from django.apps import AppConfig


class GtfsConfig(AppConfig):
    name = "gtfs"
