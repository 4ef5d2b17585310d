from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OndemandConfig(AppConfig):
    name = "ondemand"
    verbose_name = _("Rufbus (on demand)")
