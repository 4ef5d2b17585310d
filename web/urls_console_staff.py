"""The town-hall staff console at ``/verwaltung/`` (included from ``web.urls``; names in the
``web`` namespace, all starting with ``staff_``)."""

from django.urls import path

from .views import console_staff

urlpatterns = [
    path("", console_staff.home, name="staff_home"),
]
