from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarsharingConfig(AppConfig):
    name = "carsharing"
    verbose_name = _("Car-sharing")
