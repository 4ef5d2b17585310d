from datetime import UTC, datetime, timedelta

import pytest

from carsharing.domain import availability, policy, pricing

TERMS = pricing.TariffTerms(per_hour_cents=400, daily_cap_cents=4000, per_km_cents=20, included_km=50)


def test_time_cost_is_pro_rata_and_capped_per_day():
    assert pricing.time_cost_cents(60, TERMS) == 400
    assert pricing.time_cost_cents(90, TERMS) == 600
    assert pricing.time_cost_cents(15, TERMS) == 100
    assert pricing.time_cost_cents(12 * 60, TERMS) == 4000  # 4800 capped at the daily cap
    assert pricing.time_cost_cents(24 * 60 + 60, TERMS) == 4000 + 400
    assert pricing.time_cost_cents(3 * 24 * 60, TERMS) == 12000


def test_distance_cost_after_included_km():
    assert pricing.distance_cost_cents(50, TERMS) == 0
    assert pricing.distance_cost_cents(80, TERMS) == 600


def test_price_shows_contained_vat():
    price = pricing.price(120, 60, TERMS, fee_cents=0)
    assert (price.time_cents, price.distance_cents, price.total_cents) == (800, 200, 1000)
    assert price.vat_cents == 160  # 1000 * 19 / 119 = 159.66 -> 160
    assert pricing.vat_contained(119, 1900) == 19
    assert pricing.vat_contained(0, 1900) == 0


def test_negative_inputs_are_refused():
    with pytest.raises(ValueError):
        pricing.time_cost_cents(-1, TERMS)
    with pytest.raises(ValueError):
        pricing.distance_cost_cents(-5, TERMS)


def test_cancellation_fee_by_notice():
    assert pricing.cancellation_fee_cents(2000, 25 * 60, 24 * 60, 50) == 0
    assert pricing.cancellation_fee_cents(2000, 23 * 60, 24 * 60, 50) == 1000
    assert pricing.cancellation_fee_cents(2000, -5, 24 * 60, 50) == 2000


def test_late_return_fee():
    assert pricing.late_return_fee_cents(0, TERMS, 1000) == 0
    assert pricing.late_return_fee_cents(30, TERMS, 1000) == 1200


def test_free_and_busy_intervals():
    busy = [(10, 20), (15, 25), (40, 50), (60, 70)]
    assert availability.busy_within(busy, 0, 65) == [(10, 25), (40, 50), (60, 65)]
    assert availability.free_within(busy, 0, 65) == [(0, 10), (25, 40), (50, 60)]
    assert availability.free_within([], 5, 9) == [(5, 9)]
    assert availability.free_within([(0, 100)], 5, 9) == []
    assert availability.overlaps(0, 10, 10, 20) is False
    assert availability.overlaps(0, 11, 10, 20) is True


RULES = policy.WindowRules(grid_minutes=15, min_minutes=30, max_minutes=600, horizon_days=30)
NOW = datetime(2026, 5, 4, 8, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (datetime(2026, 5, 4, 9, 5, tzinfo=UTC), datetime(2026, 5, 4, 10, 0, tzinfo=UTC), "off_grid"),
        (datetime(2026, 5, 4, 9, 0, tzinfo=UTC), datetime(2026, 5, 4, 9, 15, tzinfo=UTC), "too_short"),
        (datetime(2026, 5, 4, 9, 0, tzinfo=UTC), datetime(2026, 5, 4, 20, 0, tzinfo=UTC), "too_long"),
        (datetime(2026, 5, 4, 8, 0, tzinfo=UTC), datetime(2026, 5, 4, 9, 0, tzinfo=UTC), "start_in_past"),
        (datetime(2026, 6, 10, 8, 0, tzinfo=UTC), datetime(2026, 6, 10, 9, 0, tzinfo=UTC), "beyond_horizon"),
        (datetime(2026, 5, 4, 10, 0, tzinfo=UTC), datetime(2026, 5, 4, 9, 0, tzinfo=UTC), "invalid_window"),
        (datetime(2026, 5, 4, 9, 0), datetime(2026, 5, 4, 10, 0), "naive_datetime"),
    ],
)
def test_check_window_refuses(start, end, code):
    with pytest.raises(policy.PolicyViolation) as info:
        policy.check_window(start, end, NOW, RULES)
    assert info.value.code == code


def test_check_window_accepts_grid_window():
    policy.check_window(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), datetime(2026, 5, 4, 10, 30, tzinfo=UTC), NOW, RULES)


def test_grid_rounding():
    assert policy.ceil_to_grid(NOW, 15) == datetime(2026, 5, 4, 8, 15, tzinfo=UTC)
    assert policy.floor_to_grid(NOW, 15) == datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    exact = datetime(2026, 5, 4, 8, 15, tzinfo=UTC)
    assert policy.ceil_to_grid(exact, 15) == exact
    assert policy.ceil_to_grid(exact + timedelta(microseconds=1), 15) == exact + timedelta(minutes=15)


def test_state_machine():
    assert policy.can_transition("held", "confirmed")
    assert policy.can_transition("confirmed", "active")
    assert not policy.can_transition("settled", "cancelled")
    assert not policy.can_transition("active", "cancelled")
    with pytest.raises(policy.PolicyViolation) as info:
        policy.check_transition("returned", "active")
    assert info.value.code == "invalid_transition"
