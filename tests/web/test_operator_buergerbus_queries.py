"""The Bürgerbus editor's two busiest pages ask the database a fixed number of times: the
overview (every stop, rule, line and trip) and a trip's edit page (every stop and line to
choose from). Measured with 1, 20 and 120 trips (the overview shows 50 trips a page): the
count must not grow with the trips or the page."""

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
# feed, trip count, the page's trips (with line and calendar), their calls and exception dates, stops, rules, lines
OVERVIEW_QUERIES = 3 + 8
TRIP_EDIT_QUERIES = 3 + 6  # version, trip, its exception dates, its calls, the stops and lines to choose from


def departure_of(n: int, *, later_min: int = 0) -> str:
    """Trip ``n``'s (0-based) time at Lindenau Rathaus as ``add_trips`` sets it (06:00, then
    every 7 minutes: 120 trips end before 20:00), plus ``later_min`` minutes."""
    minutes = 6 * 60 + 7 * n + later_min
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def add_trips(built: dict, count: int) -> list[Trip]:
    buchwald, rathaus = built["stops"]
    monday = next_weekday(0)
    trips = []
    for n in range(count):
        trips.append(
            services.bb_trip_create(
                line_id=built["line"].pk,
                stops=[
                    {"stop": rathaus.pk, "arrival": departure_of(n)},
                    {"stop": buchwald.pk, "arrival": departure_of(n, later_min=15)},
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


def trip_label(n: int) -> str:
    """The row label of trip ``n`` (0-based) as ``add_trips`` builds it."""
    return f"BB9 {departure_of(n)} Lindenau Rathaus → Buchwald {n + 1}"


@pytest.mark.parametrize("trips", [1, 20])
def test_the_overview_asks_a_fixed_number_of_queries(trips):
    olga = signed_in(UserFactory(is_operator=True))
    add_trips(build_line(olga), trips)
    count, response = queries_of(olga, EDITOR)
    assert count == OVERVIEW_QUERIES
    html, text = response.content.decode(), page_text(response)
    monday = next_weekday(0)
    # every trip is listed with its calls, days, exceptions and rule; one page needs no page links
    assert html.count('<ol class="calls">') == trips
    assert f"Bearbeiten {trip_label(trips - 1)}" in text
    first = (
        f"BB9 → Buchwald 1 06:00 Lindenau Rathaus 06:15 Buchwald Kirche Samstag, {monday:%d.%m.%Y} – "
        f"{monday + timedelta(days=90):%d.%m.%Y}; zusätzlich {monday + timedelta(days=1):%d.%m.%Y}; "
        f"nicht am {monday + timedelta(days=7):%d.%m.%Y}; Anmeldung bis 18:00 Uhr am Vortag 8"
    )
    assert first in text
    assert 'aria-label="Seiten der Fahrten"' not in html
    assert "Seite 1 von" not in text
    assert Trip.objects.count() == trips


@pytest.mark.parametrize(("asked", "shown"), [("1", 1), ("2", 2), ("3", 3), (None, 1), ("x", 1), ("99", 3)])
def test_the_overview_shows_120_trips_on_three_pages_with_the_same_queries(asked, shown):
    """50 trips a page: page 3 holds trips 101-120. A page number that is none gives the first
    page, one beyond the end the last; the query count is that of one trip."""
    olga = signed_in(UserFactory(is_operator=True))
    add_trips(build_line(olga), 120)
    count, response = queries_of(olga, EDITOR + (f"?seite={asked}" if asked is not None else ""))
    assert count == OVERVIEW_QUERIES
    html, text = response.content.decode(), page_text(response)
    first, last = 50 * (shown - 1), min(50 * shown, 120) - 1
    assert html.count('<ol class="calls">') == last - first + 1
    assert f"Bearbeiten {trip_label(first)}" in text
    assert f"Bearbeiten {trip_label(last)}" in text
    if first:
        assert f"Bearbeiten {trip_label(first - 1)}" not in text
    assert f"Bearbeiten {trip_label(last + 1)}" not in text
    assert f"Fahrten {first + 1} bis {last + 1} von 120" in text
    assert f"Fahrten, Seite {shown} von 3" in text  # the table's caption
    # the page links: a labelled nav, the current page marked, previous and next where they exist
    start = html.index('<nav aria-label="Seiten der Fahrten" class="pagination">')
    nav = html[start : html.index("</nav>", start)]
    assert f"<p>Seite {shown} von 3</p>" in nav
    assert nav.count('aria-current="page"') == 1
    assert (
        f'<a class="button" href="?seite={shown}#fahrten" aria-current="page">'
        f'<span class="visually-hidden">Seite </span>{shown}</a>'
    ) in nav
    for number in {1, 2, 3} - {shown}:
        link = f'<a class="button" href="?seite={number}#fahrten">'
        link += f'<span class="visually-hidden">Seite </span>{number}</a>'
        assert link in nav
    assert (f'href="?seite={shown - 1}#fahrten">Vorherige Seite</a>' in nav) is (shown > 1)
    assert (f'href="?seite={shown + 1}#fahrten">Nächste Seite</a>' in nav) is (shown < 3)
    # the lines table still counts every trip, not the page's
    assert "BB9 Lindenau – Buchwald Anmeldung bis 18:00 Uhr am Vortag 120" in text


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
    assert f'<input type="text" name="fahrt-time_1" value="{departure_of(trips - 1)}"' in html
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


def test_edit_and_delete_from_a_later_page_return_to_that_page():
    """From page 2 of the trip table, a trip's edit and delete pages, their back links, and the
    redirect after saving or deleting lead back to page 2; from page 1 (or a page number that
    is none) to the plain overview, as before."""
    olga = signed_in(UserFactory(is_operator=True))
    built = build_line(olga)
    trips = add_trips(built, 60)
    on_page_two = trips[55]
    edit = f"/betrieb/buergerbus/fahrten/{on_page_two.pk}/"
    delete = f"/betrieb/buergerbus/fahrten/{on_page_two.pk}/loeschen/"
    page_two = olga.get(EDITOR + "?seite=2").content.decode()
    assert f'href="{edit}?seite=2"' in page_two and f'href="{delete}?seite=2"' in page_two
    page_one = olga.get(EDITOR).content.decode()
    first_edit = f"/betrieb/buergerbus/fahrten/{trips[0].pk}/"
    assert f'href="{first_edit}"' in page_one and f'href="{first_edit}?seite=' not in page_one

    form = olga.get(edit + "?seite=2").content.decode()
    assert f'action="{edit}?seite=2"' in form
    assert f'href="{delete}?seite=2"' in form
    assert f'href="{EDITOR}?seite=2#fahrten"' in form  # "Zurück zum Bürgerbus-Editor"
    buchwald, rathaus = built["stops"]
    monday = next_weekday(0)
    fields = {
        "fahrt-line": str(built["line"].pk),
        "fahrt-headsign": "Buchwald 56",
        "fahrt-stop_1": str(rathaus.pk),
        "fahrt-time_1": departure_of(55),
        "fahrt-stop_2": str(buchwald.pk),
        "fahrt-time_2": departure_of(55, later_min=15),
        "fahrt-weekdays": ["saturday"],
        "fahrt-start_date": monday.isoformat(),
        "fahrt-end_date": (monday + timedelta(days=90)).isoformat(),
        "fahrt-capacity": "6",
    }
    saved = post(olga, edit + "?seite=2", fields)
    assert saved.status_code == 302, page_text(saved)
    assert saved["Location"] == f"{EDITOR}?seite=2#fahrten"
    assert Trip.objects.get(pk=on_page_two.pk).capacity == 6

    confirm = olga.get(delete + "?seite=2").content.decode()
    assert f'action="{delete}?seite=2"' in confirm and f'href="{EDITOR}?seite=2#fahrten"' in confirm
    deleted = post(olga, delete + "?seite=2", {})
    assert deleted.status_code == 302 and deleted["Location"] == f"{EDITOR}?seite=2#fahrten"
    assert not Trip.objects.filter(pk=on_page_two.pk).exists()

    for nothing in ("", "?seite=1", "?seite=abc", "?seite=%C2%B2", "?seite=-2"):
        back = post(olga, f"/betrieb/buergerbus/fahrten/{trips[1].pk}/loeschen/{nothing}", {})
        assert back["Location"] == EDITOR, nothing
        trips = trips[:1] + trips[2:]  # that one is gone; the next round deletes the next
