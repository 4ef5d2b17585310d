"""The town-hall staff console at ``/verwaltung/`` (included from ``web.urls``; names in the
``web`` namespace, all starting with ``staff_``)."""

from django.urls import path

from .views import console_staff, console_staff_desk, console_staff_manifest, console_staff_members, console_staff_trips

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
    path("fahrerlisten/", console_staff_manifest.manifests, name="staff_manifests"),
    path("fahrerlisten/<int:trip_id>/<str:day>/", console_staff_manifest.manifest, name="staff_manifest"),
    path("fahrerlisten/<int:trip_id>/<str:day>/pdf/", console_staff_manifest.manifest_pdf, name="staff_manifest_pdf"),
    path("mitgliedschaften/", console_staff_members.memberships, name="staff_memberships"),
    path(
        "mitgliedschaften/<int:membership_id>/entscheiden/",
        console_staff_members.membership_decide,
        name="staff_membership_decide",
    ),
]
