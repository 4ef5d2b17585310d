"""The web app's pages, mounted at ``/``. German paths, English view names."""

from django.urls import include, path

from .urls_member import urlpatterns as member_urlpatterns
from .urls_operator import urlpatterns as operator_urlpatterns
from .views import accounts, bench, booking, offers, pages, search, trips

app_name = "web"

urlpatterns = [
    path("", search.start, name="start"),
    path("orte/", search.place_suggestions, name="place_suggestions"),
    path("verbindungen/", search.results, name="results"),
    path("verbindungen/<int:index>/", search.option_detail, name="option_detail"),
    path("buchen/buergerbus/", booking.buergerbus_book, name="book_buergerbus"),
    path("buchen/mitfahrt/", booking.ride_book, name="book_ride"),
    path("buchung/<str:kind>/<int:pk>/", booking.confirmation, name="booking_confirmation"),
    path("meine-fahrten/", trips.my_trips, name="my_trips"),
    path("meine-fahrten/buergerbus/<int:pk>/stornieren/", trips.buergerbus_cancel, name="buergerbus_cancel"),
    path("meine-fahrten/mitfahrt/<int:pk>/stornieren/", trips.ride_booking_cancel, name="ride_booking_cancel"),
    path("fahrt-anbieten/", offers.offer_create, name="offer_create"),
    path("meine-angebote/<int:pk>/", offers.offer_detail, name="offer_detail"),
    path("meine-angebote/<int:pk>/absagen/", offers.offer_cancel, name="offer_cancel"),
    path("anfragen/<int:pk>/annehmen/", offers.booking_accept, name="ride_booking_accept"),
    path("anfragen/<int:pk>/ablehnen/", offers.booking_decline, name="ride_booking_decline"),
    # the Mitfahrbank: the page behind a bench's QR code, no account needed
    path("bank/<str:code>/", bench.bench_page, name="bench"),
    path("bank/<str:code>/schild/", bench.bench_sign, name="bench_sign"),
    path("bank/<str:code>/anfrage/<str:token>/", bench.bench_request_page, name="bench_request"),
    path("bank/<str:code>/anfrage/<str:token>/status/", bench.bench_request_status, name="bench_request_status"),
    path("bank/<str:code>/anfrage/<str:token>/abbrechen/", bench.bench_request_cancel, name="bench_request_cancel"),
    # car-sharing member pages and the map: web/urls_member.py
    *member_urlpatterns,
    path("verwaltung/", include("web.urls_console_staff")),  # the town-hall staff console
    *operator_urlpatterns,  # the operator console: web/urls_operator.py
    # account
    path("anmelden/", accounts.login_view, name="login"),
    path("abmelden/", accounts.logout_view, name="logout"),
    path("registrieren/", accounts.register, name="register"),
    path("verify-email", accounts.verify_email, name="verify_email"),
    path("passwort-vergessen/", accounts.password_reset, name="password_reset"),
    path("reset-password", accounts.password_reset_confirm, name="password_reset_confirm"),
    path("konto/", accounts.account, name="account"),
    path("konto/nur-frauen/", accounts.account_women_option, name="account_women_option"),
    path("konto/meine-daten.json", accounts.account_export, name="account_export"),
    path("konto/loeschen/", accounts.account_delete, name="account_delete"),
    path("nachrichten/", pages.notifications, name="notifications"),
    path("nachrichten/gelesen/", pages.notifications_read, name="notifications_read"),
    path("datenschutz/", pages.privacy, name="privacy"),
    path("manifest.webmanifest", pages.manifest, name="manifest"),
    path("sw.js", pages.service_worker, name="service_worker"),
]
