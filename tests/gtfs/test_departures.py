"""Departures against values computed independently from the raw text files (csv module)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from gtfs.domain.times import gtfs_time_to_datetime
from gtfs.feed_import import feed_import
from gtfs.models import FeedKind, Stop
from tests.conftest import shared_file
from tests.gtfs.conftest import raw_rows

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def oracle(path, stop_ids: set[str], day: date, start: time, window_minutes: int) -> set[tuple[str, datetime]]:
    """(trip_id, departure) pairs straight from the CSV files, without any project code."""
    calendar = {r["service_id"]: r for r in raw_rows(path, "calendar.txt")}
    exceptions = {(r["service_id"], r["date"]): r["exception_type"] for r in raw_rows(path, "calendar_dates.txt")}
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    def runs(service_id: str, d: date) -> bool:
        key = (service_id, d.strftime("%Y%m%d"))
        if key in exceptions:
            return exceptions[key] == "1"
        row = calendar.get(service_id)
        return bool(
            row and row["start_date"] <= d.strftime("%Y%m%d") <= row["end_date"] and row[weekdays[d.weekday()]] == "1"
        )

    trips = {r["trip_id"]: r for r in raw_rows(path, "trips.txt")}
    by_trip = defaultdict(list)
    for r in raw_rows(path, "stop_times.txt"):
        by_trip[r["trip_id"]].append(r)
    begin = datetime.combine(day, start, tzinfo=BERLIN)
    end = begin + timedelta(minutes=window_minutes)
    found = set()
    for offset in (-1, 0, 1):
        d = day + timedelta(days=offset)
        noon = datetime.combine(d, time(12), tzinfo=BERLIN).astimezone(UTC)
        zero = noon - timedelta(hours=12)
        for trip_id, rows in by_trip.items():
            if not runs(trips[trip_id]["service_id"], d):
                continue
            rows = sorted(rows, key=lambda r: int(r["stop_sequence"]))
            for r in rows[:-1]:
                if r["stop_id"] not in stop_ids or not r["departure_time"] or r.get("pickup_type") == "1":
                    continue
                h, m, s = (int(x) for x in r["departure_time"].split(":"))
                at = zero + timedelta(seconds=h * 3600 + m * 60 + s)
                if begin <= at < end:
                    found.add((trip_id, at))
    return found


def api_departures(client, stop_pks, day, start, window):
    response = client.get(
        "/api/v1/gtfs/departures/",
        {
            "stops": ",".join(map(str, stop_pks)),
            "date": day.isoformat(),
            "time": start.strftime("%H:%M"),
            "window": window,
            "limit": 500,
        },
    )
    assert response.status_code == 200, response.content
    return response.json()


def busiest_stop(path) -> str:
    return Counter(r["stop_id"] for r in raw_rows(path, "stop_times.txt")).most_common(1)[0][0]


CASES = [
    ("vvs-bus-752.zip", date(2020, 6, 16), time(6, 0), 180),
    ("vvs-bus-752.zip", date(2020, 6, 20), time(0, 0), 24 * 60),  # a Saturday, whole day
    ("herrenberg-vvs-2021.zip", date(2021, 7, 1), time(6, 30), 120),
    ("herrenberg-vvs-2021.zip", date(2021, 7, 4), time(0, 0), 24 * 60),  # a Sunday
    ("buergerbus-maulbronn-wiernsheim.zip", date(2024, 3, 5), time(0, 0), 24 * 60),  # calendar_dates only
    ("buergerbus-maulbronn-wiernsheim.zip", date(2024, 6, 12), time(0, 0), 24 * 60),  # a Wednesday with one service
]


@pytest.mark.parametrize(("filename", "day", "start", "window"), CASES)
def test_departures_match_raw_files(client_for, filename, day, start, window):
    path = shared_file(f"gtfs/{filename}")
    result = feed_import(path=path, name=filename)
    raw_stop = busiest_stop(path)
    stop = Stop.objects.get(version=result.version, stop_id=raw_stop)
    expected = oracle(path, {raw_stop}, day, start, window)
    assert expected, "the case must have departures to compare"
    body = api_departures(client_for(None), [stop.pk], day, start, window)
    got = {(d["gtfs_trip_id"], datetime.fromisoformat(d["departure"])) for d in body}
    assert got == expected
    assert len(body) == len(expected)
    times = [datetime.fromisoformat(d["departure"]) for d in body]
    assert times == sorted(times)


def test_departures_group_of_stops_and_remaining_stops(client_for):
    path = shared_file("gtfs/herrenberg-vvs-2021.zip")
    result = feed_import(path=path, name="hb")
    top = [s for s, _ in Counter(r["stop_id"] for r in raw_rows(path, "stop_times.txt")).most_common(3)]
    stops = [Stop.objects.get(version=result.version, stop_id=s) for s in top]
    day, start = date(2021, 7, 1), time(7, 0)
    expected = oracle(path, set(top), day, start, 90)
    body = api_departures(client_for(None), [s.pk for s in stops], day, start, 90)
    assert {(d["gtfs_trip_id"], datetime.fromisoformat(d["departure"])) for d in body} == expected
    # remaining stops: exactly the later stop times of the trip, from the raw file
    first = body[0]
    raw = sorted(
        (r for r in raw_rows(path, "stop_times.txt") if r["trip_id"] == first["gtfs_trip_id"]),
        key=lambda r: int(r["stop_sequence"]),
    )
    later = [r for r in raw if int(r["stop_sequence"]) > first["stop_sequence"]]
    assert [c["stop_sequence"] for c in first["remaining_stops"]] == [int(r["stop_sequence"]) for r in later]
    names = {s.stop_id: s.name for s in Stop.objects.filter(version=result.version)}
    assert [c["stop_name"] for c in first["remaining_stops"]] == [names[r["stop_id"]] for r in later]
    raw_routes = {r["route_id"]: r for r in raw_rows(path, "routes.txt")}
    raw_trips = {r["trip_id"]: r for r in raw_rows(path, "trips.txt")}
    assert first["route_short_name"] == raw_routes[raw_trips[first["gtfs_trip_id"]]["route_id"]]["route_short_name"]


def test_departures_past_midnight_and_calendar_exceptions(client_for, make_feed):
    result = feed_import(path=make_feed(), name="mini")
    s2 = Stop.objects.get(version=result.version, stop_id="S2")
    client = client_for(None)
    # Friday 2024-05-03 00:00-01:00: T2 of Thursday's service day leaves S2 at 24:05:00
    body = api_departures(client, [s2.pk], date(2024, 5, 3), time(0, 0), 60)
    assert [(d["gtfs_trip_id"], d["departure"], d["service_date"]) for d in body] == [
        ("T2", "2024-05-03T00:05:00+02:00", "2024-05-02")
    ]
    assert [c["stop_name"] for c in body[0]["remaining_stops"]] == ["Schulzentrum"]
    assert body[0]["remaining_stops"][0]["arrival"] == "2024-05-03T01:10:00+02:00"
    # Thursday 2024-05-02 00:00-01:00: Wednesday 2024-05-01 is removed by calendar_dates
    assert api_departures(client, [s2.pk], date(2024, 5, 2), time(0, 0), 60) == []
    # Saturday 2024-05-04 is added; Sunday 2024-05-05 is not a service day
    assert [d["gtfs_trip_id"] for d in api_departures(client, [s2.pk], date(2024, 5, 4), time(8, 0), 30)] == ["T1"]
    assert [d["gtfs_trip_id"] for d in api_departures(client, [s2.pk], date(2024, 5, 5), time(0, 0), 24 * 60)] == [
        "T2"  # Saturday's T2 at 24:05
    ]
    # the terminus is no departure
    s3 = Stop.objects.get(version=result.version, stop_id="S3")
    assert api_departures(client, [s3.pk], date(2024, 5, 3), time(0, 0), 24 * 60) == []


def test_gtfs_time_on_dst_days():
    # "noon minus 12 h": on the spring-forward day 08:00:00 is still 08:00 local
    assert gtfs_time_to_datetime(date(2024, 3, 31), 8 * 3600, BERLIN).isoformat() == "2024-03-31T08:00:00+02:00"
    assert gtfs_time_to_datetime(date(2024, 10, 27), 8 * 3600, BERLIN).isoformat() == "2024-10-27T08:00:00+01:00"
    # and 25:30:00 is the next morning's 01:30
    assert (
        gtfs_time_to_datetime(date(2024, 10, 26), 25 * 3600 + 1800, BERLIN).isoformat() == "2024-10-27T01:30:00+02:00"
    )


def test_departures_bad_input(client_for, make_feed):
    client = client_for(None)
    response = client.get("/api/v1/gtfs/departures/", {"stops": "x"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    response = client.get("/api/v1/gtfs/departures/", {"stops": "999999", "date": "2024-05-03"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "gtfs_stop_not_found"
    response = client.get("/api/v1/gtfs/departures/", {"stops": "1", "date": "2024-13-03"})
    assert response.status_code == 400


def test_stop_search_and_near(client_for, make_feed):
    feed_import(path=make_feed(), name="mini", kind=FeedKind.TRANSIT)
    client = client_for(None)
    for query in ("mühl", "MUEHL", "muhl", "Mühlacker Bahn", "bahnhof"):
        body = client.get("/api/v1/gtfs/stops/", {"q": query}).json()
        assert [s["name"] for s in body["results"]] == ["Mühlacker Bahnhof"], query
    assert client.get("/api/v1/gtfs/stops/", {"q": "hof"}).json()["results"] == []  # prefix of a word only
    body = client.get("/api/v1/gtfs/stops/", {"lat": 48.95, "lon": 8.84, "radius": 2000}).json()
    assert [s["name"] for s in body["results"]] == ["Mühlacker Bahnhof", "Marktplatz"]
    assert body["results"][0]["distance_m"] == 0.0
    assert 1300 < body["results"][1]["distance_m"] < 1400
    # Without parameters: every stop, by name, paginated like every list.
    body = client.get("/api/v1/gtfs/stops/", {"page_size": 2}).json()
    assert body["count"] == 3 and [s["name"] for s in body["results"]] == ["Marktplatz", "Mühlacker Bahnhof"]
    assert [s["name"] for s in client.get(body["next"]).json()["results"]] == ["Schulzentrum"]
    assert client.get("/api/v1/gtfs/stops/", {"lat": 95, "lon": 8}).status_code == 400


def test_feeds_routes_and_trip_detail(client_for, make_feed):
    result = feed_import(path=make_feed(), name="mini")
    client = client_for(None)
    feeds = client.get("/api/v1/gtfs/feeds/").json()["results"]
    assert [
        (f["name"], f["kind"], f["active_version"]["valid_from"], f["active_version"]["valid_to"]) for f in feeds
    ] == [("mini", "transit", "2024-01-01", "2024-12-31")]
    versions = client.get(f"/api/v1/gtfs/feeds/{result.feed.pk}/versions/").json()["results"]
    assert [v["id"] for v in versions] == [result.version.pk] and versions[0]["active"] is True
    assert client.get("/api/v1/gtfs/feeds/9999/versions/").status_code == 404
    routes = client.get("/api/v1/gtfs/routes/", {"feed": result.feed.pk}).json()["results"]
    assert [(r["short_name"], r["long_name"]) for r in routes] == [("801", "Testlinie")]
    trip = result.version.trips.get(trip_id="T2")
    body = client.get(f"/api/v1/gtfs/trips/{trip.pk}/").json()
    assert [(st["stop_name"], st["arrival_time"], st["departure_time"]) for st in body["stop_times"]] == [
        ("Mühlacker Bahnhof", "23:50:00", "23:50:00"),
        ("Marktplatz", "24:05:00", "24:05:00"),
        ("Schulzentrum", "25:10:00", "25:10:00"),
    ]
    assert body["service"]["weekdays"] == [1, 2, 3, 4, 5]
    assert body["service"]["added_dates"] == ["2024-05-04"] and body["service"]["removed_dates"] == ["2024-05-01"]
    assert client.get("/api/v1/gtfs/trips/999999/").status_code == 404


def test_departures_from_a_station_cover_its_platforms(client_for, make_feed):
    stops = (
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "P1,Mühlacker,48.95,8.84,1,\nS1,Mühlacker Bahnhof Gleis 1,48.95,8.84,0,P1\n"
        "S2,Marktplatz,48.96,8.85,0,\nS3,Schulzentrum,48.97,8.86,0,\n"
    )
    result = feed_import(path=make_feed({"stops.txt": stops}), name="mini")
    station = Stop.objects.get(version=result.version, stop_id="P1")
    body = api_departures(client_for(None), [station.pk], date(2024, 5, 3), time(7, 0), 120)
    assert [(d["gtfs_trip_id"], d["stop_name"], d["departure"]) for d in body] == [
        ("T1", "Mühlacker Bahnhof Gleis 1", "2024-05-03T08:00:00+02:00")
    ]


def test_stop_search_folds_digraphs_at_the_start_of_every_word(client_for, make_feed):
    from tests.gtfs.conftest import MINIMAL_FEED

    stops = MINIMAL_FEED["stops.txt"].replace("Marktplatz", "Bad Öhringen Markt")
    feed_import(path=make_feed({"stops.txt": stops}), name="mini", kind=FeedKind.TRANSIT)
    client = client_for(None)
    for query in ("Bad Oehringen", "oehr", "Bad Öhr", "ohringen markt"):
        body = client.get("/api/v1/gtfs/stops/", {"q": query}).json()
        assert [s["name"] for s in body["results"]] == ["Bad Öhringen Markt"], query
