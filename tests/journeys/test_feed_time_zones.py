"""Feeds of different time zones planned together: each feed's service day d starts at the GTFS
time zero ("noon minus 12 h") of d in *its* zone, on the planner's axis of the searched day in
the site's zone.

Two generated feeds run every day of 2026, one in Europe/Berlin (clocks change 29 March and
25 October) and one in America/New_York (8 March and 1 November), with a transfer on foot
between their hubs 66 m apart. The oracle knows nothing of the planner: it places every GTFS
row with plain zoneinfo arithmetic (noon of the service date in the feed's zone, minus 12 h,
plus the GTFS time) and finds earliest arrivals and latest departures with a connection scan
over those instants.
"""

from __future__ import annotations

import functools
import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gtfs.feed_import import feed_import
from gtfs.models import FeedVersion, Stop, Trip
from gtfs.selectors import active_versions_forget
from journeys.domain.raptor import Place, TransitLeg, earliest_arrival, latest_departure
from journeys.domain.timetable import (
    ServiceCalendar,
    StopInput,
    TimetableSource,
    TripInput,
    service_days_for,
    timetable_for_date,
)
from journeys.timetable_store import from_service_time, timetable_cache_key, timetable_for, to_service_time
from mobility.geo import haversine_m
from tests.demo_region import demo  # noqa: F401  (fixture)
from tests.gtfs.conftest import build_zip

BERLIN = ZoneInfo("Europe/Berlin")
STOPS = {  # stop id -> (lat, lon)
    "BA": (48.90, 8.80),
    "BH": (48.95, 8.85),
    "NH": (48.9505, 8.8505),
    "NZ": (49.00, 8.90),
}
WALK = timedelta(seconds=math.ceil(float(haversine_m(*STOPS["BH"], *STOPS["NH"])) * 1.3 / 1.2 - 1e-9))


def _hm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:00"


def _trips(prefix: str, minute, run_min: int) -> dict[str, tuple[int, int]]:
    """One trip an hour, 00:xx to 26:xx, at irregular minutes (a shift by whole hours shows)."""
    return {f"{prefix}{h}": (h * 3600 + minute(h) * 60, h * 3600 + (minute(h) + run_min) * 60) for h in range(27)}


FEEDS = {
    "B": {"zone": "Europe/Berlin", "stops": ("BA", "BH"), "trips": _trips("B", lambda h: h * 13 % 50 + 3, 17)},
    "N": {"zone": "America/New_York", "stops": ("NH", "NZ"), "trips": _trips("N", lambda h: h * 7 % 45 + 10, 23)},
}
EU_SPRING, EU_AUTUMN = date(2026, 3, 29), date(2026, 10, 25)
US_SPRING, US_AUTUMN = date(2026, 3, 8), date(2026, 11, 1)
DAYS = [d + timedelta(days=k) for d in (EU_SPRING, EU_AUTUMN, US_SPRING, US_AUTUMN) for k in (0, 1)] + [
    date(2026, 1, 15),
    date(2026, 6, 1),
]


# --- the oracle -------------------------------------------------------------------------------


def gtfs_zero(service_date: date, zone: str) -> datetime:
    noon = datetime(service_date.year, service_date.month, service_date.day, 12, tzinfo=ZoneInfo(zone))
    return noon.astimezone(UTC) - timedelta(hours=12)


def row_instants(feed: str, trip: str, service_date: date) -> tuple[datetime, datetime]:
    """(departure at the first stop, arrival at the second) of a trip on a service date."""
    dep, arr = FEEDS[feed]["trips"][trip]
    zero = gtfs_zero(service_date, FEEDS[feed]["zone"])
    return zero + timedelta(seconds=dep), zero + timedelta(seconds=arr)


@functools.lru_cache(maxsize=4)
def connections(around: date) -> list[tuple[datetime, datetime, str, str, tuple[str, date]]]:
    """Every trip of the service dates around ``around``, by departure."""
    found = []
    for offset in range(-3, 4):
        service_date = around + timedelta(days=offset)
        for feed, spec in FEEDS.items():
            for trip in spec["trips"]:
                dep, arr = row_instants(feed, trip, service_date)
                found.append((dep, arr, *spec["stops"], (trip, service_date)))
    return sorted(found)


FOOTPATHS = {"BH": "NH", "NH": "BH"}


def oracle_earliest_arrival(origin: str, destination: str, at: datetime, around: date) -> datetime:
    best = {origin: at}
    if origin in FOOTPATHS:
        best[FOOTPATHS[origin]] = at + WALK
    far = datetime.max.replace(tzinfo=UTC)
    for dep, arr, a, b, _ in connections(around):
        if best.get(a, far) <= dep and arr < best.get(b, far):
            best[b] = arr
            if b in FOOTPATHS and arr + WALK < best.get(FOOTPATHS[b], far):
                best[FOOTPATHS[b]] = arr + WALK
    return best[destination]


def oracle_latest_departure(origin: str, destination: str, by: datetime, around: date) -> datetime:
    latest = {destination: by}
    if destination in FOOTPATHS:
        latest[FOOTPATHS[destination]] = by - WALK
    never = datetime.min.replace(tzinfo=UTC)
    for dep, arr, a, b, _ in sorted(connections(around), key=lambda c: c[1], reverse=True):
        if latest.get(b, never) >= arr and dep > latest.get(a, never):
            latest[a] = dep
            if a in FOOTPATHS and dep - WALK > latest.get(FOOTPATHS[a], never):
                latest[FOOTPATHS[a]] = dep - WALK
    return latest[origin]


def asks(day: date) -> list[datetime]:
    """Every 23 minutes of the site's service day (through the night the clocks change)."""
    zero = gtfs_zero(day, "Europe/Berlin")
    return [zero + timedelta(minutes=m) for m in range(0, 24 * 60, 23)]


QUERIES = [("BA", "NZ"), ("BA", "BH"), ("NH", "NZ")]


# --- the domain: a source whose services carry their zones -------------------------------------


def _source() -> tuple[TimetableSource, ServiceCalendar]:
    stops = [StopInput(s, lat, lon) for s, (lat, lon) in STOPS.items()]
    trips = [
        TripInput(trip, feed, feed, spec["stops"], [dep, arr], [dep, arr])
        for feed, spec in FEEDS.items()
        for trip, (dep, arr) in spec["trips"].items()
    ]
    source = TimetableSource.from_inputs(stops, trips)
    source.service_zones = {feed: spec["zone"] for feed, spec in FEEDS.items()}
    year = ((True,) * 7, date(2026, 1, 1), date(2026, 12, 31))
    return source, ServiceCalendar(weekly={"B": year, "N": year})


def _check_legs(journey, zero: datetime, day: date, trip_of) -> None:
    """Every ride is a real trip of a real service date, at the oracle's instants."""
    for leg in journey.legs:
        if isinstance(leg, TransitLeg):
            trip = trip_of(leg.trip_id)
            dep, arr = row_instants(trip[0], trip, day + timedelta(days=leg.service_day_offset))
            assert (zero + timedelta(seconds=leg.depart), zero + timedelta(seconds=leg.arrive)) == (dep, arr)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_two_zones_planned_like_the_oracle(day):
    source, calendar = _source()
    tt = timetable_for_date(source, calendar, day, tz=BERLIN)
    zero = gtfs_zero(day, "Europe/Berlin")
    stop = {s: Place.at_stop(tt.stop_index(s)) for s in STOPS}
    offsets = set()
    for origin, destination in QUERIES:
        for at in asks(day):
            journeys = earliest_arrival(tt, stop[origin], stop[destination], int((at - zero).total_seconds()))
            fastest = journeys[-1]
            assert zero + timedelta(seconds=fastest.arrival) == oracle_earliest_arrival(origin, destination, at, day)
            assert fastest.departure >= int((at - zero).total_seconds())
            _check_legs(fastest, zero, day, lambda trip_id: trip_id)
            offsets |= {(leg.trip_id[0], leg.service_day_offset) for leg in fastest.legs if isinstance(leg, TransitLeg)}
            by = at + timedelta(hours=3)
            journeys = latest_departure(tt, stop[origin], stop[destination], int((by - zero).total_seconds()))
            latest = journeys[-1]
            assert zero + timedelta(seconds=latest.departure) == oracle_latest_departure(origin, destination, by, day)
            assert latest.arrival <= int((by - zero).total_seconds())
            _check_legs(latest, zero, day, lambda trip_id: trip_id)
    # both feeds' previous service days' after-midnight trips were ridden (Berlin's 24:xx in the
    # small hours, New York's whole evening, which is past midnight in Berlin)
    assert {("B", -1), ("B", 0), ("N", -1), ("N", 0)} <= offsets


@pytest.mark.parametrize("day", [EU_SPRING, EU_AUTUMN, US_SPRING, US_AUTUMN, date(2026, 6, 1)], ids=str)
def test_each_zones_days_are_apart_by_their_own_time_zeros(day):
    _, calendar = _source()
    zones = {"B": "Europe/Berlin", "N": "America/New_York"}
    entries = service_days_for(calendar, day, days=(-1, 0, 1), tz=BERLIN, service_zones=zones)
    zero = gtfs_zero(day, "Europe/Berlin")
    assert sorted((d, sorted(ids), shift) for d, ids, shift in entries) == sorted(
        (d, [feed], int((gtfs_zero(day + timedelta(days=d), zone) - zero).total_seconds()))
        for d in (-1, 0, 1)
        for feed, zone in zones.items()
    )


def test_one_zone_compiles_as_before():
    source, calendar = _source()
    berlin_only = {"B": "Europe/Berlin", "N": "Europe/Berlin"}
    source.service_zones = {}
    plain = timetable_for_date(source, calendar, EU_SPRING, tz=BERLIN)
    source.service_zones = berlin_only
    same = timetable_for_date(source, calendar, EU_SPRING, tz=BERLIN)
    for name in ("times_dep", "times_arr", "inst_trip", "inst_day", "route_trips"):
        assert getattr(same, name).tolist() == getattr(plain, name).tolist()


# --- the store: versions read from the database carry their zones ------------------------------


def _files(feed: str, zone: str) -> dict[str, str]:
    spec = FEEDS[feed]
    first, second = spec["stops"]
    times = "".join(
        f"{trip},{_hm(dep)},{_hm(dep)},{first},1\n{trip},{_hm(arr)},{_hm(arr)},{second},2\n"
        for trip, (dep, arr) in spec["trips"].items()
    )
    return {
        "agency.txt": f"agency_id,agency_name,agency_url,agency_timezone\nA,Linie {feed},https://example.org,{zone}\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
        + "".join(f"{s},Halt {s},{STOPS[s][0]},{STOPS[s][1]}\n" for s in spec["stops"]),
        "routes.txt": f"route_id,agency_id,route_short_name,route_type\nR,A,{feed}1,3\n",
        "trips.txt": "route_id,service_id,trip_id\n" + "".join(f"R,ALL,{t}\n" for t in spec["trips"]),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + times,
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "ALL,1,1,1,1,1,1,1,20260101,20261231\n",
    }


@pytest.fixture
def two_zones(db, tmp_path, settings):
    import journeys.conf
    import journeys.timetable_store as store

    settings.TIME_ZONE = "Europe/Berlin"
    journeys.conf.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    store._cache = None
    versions = {
        feed: feed_import(path=build_zip(tmp_path / f"{feed}.zip", _files(feed, spec["zone"])), name=feed).version
        for feed, spec in FEEDS.items()
    }
    yield versions
    store._cache = None


def _plan(origin: str, destination: str, at: datetime):
    """The store's planner from ``origin`` at ``at``: (fastest journey, service day, trip of a pk)."""
    day, seconds = to_service_time(at)
    tt = timetable_for(day)
    pks = {s: str(Stop.objects.get(stop_id=s).pk) for s in (origin, destination)}
    journeys = earliest_arrival(
        tt, Place.at_stop(tt.stop_index(pks[origin])), Place.at_stop(tt.stop_index(pks[destination])), seconds
    )
    trips = dict(Trip.objects.values_list("pk", "trip_id"))
    return journeys[-1], day, lambda pk: trips[int(pk)]


@pytest.mark.parametrize("day", [EU_SPRING, EU_AUTUMN + timedelta(days=1), US_SPRING, US_AUTUMN], ids=str)
def test_store_plans_two_zones_like_the_oracle(two_zones, day):
    for at in asks(day)[::3]:
        fastest, service_day, trip_of = _plan("BA", "NZ", at)
        arrival = from_service_time(service_day, fastest.arrival)
        assert arrival.tzinfo == BERLIN and arrival.utcoffset() == arrival.astimezone(BERLIN).utcoffset()
        assert arrival == oracle_earliest_arrival("BA", "NZ", at, day)
        assert from_service_time(service_day, fastest.departure) >= at
        for leg in fastest.legs:
            if isinstance(leg, TransitLeg):
                trip = trip_of(leg.trip_id)
                dep, arr = row_instants(trip[0], trip, service_day + timedelta(days=leg.service_day_offset))
                assert (from_service_time(service_day, leg.depart), from_service_time(service_day, leg.arrive)) == (
                    dep,
                    arr,
                )
        assert {trip_of(leg.trip_id)[0] for leg in fastest.legs if isinstance(leg, TransitLeg)} == {"B", "N"}


def test_a_versions_zone_is_part_of_the_cache_key(two_zones):
    at = gtfs_zero(US_SPRING, "Europe/Berlin") + timedelta(hours=9)
    key = timetable_cache_key()
    fastest, service_day, trip_of = _plan("NH", "NZ", at)
    assert from_service_time(service_day, fastest.arrival) == oracle_earliest_arrival("NH", "NZ", at, US_SPRING)
    # the same version, its zone corrected to Berlin's (as the admin could): compiled afresh
    FeedVersion.objects.filter(pk=two_zones["N"].pk).update(timezone="Europe/Berlin")
    active_versions_forget()
    assert timetable_cache_key() != key
    FEEDS["N"]["zone"] = "Europe/Berlin"
    connections.cache_clear()
    try:
        fastest, service_day, trip_of = _plan("NH", "NZ", at)
        assert from_service_time(service_day, fastest.arrival) == oracle_earliest_arrival("NH", "NZ", at, US_SPRING)
        # a blank zone counts in GTFS_DEFAULT_TIMEZONE (Europe/Berlin here): the same timetable
        berlin_key = timetable_cache_key()
        FeedVersion.objects.filter(pk=two_zones["N"].pk).update(timezone="")
        active_versions_forget()
        assert timetable_cache_key() == berlin_key
    finally:
        FEEDS["N"]["zone"] = "America/New_York"
        connections.cache_clear()


# --- the one search: a Bürgerbus feed of another zone -------------------------------------------


def test_search_places_a_buergerbus_of_another_zone_and_its_deadline_in_that_zone(demo, monkeypatch, client_for):  # noqa: F811
    from django.utils import timezone

    from mobility.accounts.models import User
    from tests.journeys.test_search_honesty import BB2_SEARCH, _at, _next_weekday

    version = Trip.objects.filter(route__short_name="BB2").first().version
    FeedVersion.objects.filter(pk=version.pk).update(timezone="Europe/London")  # one hour behind Berlin
    active_versions_forget()
    day = _next_weekday(2)
    monkeypatch.setattr(timezone, "now", lambda: _at(day - timedelta(days=1), 12))
    client = client_for(User.objects.get(email="anna@demo.lindenau.example"))
    response = client.get("/api/v1/journeys/", {"depart_at": _at(day, 9, 50).isoformat(), **BB2_SEARCH})
    assert response.status_code == 200, response.content
    legs = [leg for o in response.json()["options"] for leg in o["legs"] if leg.get("line") == "BB2"]
    # 09:00 in London is 10:00 in Berlin; "18:00 the day before" is 19:00 in Berlin
    assert [(leg["departure"], leg["booking_deadline"]) for leg in legs] == [
        (_at(day, 10).isoformat(), _at(day - timedelta(days=1), 19).isoformat())
    ]
