"""The cap on cost shares (PBefG § 1 Abs. 2 Nr. 1): riders of one ride pay together at most
its running costs, route km × RIDES_COST_RATE_CENTS_PER_KM (default 20 ct, BRKG § 5) + tolls.

The Herrenberg trip's route is 3,108.9 m long: 62 cents at 20 ct/km.
"""

from __future__ import annotations

import random

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobility.errors import Conflict, DomainError, ValidationFailed
from rides import services
from rides.domain import costs
from rides.models import SEAT_HOLDING, RideBooking, RideOffer
from rides.services import Place
from tests.factories import UserFactory

from .helpers import herrenberg_graph, herrenberg_row, request_between, trip

pytestmark = pytest.mark.django_db


# -- the pure rule ---------------------------------------------------------------------------
def test_running_costs_round_down_to_the_cent_and_add_tolls():
    assert costs.running_cost_cents(distance_m=1000, rate_cents_per_km=20) == 20
    assert costs.running_cost_cents(distance_m=1049.9, rate_cents_per_km=20) == 20  # 20.998 ct
    assert costs.running_cost_cents(distance_m=1050, rate_cents_per_km=20) == 21
    assert costs.running_cost_cents(distance_m=0, rate_cents_per_km=20, tolls_cents=350) == 350
    assert costs.running_cost_cents(distance_m=3108.893712999043, rate_cents_per_km=20) == 62
    assert costs.running_cost_cents(distance_m=10_000, rate_cents_per_km=30.5, tolls_cents=1) == 306
    with pytest.raises(ValueError):
        costs.running_cost_cents(distance_m=100, rate_cents_per_km=20, tolls_cents=-1)


def test_offer_and_booking_boundaries():
    assert costs.offer_within_cap(cost_share_cents=20, seats=3, cap_cents=60)
    assert not costs.offer_within_cap(cost_share_cents=21, seats=3, cap_cents=62)
    assert costs.max_share_per_seat_cents(cap_cents=62, seats=3) == 20
    assert costs.booking_within_cap(held_prices_cents=[20, 20], new_price_cents=22, cap_cents=62)
    assert not costs.booking_within_cap(held_prices_cents=[20, 20], new_price_cents=23, cap_cents=62)
    assert costs.booking_within_cap(held_prices_cents=[], new_price_cents=0, cap_cents=0)


# -- offers ----------------------------------------------------------------------------------
def _offer(driver, t, **extra):
    return services.offer_create(
        driver=driver,
        origin=Place(*t.origin),
        destination=Place(*t.destination),
        departure=t.departure,
        **{"seats": 3, **extra},
    )


def test_offer_at_the_cap_is_accepted_one_cent_more_is_refused_with_the_cap(graph_row, herrenberg_trip):
    driver = UserFactory()
    offer = _offer(driver, herrenberg_trip, seats=2, cost_share_cents=31)  # 2 × 31 = 62 = the cap
    assert offer.running_cost_cents == 62 and offer.tolls_cents == 0
    with pytest.raises(ValidationFailed) as refused:
        _offer(driver, herrenberg_trip, seats=2, cost_share_cents=32)
    assert refused.value.code == "cost_share_above_cap"
    # German by default, with German decimals; English with English ones
    assert "0,62\u00a0€ (3,1 km)" in refused.value.message and "0,31\u00a0€ je Platz" in refused.value.message
    with translation.override("en"), pytest.raises(ValidationFailed) as english:
        _offer(driver, herrenberg_trip, seats=2, cost_share_cents=32)
    assert "€0.62 (3.1 km); with 2 seats that is at most €0.31 per seat." in english.value.message
    assert refused.value.fields == {"cost_share_cents": [refused.value.message]}
    assert RideOffer.objects.filter(driver=driver).count() == 1


def test_tolls_raise_the_cap_and_the_rate_is_a_setting(graph_row, herrenberg_trip, settings):
    driver = UserFactory()
    offer = _offer(driver, herrenberg_trip, seats=3, cost_share_cents=120, tolls_cents=298)  # 62 + 298 = 360
    assert offer.running_cost_cents == 360
    settings.RIDES_COST_RATE_CENTS_PER_KM = 30  # 3.1089 km × 30 = 93.27 → 93
    assert _offer(driver, herrenberg_trip, seats=3, cost_share_cents=31).running_cost_cents == 93
    with pytest.raises(ValidationFailed) as refused:
        _offer(driver, herrenberg_trip, seats=3, cost_share_cents=32)
    assert refused.value.code == "cost_share_above_cap" and "0,93\u00a0€" in refused.value.message
    with pytest.raises(ValidationFailed) as bad_tolls:
        _offer(driver, herrenberg_trip, tolls_cents=10_001)
    assert bad_tolls.value.code == "invalid_tolls"


# -- bookings --------------------------------------------------------------------------------
def _rider_request(graph, t, a: int, b: int, seats: int = 1):
    route = graph.route(graph.nearest_node(*t.origin)[0], graph.nearest_node(*t.destination)[0]).nodes
    return request_between(graph, t, int(route[a]), int(route[b]), seats=seats)


def test_a_seat_sold_twice_on_one_ride_may_not_raise_the_sum_above_the_cap(graph_row, herrenberg_trip):
    """One seat at the full cap: a second rider on another stretch would make riders pay 2 × the costs."""
    graph = herrenberg_graph()
    offer = _offer(UserFactory(), herrenberg_trip, seats=1, cost_share_cents=62)
    n = len(graph.route(offer.origin_node, offer.destination_node).nodes)
    first, first_request = _rider_request(graph, herrenberg_trip, 0, n // 3)
    second, second_request = _rider_request(graph, herrenberg_trip, n // 2, n - 1)
    day = herrenberg_trip.departure.date()
    booking = services.booking_create(rider=first, request_id=first_request.pk, offer_id=offer.pk, occurrence_date=day)
    assert booking.price_cents == 62
    with pytest.raises(Conflict) as refused:
        services.booking_create(rider=second, request_id=second_request.pk, offer_id=offer.pk, occurrence_date=day)
    assert refused.value.code == "cost_cap_exceeded" and "0,62\u00a0€" in refused.value.message
    # the search does not offer the ride at the cap to the second rider any more
    from rides.selectors import request_matches

    assert [m.offer.pk for m in request_matches(request=second_request)] == []
    assert list(RideBooking.objects.filter(offer=offer).values_list("rider_id", flat=True)) == [first.pk]
    # once the first rider cancels, the money is free again
    services.booking_cancel(user=first, booking_id=booking.pk, reason="plans changed")
    assert [m.offer.pk for m in request_matches(request=second_request)] == [offer.pk]
    again = services.booking_create(rider=second, request_id=second_request.pk, offer_id=offer.pk, occurrence_date=day)
    assert again.price_cents == 62


def test_free_rides_are_never_refused_by_the_cap(graph_row, herrenberg_trip):
    graph = herrenberg_graph()
    offer = _offer(UserFactory(), herrenberg_trip, seats=1, cost_share_cents=0)
    n = len(graph.route(offer.origin_node, offer.destination_node).nodes)
    day = herrenberg_trip.departure.date()
    for a, b in [(0, n // 3), (n // 2, n - 1)]:
        rider, request = _rider_request(graph, herrenberg_trip, a, b)
        assert services.booking_create(rider=rider, request_id=request.pk, offer_id=offer.pk, occurrence_date=day)
    assert RideBooking.objects.filter(offer=offer, status__in=SEAT_HOLDING).count() == 2


# -- property: for random offers and bookings the sum never exceeds the cap ------------------------
OPS = st.lists(
    st.tuples(st.sampled_from(["book", "book", "book", "cancel", "accept"]), st.integers(0, 7)), min_size=4, max_size=16
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    seats=st.integers(1, 4),
    share_fraction=st.floats(0, 1),
    tolls=st.sampled_from([0, 0, 1, 150, 999]),
    ops=OPS,
)
def test_random_offers_and_bookings_never_pay_more_than_the_running_costs(db, seed, seats, share_fraction, tolls, ops):
    with transaction.atomic():
        run_sequence(seed, seats, share_fraction, tolls, ops)
        transaction.set_rollback(True)


def run_sequence(seed, seats, share_fraction, tolls, ops):
    herrenberg_row()
    graph = herrenberg_graph()
    t = trip()
    rng = random.Random(seed)
    cap = costs.running_cost_cents(distance_m=3108.893712999043, rate_cents_per_km=20, tolls_cents=tolls)
    share = int(share_fraction * (cap // seats))  # anything up to the largest allowed share
    driver = UserFactory()
    offer = _offer(driver, t, seats=seats, cost_share_cents=share, tolls_cents=tolls, max_detour_minutes=15)
    assert offer.running_cost_cents == cap
    n = len(graph.route(offer.origin_node, offer.destination_node).nodes)
    riders = []
    for _ in range(8):
        a = rng.randrange(0, n - 1)
        riders.append(_rider_request(graph, t, a, rng.randrange(a + 1, n), seats=rng.choice([1, 1, 2])))
    day = t.departure.date()
    for op, k in ops:
        rider, request = riders[k]
        live = RideBooking.objects.filter(rider=rider, status__in=SEAT_HOLDING).first()
        held_rows = RideBooking.objects.filter(offer=offer, status__in=SEAT_HOLDING)
        held = sum(held_rows.values_list("price_cents", flat=True))
        try:
            if op == "book":
                request.refresh_from_db()
                services.booking_create(rider=rider, request_id=request.pk, offer_id=offer.pk, occurrence_date=day)
            elif op == "cancel" and live:
                services.booking_cancel(user=rider, booking_id=live.pk, reason="changed plans")
            elif op == "accept" and live:
                services.booking_accept(driver=driver, booking_id=live.pk)
        except DomainError as exc:
            assert exc.status_code in (404, 409), exc
            if exc.code == "cost_cap_exceeded":  # refused only when it really would exceed
                assert held + share * request.seats > cap
        holding = RideBooking.objects.filter(offer=offer, status__in=SEAT_HOLDING)
        assert all(b.price_cents == share * b.seats for b in holding)
        assert sum(b.price_cents for b in holding) <= cap
