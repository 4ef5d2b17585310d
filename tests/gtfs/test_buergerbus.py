"""The Bürgerbus: timetable maintained through the API, seat bookings, manifest, export."""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.utils import timezone

from gtfs import services
from gtfs.feed_import import feed_import
from gtfs.models import BookingRule, BuergerbusBooking, Feed, FeedKind, Route, Service, Stop, StopTime, Trip
from mobility.notifications.models import Notification
from tests.conftest import make_token
from tests.factories import StopFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")


def future_day(days: int = 7) -> date:
    return timezone.localdate() + timedelta(days=days)


def build_timetable(client, *, capacity: int = 8, rule: dict | None = None) -> dict:
    """Four stops, one line, one daily trip 09:00-09:30 valid for 60 days, via the API."""
    stops = []
    for i, name in enumerate(["Rathaus", "Kirche", "Schule", "Friedhof"]):
        response = client.post("/api/v1/gtfs/buergerbus/stops/", {"name": name, "lat": 48.9 + i / 100, "lon": 8.8})
        assert response.status_code == 201, response.content
        stops.append(response.json()["id"])
    rule_id = None
    if rule is not None:
        response = client.post("/api/v1/gtfs/buergerbus/booking-rules/", rule)
        assert response.status_code == 201, response.content
        rule_id = response.json()["id"]
    response = client.post(
        "/api/v1/gtfs/buergerbus/lines/", {"short_name": "BB1", "long_name": "Dorfrunde", "booking_rule_id": rule_id}
    )
    assert response.status_code == 201, response.content
    line = response.json()["id"]
    today = timezone.localdate()
    response = client.post(
        "/api/v1/gtfs/buergerbus/trips/",
        {
            "line": line,
            "headsign": "Friedhof",
            "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=60)).isoformat(),
            "removed_dates": [(today + timedelta(days=10)).isoformat()],
            "capacity": capacity,
            "stops": [
                {"stop": stops[0], "departure": "09:00"},
                {"stop": stops[1], "arrival": "09:10", "departure": "09:11"},
                {"stop": stops[2], "arrival": "09:20"},
                {"stop": stops[3], "arrival": "09:30"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return {"stops": stops, "line": line, "trip": response.json()["id"], "rule": rule_id, "body": response.json()}


def book(client, tt, a, b, seats=1, day=None):
    return client.post(
        "/api/v1/gtfs/buergerbus/bookings/",
        {
            "trip": tt["trip"],
            "date": (day or future_day()).isoformat(),
            "from_stop": tt["stops"][a],
            "to_stop": tt["stops"][b],
            "seats": seats,
        },
        format="json",
    )


@pytest.mark.django_db
def test_timetable_maintained_through_the_api(client_for, stella, alice):
    tt = build_timetable(client_for(stella))
    feed = Feed.objects.get(kind=FeedKind.COMMUNITY_BUS)
    version = feed.active_version
    trip = Trip.objects.get(pk=tt["trip"])
    assert trip.version_id == version.pk and trip.capacity == 8
    assert list(StopTime.objects.filter(trip=trip).values_list("stop_sequence", "arrival_time", "departure_time")) == [
        (1, 32400, 32400),
        (2, 33000, 33060),
        (3, 33600, 33600),
        (4, 34200, 34200),
    ]
    service = trip.service
    assert [getattr(service, d) for d in Service.WEEKDAYS] == [True] * 7
    assert list(service.dates.values_list("date", "exception_type")) == [(timezone.localdate() + timedelta(days=10), 2)]
    assert tt["body"]["stop_times"][1]["departure_time"] == "09:11:00"
    # residents see it next to the other departures, marked bookable
    day = future_day()
    body = (
        client_for(None)
        .get("/api/v1/gtfs/departures/", {"stops": tt["stops"][0], "date": day.isoformat(), "time": "08:30"})
        .json()
    )
    assert [(d["route_short_name"], d["departure"], d["bookable"]) for d in body] == [
        ("BB1", datetime.combine(day, datetime.min.time().replace(hour=9), tzinfo=BERLIN).isoformat(), True)
    ]
    # a resident may not edit the timetable
    assert (
        client_for(alice).post("/api/v1/gtfs/buergerbus/stops/", {"name": "X", "lat": 1, "lon": 1}).status_code == 403
    )
    # invalid trips are refused with stable codes and leave nothing behind
    staff = client_for(stella)
    trips_before = Trip.objects.count()
    bad = {
        "line": tt["line"],
        "weekdays": [1],
        "start_date": "2030-01-01",
        "end_date": "2030-02-01",
        "stops": [{"stop": tt["stops"][0], "departure": "10:00"}, {"stop": tt["stops"][1], "departure": "09:00"}],
    }
    response = staff.post("/api/v1/gtfs/buergerbus/trips/", bad, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "gtfs_times_not_increasing"
    response = staff.post("/api/v1/gtfs/buergerbus/trips/", {**bad, "line": 999999}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "gtfs_line_not_found"
    assert Trip.objects.count() == trips_before
    # stops in use and lines with trips are kept
    response = staff.delete(f"/api/v1/gtfs/buergerbus/stops/{tt['stops'][0]}/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "gtfs_stop_in_use"
    response = staff.delete(f"/api/v1/gtfs/buergerbus/lines/{tt['line']}/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "gtfs_line_has_trips"
    # a second line with the same number: 409, nothing stored
    lines_before = Route.objects.count()
    response = staff.post("/api/v1/gtfs/buergerbus/lines/", {"short_name": "BB1"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "gtfs_line_number_taken"
    assert response.json()["error"]["fields"] == {"short_name": ["Another line already has this number."]}
    assert Route.objects.count() == lines_before
    assert Stop.objects.filter(pk=tt["stops"][0]).exists() and Route.objects.filter(pk=tt["line"]).exists()
    # capacity edits
    response = staff.patch(f"/api/v1/gtfs/buergerbus/trips/{tt['trip']}/", {"capacity": 6}, format="json")
    assert response.status_code == 200 and Trip.objects.get(pk=tt["trip"]).capacity == 6
    # calendar edits: weekdays and exception dates
    response = staff.patch(
        f"/api/v1/gtfs/buergerbus/trips/{tt['trip']}/",
        {"weekdays": [1, 5], "added_dates": ["2030-01-05"], "removed_dates": []},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["service"]["weekdays"] == [1, 5]
    assert response.json()["service"]["added_dates"] == ["2030-01-05"]
    assert response.json()["service"]["removed_dates"] == []
    response = staff.patch(
        f"/api/v1/gtfs/buergerbus/trips/{tt['trip']}/",
        {"added_dates": ["2030-01-06"], "removed_dates": ["2030-01-06"]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "gtfs_calendar_conflict"
    assert list(Trip.objects.get(pk=tt["trip"]).service.dates.values_list("date", flat=True)) == [date(2030, 1, 5)]
    assert Feed.objects.get(pk=feed.pk).active_version.content_sha256 == ""


@pytest.mark.django_db
def test_booking_capacity_counts_every_segment(client_for, stella, alice, bob):
    tt = build_timetable(client_for(stella), capacity=2)
    a, b = client_for(alice), client_for(bob)
    assert book(a, tt, 0, 1, seats=2).status_code == 201  # Rathaus -> Kirche: full on segment 1
    assert book(b, tt, 1, 3, seats=2).status_code == 201  # Kirche -> Friedhof: segments 2-3, no overlap
    response = book(b, tt, 0, 2, seats=1)  # needs segment 1, which is full
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "buergerbus_trip_full"
    assert book(b, tt, 0, 1, seats=1, day=future_day(8)).status_code == 201  # another day is free
    assert BuergerbusBooking.objects.filter(status=BuergerbusBooking.Status.CONFIRMED).count() == 3
    assert sorted(BuergerbusBooking.objects.values_list("from_sequence", "to_sequence", "seats")) == [
        (1, 2, 1),
        (1, 2, 2),
        (2, 4, 2),
    ]


@pytest.mark.django_db
def test_booking_refusals_leave_nothing(client_for, stella, alice):
    tt = build_timetable(client_for(stella))
    a = client_for(alice)
    cases = [
        (book(a, tt, 2, 0), 400, "buergerbus_wrong_direction"),
        (book(a, tt, 0, 1, day=timezone.localdate() + timedelta(days=10)), 400, "buergerbus_trip_not_running"),
        (book(a, tt, 0, 1, day=timezone.localdate() + timedelta(days=90)), 400, "buergerbus_trip_not_running"),
        (book(a, tt, 0, 1, seats=9), 400, "validation_error"),
        (book(a, {**tt, "trip": 999999}, 0, 1), 404, "buergerbus_trip_not_found"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    other_stop = StopFactory(version=Trip.objects.get(pk=tt["trip"]).version, stop_id="x", name="Anderswo")
    response = book(a, {**tt, "stops": [other_stop.pk, *tt["stops"][1:]]}, 0, 1)
    assert response.json()["error"]["code"] == "buergerbus_stop_not_on_trip"
    assert not BuergerbusBooking.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_late_booking_refused_with_rule_message(client_for, stella, alice):
    rule = {"booking_type": 1, "prior_notice_duration_min": 20160, "message": "Bitte zwei Wochen vorher anmelden."}
    tt = build_timetable(client_for(stella), rule=rule)
    response = book(client_for(alice), tt, 0, 1, day=future_day(7))
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "buergerbus_booking_too_late",
        "message": "Bitte zwei Wochen vorher anmelden.",
        "fields": response.json()["error"]["fields"],
    }
    assert book(client_for(alice), tt, 0, 1, day=future_day(20)).status_code == 201
    assert BuergerbusBooking.objects.count() == 1


@pytest.mark.django_db
def test_prior_day_rule_deadline(stella):
    """ "Until 18:00 the day before", checked with explicit clocks (local time)."""
    rule = services.bb_booking_rule_create(
        booking_type=2, prior_notice_last_day=1, prior_notice_last_time="18:00", message="Bis 18 Uhr am Vortag."
    )
    stop_a = services.bb_stop_create(name="A", lat=48.9, lon=8.8)
    stop_b = services.bb_stop_create(name="B", lat=48.91, lon=8.8)
    line = services.bb_line_create(short_name="BB2", booking_rule_id=rule.pk)
    trip = services.bb_trip_create(
        line_id=line.pk,
        stops=[{"stop": stop_a.pk, "departure": "08:00"}, {"stop": stop_b.pk, "arrival": "08:20"}],
        weekdays=list(Service.WEEKDAYS),
        start_date=date(2030, 1, 1),
        end_date=date(2030, 12, 31),
    )
    assert trip.booking_rule_id == rule.pk
    args = {"trip_id": trip.pk, "service_date": date(2030, 3, 5), "from_stop_id": stop_a.pk, "to_stop_id": stop_b.pk}
    ok = services.bb_booking_create(**args, passenger=stella, now=datetime(2030, 3, 4, 17, 59, tzinfo=BERLIN))
    assert ok.departure_at == datetime(2030, 3, 5, 8, 0, tzinfo=BERLIN)
    with pytest.raises(Exception) as info:
        services.bb_booking_create(**args, passenger=stella, now=datetime(2030, 3, 4, 18, 1, tzinfo=BERLIN))
    assert info.value.code == "buergerbus_booking_too_late" and info.value.message == "Bis 18 Uhr am Vortag."
    with pytest.raises(Exception) as info:
        services.bb_booking_create(**args, passenger=stella, now=datetime(2030, 3, 5, 8, 1, tzinfo=BERLIN))
    assert info.value.code == "buergerbus_trip_departed"
    assert BuergerbusBooking.objects.count() == 1


@pytest.mark.django_db
def test_assisted_booking_cancel_manifest_and_notifications(client_for, stella, alice, bob):
    staff = client_for(stella)
    tt = build_timetable(staff)
    day = future_day()
    # a caller without an account
    response = staff.post(
        "/api/v1/gtfs/buergerbus/assisted-bookings/",
        {
            "trip": tt["trip"],
            "date": day.isoformat(),
            "from_stop": tt["stops"][0],
            "to_stop": tt["stops"][2],
            "seats": 2,
            "passenger_name": "Erna Müller",
            "passenger_phone": "07041 1234",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assisted = BuergerbusBooking.objects.get(pk=response.json()["id"])
    assert (assisted.assisted, assisted.booked_by_id, assisted.passenger_id) == (True, stella.pk, None)
    # for a resident with an account: notified like a self-booking
    response = staff.post(
        "/api/v1/gtfs/buergerbus/assisted-bookings/",
        {
            "trip": tt["trip"],
            "date": day.isoformat(),
            "from_stop": tt["stops"][1],
            "to_stop": tt["stops"][3],
            "passenger": alice.pk,
        },
        format="json",
    )
    assert response.status_code == 201
    for_alice = BuergerbusBooking.objects.get(pk=response.json()["id"])
    assert (for_alice.passenger_id, for_alice.assisted, for_alice.passenger_name) == (alice.pk, True, "")
    assert list(Notification.objects.filter(user=alice).values_list("kind", flat=True)) == [
        "buergerbus_booking_confirmed"
    ]
    # residents may not book on behalf of others
    assert client_for(bob).post("/api/v1/gtfs/buergerbus/assisted-bookings/", {}, format="json").status_code == 403
    # the manifest
    manifest = staff.get(f"/api/v1/gtfs/buergerbus/trips/{tt['trip']}/manifest/", {"date": day.isoformat()}).json()
    assert manifest["seats_booked"] == 3
    assert [
        (s["stop_name"], [p["name"] for p in s["boarding"]], [p["name"] for p in s["alighting"]], s["onboard_after"])
        for s in manifest["stops"]
    ] == [
        ("Rathaus", ["Erna Müller"], [], 2),
        ("Kirche", ["Alice"], [], 3),
        ("Schule", [], ["Erna Müller"], 1),
        ("Friedhof", [], ["Alice"], 0),
    ]
    assert manifest["stops"][0]["boarding"][0]["phone"] == "07041 1234"
    # Viewing Alice's booking on the manifest is in the access audit log (Erna has no account).
    from mobility.privacy.models import PersonalDataAccess

    assert list(PersonalDataAccess.objects.values_list("actor", "subject_ref", "what", "reason")) == [
        (stella.pk, alice.pk, "Bürgerbus manifest", "driver's manifest")
    ]
    assert (
        client_for(alice)
        .get(f"/api/v1/gtfs/buergerbus/trips/{tt['trip']}/manifest/", {"date": day.isoformat()})
        .status_code
        == 403
    )
    # alice sees only her booking; bob cannot see or cancel it
    a = client_for(alice)
    assert [b["id"] for b in a.get("/api/v1/gtfs/buergerbus/bookings/").json()["results"]] == [for_alice.pk]
    assert client_for(bob).get(f"/api/v1/gtfs/buergerbus/bookings/{for_alice.pk}/").status_code == 404
    assert client_for(bob).post(f"/api/v1/gtfs/buergerbus/bookings/{for_alice.pk}/cancel/").status_code == 404
    response = a.post(f"/api/v1/gtfs/buergerbus/bookings/{for_alice.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert a.post(f"/api/v1/gtfs/buergerbus/bookings/{for_alice.pk}/cancel/").json()["error"]["code"] == (
        "buergerbus_booking_already_cancelled"
    )
    assert list(Notification.objects.filter(user=alice).order_by("id").values_list("kind", flat=True)) == [
        "buergerbus_booking_confirmed",
        "buergerbus_booking_cancelled",
    ]
    # staff cancel the phone booking
    assert staff.post(f"/api/v1/gtfs/buergerbus/bookings/{assisted.pk}/cancel/").status_code == 200
    assert set(BuergerbusBooking.objects.values_list("status", flat=True)) == {BuergerbusBooking.Status.CANCELLED}
    # trip with a booking history cannot be deleted
    response = staff.delete(f"/api/v1/gtfs/buergerbus/trips/{tt['trip']}/")
    assert response.status_code == 409 and Trip.objects.filter(pk=tt["trip"]).exists()


@pytest.mark.django_db
def test_booking_idempotency_key(client_for, stella, alice):
    tt = build_timetable(client_for(stella))
    a = client_for(alice)
    body = {
        "trip": tt["trip"],
        "date": future_day().isoformat(),
        "from_stop": tt["stops"][0],
        "to_stop": tt["stops"][1],
    }
    first = a.post("/api/v1/gtfs/buergerbus/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = a.post("/api/v1/gtfs/buergerbus/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert BuergerbusBooking.objects.count() == 1


def _export(client) -> bytes:
    response = client.get("/api/v1/gtfs/buergerbus/gtfs.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content) if response.streaming else response.content


def _timetable(version) -> dict:
    """The timetable of a version in GTFS ids, for comparing two versions."""
    return {
        "stops": sorted(Stop.objects.filter(version=version).values_list("stop_id", "name", "lat", "lon")),
        "routes": sorted(
            Route.objects.filter(version=version).values_list(
                "route_id", "short_name", "long_name", "route_type", "booking_rule__booking_rule_id"
            )
        ),
        "trips": sorted(
            Trip.objects.filter(version=version).values_list(
                "trip_id", "route__route_id", "service__service_id", "headsign", "booking_rule__booking_rule_id"
            )
        ),
        "stop_times": sorted(
            StopTime.objects.filter(trip__version=version).values_list(
                "trip__trip_id",
                "stop_sequence",
                "stop__stop_id",
                "arrival_time",
                "departure_time",
                "pickup_type",
                "drop_off_type",
            )
        ),
        "services": sorted(
            Service.objects.filter(version=version).values_list(
                "service_id", "has_calendar", *Service.WEEKDAYS, "start_date", "end_date"
            )
        ),
        "dates": sorted(
            Service.objects.filter(version=version).values_list("service_id", "dates__date", "dates__exception_type")
        ),
        "rules": sorted(
            BookingRule.objects.filter(version=version).values_list(
                "booking_rule_id",
                "booking_type",
                "prior_notice_duration_min",
                "prior_notice_last_day",
                "prior_notice_last_time",
                "message",
                "phone_number",
            )
        ),
    }


@pytest.mark.django_db
def test_export_is_valid_gtfs_without_personal_data_and_round_trips(client_for, stella, alice, tmp_path):
    staff = client_for(stella)
    rule = {
        "booking_type": 2,
        "prior_notice_last_day": 1,
        "prior_notice_last_time": "18:00",
        "message": "Bis 18 Uhr am Vortag.",
        "phone_number": "+49 7041 1",
    }
    tt = build_timetable(staff, rule=rule)
    # a second, line without booking, with a trip past midnight and only added dates
    line2 = staff.post("/api/v1/gtfs/buergerbus/lines/", {"short_name": "BB3"}).json()["id"]
    response = staff.post(
        "/api/v1/gtfs/buergerbus/trips/",
        {
            "line": line2,
            "weekdays": [],
            "start_date": "2030-01-01",
            "end_date": "2030-01-31",
            "added_dates": ["2030-01-05", "2030-01-12"],
            "stops": [{"stop": tt["stops"][3], "departure": "23:50"}, {"stop": tt["stops"][0], "arrival": "24:20"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    staff.post(
        "/api/v1/gtfs/buergerbus/assisted-bookings/",
        {
            "trip": tt["trip"],
            "date": future_day(3).isoformat(),
            "from_stop": tt["stops"][0],
            "to_stop": tt["stops"][1],
            "passenger_name": "Erna Geheim",
            "passenger_phone": "0700 SECRET",
        },
        format="json",
    )
    content = _export(client_for(None))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        text = b"".join(archive.read(n) for n in names).decode()
        stop_times = archive.read("stop_times.txt").decode().splitlines()
    assert {
        "agency.txt",
        "stops.txt",
        "routes.txt",
        "trips.txt",
        "stop_times.txt",
        "calendar.txt",
        "calendar_dates.txt",
        "booking_rules.txt",
        "feed_info.txt",
    } <= names
    assert "Erna" not in text and "SECRET" not in text and "alice" not in text and "stella" not in text
    rule_id = BookingRule.objects.get().booking_rule_id
    assert sum(rule_id in line for line in stop_times) == 4  # the booking-only line's stop times name the rule
    assert any(",24:20:00,24:20:00," in line for line in stop_times)
    path = tmp_path / "export.zip"
    path.write_bytes(content)
    original = Feed.objects.get(kind=FeedKind.COMMUNITY_BUS).active_version
    again = feed_import(path=path, name="Reimport", kind=FeedKind.COMMUNITY_BUS)
    assert again.created and again.warnings == []
    assert _timetable(again.version) == _timetable(original)


@pytest.mark.django_db
def test_export_without_buergerbus_is_404(client_for):
    response = client_for(None).get("/api/v1/gtfs/buergerbus/gtfs.zip")
    assert response.status_code == 404 and response.json()["error"]["code"] == "buergerbus_feed_not_found"


@pytest.mark.django_db
def test_imported_buergerbus_feed_is_bookable(client_for, alice, stella):
    from tests.conftest import shared_file

    path = shared_file("gtfs/buergerbus-maulbronn-wiernsheim.zip")
    result = feed_import(path=path, name="Bürgerbus Maulbronn", kind=FeedKind.COMMUNITY_BUS)
    trip = Trip.objects.filter(version=result.version).order_by("id").first()
    calls = list(StopTime.objects.filter(trip=trip).order_by("stop_sequence"))
    service_day = trip.service.dates.filter(exception_type=1).order_by("date").first().date
    booking = services.bb_booking_create(
        trip_id=trip.pk,
        service_date=service_day,
        from_stop_id=calls[0].stop_id,
        to_stop_id=calls[-1].stop_id,
        passenger=alice,
        now=datetime.combine(service_day - timedelta(days=1), datetime.min.time(), tzinfo=BERLIN),
    )
    assert booking.seats == 1 and booking.to_sequence == calls[-1].stop_sequence


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_never_exceed_capacity(asgi_server, stella):
    from rest_framework.test import APIClient

    staff = APIClient()
    staff.credentials(HTTP_AUTHORIZATION=f"Token {make_token(stella)}")
    tt = build_timetable(staff, capacity=8)
    residents = [UserFactory(email=f"resident{i}@example.org") for i in range(20)]
    tokens = [make_token(user) for user in residents]
    day = future_day()

    def attempt(token: str) -> tuple[int, str | None]:
        response = httpx.post(
            f"{asgi_server}/api/v1/gtfs/buergerbus/bookings/",
            json={"trip": tt["trip"], "date": day.isoformat(), "from_stop": tt["stops"][0], "to_stop": tt["stops"][3]},
            headers={"Authorization": f"Token {token}"},
            timeout=60,
        )
        return response.status_code, (response.json().get("error") or {}).get(
            "code"
        ) if response.status_code != 201 else None

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, tokens))
    assert sorted(results, key=str) == sorted([(201, None)] * 8 + [(409, "buergerbus_trip_full")] * 12, key=str)
    assert (
        BuergerbusBooking.objects.filter(
            trip_id=tt["trip"], service_date=day, status=BuergerbusBooking.Status.CONFIRMED
        ).count()
        == 8
    )


@pytest.mark.django_db
def test_calendar_edit_of_imported_trip_copies_shared_calendar(client_for, stella):
    from tests.conftest import shared_file

    result = feed_import(
        path=shared_file("gtfs/buergerbus-maulbronn-wiernsheim.zip"), name="BB", kind=FeedKind.COMMUNITY_BUS
    )
    trip = Trip.objects.filter(version=result.version).order_by("id").first()
    shared = trip.service
    others = list(shared.trips.exclude(pk=trip.pk).values_list("pk", flat=True))
    assert others, "the feed shares calendars between trips"
    dates_before = list(shared.dates.values_list("date", "exception_type"))
    response = client_for(stella).patch(
        f"/api/v1/gtfs/buergerbus/trips/{trip.pk}/", {"removed_dates": [dates_before[0][0].isoformat()]}, format="json"
    )
    assert response.status_code == 200, response.content
    trip.refresh_from_db()
    assert trip.service_id != shared.pk
    assert sorted(trip.service.dates.values_list("date", "exception_type")) == sorted(
        [(dates_before[0][0], 2), *[(d, t) for d, t in dates_before[1:]]]
    )
    assert list(shared.dates.values_list("date", "exception_type")) == dates_before  # the others keep theirs
    assert set(Trip.objects.filter(pk__in=others).values_list("service_id", flat=True)) == {shared.pk}


@pytest.mark.django_db
def test_demo_loads_regional_and_buergerbus_feeds(tmp_path):
    from gtfs import demo
    from mobility.demo.region import build_region_files

    files = build_region_files(tmp_path)
    out = io.StringIO()
    demo.load(files, out)
    demo.load(files, out)  # idempotent: the second run changes nothing
    assert Feed.objects.filter(kind=FeedKind.TRANSIT, active_version__isnull=False).count() == 1
    buergerbus = Feed.objects.get(kind=FeedKind.COMMUNITY_BUS)
    booking_only = Route.objects.filter(version=buergerbus.active_version, booking_rule__isnull=False)
    assert booking_only.count() >= 1
    assert "unchanged" in out.getvalue().splitlines()[-1]
