"""The web app's pages, mounted at ``/``. German paths, English view names."""

from django.urls import path

from .urls_member import urlpatterns as member_urlpatterns
from .views import accounts, offers, pages, search, trips

app_name = "web"

urlpatterns = [
    path("", search.start, name="start"),
    path("meine-fahrten/", trips.my_trips, name="my_trips"),
    path("fahrt-anbieten/", offers.offer_create, name="offer_create"),
    # car-sharing member pages and the map: web/urls_member.py
    *member_urlpatterns,
    # account
    path("anmelden/", accounts.login_view, name="login"),
    path("abmelden/", accounts.logout_view, name="logout"),
    path("registrieren/", accounts.register, name="register"),
    path("verify-email", accounts.verify_email, name="verify_email"),
    path("passwort-vergessen/", accounts.password_reset, name="password_reset"),
    path("reset-password", accounts.password_reset_confirm, name="password_reset_confirm"),
    path("konto/", accounts.account, name="account"),
    path("konto/meine-daten.json", accounts.account_export, name="account_export"),
    path("konto/loeschen/", accounts.account_delete, name="account_delete"),
    path("nachrichten/", pages.notifications, name="notifications"),
    path("nachrichten/gelesen/", pages.notifications_read, name="notifications_read"),
    path("datenschutz/", pages.privacy, name="privacy"),
    path("manifest.webmanifest", pages.manifest, name="manifest"),
    path("sw.js", pages.service_worker, name="service_worker"),
]
