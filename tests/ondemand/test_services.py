"""Booking a Rufbus ride: zone and hours, deadlines, insertion into the run, cancel, notifications."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mobility.errors import Conflict, ValidationFailed
from mobility.notifications.models import Notification
from ondemand import selectors, services
from ondemand.models import OnDemandBooking, OnDemandRun
from ondemand.services import Place
from tests.factories import UserFactory

from .conftest import DOCTOR, HOME, OUTSIDE, tomorrow_at

pytestmark = pytest.mark.django_db


def _book(user, at, *, pickup=HOME, dropoff=DOCTOR, seats=1, now=None):
    return services.ondemand_booking_create(
        passenger=user, pickup=Place(*pickup), dropoff=Place(*dropoff), earliest_pickup=at, seats=seats, now=now
    )


def test_booking_inserts_the_ride_into_the_days_run(rufbus):
    anna = UserFactory(display_name="Anna")
    at = tomorrow_at(14, 10)
    booking = _book(anna, at)
    run = OnDemandRun.objects.get()
    assert run.service_date == at.date()
    assert (run.start_at, run.end_at) == (tomorrow_at(14), tomorrow_at(18))
    assert run.capacity == 8
    assert run.plan == [{"booking": booking.pk, "pickup": True}, {"booking": booking.pk, "pickup": False}]
    assert booking.earliest_pickup_at == at and booking.latest_pickup_at == at + timedelta(minutes=15)
    assert at <= booking.pickup_at <= at + timedelta(minutes=15)
    assert booking.pickup_at < booking.dropoff_at <= booking.pickup_at + timedelta(seconds=booking.max_ride_s)
    assert (booking.pickup_lat, booking.pickup_lon) == HOME
    assert Notification.objects.filter(user=anna, kind="ondemand_booking_confirmed").count() == 1
    stops = selectors.run_stops(run=run)
    assert [(s.order, s.pickup, s.passenger) for s in stops] == [(1, True, "Anna"), (2, False, "Anna")]


def test_outside_the_zone_and_outside_the_hours_are_refused(rufbus):
    user = UserFactory()
    with pytest.raises(ValidationFailed) as caught:
        _book(user, tomorrow_at(14, 10), dropoff=OUTSIDE)
    assert (caught.value.code, caught.value.status_code) == ("ondemand_outside_zone", 422)
    # the window closes at 18:00: a pickup window 17:45-18:00 fits, 17:46-18:01 does not
    assert _book(user, tomorrow_at(17, 45)).pk
    with pytest.raises(ValidationFailed) as caught:
        _book(user, tomorrow_at(17, 46))
    assert caught.value.code == "ondemand_outside_hours"
    with pytest.raises(ValidationFailed) as caught:
        _book(user, tomorrow_at(13, 59))
    assert caught.value.code == "ondemand_outside_hours"
    assert OnDemandBooking.objects.count() == 1


def test_booking_rule_deadline_is_kept(rufbus):
    user = UserFactory()
    at = tomorrow_at(15)
    with pytest.raises(Conflict) as caught:
        _book(user, at, now=at - timedelta(minutes=59))
    assert caught.value.code == "ondemand_booking_too_late"
    assert caught.value.message == "Bitte mindestens 60 Minuten vorher buchen."
    assert OnDemandBooking.objects.count() == 0
    assert _book(user, at, now=at - timedelta(minutes=60)).pk


def test_full_run_is_refused_with_the_nearest_feasible_times(rufbus, settings):
    from gtfs.models import Trip

    settings.ONDEMAND_PICKUP_WINDOW_MIN = 1  # one-minute windows: the bus cannot serve both in turn
    Trip.objects.filter(version=rufbus).update(capacity=1)
    first = _book(UserFactory(), tomorrow_at(15))
    with pytest.raises(Conflict) as caught:
        _book(UserFactory(), tomorrow_at(15))
    assert caught.value.code == "ondemand_no_capacity"
    alternatives = caught.value.fields["alternatives"]
    assert 1 <= len(alternatives) <= 2
    starts = [datetime.fromisoformat(window.split("/")[0]) for window in alternatives]
    assert starts == sorted(starts) and tomorrow_at(15) not in starts
    assert all(start.minute % 5 == 0 and start.second == 0 for start in starts)
    assert starts[-1] > tomorrow_at(15)
    # the offered later window can be booked, and the bus serves it after the first ride
    second = _book(UserFactory(), starts[-1])
    assert second.pickup_at >= first.dropoff_at
    assert OnDemandBooking.objects.filter(status="confirmed").count() == 2


def test_cancel_retimes_the_run_and_tells_riders_whose_times_move(rufbus):
    anna, ben = UserFactory(display_name="Anna"), UserFactory(display_name="Ben")
    a = _book(anna, tomorrow_at(14, 0))
    b = _book(ben, tomorrow_at(14, 0), pickup=DOCTOR, dropoff=HOME)
    run = OnDemandRun.objects.get()
    assert len(run.plan) == 4
    before = {x.pk: (x.pickup_at, x.dropoff_at) for x in OnDemandBooking.objects.all()}
    services.ondemand_booking_cancel(booking_id=a.pk, user=anna)
    run.refresh_from_db()
    assert run.plan == [{"booking": b.pk, "pickup": True}, {"booking": b.pk, "pickup": False}]
    b.refresh_from_db()
    moved = abs((b.pickup_at - before[b.pk][0]).total_seconds()) > 120
    told = Notification.objects.filter(user=ben, kind="ondemand_times_changed").count()
    assert told == (1 if moved else 0)
    a.refresh_from_db()
    assert a.status == "cancelled" and a.cancelled_at is not None
    with pytest.raises(Conflict) as caught:
        services.ondemand_booking_cancel(booking_id=a.pk, user=anna)
    assert caught.value.code == "ondemand_booking_already_cancelled"
