"""The Bürgerbus editor's edit and delete pages: stops (with the position hint), booking
rules, lines and trips; a delete asks first and is refused with a German sentence while
trips or bookings still use what it would remove; the preview and the GTFS export follow
every edit. Residents get 403, staff too (operator pages only)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest

from gtfs import services
from gtfs.models import BookingRule, BuergerbusBooking, CalendarDate, Route, Service, Stop, StopTime, Trip
from tests.factories import CostCentreFactory, UserFactory
from tests.web.conftest import csrf_token, page_text, signed_in
from tests.web.test_operator_buergerbus import EDITOR, build_line, next_weekday, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def olga(db):
    return signed_in(UserFactory(is_operator=True))


@pytest.fixture
def built(olga) -> dict:
    built = build_line(olga)
    buchwald, rathaus = built["stops"]
    monday = next_weekday(0)
    trip = services.bb_trip_create(
        line_id=built["line"].pk,
        stops=[{"stop": rathaus.pk, "arrival": "08:10"}, {"stop": buchwald.pk, "arrival": "08:25"}],
        weekdays=["monday"],
        start_date=monday,
        end_date=monday + timedelta(days=60),
        headsign="Buchwald",
    )
    return {**built, "trip": trip, "monday": monday, "rathaus": rathaus, "buchwald": buchwald}


def trip_form(built, **changes) -> dict:
    data = {
        "fahrt-line": str(built["line"].pk),
        "fahrt-headsign": "Buchwald",
        "fahrt-stop_1": str(built["rathaus"].pk),
        "fahrt-time_1": "08:10",
        "fahrt-stop_2": str(built["buchwald"].pk),
        "fahrt-time_2": "08:25",
        "fahrt-weekdays": ["monday"],
        "fahrt-start_date": built["monday"].isoformat(),
        "fahrt-end_date": (built["monday"] + timedelta(days=60)).isoformat(),
        "fahrt-capacity": "8",
    }
    data.update(changes)
    return data


def test_editor_links_every_row_to_its_edit_and_delete_page(olga, built):
    html = olga.get(EDITOR).content.decode()
    for path in (
        f"/betrieb/buergerbus/haltestellen/{built['rathaus'].pk}/",
        f"/betrieb/buergerbus/haltestellen/{built['rathaus'].pk}/loeschen/",
        f"/betrieb/buergerbus/regeln/{built['rule'].pk}/",
        f"/betrieb/buergerbus/linien/{built['line'].pk}/loeschen/",
        f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/",
        f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/loeschen/",
    ):
        assert f'href="{path}"' in html, path
    # each link names what it changes (for screen readers, which list links out of context)
    assert 'Bearbeiten<span class="visually-hidden"> Lindenau Rathaus</span>' in html
    assert 'Löschen<span class="visually-hidden"> BB9 08:10 Lindenau Rathaus → Buchwald</span>' in html


def test_stop_edit_moves_and_renames_the_stop_with_a_position_hint(olga, built):
    path = f"/betrieb/buergerbus/haltestellen/{built['rathaus'].pk}/"
    page = olga.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Haltestelle „Lindenau Rathaus“ bearbeiten</h1>" in html
    assert 'value="50.1506"' in html and "data-stop-picker" in html
    # the hint for the stored place: no road graph in the test database, the other stop is 3 km away
    assert "Kein Straßennetz importiert. Keine Haltestelle im Umkreis von 2 km." in page_text(page)
    response = post(
        olga,
        path,
        {"haltestelle-name": "Lindenau Markt", "haltestelle-lat": "50.1601", "haltestelle-lon": "9.9102"},
    )
    assert response.status_code == 302 and response["Location"] == EDITOR
    stop = Stop.objects.get(pk=built["rathaus"].pk)
    assert (stop.name, stop.lat, stop.lon) == ("Lindenau Markt", 50.1601, 9.9102)
    assert "Haltestelle „Lindenau Markt“ gespeichert." in page_text(olga.get(EDITOR))
    # a bad coordinate stays on the form and changes nothing
    response = post(olga, path, {"haltestelle-name": "X", "haltestelle-lat": "91", "haltestelle-lon": "9.9"})
    assert response.status_code == 400 and Stop.objects.get(pk=stop.pk).name == "Lindenau Markt"


def test_position_hint_endpoint(olga, built):
    response = olga.get("/betrieb/buergerbus/haltestellen/lage/?lat=50.1510&lon=9.9010")
    assert response.status_code == 200
    assert response.json() == {
        "hint": "Kein Straßennetz importiert. Nächste Haltestelle: „Lindenau Rathaus“, 44 m entfernt."
    }
    own = olga.get(f"/betrieb/buergerbus/haltestellen/lage/?lat=50.1510&lon=9.9010&haltestelle={built['rathaus'].pk}")
    assert own.json()["hint"] == "Kein Straßennetz importiert. Keine Haltestelle im Umkreis von 2 km."
    for query in ("lat=x&lon=9", "lat=91&lon=9", "lat=50", "lat=nan&lon=9"):
        bad = olga.get(f"/betrieb/buergerbus/haltestellen/lage/?{query}")
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_position", query


def test_rule_edit_applies_to_the_line(olga, built):
    path = f"/betrieb/buergerbus/regeln/{built['rule'].pk}/"
    assert 'value="18:00"' in olga.get(path).content.decode()
    response = post(olga, path, {"regel-booking_type": "1", "regel-prior_notice_duration_min": "60"})
    assert response.status_code == 302
    rule = BookingRule.objects.get()
    assert (rule.booking_type, rule.prior_notice_duration_min, rule.prior_notice_last_time) == (1, 60, None)
    assert "BB9 Lindenau – Buchwald Anmeldung bis 60 Minuten vor der Abfahrt" in page_text(olga.get(EDITOR))
    response = post(olga, path, {"regel-booking_type": "2"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Spätestens so viele Tage vorher: Bitte geben Sie an, wie viele Tage vorher (1 = am Vortag)." in text
    assert "bis Uhrzeit (HH:MM): Bitte geben Sie die Uhrzeit an (HH:MM)." in text
    assert BookingRule.objects.get().booking_type == 1


def test_line_edit(olga, built):
    path = f"/betrieb/buergerbus/linien/{built['line'].pk}/"
    response = post(olga, path, {"linie-short_name": "BB10", "linie-long_name": "Ringlinie", "linie-booking_rule": ""})
    assert response.status_code == 302
    line = Route.objects.get()
    assert (line.short_name, line.long_name, line.booking_rule_id) == ("BB10", "Ringlinie", None)
    assert Trip.objects.get().booking_rule_id is None  # the trips follow their line


def test_trip_edit_changes_times_weekdays_and_exceptions_and_the_preview_and_export_follow(olga, built):
    path = f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/"
    html = olga.get(path).content.decode()
    assert "<h1>Bürgerbus-Fahrt bearbeiten</h1>" in html and 'value="08:10"' in html
    wednesday = built["monday"] + timedelta(days=2)
    holiday = built["monday"] + timedelta(days=7)
    response = post(
        olga,
        path,
        trip_form(
            built,
            **{
                "fahrt-time_1": "09:05",
                "fahrt-time_2": "09:20",
                "fahrt-weekdays": ["monday", "wednesday"],
                "fahrt-removed_dates": holiday.strftime("%d.%m.%Y"),
                "fahrt-capacity": "5",
            },
        ),
    )
    assert response.status_code == 302, page_text(response)
    trip = Trip.objects.get()
    assert trip.capacity == 5
    assert list(
        StopTime.objects.filter(trip=trip).order_by("stop_sequence").values_list("departure_time", flat=True)
    ) == [
        9 * 3600 + 300,
        9 * 3600 + 1200,
    ]
    service = Service.objects.get()
    assert (service.monday, service.wednesday, service.friday) == (True, True, False)
    assert list(CalendarDate.objects.values_list("date", "exception_type")) == [(holiday, 2)]
    preview = f"/betrieb/buergerbus/vorschau/?haltestelle={built['rathaus'].pk}&tag="
    rows = re.findall(
        r"<tr><td>(\d\d:\d\d)</td><td>(\w+)</td>", olga.get(preview + wednesday.isoformat()).content.decode()
    )
    assert rows == [("09:05", "BB9")]
    assert "An diesem Tag fährt hier kein Bürgerbus." in page_text(olga.get(preview + holiday.isoformat()))
    with zipfile.ZipFile(io.BytesIO(olga.get("/betrieb/buergerbus/gtfs.zip").content)) as archive:
        stop_times = archive.read("stop_times.txt").decode()
        assert "09:05:00" in stop_times and "08:10:00" not in stop_times


def test_a_booked_trip_keeps_its_stops_and_cannot_be_deleted(olga, built):
    anna = UserFactory()
    services.bb_booking_create(
        trip_id=built["trip"].pk,
        service_date=built["monday"] + timedelta(days=7),
        from_stop_id=built["rathaus"].pk,
        to_stop_id=built["buchwald"].pk,
        passenger=anna,
        booked_by=anna,
    )
    path = f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/"
    response = post(olga, path, trip_form(built, **{"fahrt-time_2": "08:40"}))
    assert response.status_code == 400
    assert "Für diese Fahrt gibt es Buchungen; sie bleibt bestehen." in page_text(response)
    assert StopTime.objects.get(stop_sequence=2).departure_time == 8 * 3600 + 1500
    # the same stops and times with another headsign are fine
    assert post(olga, path, trip_form(built, **{"fahrt-headsign": "Kirche"})).status_code == 302
    assert Trip.objects.get().headsign == "Kirche"
    # the delete page says why before anyone presses a button, and the POST is refused too
    delete = f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/loeschen/"
    page = olga.get(delete)
    assert page.status_code == 200
    assert "Für diese Fahrt gibt es Buchungen (1); sie bleibt bestehen." in page_text(page)
    assert "Ja, endgültig löschen" not in page_text(page)
    response = post(olga, delete, {})
    assert response.status_code == 409
    assert "Für diese Fahrt gibt es Buchungen" in page_text(response)
    assert Trip.objects.count() == 1 and BuergerbusBooking.objects.count() == 1


def test_delete_asks_first_and_refuses_what_is_still_used(olga, built):
    # a stop a trip serves, a line with trips, a rule a line uses: refused, nothing gone
    for path, sentence in (
        (f"/betrieb/buergerbus/haltestellen/{built['rathaus'].pk}/loeschen/", "Diese Haltestelle wird noch angefahren"),
        (f"/betrieb/buergerbus/linien/{built['line'].pk}/loeschen/", "Diese Linie hat noch Fahrten"),
        (f"/betrieb/buergerbus/regeln/{built['rule'].pk}/loeschen/", "Linien nutzen diese Anmelderegel noch"),
    ):
        assert sentence in page_text(olga.get(path)), path
        response = post(olga, path, {})
        assert response.status_code == 409 and sentence in page_text(response), path
    assert (Stop.objects.count(), Route.objects.count(), BookingRule.objects.count()) == (2, 1, 1)
    # the trip: asked, then gone with its calendar
    path = f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/loeschen/"
    page = olga.get(path)
    assert "<h1>Fahrt BB9 08:10 Lindenau Rathaus → Buchwald löschen?</h1>" in page.content.decode()
    assert "Ja, endgültig löschen" in page_text(page) and Trip.objects.count() == 1  # GET deletes nothing
    response = post(olga, path, {})
    assert response.status_code == 302 and response["Location"] == EDITOR
    assert not Trip.objects.exists() and not StopTime.objects.exists() and not Service.objects.exists()
    assert "Fahrt BB9 08:10 Lindenau Rathaus → Buchwald gelöscht." in page_text(olga.get(EDITOR))
    # now the line, its rule and the stops go too
    for path in (
        f"/betrieb/buergerbus/linien/{built['line'].pk}/loeschen/",
        f"/betrieb/buergerbus/regeln/{built['rule'].pk}/loeschen/",
        f"/betrieb/buergerbus/haltestellen/{built['rathaus'].pk}/loeschen/",
    ):
        assert post(olga, path, {}).status_code == 302, path
    assert (Stop.objects.count(), Route.objects.count(), BookingRule.objects.count()) == (1, 0, 0)
    # gone is gone: its pages are 404
    assert olga.get(f"/betrieb/buergerbus/haltestellen/{built['rathaus'].pk}/").status_code == 404
    assert olga.get(f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/loeschen/").status_code == 404


def new_urls(built) -> list[str]:
    return [
        f"/betrieb/buergerbus/haltestellen/{built['rathaus'].pk}/",
        f"/betrieb/buergerbus/haltestellen/{built['rathaus'].pk}/loeschen/",
        "/betrieb/buergerbus/haltestellen/lage/?lat=50.15&lon=9.9",
        f"/betrieb/buergerbus/regeln/{built['rule'].pk}/",
        f"/betrieb/buergerbus/regeln/{built['rule'].pk}/loeschen/",
        f"/betrieb/buergerbus/linien/{built['line'].pk}/",
        f"/betrieb/buergerbus/linien/{built['line'].pk}/loeschen/",
        f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/",
        f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/loeschen/",
    ]


@pytest.mark.parametrize("role", ["resident", "staff"])
def test_residents_and_staff_get_403_on_every_new_page(built, role):
    user = UserFactory(is_town_staff=True, cost_centre=CostCentreFactory()) if role == "staff" else UserFactory()
    client = signed_in(user)
    token = csrf_token(client, "/")
    for url in new_urls(built):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 403, url
    assert (Stop.objects.count(), Trip.objects.count(), BookingRule.objects.count()) == (2, 1, 1)
    assert Stop.objects.get(pk=built["rathaus"].pk).name == "Lindenau Rathaus"


def test_anonymous_visitors_are_sent_to_the_login(built, client):
    for url in new_urls(built):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/anmelden/"), url


def test_unknown_and_huge_ids_are_404(olga, built):
    for url in (
        "/betrieb/buergerbus/haltestellen/999999/",
        "/betrieb/buergerbus/regeln/999999/loeschen/",
        "/betrieb/buergerbus/fahrten/99999999999999999999/",
    ):
        assert olga.get(url).status_code == 404, url


def test_edit_and_delete_pages_in_english(olga, built):
    english = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
    pages = {
        f"/betrieb/buergerbus/haltestellen/{built['rathaus'].pk}/": [
            "Edit stop “Lindenau Rathaus”",
            "Click on the map to put the stop there",
            "No road network imported. No stop within 2 km.",
            "Save changes",
        ],
        f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/": ["Edit community bus trip", "Save changes", "Delete …"],
        f"/betrieb/buergerbus/fahrten/{built['trip'].pk}/loeschen/": [
            "Delete trip BB9 08:10 Lindenau Rathaus → Buchwald?",
            "Yes, delete for good",
        ],
        f"/betrieb/buergerbus/linien/{built['line'].pk}/loeschen/": [
            "Delete line BB9?",
            "This line still has trips; delete the trips first.",
        ],
    }
    for path, phrases in pages.items():
        text = page_text(olga.get(path, **english))
        for phrase in phrases:
            assert phrase in text, (path, phrase)
        for german in ("Bearbeiten", "Löschen", "Änderungen", "Straßennetz"):
            assert german not in text, (path, german)
