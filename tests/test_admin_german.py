"""The Django admin speaks German: model names, field names, choice labels and app names of
every model the admin shows are translated (English msgids in the code, German in
``locale/de``), and the admin pages a staff member opens show German column headers.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.utils import translation

from tests.factories import UserFactory

# Words that are the same in German and English (or names): allowed to stay as they are.
SAME_IN_BOTH = {
    "Bürgerbus", "Mitfahrbank", "URL", "Zone (locations.geojson)", "[min_lon, min_lat, max_lon, max_lat]",
    "Deutsch", "English",  # the language choices name themselves
}  # fmt: skip
# Our apps; admin models of other apps (Django's groups, knox tokens) bring their own catalogues.
OUR_APPS = {"accounts", "core", "notifications", "privacy", "carsharing", "gtfs", "rides", "ondemand", "stats"}


def _our_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


def _labels(model: type[models.Model]) -> list[tuple[str, object]]:
    """(where, lazy text) of every label a person can read for ``model`` in the admin."""
    meta = model._meta
    found: list[tuple[str, object]] = [
        (f"{meta.label} verbose_name", meta.verbose_name),
        (f"{meta.label} verbose_name_plural", meta.verbose_name_plural),
    ]
    for field in meta.get_fields():
        if field.auto_created or isinstance(field, models.CompositePrimaryKey):
            continue  # reverse relations, the automatic ``id`` ("ID" in both), the composite key of stop times
        if field.model is not model and field.model._meta.app_label not in OUR_APPS:
            continue  # inherited from Django (password, last login, groups: Django's own catalogue)
        found.append((f"{meta.label}.{field.name}", field.verbose_name))
        if getattr(field, "help_text", ""):
            found.append((f"{meta.label}.{field.name} help_text", field.help_text))
        for value, label in field.choices or []:
            found.append((f"{meta.label}.{field.name}={value}", label))
    return found


def _untranslated(pairs: list[tuple[str, object]]) -> list[tuple[str, str]]:
    with translation.override("en"):
        english = {where: str(text) for where, text in pairs}
    with translation.override("de"):
        german = {where: str(text) for where, text in pairs}
    return [
        (where, german[where])
        for where in german
        if german[where] == english[where] and german[where] not in SAME_IN_BOTH
    ]


def test_every_model_field_help_text_and_choice_label_of_our_apps_is_german():
    models_ = _our_models()
    assert len(models_) >= 50  # every app's models, not a few
    pairs = [pair for model in models_ for pair in _labels(model)]
    assert len(pairs) > 600
    assert _untranslated(pairs) == []


def test_every_model_the_admin_shows_is_german_but_knox_tokens():
    # knox's AuthToken has a plain (untranslatable) verbose name; changing it in our code would
    # change knox's migration state. Django's own groups come translated.
    registered = [m for m in admin.site._registry if m._meta.app_label != "knox"]  # noqa: SLF001
    assert {m._meta.label for m in registered} >= {"accounts.User", "carsharing.Reservation", "gtfs.Feed"}
    names = [(f"{m._meta.label}", m._meta.verbose_name) for m in registered]
    names += [(f"{m._meta.label} plural", m._meta.verbose_name_plural) for m in registered]
    assert _untranslated(names) == []


def test_app_names_are_german():
    pairs = [(config.label, config.verbose_name) for config in apps.get_app_configs() if config.label in OUR_APPS]
    assert _untranslated(pairs) == []
    with translation.override("de"):
        assert str(apps.get_app_config("carsharing").verbose_name) == "Carsharing"
        assert str(apps.get_app_config("privacy").verbose_name) == "Datenschutz (DSGVO)"


def test_some_labels_read_as_a_german_staff_member_expects():
    from carsharing.models import Reservation, ReservationStatus
    from gtfs.models import BuergerbusBooking

    with translation.override("de"):
        assert str(Reservation._meta.verbose_name_plural) == "Reservierungen"
        assert str(Reservation._meta.get_field("cost_centre").verbose_name) == "Kostenstelle"
        assert str(ReservationStatus.HELD.label) == "Vorgemerkt (Zahlung wird veranlasst)"
        assert str(BuergerbusBooking._meta.verbose_name) == "Bürgerbus-Buchung"
    with translation.override("en"):
        assert str(Reservation._meta.get_field("cost_centre").verbose_name) == "cost centre"
        assert str(ReservationStatus.HELD.label) == "Held (payment being arranged)"


# --- the pages ------------------------------------------------------------------------------------


def _headers(html: str) -> list[str]:
    """The column headers of a changelist (sortable or not), as text."""
    table = html.split('id="result_list"', 1)[1].split("</thead>", 1)[0]
    cells = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.DOTALL)
    cells = [re.sub(r'<div class="sortoptions">.*?</div>', "", cell, flags=re.DOTALL) for cell in cells]
    texts = [re.sub(r"<[^>]+>", " ", cell) for cell in cells]
    return [" ".join(t.split()) for t in texts if t.strip()]


def _labels_on_form(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", t).split()) for t in re.findall(r"<label[^>]*>(.*?)</label>", html)]


@pytest.fixture
def operator_client(client, db):
    user = UserFactory(email="root@rathaus.example.org", is_operator=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/admin/carsharing/reservation/", ["ID", "Fahrzeug", "Art", "Status", "Beginn", "Ende", "Kostenstelle",
                                            "Schätzung (Cent)", "Tatsächlicher Preis (Cent)"]),
        ("/admin/accounts/user/", ["ID", "E-Mail-Adresse", "Anzeigename", "Carsharing-Mitglied", "Rathaus-Mitarbeiter",
                                   "Betreiber", "Aktiv"]),
        ("/admin/carsharing/vehicle/", ["Kennzeichen", "Fahrzeugtyp", "Station", "In Betrieb", "Kilometerstand (km)"]),
        ("/admin/carsharing/membership/", ["Nutzer", "Status", "Ablaufdatum des Führerscheins", "Geprüft am",
                                           "Entschieden am"]),
    ],
)  # fmt: skip
def test_changelists_show_german_column_headers(operator_client, url, headers):
    from tests.factories import MembershipFactory, ReservationFactory

    ReservationFactory()  # with its vehicle and user: a changelist shows its headers only above rows
    MembershipFactory()
    response = operator_client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "de"
    html = response.content.decode()
    found = _headers(html)
    assert found == headers  # (the select-all checkbox column has no text)
    with translation.override("en"):
        english = {
            str(f.verbose_name) for m in _our_models() for f in m._meta.get_fields() if hasattr(f, "verbose_name")
        }
    assert [
        h for h in found if h.lower() in {e.lower() for e in english} and h not in {"ID", "Station", "Status"}
    ] == []


@pytest.mark.django_db
def test_a_change_page_labels_fields_and_choices_in_german(operator_client):
    from carsharing.models import VehicleType

    vehicle_type = VehicleType.objects.create(name="Kleinwagen", seats=4, propulsion="electric", range_km=300)
    html = operator_client.get(f"/admin/carsharing/vehicletype/{vehicle_type.pk}/change/").content.decode()
    assert _labels_on_form(html) == ["Name:", "Plätze:", "Antrieb:", "Reichweite (km):"]
    assert '<option value="electric" selected>Elektrisch</option>' in html
    assert '<option value="combustion">Verbrenner</option>' in html
    assert "Reichweite mit vollem Tank oder voller Ladung, km" in html  # the help text
    assert "<title>Kleinwagen | Fahrzeugtyp ändern |" in html


@pytest.mark.django_db
def test_the_admin_index_names_apps_and_models_in_german(operator_client):
    html = operator_client.get("/admin/").content.decode()
    for text in ("Carsharing", "Reservierungen", "Fahrpläne und Bürgerbus", "Bürgerbus-Buchungen", "Mitfahren",
                 "Mitfahrangebote", "Nutzer und Rollen", "Kostenstellen", "Datenschutz (DSGVO)"):  # fmt: skip
        assert f">{text}<" in html, text
    for english in ("Reservations", "Ride offers", "Cost centres", "Users and roles"):
        assert f">{english}<" not in html


@pytest.mark.django_db
def test_english_staff_still_get_english(operator_client):
    from tests.factories import VehicleTypeFactory

    VehicleTypeFactory()
    response = operator_client.get("/admin/carsharing/vehicletype/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.headers["Content-Language"] == "en"
    assert _headers(response.content.decode()) == ["Name", "Seats", "Propulsion", "Range (km)"]


@pytest.mark.django_db
def test_what_the_admin_calls_an_object_is_german_too():
    """``__str__`` names rows in the admin's lists, titles and breadcrumbs."""
    from tests.factories import MembershipFactory, ReservationFactory

    user = UserFactory(display_name="")
    reservation = ReservationFactory(user=user)
    membership = MembershipFactory(user=user)
    with translation.override("de"):
        assert str(user) == f"Nutzer #{user.pk}"
        assert str(membership) == f"Mitgliedschaft von Nutzer #{user.pk} (Genehmigt)"
        assert str(reservation).startswith(f"Reservierung #{reservation.pk}, Fahrzeug #{reservation.vehicle_id}, ")
        assert str(reservation).endswith(" (Bestätigt)")
    with translation.override("en"):
        assert str(user) == f"user #{user.pk}"
        assert str(membership) == f"Membership of user #{user.pk} (Approved)"
        assert str(reservation).endswith(" (Confirmed)")
