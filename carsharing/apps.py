from django.apps import AppConfig


class CarsharingConfig(AppConfig):
    name = "carsharing"
