"""Access rows for the transit and Bürgerbus endpoints.

Timetable reads and the Bürgerbus GTFS export are public; imports are operator-only; the
Bürgerbus timetable and manifests are for staff and operators; bookings belong to alice
(another resident gets 404; staff may see and cancel any).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.access import (
    OPERATOR_ONLY,
    OWNER_OR_STAFF,
    PUBLIC,
    RESIDENTS_CREATE,
    SIGNED_IN,
    STAFF_CREATES,
    STAFF_ONLY,
    Endpoint,
    expect,
    lists_only,
    pk_of,
)

MINI_FEED = {
    "agency.txt": "agency_name,agency_url,agency_timezone\nBus,https://example.org,Europe/Berlin\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,Rathaus,48.9,8.8\nS2,Kirche,48.91,8.8\n",
    "routes.txt": "route_id,route_short_name,route_type\nR1,1,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,08:00:00,08:00:00,S1,1\n"
    "T1,08:10:00,08:10:00,S2,2\n",
    "calendar_dates.txt": "service_id,date,exception_type\nWD,20300101,1\n",
}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in MINI_FEED.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def timetable(ctx) -> None:
    """A Bürgerbus line with one daily trip, a booking of alice's and a finished import."""
    from gtfs import services
    from gtfs.models import Feed, FeedKind, Service
    from tests.factories import GtfsImportFactory

    stops = [services.bb_stop_create(name=n, lat=48.9 + i / 100, lon=8.8) for i, n in enumerate(["Rathaus", "Kirche"])]
    line = services.bb_line_create(short_name="BB1")
    today = timezone.localdate()
    trip = services.bb_trip_create(
        line_id=line.pk,
        stops=[{"stop": stops[0].pk, "departure": "09:00"}, {"stop": stops[1].pk, "arrival": "09:10"}],
        weekdays=list(Service.WEEKDAYS),
        start_date=today,
        end_date=today + timedelta(days=30),
    )
    rule = services.bb_booking_rule_create(booking_type=0)
    day = today + timedelta(days=7)
    booking = services.bb_booking_create(
        trip_id=trip.pk, service_date=day, from_stop_id=stops[0].pk, to_stop_id=stops[1].pk, passenger=ctx.alice
    )
    record = GtfsImportFactory(feed_name="x")
    unused_stop = services.bb_stop_create(name="Waldweg", lat=48.95, lon=8.8)
    spare_line = services.bb_line_create(short_name="BB8")
    ctx.objects.update(
        unused_stop=unused_stop,
        spare_line=spare_line,
        stops=stops,
        line=line,
        trip=trip,
        rule=rule,
        day=day,
        booking=booking,
        record=record,
        feed=Feed.objects.get(kind=FeedKind.COMMUNITY_BUS),
    )


def _driver(ctx) -> None:
    from gtfs import drivers

    timetable(ctx)
    ctx.objects["driver"] = drivers.driver_create(name="Anke Vogt", birth_date=date(1970, 1, 1))


def _booking_body(ctx) -> dict:
    return {"trip": ctx.trip.pk, "date": ctx.day.isoformat(), "from_stop": ctx.stops[0].pk, "to_stop": ctx.stops[1].pk}


ROWS: list[Endpoint] = [
    Endpoint("GET", "gtfs-feed-list", PUBLIC, setup=timetable),
    Endpoint("GET", "gtfs-feed-versions", PUBLIC, setup=timetable, kwargs=pk_of("feed")),
    Endpoint(
        "POST",
        "gtfs-feed-activate",
        OPERATOR_ONLY,
        setup=timetable,
        kwargs=pk_of("feed"),
        data=lambda ctx: {"version": None},
    ),
    Endpoint("GET", "gtfs-stop-list", PUBLIC, setup=timetable, query=lambda ctx: {"q": "rat"}),
    Endpoint(
        "GET",
        "gtfs-departures",
        PUBLIC,
        setup=timetable,
        query=lambda ctx: {"stops": str(ctx.stops[0].pk), "date": ctx.day.isoformat(), "time": "08:30"},
    ),
    Endpoint("GET", "gtfs-route-list", PUBLIC, setup=timetable),
    Endpoint("GET", "gtfs-trip-detail", PUBLIC, setup=timetable, kwargs=pk_of("trip")),
    Endpoint("GET", "gtfs-buergerbus-export", PUBLIC, setup=timetable),
    Endpoint("GET", "gtfs-import-list", OPERATOR_ONLY, setup=timetable),
    Endpoint(
        "POST",
        "gtfs-import-list",
        expect(401, 403, 403, 403, 202),
        format="multipart",
        data=lambda ctx: {"file": SimpleUploadedFile("feed.zip", _zip(), "application/zip"), "name": "Test"},
    ),
    Endpoint("GET", "gtfs-import-detail", OPERATOR_ONLY, setup=timetable, kwargs=pk_of("record")),
    Endpoint("GET", "buergerbus-driver-list", STAFF_ONLY, setup=_driver),
    Endpoint("POST", "buergerbus-driver-list", STAFF_CREATES, data=lambda ctx: {"name": "Hans Berger"}),
    Endpoint(
        "POST",
        "buergerbus-driver-qualifications",
        STAFF_CREATES,
        setup=_driver,
        kwargs=pk_of("driver"),
        data=lambda ctx: {"kind": "passenger_licence", "valid_until": "2030-01-01"},
    ),
    Endpoint(
        "POST",
        "buergerbus-driver-erasure",
        OPERATOR_ONLY,
        setup=_driver,
        kwargs=lambda ctx: {"pk": ctx.driver.pk},
        data=lambda ctx: {"reason": "written request"},
    ),
    Endpoint("GET", "buergerbus-roster", STAFF_ONLY, setup=_driver),
    Endpoint(
        "POST",
        "buergerbus-roster",
        STAFF_CREATES,
        setup=_driver,
        data=lambda ctx: {"trip": ctx.trip.pk, "service_date": ctx.day.isoformat(), "driver": ctx.driver.pk},
    ),
    Endpoint("GET", "buergerbus-roster-warnings", STAFF_ONLY, setup=_driver),
    Endpoint("POST", "buergerbus-stop-list", STAFF_CREATES, data=lambda ctx: {"name": "Post", "lat": 48.9, "lon": 8.8}),
    Endpoint(
        "PATCH",
        "buergerbus-stop-detail",
        STAFF_ONLY,
        setup=timetable,
        kwargs=lambda ctx: {"pk": ctx.stops[0].pk},
        data=lambda ctx: {"name": "Rathausplatz"},
    ),
    Endpoint(
        "DELETE",
        "buergerbus-stop-detail",
        expect(401, 403, 403, 204, 204),
        setup=timetable,
        kwargs=pk_of("unused_stop"),
    ),
    Endpoint(
        "DELETE",
        "buergerbus-line-detail",
        expect(401, 403, 403, 204, 204),
        setup=timetable,
        kwargs=pk_of("spare_line"),
    ),
    Endpoint("POST", "buergerbus-booking-rule-list", STAFF_CREATES, data=lambda ctx: {"booking_type": 0}),
    Endpoint("POST", "buergerbus-line-list", STAFF_CREATES, data=lambda ctx: {"short_name": "BB9"}),
    Endpoint(
        "PATCH",
        "buergerbus-line-detail",
        STAFF_ONLY,
        setup=timetable,
        kwargs=pk_of("line"),
        data=lambda ctx: {"booking_rule_id": ctx.rule.pk},
    ),
    Endpoint(
        "POST",
        "buergerbus-trip-list",
        STAFF_CREATES,
        setup=timetable,
        data=lambda ctx: {
            "line": ctx.line.pk,
            "weekdays": [1],
            "start_date": "2030-01-01",
            "end_date": "2030-12-31",
            "stops": [{"stop": ctx.stops[0].pk, "departure": "10:00"}, {"stop": ctx.stops[1].pk, "arrival": "10:10"}],
        },
    ),
    Endpoint(
        "PATCH",
        "buergerbus-trip-detail",
        STAFF_ONLY,
        setup=timetable,
        kwargs=pk_of("trip"),
        data=lambda ctx: {"capacity": 6},
    ),
    Endpoint(
        "DELETE",
        "buergerbus-trip-detail",
        expect(401, 403, 403, 409, 409),
        setup=timetable,
        kwargs=pk_of("trip"),
    ),
    Endpoint(
        "GET",
        "buergerbus-trip-manifest",
        STAFF_ONLY,
        setup=timetable,
        kwargs=pk_of("trip"),
        query=lambda ctx: {"date": ctx.day.isoformat()},
    ),
    Endpoint("GET", "buergerbus-booking-list", SIGNED_IN, setup=timetable, check=lists_only("booking")),
    Endpoint("POST", "buergerbus-booking-list", RESIDENTS_CREATE, setup=timetable, data=_booking_body),
    Endpoint("GET", "buergerbus-booking-detail", OWNER_OR_STAFF, setup=timetable, kwargs=pk_of("booking")),
    Endpoint("POST", "buergerbus-booking-cancel", OWNER_OR_STAFF, setup=timetable, kwargs=pk_of("booking")),
    Endpoint(
        "POST",
        "buergerbus-assisted-booking",
        STAFF_CREATES,
        setup=timetable,
        data=lambda ctx: {**_booking_body(ctx), "passenger_name": "Erna", "passenger_phone": "0700"},
    ),
]
