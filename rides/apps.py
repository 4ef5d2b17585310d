from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RidesConfig(AppConfig):
    name = "rides"
    verbose_name = _("Ride sharing")
