"""The apps' part in GDPR export, erasure and retention: car-sharing, ride-sharing, Bürgerbus.

Real rows with unmistakable personal values; after ``user_erase`` a dump of the whole
database (SQLite ``iterdump`` or ``pg_dump``) must not contain any of them, while bookings
and payments survive for bookkeeping and statistics.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from carsharing.models import (
    Membership,
    PaymentRecord,
    Reservation,
    Station,
    StripeCustomer,
    Tariff,
    Vehicle,
    VehicleType,
)
from gtfs.models import BuergerbusBooking, Feed, FeedVersion, Route, Service, Stop, Trip
from mobility.notifications.models import Notification
from mobility.privacy.retention import run_retention
from mobility.privacy.services import personal_data_export, user_erase
from rides.domain.privacy import coarse_position
from rides.models import MeetingPoint, RideBooking, RideOffer, RideRequest, RoadGraph
from tests.factories import UserFactory
from tests.privacy.dump import database_dump

EMAIL = "quirin.quastenflosser@example.org"
NAME = "Quirin Quastenflosser"
PHONE = "+49 171 5550777"
LICENCE = "QQ9876543210X"
PURPOSE = "Besuch bei Tante Quendolin"
DAMAGE = "Kratzer hinten links, Quirin zahlt"
HOME = (50.9812347, 12.1187651)  # the driver's front door
WORK = (51.0201113, 12.2101119)
PICKUP = (50.9723456, 12.1345678)  # where Quirin is picked up as a rider
REQUEST_FROM = (50.9654321, 12.1456789)
CALLER_NAME = "Hannelore Hilfreich"
CALLER_PHONE = "+49 3371 444555"


def _fragments(*points):
    """The exact coordinates as they could appear in a dump (5 decimals and more)."""
    return [repr(value)[: repr(value).index(".") + 6] for point in points for value in point]


@pytest.fixture
def world(db):
    now = timezone.now()
    person = UserFactory(email=EMAIL, display_name=NAME, phone=PHONE, is_member=True)
    bob = UserFactory(email="bob@example.org", display_name="Bob")
    stella = UserFactory(email="stella@example.org", is_town_staff=True)

    # Car-sharing: approved membership, a past settled trip with payments, an upcoming trip, a card.
    station = Station.objects.create(name="Rathaus", lat=51.0, lon=12.0)
    ev = VehicleType.objects.create(name="Kleinwagen E", seats=4, propulsion="electric", range_km=250)
    Tariff.objects.create(vehicle_type=ev, per_hour_cents=400, daily_cap_cents=4000, per_km_cents=20)
    car = Vehicle.objects.create(plate="LD-E 1", vehicle_type=ev, station=station)
    Membership.objects.create(
        user=person, licence_number=LICENCE, licence_expiry=date(2031, 5, 17), status="approved", checked_by=stella
    )
    past = Reservation.objects.create(
        vehicle=car,
        user=person,
        status="settled",
        billing="invoice",
        start=now - timedelta(days=40, hours=3),
        end=now - timedelta(days=40),
        blocked_until=now - timedelta(days=40) + timedelta(minutes=15),
        purpose=PURPOSE,
        damage_report=DAMAGE,
        estimate_cents=1200,
        actual_cents=1340,
        odometer_start_km=1000,
        odometer_end_km=1057,
    )
    PaymentRecord.objects.create(
        reservation=past, kind="invoice", status="succeeded", amount_cents=1340, idempotency_key="inv-past"
    )
    upcoming = Reservation.objects.create(
        vehicle=car,
        user=person,
        status="confirmed",
        billing="invoice",
        start=now + timedelta(days=5),
        end=now + timedelta(days=5, hours=2),
        blocked_until=now + timedelta(days=5, hours=2, minutes=15),
        estimate_cents=800,
    )
    StripeCustomer.objects.create(user=person, stripe_customer_id="cus_quirin123", card_last4="9137")

    # Ride-sharing: Quirin drives from home (bob booked a seat) and rides with bob once.
    graph = RoadGraph.objects.create(name="g", path="/nonexistent", node_count=9, edge_count=9, bbox=[12, 50, 13, 52])
    bench = MeetingPoint.objects.create(name="Mitfahrbank Kirche", lat=51.0199, lon=12.2088)

    def offer(driver, origin, destination, departure, **extra):
        return RideOffer.objects.create(
            driver=driver,
            graph=graph,
            origin_lat=origin[0],
            origin_lon=origin[1],
            destination_lat=destination[0],
            destination_lon=destination[1],
            origin_node=4711,
            destination_node=4712,
            departure=departure,
            seats=3,
            distance_m=9000,
            duration_s=900,
            polyline="quirins_home_polyline_xyz" if driver.email == EMAIL else "someone_elses_polyline",
            **extra,
        )

    def booking(ride, rider, pickup, dropoff, at, **extra):
        return RideBooking.objects.create(
            offer=ride,
            occurrence_date=at.date(),
            rider=rider,
            seats=1,
            pickup_lat=pickup[0],
            pickup_lon=pickup[1],
            pickup_node=4801,
            dropoff_lat=dropoff[0],
            dropoff_lon=dropoff[1],
            dropoff_node=4802,
            pickup_time=at,
            dropoff_time=at + timedelta(minutes=15),
            added_s=60,
            **extra,
        )

    driving = offer(person, HOME, WORK, now + timedelta(days=2), destination_meeting_point=bench)
    bobs_seat = booking(driving, bob, (51.00111, 12.15111), WORK, now + timedelta(days=2), status="confirmed")
    bobs_ride = offer(bob, (50.95, 12.1), WORK, now + timedelta(days=3))
    riding = booking(bobs_ride, person, PICKUP, WORK, now + timedelta(days=3), status="confirmed")
    looking = RideRequest.objects.create(
        rider=person,
        graph=graph,
        origin_lat=REQUEST_FROM[0],
        origin_lon=REQUEST_FROM[1],
        destination_lat=WORK[0],
        destination_lon=WORK[1],
        earliest_departure=now + timedelta(days=4),
        latest_arrival=now + timedelta(days=4, hours=1),
    )

    # Bürgerbus: Quirin's own booking, and an assisted one stella made for a caller.
    feed = Feed.objects.create(name="Bürgerbus", kind="community_bus")
    version = FeedVersion.objects.create(feed=feed)
    route = Route.objects.create(version=version, route_id="BB1", short_name="BB1", route_type=3)
    service = Service.objects.create(version=version, service_id="daily")
    trip = Trip.objects.create(version=version, trip_id="BB1-0800", route=route, service=service)
    a = Stop.objects.create(version=version, stop_id="a", name="Markt", lat=51.0, lon=12.0)
    b = Stop.objects.create(version=version, stop_id="b", name="Friedhof", lat=51.01, lon=12.01)

    def bus(at, **extra):
        return BuergerbusBooking.objects.create(
            trip=trip,
            service_date=at.date(),
            from_stop=a,
            to_stop=b,
            from_sequence=1,
            to_sequence=2,
            departure_at=at,
            **extra,
        )

    own_bus = bus(now + timedelta(days=1), passenger=person, passenger_phone=PHONE, booked_by=person)
    caller = bus(
        now + timedelta(days=1),
        passenger_name=CALLER_NAME,
        passenger_phone=CALLER_PHONE,
        booked_by=stella,
        assisted=True,
    )
    return {
        "person": person,
        "bob": bob,
        "past": past,
        "upcoming": upcoming,
        "driving": driving,
        "bobs_seat": bobs_seat,
        "riding": riding,
        "looking": looking,
        "own_bus": own_bus,
        "caller": caller,
        "bench": bench,
        "offer": offer,
        "booking": booking,
        "bus": bus,
    }


@pytest.mark.django_db
def test_export_contains_what_each_app_holds(world):
    data = personal_data_export(user=world["person"])
    cs = data["carsharing"]
    assert cs["membership"]["licence_number"] == LICENCE
    assert [r["purpose"] for r in cs["reservations"]] == [PURPOSE, ""]
    assert cs["reservations"][0]["payments"][0]["amount_cents"] == 1340
    assert cs["payment_method"]["card_last4"] == "9137"
    rides = data["rides"]
    assert (rides["offers"][0]["origin"]["lat"], rides["offers"][0]["origin"]["lon"]) == HOME
    assert rides["offers"][0]["bookings_by_others"] == 1
    assert (rides["bookings"][0]["pickup"]["lat"], rides["bookings"][0]["pickup"]["lon"]) == PICKUP
    assert rides["requests"][0]["origin"] == {"lat": REQUEST_FROM[0], "lon": REQUEST_FROM[1]}
    bus = data["gtfs"]["buergerbus_bookings"]
    assert [(b["from_stop"], b["to_stop"], b["passenger_phone"]) for b in bus] == [("Markt", "Friedhof", PHONE)]
    assert data["gtfs"]["assisted_bookings_made_for_others"] == 0
    # Nothing about other people: bob's pickup and the caller are not in Quirin's export.
    text = str(data)
    assert "51.00111" not in text and CALLER_NAME not in text


def _erase_and_check(world):
    person = world["person"]
    before_dump = database_dump()
    for secret in (LICENCE, PURPOSE, DAMAGE, PHONE, *_fragments(HOME, PICKUP, REQUEST_FROM)):
        assert secret in before_dump, f"test setup: {secret!r} should be in the dump before"

    record = user_erase(user_id=person.pk)

    dump = database_dump()
    secrets = [
        EMAIL,
        NAME,
        PHONE,
        LICENCE,
        PURPOSE,
        DAMAGE,
        "Quendolin",
        "Quastenflosser",
        "5550777",
        "quirins_home_polyline",
        "cus_quirin123",
        *_fragments(HOME, PICKUP, REQUEST_FROM),
    ]
    leaked = [s for s in secrets if s in dump]
    assert leaked == [], f"still in the database after erasure: {leaked}"

    # Bookkeeping and statistics survive, without the person's details.
    past = Reservation.objects.get(pk=world["past"].pk)
    assert (past.actual_cents, past.odometer_end_km, past.purpose, past.damage_report) == (1340, 1057, "", "[erased]")
    assert PaymentRecord.objects.get(reservation=past).amount_cents == 1340
    assert Reservation.objects.get(pk=world["upcoming"].pk).status == "cancelled"
    assert not Membership.objects.filter(user=person).exists() and not StripeCustomer.objects.exists()

    driving = RideOffer.objects.get(pk=world["driving"].pk)
    assert driving.status == "cancelled" and driving.polyline == ""
    assert (driving.origin_lat, driving.origin_lon) == coarse_position(*HOME)
    assert (driving.destination_lat, driving.destination_lon) == (51.0199, 12.2088)  # its meeting point
    assert (driving.origin_node, driving.destination_node) == (0, 0)
    bobs_seat = RideBooking.objects.get(pk=world["bobs_seat"].pk)
    assert bobs_seat.status == "cancelled"
    assert (bobs_seat.pickup_lat, bobs_seat.pickup_lon) == (51.00111, 12.15111)  # bob's data is bob's
    assert Notification.objects.filter(user=world["bob"], kind="ride_booking_cancelled").count() == 2
    assert Notification.objects.filter(user=person).count() == 0  # nothing new for the erased person
    riding = RideBooking.objects.get(pk=world["riding"].pk)
    assert riding.status == "cancelled" and (riding.pickup_lat, riding.pickup_lon) == coarse_position(*PICKUP)
    assert RideRequest.objects.get(pk=world["looking"].pk).status == "cancelled"

    own_bus = BuergerbusBooking.objects.get(pk=world["own_bus"].pk)
    assert (own_bus.status, own_bus.passenger_phone, own_bus.seats) == ("cancelled", "", 1)
    caller = BuergerbusBooking.objects.get(pk=world["caller"].pk)
    assert (caller.passenger_name, caller.status) == (CALLER_NAME, "confirmed")  # someone else's booking

    summary = record.summary
    assert summary["carsharing"]["memberships_deleted"] == 1
    assert summary["carsharing"]["upcoming_reservations_cancelled"] == 1
    assert summary["rides"]["offers_cancelled"] == 1 and summary["rides"]["bookings_coarsened"] == 1
    assert summary["gtfs"]["buergerbus_bookings_cancelled"] == 1


@pytest.mark.django_db
def test_erasure_leaves_no_personal_data_in_a_dump(world):
    if connection.vendor == "postgresql":
        # pg_dump runs in another session and cannot see this test's uncommitted rows, so the
        # check would pass vacuously; the transactional variant below covers PostgreSQL.
        pytest.skip("on PostgreSQL see test_erasure_leaves_no_personal_data_in_pg_dump")
    _erase_and_check(world)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_no_personal_data_in_pg_dump(world):
    _erase_and_check(world)


@pytest.mark.django_db
def test_retention_dry_run_changes_nothing_and_real_run_coarsens(world, settings):
    now = timezone.now()
    old = now - timedelta(days=20)
    person, bob = world["person"], world["bob"]
    old_ride = world["offer"](person, HOME, WORK, old)
    old_seat = world["booking"](old_ride, bob, PICKUP, WORK, old, status="confirmed")
    recent_ride = world["offer"](person, HOME, WORK, now - timedelta(days=2))
    recent_seat = world["booking"](recent_ride, bob, PICKUP, WORK, now - timedelta(days=2), status="confirmed")
    old_request = RideRequest.objects.create(
        rider=bob,
        graph=old_ride.graph,
        origin_lat=REQUEST_FROM[0],
        origin_lon=REQUEST_FROM[1],
        destination_lat=WORK[0],
        destination_lon=WORK[1],
        earliest_departure=old - timedelta(hours=1),
        latest_arrival=old,
    )
    old_caller = world["bus"](old, passenger_name=CALLER_NAME, passenger_phone=CALLER_PHONE, assisted=True)
    Membership.objects.filter(user=person).update(status="rejected", decided_at=now - timedelta(days=100))

    dry = {o.category: o.affected for o in run_retention(dry_run=True)}
    assert dry["ride_exact_places"] == 3  # old offer, old booking, old request
    assert dry["buergerbus_assisted_contacts"] == 1
    assert dry["carsharing_rejected_licences"] == 1
    old_ride.refresh_from_db()
    assert (old_ride.origin_lat, old_ride.polyline) == (HOME[0], "quirins_home_polyline_xyz")
    assert BuergerbusBooking.objects.get(pk=old_caller.pk).passenger_name == CALLER_NAME
    assert Membership.objects.get(user=person).licence_number == LICENCE

    done = {o.category: o.affected for o in run_retention()}
    assert (done["ride_exact_places"], done["buergerbus_assisted_contacts"], done["carsharing_rejected_licences"]) == (
        3,
        1,
        1,
    )
    old_ride.refresh_from_db()
    old_seat.refresh_from_db()
    old_request.refresh_from_db()
    assert (old_ride.origin_lat, old_ride.origin_lon, old_ride.polyline) == (*coarse_position(*HOME), "")
    assert (old_seat.pickup_lat, old_seat.pickup_lon) == coarse_position(*PICKUP)
    assert (old_seat.dropoff_lat, old_seat.dropoff_lon) == coarse_position(*WORK)
    assert (old_request.origin_lat, old_request.origin_lon) == coarse_position(*REQUEST_FROM)
    assert (old_ride.seats, old_ride.distance_m, old_seat.seats, old_seat.status) == (3, 9000, 1, "confirmed")
    # Recent rides keep their exact places; so does the future ride.
    recent_ride.refresh_from_db()
    recent_seat.refresh_from_db()
    assert (recent_ride.origin_lat, recent_seat.pickup_lat) == (HOME[0], PICKUP[0])
    assert RideOffer.objects.get(pk=world["driving"].pk).origin_lat == HOME[0]
    caller = BuergerbusBooking.objects.get(pk=old_caller.pk)
    assert (caller.passenger_name, caller.passenger_phone, caller.seats) == ("[erased]", "", 1)
    assert BuergerbusBooking.objects.get(pk=world["caller"].pk).passenger_name == CALLER_NAME  # ride still to come
    assert Membership.objects.get(user=person).licence_number == ""

    again = {o.category: o.affected for o in run_retention()}
    assert (again["ride_exact_places"], again["buergerbus_assisted_contacts"]) == (0, 0)

    settings.PRIVACY_RETENTION_DAYS = {"ride_exact_places": 1}
    assert {o.category: o.affected for o in run_retention(dry_run=True)}["ride_exact_places"] == 2  # the recent pair
