"""A small hand-built history (January and February 2026, Europe/Berlin) with known figures.

Car-sharing, January (744 h), three vehicles in service, one out of service:

* ``LD-S 1``: 6 member trips of 2 h (20 km, 15.00 EUR each), 5 official trips of 3 h
  (9.00 EUR to the cost centre each), 5 member cancellations (2.00 EUR fee each),
  5 member no-shows (10.00 EUR each);
* ``LD-S 2``: 2 member trips of 1 h (7 km, 7.77 EUR each) — a SMALL cell;
* ``LD-S 3``: 7 member trips of 1 h (10 km, 10.00 EUR each).

February (672 h): ``LD-S 1`` 6 member trips of 2 h, ``LD-S 2`` 6 of 1 h, ``LD-S 3`` 1 of 1 h
(3.33 EUR, a SMALL cell). The values 777 and 333 (cents) occur only in small cells.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from carsharing.models import Reservation, Station, Vehicle, VehicleType
from tests.factories import CostCentreFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
SMALL_CELL_CENTS = (777, 333)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def reserve(vehicle, user, start: datetime, hours: float, **fields) -> Reservation:
    end = start + timedelta(hours=hours)
    fields.setdefault("status", "settled")
    return Reservation.objects.create(
        vehicle=vehicle, user=user, start=start, end=end, blocked_until=end + timedelta(minutes=15), **fields
    )


@pytest.fixture
def history(db):
    markt = Station.objects.create(name="Markt", lat=51.01234, lon=12.04321)
    bahnhof = Station.objects.create(name="Bahnhof", lat=51.05678, lon=12.08765)
    kind = VehicleType.objects.create(name="Kompakt", seats=5, propulsion="electric", range_km=300)
    v1 = Vehicle.objects.create(plate="LD-S 1", vehicle_type=kind, station=markt)
    v2 = Vehicle.objects.create(plate="LD-S 2", vehicle_type=kind, station=markt)
    v3 = Vehicle.objects.create(plate="LD-S 3", vehicle_type=kind, station=bahnhof)
    Vehicle.objects.create(plate="LD-S 4", vehicle_type=kind, station=bahnhof, in_service=False)
    centre = CostCentreFactory(code="KST-2000", name="Bauamt")
    members = [
        UserFactory(email=f"member{n}@example.org", display_name=f"Member Person{n}", is_member=True) for n in range(8)
    ]
    clerk = UserFactory(email="clerk@rathaus.example.org", display_name="Clerk Official", is_town_staff=True)
    jan = date(2026, 1, 1)
    for n in range(6):
        reserve(
            v1,
            members[n],
            at(jan + timedelta(days=4 + n), 10),
            2,
            odometer_start_km=1000 + 20 * n,
            odometer_end_km=1020 + 20 * n,
            actual_cents=1500,
            estimate_cents=1400,
        )
    for n in range(5):
        reserve(
            v1,
            clerk,
            at(jan + timedelta(days=4 + n), 14),
            3,
            kind="official",
            billing="cost_centre",
            cost_centre=centre,
            status="confirmed",
            estimate_cents=900,
        )
    for n in range(5):
        reserve(
            v1,
            members[n],
            at(jan + timedelta(days=14 + n), 9),
            1,
            status="cancelled",
            actual_cents=200,
            estimate_cents=800,
        )
        reserve(
            v1,
            members[n + 1],
            at(jan + timedelta(days=20 + n), 9),
            1,
            status="no_show",
            actual_cents=1000,
            estimate_cents=1000,
        )
    for n in range(2):
        reserve(
            v2,
            members[7],
            at(jan + timedelta(days=10 + n), 8),
            1,
            odometer_start_km=50,
            odometer_end_km=57,
            actual_cents=777,
        )
    for n in range(7):
        reserve(
            v3,
            members[n],
            at(jan + timedelta(days=2 + n), 18),
            1,
            odometer_start_km=10 * n,
            odometer_end_km=10 * n + 10,
            actual_cents=1000,
        )
    # Never counted: held, expired, pre-empted, released.
    reserve(v3, members[0], at(jan + timedelta(days=25), 8), 1, status="held", estimate_cents=400)
    reserve(v3, members[0], at(jan + timedelta(days=26), 8), 1, status="expired", estimate_cents=400)
    reserve(v3, members[0], at(jan + timedelta(days=27), 8), 1, status="preempted", actual_cents=0)
    reserve(
        v2,
        clerk,
        at(jan + timedelta(days=28), 8),
        4,
        kind="official",
        status="released",
        released=True,
        billing="cost_centre",
        cost_centre=centre,
    )
    feb = date(2026, 2, 1)
    for n in range(6):
        reserve(v1, members[n], at(feb + timedelta(days=n), 10), 2, actual_cents=1500)
        reserve(v2, members[n], at(feb + timedelta(days=n), 10), 1, actual_cents=1000)
    reserve(v3, members[3], at(feb + timedelta(days=9), 23, 30), 1, actual_cents=333)
    # Outside the range (December, March): never counted.
    reserve(v1, members[0], at(date(2025, 12, 31), 22), 1, actual_cents=5000)
    reserve(v1, members[0], at(date(2026, 3, 1), 0), 1, actual_cents=5000)
    return {"vehicles": [v1, v2, v3], "stations": [markt, bahnhof], "members": members, "clerk": clerk}


@pytest.fixture
def ride_history(db):
    """Rides in January 2026: 6 offers (one recurring), 7 requests, bookings on two offers.

    Offer A (12.5 km) on 10 Jan carries 3 confirmed riders (1, 2, 1 seats) and one declined;
    offer B (8 km) on 12 and 13 Jan carries 1 confirmed rider (2 seats) each day.
    So: matches 5, seats 8, shared km 12.5 + 8 + 8 = 28.5. February: 2 offers (small).
    """
    from rides.models import RideBooking, RideOffer, RideRequest, RoadGraph

    graph = RoadGraph.objects.create(
        name="lindenau", path="/nonexistent", node_count=2, edge_count=1, bbox=[0, 0, 1, 1]
    )
    drivers = [UserFactory(email=f"driver{n}@example.org") for n in range(3)]
    riders = [UserFactory(email=f"rider{n}@example.org", display_name=f"Rider Person{n}") for n in range(4)]

    def offer(driver, when, distance_m, **extra):
        return RideOffer.objects.create(
            driver=driver,
            graph=graph,
            origin_lat=51.01,
            origin_lon=12.01,
            destination_lat=51.11,
            destination_lon=12.11,
            origin_node=0,
            destination_node=1,
            departure=when,
            seats=4,
            distance_m=distance_m,
            duration_s=900,
            polyline="",
            **extra,
        )

    a = offer(drivers[0], at(date(2026, 1, 10), 7), 12_500)
    b = offer(
        drivers[1], at(date(2026, 1, 12), 7), 8_000, recurrence_weekdays=0b11111, recurrence_until=date(2026, 3, 1)
    )
    for n in range(4):
        offer(drivers[2], at(date(2026, 1, 20 + n), 17), 5_000)
    offer(drivers[2], at(date(2026, 2, 3), 17), 5_000)
    offer(drivers[2], at(date(2026, 2, 4), 17), 5_000)
    for n in range(7):
        RideRequest.objects.create(
            rider=riders[n % 4],
            graph=graph,
            origin_lat=51.0,
            origin_lon=12.0,
            destination_lat=51.1,
            destination_lon=12.1,
            earliest_departure=at(date(2026, 1, 3 + n), 6),
            latest_arrival=at(date(2026, 1, 3 + n), 9),
        )

    def book(o, day, rider, seats, status="confirmed"):
        RideBooking.objects.create(
            offer=o,
            occurrence_date=day,
            rider=rider,
            seats=seats,
            pickup_lat=51.02,
            pickup_lon=12.02,
            pickup_node=0,
            dropoff_lat=51.1,
            dropoff_lon=12.1,
            dropoff_node=1,
            pickup_time=at(day, 7, 5),
            dropoff_time=at(day, 7, 30),
            added_s=60,
            status=status,
        )

    book(a, date(2026, 1, 10), riders[0], 1)
    book(a, date(2026, 1, 10), riders[1], 2)
    book(a, date(2026, 1, 10), riders[2], 1)
    book(a, date(2026, 1, 10), riders[3], 1, status="declined")
    book(b, date(2026, 1, 12), riders[0], 2)
    book(b, date(2026, 1, 13), riders[0], 2)
    return {"offers": [a, b], "riders": riders}


@pytest.fixture
def buergerbus_history(db):
    """Bürgerbus line ``B1`` with two trips: trip ``B1-0800`` has 6 bookings (9 seats) in January,
    trip ``B1-1400`` 2 bookings (2 seats, a SMALL cell); one cancelled booking never counts."""
    from gtfs.models import BuergerbusBooking, Feed, FeedVersion, Route, Service, Stop, Trip

    feed = Feed.objects.create(name="buergerbus", kind="community_bus")
    version = FeedVersion.objects.create(feed=feed)
    route = Route.objects.create(version=version, route_id="B1", short_name="B1", long_name="Dorfrunde")
    service = Service.objects.create(version=version, service_id="WD", monday=True)
    stops = [
        Stop.objects.create(version=version, stop_id=f"S{n}", name=f"Halt {n}", lat=51.0, lon=12.0) for n in range(2)
    ]
    morning = Trip.objects.create(version=version, trip_id="B1-0800", route=route, service=service)
    afternoon = Trip.objects.create(version=version, trip_id="B1-1400", route=route, service=service)
    people = [UserFactory(email=f"bus{n}@example.org") for n in range(6)]

    def book(trip, day, person, seats, status="confirmed"):
        BuergerbusBooking.objects.create(
            trip=trip,
            service_date=day,
            from_stop=stops[0],
            to_stop=stops[1],
            from_sequence=1,
            to_sequence=2,
            departure_at=at(day, 8),
            seats=seats,
            passenger=person,
            status=status,
        )

    for n in range(6):
        book(morning, date(2026, 1, 5 + n), people[n], 2 if n < 3 else 1)
    book(afternoon, date(2026, 1, 5), people[0], 1)
    book(afternoon, date(2026, 1, 6), people[1], 1)
    book(afternoon, date(2026, 1, 7), people[2], 3, status="cancelled")
    return {"trips": [morning, afternoon]}
