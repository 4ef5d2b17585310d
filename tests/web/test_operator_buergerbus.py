"""The Bürgerbus editor: stops, a booking rule, a line and a trip through the forms; the
preview shows the departures residents will see; the GTFS export has what was entered."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta

import pytest

from gtfs.models import BookingRule, CalendarDate, Feed, Route, Stop, StopTime, Trip
from tests.factories import UserFactory
from tests.web.conftest import csrf_token, page_text, signed_in

pytestmark = pytest.mark.django_db
EDITOR = "/betrieb/buergerbus/"


@pytest.fixture
def olga(db):
    return signed_in(UserFactory(is_operator=True))


def post(client, path, data):
    return client.post(path, {**data, "csrfmiddlewaretoken": csrf_token(client, EDITOR)})


def next_weekday(weekday: int) -> date:
    day = date.today() + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def build_line(olga) -> dict:
    for name, lat, lon in (("Lindenau Rathaus", "50.1506", "9.9010"), ("Buchwald Kirche", "50.1702", "9.9301")):
        response = post(
            olga,
            "/betrieb/buergerbus/haltestellen/",
            {"haltestelle-name": name, "haltestelle-lat": lat, "haltestelle-lon": lon},
        )
        assert response.status_code == 302, page_text(response)
    response = post(
        olga,
        "/betrieb/buergerbus/regeln/",
        {"regel-booking_type": "2", "regel-prior_notice_last_day": "1", "regel-prior_notice_last_time": "18:00"},
    )
    assert response.status_code == 302
    rule = BookingRule.objects.get()
    response = post(
        olga,
        "/betrieb/buergerbus/linien/",
        {"linie-short_name": "BB9", "linie-long_name": "Lindenau – Buchwald", "linie-booking_rule": str(rule.pk)},
    )
    assert response.status_code == 302
    return {"rule": rule, "line": Route.objects.get(short_name="BB9"), "stops": list(Stop.objects.order_by("name"))}


def test_stops_rule_line_and_trip_through_the_editor(olga):
    built = build_line(olga)
    buchwald, rathaus = built["stops"]
    monday = next_weekday(0)
    holiday = monday + timedelta(days=7)
    response = post(
        olga,
        "/betrieb/buergerbus/fahrten/",
        {
            "fahrt-line": str(built["line"].pk),
            "fahrt-headsign": "Buchwald",
            "fahrt-stop_1": str(rathaus.pk),
            "fahrt-time_1": "8:10",
            "fahrt-stop_2": str(buchwald.pk),
            "fahrt-time_2": "08:25",
            "fahrt-weekdays": ["monday", "wednesday"],
            "fahrt-start_date": monday.isoformat(),
            "fahrt-end_date": (monday + timedelta(days=60)).isoformat(),
            "fahrt-removed_dates": holiday.strftime("%d.%m.%Y"),
            "fahrt-capacity": "6",
        },
    )
    assert response.status_code == 302, page_text(response)
    trip = Trip.objects.get()
    assert (trip.route_id, trip.headsign, trip.capacity, trip.booking_rule_id) == (
        built["line"].pk,
        "Buchwald",
        6,
        built["rule"].pk,
    )
    assert [(st.stop_id, st.departure_time) for st in StopTime.objects.filter(trip=trip).order_by("stop_sequence")] == [
        (rathaus.pk, 8 * 3600 + 600),
        (buchwald.pk, 8 * 3600 + 1500),
    ]
    assert (trip.service.monday, trip.service.tuesday, trip.service.wednesday) == (True, False, True)
    assert list(CalendarDate.objects.values_list("date", "exception_type")) == [(holiday, 2)]
    text = page_text(olga.get(EDITOR))
    assert "BB9 Lindenau – Buchwald Anmeldung bis 18:00 Uhr am Vortag 1" in text
    assert "BB9 → Buchwald 08:10 Lindenau Rathaus 08:25 Buchwald Kirche Montag, Mittwoch" in text
    assert f"nicht am {holiday:%d.%m.%Y}" in text
    # the preview: Monday has the departure from the first stop (the last stop is no departure)
    preview = f"/betrieb/buergerbus/vorschau/?haltestelle={rathaus.pk}&tag="
    html = olga.get(preview + monday.isoformat()).content.decode()
    rows = re.findall(r"<tr><td>(\d\d:\d\d)</td><td>(\w+)</td><td>([^<]*)</td><td>([^<]+)</td></tr>", html)
    assert rows == [("08:10", "BB9", "Buchwald", "nötig (Anmeldung bis 18:00 Uhr am Vortag)")]
    assert "Abfahrten Lindenau Rathaus am Montag" in page_text(olga.get(preview + monday.isoformat()))
    for day in (holiday, monday + timedelta(days=1)):
        assert "An diesem Tag fährt hier kein Bürgerbus." in page_text(olga.get(preview + day.isoformat()))
    at_the_end = olga.get(f"/betrieb/buergerbus/vorschau/?haltestelle={buchwald.pk}&tag={monday.isoformat()}")
    assert "An diesem Tag fährt hier kein Bürgerbus." in page_text(at_the_end)  # arrivals are no departures
    # the export has what was entered
    export = olga.get("/betrieb/buergerbus/gtfs.zip")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        names = set(archive.namelist())
        assert {"stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "booking_rules.txt"} <= names
        stops_txt = archive.read("stops.txt").decode()
        assert "Lindenau Rathaus" in stops_txt and "Buchwald Kirche" in stops_txt
        assert "08:10:00" in archive.read("stop_times.txt").decode()
    assert Feed.objects.get().kind == "community_bus"


def trip_form_data(built: dict, **changes) -> dict:
    """The editor's trip form for ``build_line``'s line: Lindenau Rathaus 09:00 → Buchwald
    Kirche 09:20 on Mondays in January 2027, with ``changes`` (form field names) on top."""
    buchwald, rathaus = built["stops"]
    data = {
        "fahrt-line": str(built["line"].pk),
        "fahrt-stop_1": str(rathaus.pk),
        "fahrt-time_1": "09:00",
        "fahrt-stop_2": str(buchwald.pk),
        "fahrt-time_2": "09:20",
        "fahrt-weekdays": ["monday"],
        "fahrt-start_date": "2027-01-04",
        "fahrt-end_date": "2027-02-04",
    }
    data.update(changes)
    return data


def test_trip_errors_stay_on_the_form_and_store_nothing(olga):
    base = trip_form_data(build_line(olga), **{"fahrt-time_2": "08:50"})
    response = post(olga, "/betrieb/buergerbus/fahrten/", base)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_fahrt-time_2_error"[^>]*>\s*<p>Die Zeiten müssen von Halt zu Halt', html)
    response = post(
        olga, "/betrieb/buergerbus/fahrten/", {**base, "fahrt-time_2": "09:20", "fahrt-end_date": "2026-12-01"}
    )
    assert response.status_code == 400 and "Das Ende der Gültigkeit liegt vor dem Beginn." in page_text(response)
    response = post(olga, "/betrieb/buergerbus/fahrten/", {**base, "fahrt-time_2": "9 Uhr"})
    assert response.status_code == 400 and "Bitte geben Sie die Uhrzeit als HH:MM an" in page_text(response)
    response = post(
        olga, "/betrieb/buergerbus/fahrten/", {**base, "fahrt-time_2": "09:20", "fahrt-removed_dates": "31.02.2027"}
    )
    assert response.status_code == 400 and "„31.02.2027“ ist kein Datum" in page_text(response)
    assert not Trip.objects.exists() and not StopTime.objects.exists()


def test_the_overview_names_each_table_region_and_the_maps_zoom_buttons_in_german(olga):
    build_line(olga)
    html = olga.get(EDITOR).content.decode()
    labels = re.findall(r'<div class="console-table-wrap" tabindex="0" role="region" aria-label="([^"]+)">', html)
    assert labels == [
        "Haltestellen (Tabelle, seitlich verschiebbar)",
        "Linien (Tabelle, seitlich verschiebbar)",
        "Fahrten (Tabelle, seitlich verschiebbar)",
    ]
    assert 'data-zoom-in="Vergrößern" data-zoom-out="Verkleinern"' in html


def test_a_trip_without_weekdays_or_extra_days_is_refused(olga):
    """A forgotten weekday tick would store a trip that never runs: the form says so, next to
    the weekdays; extra days of service alone are enough."""
    data = trip_form_data(build_line(olga), **{"fahrt-weekdays": []})
    response = post(olga, "/betrieb/buergerbus/fahrten/", data)
    assert response.status_code == 400
    assert (
        '<div class="field-error" id="id_fahrt-weekdays_error"><p>Bitte wählen Sie Wochentage oder geben Sie '
        "zusätzliche Fahrtage an; sonst fährt sie nie.</p></div>"
    ) in response.content.decode()
    assert not Trip.objects.exists()
    response = post(olga, "/betrieb/buergerbus/fahrten/", {**data, "fahrt-added_dates": "09.01.2027"})
    assert response.status_code == 302
    trip = Trip.objects.get()
    assert [(d.date, d.exception_type) for d in CalendarDate.objects.filter(service=trip.service)] == [
        (date(2027, 1, 9), 1)
    ]


def test_the_trip_forms_error_summary_follows_the_page_order(olga):
    """The stop rows come right after line and headsign on the page, so the summary lists their
    errors before those of the validity dates."""
    built = build_line(olga)
    response = post(olga, "/betrieb/buergerbus/fahrten/", {"fahrt-line": str(built["line"].pk)})
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[html.index("data-error-summary") : html.index("</div>", html.index("data-error-summary"))]
    order = [summary.index(label) for label in ("Halt 1:", "Zeit an Halt 1", "Halt 2:", "gültig ab", "gültig bis")]
    assert order == sorted(order)


def test_a_second_line_with_the_same_number_is_refused(olga):
    built = build_line(olga)
    response = post(olga, "/betrieb/buergerbus/linien/", {"linie-short_name": " bb9 ", "linie-long_name": "Zweite"})
    assert response.status_code == 400
    assert (
        '<div class="field-error" id="id_linie-short_name_error"><p>Eine andere Linie hat schon diese Nummer; '
        "bitte wählen Sie eine andere.</p></div>"
    ) in response.content.decode()
    assert list(Route.objects.values_list("short_name", flat=True)) == ["BB9"]
    # renaming another line to the number is refused too; keeping its own number is not
    other = post(olga, "/betrieb/buergerbus/linien/", {"linie-short_name": "BB10"})
    assert other.status_code == 302
    bb10 = Route.objects.get(short_name="BB10")
    response = post(olga, f"/betrieb/buergerbus/linien/{bb10.pk}/", {"linie-short_name": "BB9"})
    assert response.status_code == 400
    assert "Eine andere Linie hat schon diese Nummer" in page_text(response)
    response = post(
        olga, f"/betrieb/buergerbus/linien/{built['line'].pk}/", {"linie-short_name": "BB9", "linie-long_name": "Neu"}
    )
    assert response.status_code == 302
    assert sorted(Route.objects.values_list("short_name", "long_name")) == [("BB10", ""), ("BB9", "Neu")]


def test_each_editor_form_has_its_own_page(olga):
    for path, heading in (
        ("/betrieb/buergerbus/haltestellen/", "Neue Haltestelle"),
        ("/betrieb/buergerbus/regeln/", "Neue Anmelderegel"),
        ("/betrieb/buergerbus/linien/", "Neue Linie"),
        ("/betrieb/buergerbus/fahrten/", "Neue Bürgerbus-Fahrt"),
    ):
        response = olga.get(path)
        assert response.status_code == 200 and re.search(rf"<h1>{heading}</h1>", response.content.decode()), path
    # no stops and lines yet: the trip page says what to do first
    assert "Legen Sie zuerst Haltestellen und eine Linie an." in page_text(olga.get("/betrieb/buergerbus/fahrten/"))


def test_rule_and_stop_errors(olga):
    response = post(
        olga, "/betrieb/buergerbus/regeln/", {"regel-booking_type": "2", "regel-prior_notice_last_day": "1"}
    )
    assert response.status_code == 400
    # each missing field of the chosen kind of booking is named next to it, not one sentence for all
    html = response.content.decode()
    assert (
        '<div class="field-error" id="id_regel-prior_notice_last_time_error"><p>Bitte geben Sie die Uhrzeit an '
        "(HH:MM).</p></div>"
    ) in html
    assert "id_regel-prior_notice_last_day_error" not in html
    response = post(olga, "/betrieb/buergerbus/regeln/", {"regel-booking_type": "2"})
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<div class="field-error" id="id_regel-prior_notice_last_day_error"><p>Bitte geben Sie an, wie viele Tage '
        "vorher (1 = am Vortag).</p></div>"
    ) in html
    assert 'id="id_regel-prior_notice_last_time_error"' in html
    response = post(olga, "/betrieb/buergerbus/regeln/", {"regel-booking_type": "1"})
    assert response.status_code == 400
    assert (
        '<div class="field-error" id="id_regel-prior_notice_duration_min_error"><p>Bitte geben Sie den Vorlauf in '
        "Minuten an.</p></div>"
    ) in response.content.decode()
    response = post(
        olga,
        "/betrieb/buergerbus/haltestellen/",
        {"haltestelle-name": "X", "haltestelle-lat": "95", "haltestelle-lon": "9"},
    )
    assert response.status_code == 400
    assert not BookingRule.objects.exists() and not Stop.objects.exists()
    assert olga.get("/betrieb/buergerbus/gtfs.zip").status_code == 404  # nothing published yet


def test_staff_cannot_edit_the_timetable():
    from tests.factories import CostCentreFactory

    staff = signed_in(UserFactory(is_town_staff=True, cost_centre=CostCentreFactory()))
    assert staff.get(EDITOR).status_code == 403
    token = csrf_token(staff, "/")
    response = staff.post(
        "/betrieb/buergerbus/haltestellen/",
        {"haltestelle-name": "X", "haltestelle-lat": "50", "haltestelle-lon": "9", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 403 and not Stop.objects.exists()
