"""Ride offers as GTFS: a valid feed at stop level, without names or exact coordinates."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from zoneinfo import ZoneInfo

import gtfs_kit
import pytest
from django.utils import timezone

from gtfs.models import Feed, FeedVersion, Stop
from rides import gtfs_export
from rides.models import MeetingPoint, RideBooking, RideOffer, RoadGraph
from tests.factories import UserFactory

TZ = ZoneInfo("Europe/Berlin")
DRIVER_EMAIL = "detlef.driver-geheim@example.org"
DRIVER_NAME = "Detlef Driverhausen"
# The driver's home: many decimals, so a leak is unmistakable.
HOME = (50.9812347, 12.1187651)
WORK = (51.0201113, 12.2101119)


def _offer(driver, graph, origin, destination, departure, **extra):
    return RideOffer.objects.create(
        driver=driver,
        graph=graph,
        origin_lat=origin[0],
        origin_lon=origin[1],
        destination_lat=destination[0],
        destination_lon=destination[1],
        origin_node=1,
        destination_node=2,
        departure=departure,
        seats=extra.pop("seats", 3),
        distance_m=8000,
        duration_s=extra.pop("duration_s", 14 * 60),
        polyline="_p~iF~ps|U_ulLnnqC_mqNvxq`@",
        **extra,
    )


@pytest.fixture
def rides_world(db):
    graph = RoadGraph.objects.create(
        name="lindenau", path="/nonexistent", node_count=2, edge_count=1, bbox=[12, 50, 13, 51]
    )
    bench = MeetingPoint.objects.create(name="Mitfahrbank Kirchplatz", lat=50.9820, lon=12.1200)  # ~120 m from HOME
    park = MeetingPoint.objects.create(name="P+R Nord", lat=51.0500, lon=12.3000, kind="parking")
    MeetingPoint.objects.create(name="Alte Bank (abgebaut)", lat=50.98124, lon=12.11877, active=False)
    feed = Feed.objects.create(name="Regionalbus")
    version = FeedVersion.objects.create(feed=feed)
    Feed.objects.filter(pk=feed.pk).update(active_version=version)
    stop = Stop.objects.create(version=version, stop_id="de:1:work", name="Gewerbegebiet Süd", lat=51.0210, lon=12.2090)
    driver = UserFactory(email=DRIVER_EMAIL, display_name=DRIVER_NAME)
    now = timezone.now()
    local_tomorrow = (now.astimezone(TZ) + timedelta(days=1)).replace(hour=7, minute=30, second=0, microsecond=0)
    single = _offer(driver, graph, HOME, WORK, local_tomorrow)
    # Every weekday from tomorrow, via the P+R, with one day off and one day fully booked.
    recurring_start = local_tomorrow.replace(hour=17, minute=5)
    day_off = (recurring_start + timedelta(days=2)).date()
    recurring = _offer(
        driver,
        graph,
        WORK,
        HOME,
        recurring_start,
        recurrence_weekdays=0b1111111,
        recurrence_until=(recurring_start + timedelta(days=30)).date(),
        recurrence_exceptions=[day_off.isoformat()],
        destination_meeting_point=park,
        seats=1,
        duration_s=25 * 60 + 20,
    )
    full_day = (recurring_start + timedelta(days=3)).date()
    rider = UserFactory(email="rita.rider@example.org", display_name="Rita Rider")
    RideBooking.objects.create(
        offer=recurring,
        occurrence_date=full_day,
        rider=rider,
        seats=1,
        pickup_lat=WORK[0],
        pickup_lon=WORK[1],
        pickup_node=1,
        dropoff_lat=HOME[0],
        dropoff_lon=HOME[1],
        dropoff_node=2,
        pickup_time=recurring_start + timedelta(days=3),
        dropoff_time=recurring_start + timedelta(days=3, minutes=25),
        added_s=0,
        status="confirmed",
    )
    # Far from every public place: not published at all.
    lonely = _offer(driver, graph, (50.5, 11.5), WORK, local_tomorrow)
    cancelled = _offer(driver, graph, HOME, WORK, local_tomorrow, status="cancelled")
    past = _offer(driver, graph, HOME, WORK, local_tomorrow - timedelta(days=3))
    return {
        "single": single,
        "recurring": recurring,
        "lonely": lonely,
        "cancelled": cancelled,
        "past": past,
        "bench": bench,
        "park": park,
        "stop": stop,
        "day_off": day_off,
        "full_day": full_day,
        "first_day": recurring_start.date(),
        "single_day": local_tomorrow.date(),
    }


def _read_back(tmp_path, content: bytes):
    path = tmp_path / "rides.zip"
    path.write_bytes(content)
    return path, gtfs_kit.read_feed(path, dist_units="km")


@pytest.mark.django_db
def test_gtfs_zip_is_a_valid_feed_of_the_published_offers(client_for, rides_world, tmp_path):
    w = rides_world
    response = client_for(None).get("/api/v1/rides/gtfs.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    path, feed = _read_back(tmp_path, response.content)

    assert list(feed.routes["route_type"].astype(int)) == [1551, 1551]
    assert sorted(feed.trips["trip_id"]) == sorted([f"offer-{w['single'].pk}", f"offer-{w['recurring'].pk}"])
    assert sorted(feed.stops["stop_id"]) == sorted(
        [f"mp-{w['bench'].pk}", f"mp-{w['park'].pk}", f"stop-{w['stop'].pk}"]
    )
    st = feed.stop_times.sort_values(["trip_id", "stop_sequence"])
    single = st[st["trip_id"] == f"offer-{w['single'].pk}"]
    assert list(single["stop_id"]) == [f"mp-{w['bench'].pk}", f"stop-{w['stop'].pk}"]
    assert list(single["departure_time"]) == ["07:30:00", "07:44:00"]
    recurring = st[st["trip_id"] == f"offer-{w['recurring'].pk}"]
    assert list(recurring["stop_id"]) == [f"stop-{w['stop'].pk}", f"mp-{w['park'].pk}"]
    assert list(recurring["arrival_time"]) == ["17:05:00", "17:30:00"]  # 25 min 20 s rounds to 25 min

    dates = feed.calendar_dates
    recurring_dates = set(dates[dates["service_id"] == f"offer-{w['recurring'].pk}"]["date"])
    first = w["first_day"]
    expected = {(first + timedelta(days=i)).strftime("%Y%m%d") for i in range(13)}  # 14-day horizon from today
    expected -= {w["day_off"].strftime("%Y%m%d"), w["full_day"].strftime("%Y%m%d")}
    assert recurring_dates == expected
    assert set(dates[dates["service_id"] == f"offer-{w['single'].pk}"]["date"]) == {w["single_day"].strftime("%Y%m%d")}
    # gtfs-kit sees the service on those dates, and the project's own GTFS validator has no errors.
    assert feed.get_dates()[0] == w["single_day"].strftime("%Y%m%d")
    trips_tomorrow = set(feed.get_trips(w["single_day"].strftime("%Y%m%d"))["trip_id"])
    assert trips_tomorrow == {f"offer-{w['single'].pk}", f"offer-{w['recurring'].pk}"}
    from gtfs.feed_import import feed_validate, read_tables

    problems = feed_validate(read_tables(path))
    assert not problems.has_errors, problems.finish()


@pytest.mark.django_db
def test_gtfs_holds_no_names_and_no_exact_places(client_for, rides_world):
    content = client_for(None).get("/api/v1/rides/gtfs.zip").content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        text = "\n".join(archive.read(name).decode() for name in archive.namelist())
    for secret in (DRIVER_EMAIL, DRIVER_NAME, "Driverhausen", "Rita", "_p~iF"):
        assert secret not in text
    for lat, lon in (HOME, WORK):
        for decimals in (3, 4, 5, 6, 7):
            assert f"{lat:.{decimals}f}" not in text and f"{lon:.{decimals}f}" not in text
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        headers = {col for name in archive.namelist() for col in archive.read(name).decode().split("\n")[0].split(",")}
    assert not {h for h in headers if any(word in h for word in ("driver", "rider", "user", "email", "phone"))}
    # Stops are exactly the public places' own positions.
    stops = gtfs_export.gtfs_tables()["stops.txt"]
    published = {(row["stop_lat"], row["stop_lon"]) for row in stops}
    assert published == {(50.982, 12.12), (51.05, 12.3), (51.021, 12.209)}


@pytest.mark.django_db
def test_empty_feed_is_still_readable(client_for, tmp_path):
    response = client_for(None).get("/api/v1/rides/gtfs.zip")
    assert response.status_code == 200
    _, feed = _read_back(tmp_path, response.content)
    assert feed.agency["agency_name"].tolist() == ["Mitfahren Lindenau"]
    assert feed.trips is None or feed.trips.empty  # header only: gtfs-kit reads it as no table


def test_nearest_place_respects_the_limit():
    places = [gtfs_export.PublicPlace("a", "A", 51.0, 12.0), gtfs_export.PublicPlace("b", "B", 51.001, 12.0)]
    assert gtfs_export.nearest_place(places, 51.0009, 12.0, 500).stop_id == "b"
    assert gtfs_export.nearest_place(places, 51.02, 12.0, 500) is None  # ~2.1 km away


@pytest.mark.django_db
def test_etag_answers_304_until_the_offers_change(client_for, rides_world):
    from django.core.cache import cache

    client = client_for(None)
    first = client.get("/api/v1/rides/gtfs.zip")
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, max-age=60"
    again = client.get("/api/v1/rides/gtfs.zip", HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    # Built again from the database, the same offers give the same bytes (content-named version).
    cache.clear()
    assert client.get("/api/v1/rides/gtfs.zip")["ETag"] == etag
    RideOffer.objects.filter(pk=rides_world["single"].pk).update(status="cancelled")
    cache.clear()
    changed = client.get("/api/v1/rides/gtfs.zip", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    with zipfile.ZipFile(io.BytesIO(changed.content)) as archive:
        assert f"offer-{rides_world['single'].pk}," not in archive.read("trips.txt").decode()


@pytest.mark.django_db
def test_horizon_and_snap_distance_are_configurable(rides_world, settings):
    w = rides_world
    settings.RIDES_GTFS_HORIZON_DAYS = 3
    tables = gtfs_export.gtfs_tables()
    recurring = {
        row["date"] for row in tables["calendar_dates.txt"] if row["service_id"] == f"offer-{w['recurring'].pk}"
    }
    # today + 2 days: tomorrow's and the day after's rides (the day off is the third day).
    assert recurring == {(w["first_day"] + timedelta(days=i)).strftime("%Y%m%d") for i in range(2)}
    assert tables["feed_info.txt"][0]["feed_end_date"] == (w["first_day"] + timedelta(days=1)).strftime("%Y%m%d")
    settings.RIDES_GTFS_MAX_SNAP_M = 50  # both origins are ~120 m from their nearest public place
    tables = gtfs_export.gtfs_tables()
    assert (tables["trips.txt"], tables["stops.txt"]) == ([], [])


@pytest.mark.django_db
def test_any_accept_header_gets_the_feed(client_for):
    client = client_for(None)
    for accept in ("application/zip", "text/html", "application/octet-stream", "*/*"):
        response = client.get("/api/v1/rides/gtfs.zip", HTTP_ACCEPT=accept)
        assert (response.status_code, response["Content-Type"]) == (200, "application/zip"), accept
        gbfs = client.get("/api/v1/gbfs/gbfs.json", HTTP_ACCEPT=accept)
        assert (gbfs.status_code, gbfs["Content-Type"]) == (200, "application/json"), accept


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "wall", "change_day", "expected_change"),
    [
        # 01:30 CET on the spring day is 02:30 after that day's GTFS zero (23:00 CET the evening before)
        ("2027-03-26", (1, 30), "20270328", ("20270328", "02:30:00")),
        # 00:30 CEST on the autumn day lies before its GTFS zero (01:00 CEST): the previous day's 24:30
        ("2027-10-29", (0, 30), "20271031", ("20271030", "24:30:00")),
    ],
)
def test_recurring_offer_across_a_clock_change_keeps_its_wall_clock_time(
    rides_world, first, wall, change_day, expected_change
):
    from datetime import date, datetime

    start = date.fromisoformat(first)
    departure = datetime(start.year, start.month, start.day, wall[0], wall[1], tzinfo=TZ)
    graph = rides_world["recurring"].graph
    offer = _offer(
        rides_world["recurring"].driver,
        graph,
        HOME,
        WORK,
        departure,
        recurrence_weekdays=0b1111111,
        recurrence_until=start + timedelta(days=4),
        duration_s=20 * 60,
    )
    tables = gtfs_export.gtfs_tables(now=datetime(start.year, start.month, start.day, tzinfo=TZ))
    key = f"offer-{offer.pk}"
    mine = {t["trip_id"] for t in tables["trips.txt"] if t["route_id"] == key}
    dates = {(r["service_id"], r["date"]) for r in tables["calendar_dates.txt"] if r["service_id"] in mine}
    first_times = {r["trip_id"]: r["departure_time"] for r in tables["stop_times.txt"] if r["stop_sequence"] == 1}
    published = sorted((d, first_times[s]) for s, d in dates)
    # every occurrence departs at the same wall-clock time: check each GTFS time independently
    usual = f"{wall[0]:02d}:{wall[1]:02d}:00"
    expected = sorted(
        [
            ((start + timedelta(days=i)).strftime("%Y%m%d"), usual)
            for i in range(5)
            if (start + timedelta(days=i)).strftime("%Y%m%d") != change_day
        ]
        + [expected_change]
    )
    assert published == expected
    assert len(mine) == 2 and key in mine
    assert {r["route_id"] for r in tables["routes.txt"]} >= {key}
