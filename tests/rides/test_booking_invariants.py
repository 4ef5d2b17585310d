"""Random sequences of booking, accepting and cancelling keep every ride consistent.

After each step the ride is re-planned from what the database holds: no leg carries more
riders than seats, every seat-holding rider is still picked up and dropped off no later than
promised (plus tolerance), and the driver's detour stays within the budget.
"""

from __future__ import annotations

import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobility.errors import DomainError
from rides import conf, services
from rides.matching_index import load_graph, occurrence_departure, occurrence_plan
from rides.models import SEAT_HOLDING, BookingStatus, RequestStatus, RideBooking
from rides.services import Place
from tests.factories import UserFactory

from .helpers import herrenberg_graph, herrenberg_row, request_between, trip

pytestmark = pytest.mark.django_db

OPS = st.lists(
    st.tuples(st.sampled_from(["book", "book", "accept", "cancel", "decline"]), st.integers(0, 5)),
    min_size=3,
    max_size=14,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), seats=st.integers(1, 3), detour=st.sampled_from([0, 2, 5, 15]), ops=OPS)
def test_random_booking_sequences_keep_rides_consistent(db, seed, seats, detour, ops):
    # Each example runs in its own savepoint, rolled back at the end.
    with transaction.atomic():
        run_sequence(seed, seats, detour, ops)
        transaction.set_rollback(True)


def run_sequence(seed, seats, detour, ops):
    herrenberg_row()
    graph = herrenberg_graph()
    t = trip()
    rng = random.Random(seed)
    driver = UserFactory()
    offer = services.offer_create(
        driver=driver,
        origin=Place(*t.origin),
        destination=Place(*t.destination),
        departure=t.departure,
        seats=seats,
        max_detour_minutes=detour,
    )
    route = graph.route(offer.origin_node, offer.destination_node).nodes
    riders = []
    for _ in range(6):
        a = rng.randrange(0, len(route) - 1)
        b = rng.randrange(a + 1, len(route))
        riders.append(request_between(graph, t, int(route[a]), int(route[b]), seats=rng.choice([1, 1, 2])))
    day = t.departure.date()
    for op, k in ops:
        rider, request = riders[k]
        live = RideBooking.objects.filter(rider=rider, status__in=SEAT_HOLDING).first()
        try:
            if op == "book":
                request.refresh_from_db()
                empty = not RideBooking.objects.filter(offer=offer, status__in=SEAT_HOLDING).exists()
                must_fit = empty and request.seats <= seats and request.status == RequestStatus.OPEN
                try:
                    services.booking_create(rider=rider, request_id=request.pk, offer_id=offer.pk, occurrence_date=day)
                except DomainError:
                    # a stretch along the driver's own route always fits an empty ride
                    assert not must_fit
                    raise
            elif op == "accept" and live:
                services.booking_accept(driver=driver, booking_id=live.pk)
            elif op == "decline" and live:
                services.booking_decline(driver=driver, booking_id=live.pk)
            elif op == "cancel" and live:
                services.booking_cancel(user=rider, booking_id=live.pk, reason="changed plans")
        except DomainError as exc:
            assert exc.status_code in (404, 409), exc  # refused, never broken
        holding = list(RideBooking.objects.filter(offer=offer, status__in=SEAT_HOLDING))
        offer.refresh_from_db()
        plan = occurrence_plan(load_graph(offer.graph), offer, day, holding)
        assert plan.capacity == offer.seats  # every holder was re-inserted
        assert all(stop.load_after <= offer.seats for stop in plan.stops)
        assert plan.duration_s - plan.direct_s <= offer.max_detour_minutes * 60 + 1e-6
        tolerance = conf.promise_tolerance_s()
        departure = occurrence_departure(offer, day).timestamp()
        for booking in holding:
            pickups = [s for s in plan.stops if s.node == booking.pickup_node]
            assert any(departure + s.offset_s <= booking.pickup_time.timestamp() + tolerance + 1e-6 for s in pickups)
        assert sum(b.seats for b in holding) <= offer.seats * max(1, len(route))
        assert RideBooking.objects.filter(offer=offer, status=BookingStatus.CONFIRMED).count() <= len(riders)
