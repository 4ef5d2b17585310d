"""The Bürgerbus editor's two busiest pages ask the database a fixed number of times: the
overview (every stop, rule, line and trip) and a trip's edit page (every stop and line to
choose from). Measured with 1 and with 20 trips: the count must not grow with the trips."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gtfs import services
from gtfs.models import Trip
from tests.factories import UserFactory
from tests.web.conftest import page_text, signed_in
from tests.web.test_operator_buergerbus import EDITOR, build_line, next_weekday, post

pytestmark = pytest.mark.django_db

# session, user, unread notifications (the console's frame) + the page's own reads
OVERVIEW_QUERIES = 3 + 7  # feed, trips (with line and calendar), calls, exception dates, stops, rules, lines
TRIP_EDIT_QUERIES = 3 + 6  # version, trip, its exception dates, its calls, the stops and lines to choose from


def add_trips(built: dict, count: int) -> list[Trip]:
    buchwald, rathaus = built["stops"]
    monday = next_weekday(0)
    trips = []
    for n in range(count):
        trips.append(
            services.bb_trip_create(
                line_id=built["line"].pk,
                stops=[
                    {"stop": rathaus.pk, "arrival": f"{6 + n // 2:02d}:{(n % 2) * 30:02d}"},
                    {"stop": buchwald.pk, "arrival": f"{6 + n // 2:02d}:{(n % 2) * 30 + 15:02d}"},
                ],
                weekdays=["monday", "friday"] if n % 2 else ["saturday"],
                start_date=monday,
                end_date=monday + timedelta(days=90),
                added_dates=[monday + timedelta(days=1)],
                removed_dates=[monday + timedelta(days=7)],
                headsign=f"Buchwald {n + 1}",
            )
        )
    return trips


def queries_of(client, path: str) -> tuple[int, object]:
    client.get(path)  # warm: the first request may fill caches (translations, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("trips", [1, 20])
def test_the_overview_asks_a_fixed_number_of_queries(trips):
    olga = signed_in(UserFactory(is_operator=True))
    add_trips(build_line(olga), trips)
    count, response = queries_of(olga, EDITOR)
    assert count == OVERVIEW_QUERIES
    html, text = response.content.decode(), page_text(response)
    monday = next_weekday(0)
    # every trip is listed with its calls, days, exceptions and rule
    assert html.count('<ol class="calls">') == trips
    assert f"Bearbeiten BB9 {6 + (trips - 1) // 2:02d}:{((trips - 1) % 2) * 30:02d} Lindenau Rathaus" in text
    first = (
        f"BB9 → Buchwald 1 06:00 Lindenau Rathaus 06:15 Buchwald Kirche Samstag, {monday:%d.%m.%Y} – "
        f"{monday + timedelta(days=90):%d.%m.%Y}; zusätzlich {monday + timedelta(days=1):%d.%m.%Y}; "
        f"nicht am {monday + timedelta(days=7):%d.%m.%Y}; Anmeldung bis 18:00 Uhr am Vortag 8"
    )
    assert first in text
    assert Trip.objects.count() == trips


@pytest.mark.parametrize("trips", [1, 20])
def test_a_trips_edit_page_asks_a_fixed_number_of_queries(trips):
    olga = signed_in(UserFactory(is_operator=True))
    built = add_trips(build_line(olga), trips)
    trip = built[-1]
    count, response = queries_of(olga, f"/betrieb/buergerbus/fahrten/{trip.pk}/")
    assert count == TRIP_EDIT_QUERIES
    html = response.content.decode()
    rathaus = built[0].stop_times.order_by("stop_sequence").first().stop
    assert f'<option value="{rathaus.pk}" selected>Lindenau Rathaus</option>' in html
    assert html.count('<div class="trip-stop-row">') == 8
    assert '<label for="id_fahrt-time_1">Zeit an Halt 1 (HH:MM)</label>' in html
    assert f'<input type="text" name="fahrt-time_1" value="{6 + (trips - 1) // 2:02d}:' in html
    # a type="date" input takes only ISO dates (a German one shows as empty and is sent back empty)
    monday = next_weekday(0)
    assert f'<input type="date" name="fahrt-start_date" value="{monday.isoformat()}" required' in html


def test_a_stop_row_with_an_error_is_marked_as_the_other_fields_are():
    """The stop rows are built in Python; a refused row still has the error next to the field,
    ``field-invalid`` on its box and ``aria-invalid`` / ``aria-describedby`` on the input, and
    keeps what was typed."""
    olga = signed_in(UserFactory(is_operator=True))
    built = build_line(olga)
    buchwald, rathaus = built["stops"]
    monday = next_weekday(0)
    response = post(
        olga,
        "/betrieb/buergerbus/fahrten/",
        {
            "fahrt-line": str(built["line"].pk),
            "fahrt-stop_1": str(rathaus.pk),
            "fahrt-time_1": "8:1x",
            "fahrt-stop_2": str(buchwald.pk),
            "fahrt-weekdays": ["monday"],
            "fahrt-start_date": monday.isoformat(),
            "fahrt-end_date": (monday + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<div class="field field-invalid"><label for="id_fahrt-time_1">Zeit an Halt 1 (HH:MM)</label>'
        '<div class="field-error" id="id_fahrt-time_1_error"><p>Bitte geben Sie die Uhrzeit als HH:MM an '
        "(nach Mitternacht auch 24:30).</p></div>"
        '<input type="text" name="fahrt-time_1" value="8:1x" maxlength="8" aria-invalid="true" '
        'aria-describedby="id_fahrt-time_1_error" id="id_fahrt-time_1" required></div>'
    ) in html
    assert (
        '<div class="field-error" id="id_fahrt-time_2_error"><p>Dieses Feld ist zwingend erforderlich.</p>'
        "<p>Bitte eine Zeit für diesen Halt angeben.</p></div>"
    ) in html
    assert Trip.objects.count() == 0
