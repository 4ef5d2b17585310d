"""A search makes a small, constant number of database queries: the trips, routes and stops
its answer shows come from per-version caches, never one query per leg; Bürgerbus seats are
read live but for all legs at once. And the fast rendering gives exactly the serializer's JSON."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gtfs.models import Stop
from mobility.accounts.models import User
from rides.models import RideOffer

pytestmark = pytest.mark.django_db(transaction=True)  # outside a transaction, as in production


@pytest.fixture
def demo(tmp_path, settings):
    settings.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    import journeys.conf
    import journeys.timetable_store as store

    journeys.conf.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    store._cache = None
    call_command("demo", "--out", str(tmp_path / "demo"), stdout=StringIO())
    yield
    store._cache = None


def _weekday(days_ahead: int = 7):
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _queries(client, params) -> tuple[list[str], dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/journeys/", params)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in captured.captured_queries], response.json()


def _active_versions_read(sql: str) -> bool:
    """The active versions' query (again once this process's second has passed: on a loaded
    machine a search can take that long), not a timetable row."""
    return '"active_version_id" IS NOT NULL' in sql


def _timetable_rows(sqls: list[str]) -> list[str]:
    tables = (
        '"gtfs_trip"',
        '"gtfs_stop"',
        '"gtfs_route"',
        '"gtfs_stoptime"',
        '"gtfs_bookingrule"',
        '"gtfs_feed',
        '"gtfs_flex',
        '"gtfs_service"',
        '"gtfs_calendardate"',
    )
    selects = [sql for sql in sqls if sql.lstrip().upper().startswith("SELECT") and not _active_versions_read(sql)]
    return [sql for sql in selects if any(t in sql for t in tables)]


def test_a_bus_search_reads_no_timetable_rows_and_a_fixed_number_of_queries(demo, api_client):
    a = Stop.objects.filter(name="Lindenau Rathaus", version__feed__kind="transit").first()
    b = Stop.objects.filter(name="Ahornstadt Markt", version__feed__kind="transit").first()
    day = _weekday()
    params = {"from": f"{a.lat},{a.lon}", "to": f"{b.lat},{b.lon}", "modes": "transit"}
    _queries(api_client, {**params, "depart_at": f"{day}T07:00:00+01:00"})  # fills the caches
    counts = []
    for hour in ("08", "10"):
        sqls, body = _queries(api_client, {**params, "depart_at": f"{day}T{hour}:00:00+01:00", "window_min": "120"})
        legs = [leg for option in body["options"] for leg in option["legs"] if leg["mode"] == "bus"]
        assert len(legs) >= 2, body  # several options with bus legs, none read row by row
        assert _timetable_rows(sqls) == []
        counts.append(len(sqls))
    # at most: the active versions (when this process's second has passed) and the search log
    assert max(counts) <= 2, counts


def test_a_buergerbus_search_reads_seats_for_all_legs_at_once(demo, api_client):
    from gtfs.models import Feed
    from gtfs.services import feed_activate_version

    transit = Feed.objects.get(kind="transit")
    feed_activate_version(feed_id=transit.pk, version_id=None)  # only the Bürgerbus runs
    # BB1 leaves Lindenau Rathaus for Buchwald at 08:00 and 10:00 (and in the afternoon)
    origin = Stop.objects.filter(stop_id="LIN-RH", version__feed__kind="community_bus").get()
    target = Stop.objects.filter(stop_id="BUC-FW", version__feed__kind="community_bus").get()
    params = {
        "from": f"{origin.lat},{origin.lon}",
        "to": f"{target.lat},{target.lon}",
        "modes": "transit",
        "window_min": "240",
    }
    day = _weekday()
    _queries(api_client, {**params, "depart_at": f"{day}T12:00:00+01:00"})
    sqls, body = _queries(api_client, {**params, "depart_at": f"{day}T07:30:00+01:00"})
    legs = [leg for option in body["options"] for leg in option["legs"] if leg.get("buergerbus")]
    assert [leg["departure"][11:16] for leg in legs] == ["08:00", "10:00"], body
    assert len({leg["trip"] for leg in legs}) == 2
    assert [leg["free_seats"] for leg in legs] == [8, 8]
    reads = _timetable_rows(sqls)
    # the capacity of the Bürgerbus trips, live (one query for every leg), besides the bookings
    assert len(reads) == 1 and '"gtfs_trip"' in reads[0]
    assert sum('"gtfs_buergerbusbooking"' in sql for sql in sqls) == 1
    assert len(sqls) <= 4, sqls


def test_every_kind_signed_in_stays_within_a_fixed_number_of_queries(demo, client_for):
    carla = User.objects.get(email="carla@demo.lindenau.example")
    offer = RideOffer.objects.filter(departure__gte=timezone.now()).order_by("departure").first()
    buchwald = Stop.objects.filter(name="Buchwald Feuerwehr", version__feed__kind="transit").get()
    params = {
        "from": f"{offer.origin_lat},{offer.origin_lon}",
        "to": f"{buchwald.lat},{buchwald.lon}",
        "depart_at": (offer.departure - timedelta(minutes=10)).isoformat(),
        "max_walk_m": "250",
    }
    client = client_for(carla)
    _queries(client, params)
    sqls, body = _queries(client, params)
    assert {option["kind"] for option in body["options"]} >= {"transit", "ride"}, body
    # only the live capacity of Bürgerbus trips, once for all their legs: the Rufbus hook's
    # Flex stop times, zones, booking rules and calendars are cached per feed version token
    # (ondemand.selectors), so a warm search reads none of them
    rows = _timetable_rows(sqls)
    assert [sql for sql in rows if '"gtfs_flex' in sql or '"gtfs_service"' in sql or "calendardate" in sql] == []
    assert [sql for sql in rows if '"capacity"' not in sql] == []
    assert len(rows) <= 1
    # two for the token, two for Bürgerbus seats, four per carpool matching (the road graph,
    # the offers, the rider's and the offers' bookings; for the carpool, and the carpool to
    # the bus), the car-sharing availability and tariff, the search log: 15, plus the active
    # versions when this process's second has passed; a fixed number whatever the region's size
    assert len([sql for sql in sqls if not _active_versions_read(sql)]) <= 15, sqls


def test_the_fast_rendering_is_the_serializers_json(demo):
    from api.journeys.serializers import JourneySearchOutput, shared
    from journeys.one_search import Point, SearchQuery, journeys_search

    carla = User.objects.get(email="carla@demo.lindenau.example")
    offer = RideOffer.objects.filter(departure__gte=timezone.now()).order_by("departure").first()
    buchwald = Stop.objects.filter(name="Buchwald Feuerwehr", version__feed__kind="transit").get()
    query = SearchQuery(
        origin=Point(offer.origin_lat, offer.origin_lon, ""),
        destination=Point(buchwald.lat, buchwald.lon, "Buchwald"),
        depart_at=offer.departure - timedelta(minutes=10),
        max_walk_m=250,
    )
    result = journeys_search(query=query, user=carla)
    kinds = {option.kind for option in result.options}
    assert {"transit", "ride"} <= kinds, kinds
    fast = shared(JourneySearchOutput).to_representation(result)
    assert json.dumps(fast) == json.dumps(JourneySearchOutput(result).data)  # same keys, order, values
