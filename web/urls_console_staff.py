"""The town-hall staff console at ``/verwaltung/`` (included from ``web.urls``; names in the
``web`` namespace, all starting with ``staff_``)."""

from django.urls import path

from .views import console_staff, console_staff_desk, console_staff_trips

urlpatterns = [
    path("", console_staff.home, name="staff_home"),
    path("dienstfahrten/neu/", console_staff_trips.official_trip_new, name="staff_official_trip_new"),
    path("grundlast/", console_staff_trips.calendar, name="staff_calendar"),
    path("grundlast/<int:reservation_id>/freigeben/", console_staff_trips.block_release, name="staff_block_release"),
    path("telefon/", console_staff_desk.phone_desk, name="staff_phone_desk"),
    path("telefon/buchen/", console_staff_desk.phone_desk_book, name="staff_phone_book"),
    path(
        "telefon/buchungen/<int:booking_id>/stornieren/",
        console_staff_desk.phone_desk_cancel,
        name="staff_phone_cancel",
    ),
]
