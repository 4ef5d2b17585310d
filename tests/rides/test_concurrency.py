"""Seats are never overbooked: real parallel HTTP clients against PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum

from rides import services
from rides.models import SEAT_HOLDING, RideBooking
from rides.services import Place
from tests.conftest import make_token
from tests.factories import UserFactory

from .helpers import book_at_once, herrenberg_row, trip


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twelve_riders_race_for_three_seats(asgi_server):
    herrenberg_row()
    t = trip()
    driver = UserFactory(display_name="Driver")
    # No detour budget: every rider needs a seat on the same stretch, so at most 3 fit.
    offer = services.offer_create(
        driver=driver,
        origin=Place(*t.origin),
        destination=Place(*t.destination),
        departure=t.departure,
        seats=3,
        max_detour_minutes=0,
    )
    riders = []
    for k in range(12):
        rider = UserFactory(display_name=f"Rider {k}")
        request = services.request_create(
            rider=rider,
            origin=Place(*t.pickup),
            destination=Place(*t.dropoff),
            earliest_departure=t.departure - timedelta(minutes=30),
            latest_arrival=t.departure + timedelta(hours=2),
        )
        riders.append((make_token(rider), request.pk))

    results = book_at_once(asgi_server, offer.pk, t.departure.date(), riders)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 3 + [409] * 9, results
    assert {body["error"]["code"] for status, body in results if status == 409} == {"seats_unavailable"}
    holding = RideBooking.objects.filter(offer=offer, status__in=SEAT_HOLDING)
    assert holding.count() == 3
    assert holding.aggregate(total=Sum("seats"))["total"] == 3
    assert RideBooking.objects.count() == 3
