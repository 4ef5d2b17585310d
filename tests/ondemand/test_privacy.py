"""Rufbus bookings in the data export, the erasure and the retention rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mobility.privacy.services import personal_data_export, user_erase
from ondemand import privacy, services
from ondemand.models import OnDemandBooking, OnDemandRun
from ondemand.services import Place
from rides.domain.privacy import coarse_position
from tests.factories import UserFactory

from .conftest import DOCTOR, HOME, tomorrow_at

pytestmark = pytest.mark.django_db


def _book(user, at):
    return services.ondemand_booking_create(
        passenger=user, pickup=Place(*HOME), dropoff=Place(*DOCTOR), earliest_pickup=at, seats=1
    )


def test_the_passengers_export_holds_their_exact_pickup_and_drop_off(rufbus):
    anna = UserFactory(display_name="Anna")
    booking = _book(anna, tomorrow_at(14, 10))
    section = personal_data_export(user=anna)["ondemand"]
    assert section["ondemand_bookings"] == [
        {
            "id": booking.pk,
            "service_date": booking.run.service_date.isoformat(),
            "seats": 1,
            "pickup": {"lat": HOME[0], "lon": HOME[1]},
            "dropoff": {"lat": DOCTOR[0], "lon": DOCTOR[1]},
            "earliest_pickup_at": booking.earliest_pickup_at.isoformat(),
            "latest_pickup_at": booking.latest_pickup_at.isoformat(),
            "pickup_at": booking.pickup_at.isoformat(),
            "dropoff_at": booking.dropoff_at.isoformat(),
            "status": "confirmed",
            "created_at": booking.created_at.isoformat(),
            "cancelled_at": None,
        }
    ]
    # nobody else's export shows it
    assert personal_data_export(user=UserFactory())["ondemand"] == {"ondemand_bookings": []}


def test_erasure_cancels_the_coming_ride_and_coarsens_the_door(rufbus):
    anna, ben = UserFactory(display_name="Anna"), UserFactory(display_name="Ben")
    mine = _book(anna, tomorrow_at(14, 10))
    other = _book(ben, tomorrow_at(14, 10))
    record = user_erase(user_id=anna.pk)
    assert record.summary["ondemand"] == {"ondemand_bookings_cancelled": 1, "ondemand_bookings_coarsened": 1}
    mine.refresh_from_db()
    assert mine.status == OnDemandBooking.Status.CANCELLED
    assert (mine.pickup_lat, mine.pickup_lon) == coarse_position(*HOME, 500.0)
    assert (mine.dropoff_lat, mine.dropoff_lon) == coarse_position(*DOCTOR, 500.0)
    assert (mine.pickup_lat, mine.pickup_lon) != HOME
    # the run goes on without Anna; Ben keeps his exact door
    run = OnDemandRun.objects.get()
    assert {stop["booking"] for stop in run.plan} == {other.pk}
    other.refresh_from_db()
    assert other.status == OnDemandBooking.Status.CONFIRMED and (other.pickup_lat, other.pickup_lon) == HOME


def test_retention_coarsens_rides_that_ended_before_the_cutoff_only(rufbus):
    anna = UserFactory(display_name="Anna")
    booking = _book(anna, tomorrow_at(14, 10))
    (rule,) = privacy.RETENTION_RULES
    assert rule.category == "ondemand_exact_places" and rule.default_days == 14
    # the cutoff at the drop-off itself keeps it (strictly before), one second later coarsens
    assert rule.apply(booking.dropoff_at, False) == 0
    assert rule.apply(booking.dropoff_at + timedelta(seconds=1), True) == 1  # dry run: counted only
    booking.refresh_from_db()
    assert (booking.pickup_lat, booking.pickup_lon) == HOME
    assert rule.apply(booking.dropoff_at + timedelta(seconds=1), False) == 1
    booking.refresh_from_db()
    assert (booking.pickup_lat, booking.pickup_lon) == coarse_position(*HOME, 500.0)
    # already coarse: nothing left to change
    assert rule.apply(timezone.now() + timedelta(days=3), False) == 0
