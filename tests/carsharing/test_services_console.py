"""carsharing.services_console and carsharing.selectors_console: official trips for a group,
recurring official trips, pool cars that seat everyone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from carsharing import services, services_console
from carsharing.models import BaseLoadBlock, BaseLoadOccurrence, Reservation, ReservationKind, ReservationStatus
from carsharing.selectors_console import pool_cars_free
from mobility.errors import DomainError
from tests.carsharing.conftest import aligned, fleet, make_member  # noqa: F401
from tests.factories import CostCentreFactory

TZ = ZoneInfo(settings.TIME_ZONE)


def local(day, hh, mm=0):
    return datetime.combine(day, time(hh, mm), tzinfo=TZ)


def next_monday():
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


@pytest.mark.django_db
def test_official_trip_needs_a_car_with_a_seat_for_everyone(stella, fleet):  # noqa: F811
    car = fleet["vehicles"][0]  # four seats
    start = aligned(48)
    with pytest.raises(DomainError) as exc:
        services_console.official_trip_book(
            staff=stella, vehicle_id=car.pk, start=start, end=start + timedelta(hours=1), purpose="x", passengers=5
        )
    assert exc.value.code == "too_few_seats"
    for passengers in (0, 10):
        with pytest.raises(DomainError) as exc:
            services_console.official_trip_book(
                staff=stella,
                vehicle_id=car.pk,
                start=start,
                end=start + timedelta(hours=1),
                purpose="x",
                passengers=passengers,
            )
        assert exc.value.code == "invalid_passengers"
    assert Reservation.objects.count() == 0
    # exactly four: fits
    booked = services_console.official_trip_book(
        staff=stella, vehicle_id=car.pk, start=start, end=start + timedelta(hours=1), purpose="x", passengers=4
    )
    assert (booked.kind, booked.status, booked.cost_centre_id) == (
        ReservationKind.OFFICIAL,
        ReservationStatus.CONFIRMED,
        stella.cost_centre_id,
    )


@pytest.mark.django_db
def test_official_trip_refuses_residents_and_inactive_cost_centres(stella, alice, fleet):  # noqa: F811
    car = fleet["vehicles"][0]
    start = aligned(48)
    window = {"start": start, "end": start + timedelta(hours=1)}
    with pytest.raises(DomainError) as exc:
        services_console.official_trip_book(staff=alice, vehicle_id=car.pk, purpose="x", passengers=1, **window)
    assert (exc.value.code, exc.value.status_code) == ("not_staff", 403)
    closed = CostCentreFactory(code="KST-0", name="Alt", active=False)
    with pytest.raises(DomainError) as exc:
        services_console.official_trip_book(
            staff=stella, vehicle_id=car.pk, purpose="x", passengers=1, cost_centre_id=closed.pk, **window
        )
    assert exc.value.code == "cost_centre_not_found"
    assert Reservation.objects.count() == 0


@pytest.mark.django_db
def test_series_books_the_weekdays_and_keeps_a_taken_hour_free(stella, fleet):  # noqa: F811
    car = fleet["vehicles"][0]
    monday = next_monday()
    member = make_member("mia@example.org")
    # a member holds Wednesday 09:00-10:00: the series must not displace her
    held = services.reservation_create(
        user=member,
        vehicle_id=car.pk,
        start=local(monday + timedelta(days=2), 9),
        end=local(monday + timedelta(days=2), 10),
    )
    outcome = services_console.official_trip_series_create(
        staff=stella,
        vehicle_id=car.pk,
        weekdays=[1, 3, 5],
        start_time=time(8),
        end_time=time(12),
        valid_from=monday,
        valid_until=monday + timedelta(days=6),
        purpose="Bauhof",
        passengers=2,
    )
    assert (outcome.days, outcome.days_partly_taken) == (3, 1)
    official = list(
        Reservation.objects.filter(kind=ReservationKind.OFFICIAL).order_by("start").values_list("start", "end")
    )
    wednesday = monday + timedelta(days=2)
    assert official == [
        (local(monday, 8), local(monday, 12)),
        (local(wednesday, 8), local(wednesday, 8, 45)),  # up to the member's start minus the buffer
        (local(wednesday, 10, 15), local(wednesday, 12)),  # after her end plus the buffer
        (local(monday + timedelta(days=4), 8), local(monday + timedelta(days=4), 12)),
    ]
    held.refresh_from_db()
    assert held.status == ReservationStatus.HELD
    assert BaseLoadOccurrence.objects.filter(block=outcome.block).count() == 3


@pytest.mark.django_db
def test_series_refusals_leave_nothing_behind(stella, fleet):  # noqa: F811
    car = fleet["vehicles"][0]
    monday = next_monday()
    base = {
        "staff": stella,
        "vehicle_id": car.pk,
        "start_time": time(8),
        "end_time": time(12),
        "purpose": "Bauhof",
        "passengers": 1,
    }
    cases = [
        ({"weekdays": [7], "valid_from": monday, "valid_until": monday + timedelta(days=5)}, "no_days"),
        ({"weekdays": [1], "valid_from": monday - timedelta(days=8), "valid_until": monday}, "start_in_past"),
        ({"weekdays": [1], "valid_from": monday, "valid_until": monday + timedelta(days=400)}, "beyond_horizon"),
        ({"weekdays": [8], "valid_from": monday, "valid_until": monday + timedelta(days=5)}, "invalid_weekdays"),
        (
            {"weekdays": [1], "valid_from": monday, "valid_until": monday + timedelta(days=5), "purpose": " "},
            "purpose_required",
        ),
    ]
    for extra, code in cases:
        with pytest.raises(DomainError) as exc:
            services_console.official_trip_series_create(**{**base, **extra})
        assert exc.value.code == code
    assert (BaseLoadBlock.objects.count(), Reservation.objects.count(), BaseLoadOccurrence.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_pool_cars_free_smallest_that_fits_first_and_never_a_taken_one(stella, fleet):  # noqa: F811
    from tests.factories import TariffFactory, VehicleFactory, VehicleTypeFactory

    bus = VehicleTypeFactory(name="Bus", seats=9, propulsion="diesel", range_km=600)
    TariffFactory(vehicle_type=bus, per_hour_cents=1, daily_cap_cents=1, per_km_cents=1, included_km=0)
    big = VehicleFactory(plate="LD-A 1", vehicle_type=bus, station=fleet["stations"][0])
    start = aligned(48)
    end = start + timedelta(hours=2)
    now = timezone.now()
    assert [v.plate for v in pool_cars_free(start=start, end=end, passengers=4, now=now)] == [
        "LD-E 1",
        "LD-E 2",
        "LD-E 3",
        "LD-A 1",
    ]
    assert [v.plate for v in pool_cars_free(start=start, end=end, passengers=5, now=now)] == ["LD-A 1"]
    # taken until 15 minutes (the buffer) before our start: not free; 15 minutes earlier it is
    services.reservation_create(
        user=stella,
        vehicle_id=big.pk,
        start=start - timedelta(hours=1),
        end=start - timedelta(minutes=15),
        kind=ReservationKind.OFFICIAL,
        purpose="x",
    )
    assert [v.plate for v in pool_cars_free(start=start, end=end, passengers=5, now=now)] == ["LD-A 1"]
    Reservation.objects.filter(vehicle=big).update(
        end=start - timedelta(minutes=14), blocked_until=start + timedelta(minutes=1)
    )
    assert pool_cars_free(start=start, end=end, passengers=5, now=now) == []
