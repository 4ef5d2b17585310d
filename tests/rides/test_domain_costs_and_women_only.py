"""The cost cap's arithmetic and the "only women" rule, pure (no database): boundary tables with
the value at the limit, one below and one above, and the full truth table."""

from __future__ import annotations

import itertools

import pytest

from rides.domain import costs
from rides.domain.women_only import women_only_compatible


@pytest.mark.parametrize(
    ("distance_m", "rate", "tolls", "cents"),
    [
        (0, 20, 0, 0),
        (49.999, 20, 0, 0),  # 0.99998 ct: rounded down
        (50, 20, 0, 1),  # exactly one cent
        (1000, 20, 0, 20),
        (999.99, 20, 0, 19),
        (1000.01, 20, 0, 20),
        (1000, 0, 7, 7),
        (0.1, 0.1, 0, 0),  # 0.00001 ct
        (3333.3, 30, 250, 99 + 250),  # 99.999 ct + tolls
        (10_000, 30.5, 1, 306),
    ],
)
def test_running_cost_cents(distance_m, rate, tolls, cents):
    assert costs.running_cost_cents(distance_m=distance_m, rate_cents_per_km=rate, tolls_cents=tolls) == cents


def test_running_cost_is_exact_in_decimal_not_binary_floats():
    # 100 km at 0.29 ct/km: 100000 * 0.29 / 1000 is 28.999999999999996 in binary floats, 29 ct in decimal
    assert costs.running_cost_cents(distance_m=100_000, rate_cents_per_km=0.29) == 29
    assert costs.BRKG_RATE_CENTS_PER_KM == 20


@pytest.mark.parametrize(
    "kwargs",
    [
        {"distance_m": -0.001, "rate_cents_per_km": 20},
        {"distance_m": 1, "rate_cents_per_km": -0.001},
        {"distance_m": 1, "rate_cents_per_km": 20, "tolls_cents": -1},
    ],
)
def test_negative_inputs_are_refused(kwargs):
    with pytest.raises(ValueError, match="^distance, rate and tolls must not be negative$"):
        costs.running_cost_cents(**kwargs)


@pytest.mark.parametrize(
    ("share", "seats", "cap", "ok"),
    [(20, 3, 60, True), (20, 3, 59, False), (20, 3, 61, True), (0, 4, 0, True), (1, 1, 0, False), (21, 1, 21, True)],
)
def test_offer_within_cap(share, seats, cap, ok):
    assert costs.booking_price_cents(cost_share_cents=share, seats=seats) == share * seats
    assert costs.offer_within_cap(cost_share_cents=share, seats=seats, cap_cents=cap) is ok


@pytest.mark.parametrize(
    ("cap", "seats", "share"),
    [(62, 3, 20), (60, 3, 20), (59, 3, 19), (62, 1, 62), (62, 0, 62), (62, -2, 62), (0, 2, 0)],
)
def test_max_share_per_seat(cap, seats, share):
    assert costs.max_share_per_seat_cents(cap_cents=cap, seats=seats) == share


@pytest.mark.parametrize(
    ("held", "new", "cap", "ok"),
    [
        ([20, 20], 22, 62, True),
        ([20, 20], 23, 62, False),
        ([20, 20], 21, 62, True),
        ([], 0, 0, True),
        ([], 1, 0, False),
    ],
)
def test_booking_within_cap(held, new, cap, ok):
    assert costs.booking_within_cap(held_prices_cents=iter(held), new_price_cents=new, cap_cents=cap) is ok


@pytest.mark.parametrize(
    ("offer_women", "request_women", "rider_woman", "driver_woman"), list(itertools.product([False, True], repeat=4))
)
def test_women_only_truth_table(offer_women, request_women, rider_woman, driver_woman):
    expected = (not offer_women or rider_woman) and (not request_women or driver_woman)
    assert (
        women_only_compatible(
            offer_women_riders_only=offer_women,
            request_women_drivers_only=request_women,
            rider_declares_woman=rider_woman,
            driver_declares_woman=driver_woman,
        )
        is expected
    )
