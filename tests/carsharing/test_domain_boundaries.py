"""Car-sharing rules at their boundaries: value at the limit, one below, one above (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from carsharing.domain import availability, policy, pricing
from carsharing.domain.policy import PolicyViolation

TERMS = pricing.TariffTerms(per_hour_cents=250, daily_cap_cents=2000, per_km_cents=30, included_km=100)


# --- pricing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "cents"),
    [
        (0, 0),
        (1, 5),  # 250 / 60 = 4.17 cents, rounded up
        (59, 246),  # 245.83 -> 246
        (60, 250),
        (120, 500),  # exact: no extra cent
        (479, 1996),  # 1995.83 -> 1996, just below the cap
        (480, 2000),  # exactly the cap
        (481, 2000),  # above: capped
        (24 * 60 - 1, 2000),
        (24 * 60, 2000),  # one full day
        (24 * 60 + 1, 2005),  # a day and a started minute
        (2 * 24 * 60, 4000),
        (2 * 24 * 60 + 60, 4250),
    ],
)
def test_time_cost_at_the_cap_and_day_boundaries(minutes, cents):
    assert pricing.time_cost_cents(minutes, TERMS) == cents


def test_a_full_day_never_costs_more_than_24_hours():
    cheap = pricing.TariffTerms(per_hour_cents=50, daily_cap_cents=2000, per_km_cents=0)
    assert pricing.time_cost_cents(24 * 60, cheap) == 1200
    assert pricing.time_cost_cents(3 * 24 * 60, cheap) == 3600
    assert pricing.time_cost_cents(24 * 60 - 1, cheap) == 1200  # 1199.17 -> 1200
    assert pricing.time_cost_cents(24 * 60 + 30, cheap) == 1225


def test_negative_minutes_and_km_are_refused_with_a_message():
    with pytest.raises(ValueError, match="^minutes must not be negative$"):
        pricing.time_cost_cents(-1, TERMS)
    with pytest.raises(ValueError, match="^km must not be negative$"):
        pricing.distance_cost_cents(-1, TERMS)


@pytest.mark.parametrize(("km", "cents"), [(0, 0), (99, 0), (100, 0), (101, 30), (150, 1500)])
def test_distance_cost_around_the_included_kilometres(km, cents):
    assert pricing.distance_cost_cents(km, TERMS) == cents


def test_no_included_kilometres_by_default():
    terms = pricing.TariffTerms(per_hour_cents=100, daily_cap_cents=1000, per_km_cents=7)
    assert terms.included_km == 0 and terms.vat_rate_bp == 1900
    assert pricing.distance_cost_cents(1, terms) == 7


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [
        (3, 2000, 1),  # 0.5 -> 1 (half up)
        (9, 2000, 2),  # 1.5 -> 2
        (15, 2000, 3),  # 2.5 -> 3 (half up, not half to even)
        (2, 2000, 0),  # 0.33 -> 0
        (4, 2000, 1),  # 0.67 -> 1
        (1, 10000, 1),  # 0.5 -> 1
        (5, 10000, 3),  # 2.5 -> 3
        (119, 1900, 19),
        (1000, 1900, 160),  # 159.66 -> 160
        (1004, 1900, 160),  # 160.30 -> 160
        (107, 700, 7),
        (0, 1900, 0),
        (5000, 1, 0),  # 0.49995: just below one half rounds down
        (5001, 1, 1),  # 0.50005
    ],
)
def test_vat_contained_rounds_half_up(gross, rate, vat):
    assert pricing.vat_contained(gross, rate) == vat


def test_price_adds_fee_and_reports_vat_of_the_total():
    price = pricing.price(61, 101, TERMS, fee_cents=100)
    assert price == pricing.Price(
        time_cents=255,
        distance_cents=30,
        fee_cents=100,
        total_cents=385,
        vat_cents=61,  # 385 * 19 / 119 = 61.47
        vat_rate_bp=1900,
    )
    assert pricing.price(60, 0, TERMS).fee_cents == 0
    assert pricing.price(60, 0, TERMS).total_cents == 250


@pytest.mark.parametrize(
    ("minutes_before", "fee"),
    [
        (24 * 60 + 1, 0),
        (24 * 60, 0),  # exactly at the free-cancellation limit: free
        (24 * 60 - 1, 499),  # one minute late: 50 % of 999, rounded down
        (1, 499),
        (0, 499),  # at the start: still the late percentage
        (-1, 999),  # after the start: the full estimate
    ],
)
def test_cancellation_fee_at_the_free_cancellation_limit(minutes_before, fee):
    assert pricing.cancellation_fee_cents(999, minutes_before, 24 * 60, 50) == fee


@pytest.mark.parametrize(("late", "fee"), [(-5, 0), (0, 0), (1, 1005), (60, 1250), (61, 1255)])
def test_late_return_from_the_first_minute(late, fee):
    assert pricing.late_return_fee_cents(late, TERMS, 1000) == fee


# --- policy --------------------------------------------------------------------------------------

RULES = policy.WindowRules(grid_minutes=15, min_minutes=60, max_minutes=600, horizon_days=30)
NOW = datetime(2026, 5, 4, 8, 7, tzinfo=UTC)
START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _refusal(start, end, now=NOW, rules=RULES) -> PolicyViolation:
    with pytest.raises(PolicyViolation) as info:
        policy.check_window(start, end, now, rules)
    return info.value


def test_window_of_exactly_the_minimum_and_maximum_length_is_accepted():
    policy.check_window(START, START + timedelta(minutes=60), NOW, RULES)
    policy.check_window(START, START + timedelta(minutes=600), NOW, RULES)


def test_window_one_step_too_short_or_too_long():
    short = _refusal(START, START + timedelta(minutes=45))
    assert (short.code, short.field, short.message) == ("too_short", "end", "A reservation lasts at least 60 minutes.")
    assert str(short) == "A reservation lasts at least 60 minutes."
    long = _refusal(START, START + timedelta(minutes=615))
    assert (long.code, long.field, long.message) == ("too_long", "end", "A reservation lasts at most 600 minutes.")


def test_window_lengths_on_a_one_minute_grid():
    rules = policy.WindowRules(grid_minutes=1, min_minutes=60, max_minutes=600, horizon_days=30)
    policy.check_window(START, START + timedelta(minutes=60), NOW, rules)
    assert _refusal(START, START + timedelta(minutes=59), rules=rules).code == "too_short"
    policy.check_window(START, START + timedelta(minutes=600), NOW, rules)
    assert _refusal(START, START + timedelta(minutes=601), rules=rules).code == "too_long"


def test_start_now_is_accepted_a_minute_ago_is_not():
    now = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    policy.check_window(now, now + timedelta(hours=1), now, RULES)
    past = _refusal(now, now + timedelta(hours=1), now=now + timedelta(microseconds=1))
    assert (past.code, past.field, past.message) == ("start_in_past", "start", "start lies in the past.")


def test_horizon_is_inclusive():
    start = NOW.replace(minute=0) + timedelta(days=30)  # 08:00 in 30 days: before now + 30 days (08:07)
    policy.check_window(start, start + timedelta(hours=1), NOW, RULES)
    exact_now = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    policy.check_window(start, start + timedelta(hours=1), exact_now, RULES)  # exactly at the horizon
    late = _refusal(start, start + timedelta(hours=1), now=exact_now - timedelta(microseconds=1))
    assert (late.code, late.field, late.message) == (
        "beyond_horizon",
        "start",
        "Reservations may start at most 30 days ahead.",
    )


def test_end_not_after_start():
    same = _refusal(START, START)
    assert (same.code, same.field, same.message) == ("invalid_window", "end", "end must be after start.")
    before = _refusal(START, START - timedelta(minutes=15))
    assert before.code == "invalid_window"


@pytest.mark.parametrize("which", ["start", "end"])
def test_naive_times_are_refused(which):
    times = {"start": START, "end": START + timedelta(hours=1)}
    times[which] = times[which].replace(tzinfo=None)
    refusal = _refusal(times["start"], times["end"])
    assert (refusal.code, refusal.field, refusal.message) == ("naive_datetime", "start", "Times need a timezone.")


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (START + timedelta(minutes=1), START + timedelta(hours=2), "start"),
        (START, START + timedelta(hours=1, minutes=14), "end"),
        (START + timedelta(microseconds=1), START + timedelta(hours=2), "start"),
        (START, START + timedelta(hours=2, seconds=1), "end"),
    ],
)
def test_off_grid_names_the_field(start, end, field):
    refusal = _refusal(start, end)
    assert (refusal.code, refusal.field, refusal.message) == (
        "off_grid",
        field,
        f"{field} must lie on the 15-minute grid.",
    )


def test_the_grid_is_on_utc_not_local_time():
    # 09:00 at UTC+05:30 is 03:30 UTC: on a 15-minute grid but not on a 60-minute one.
    india = timezone(timedelta(hours=5, minutes=30))
    start = datetime(2026, 5, 5, 9, 0, tzinfo=india)
    rules = policy.WindowRules(grid_minutes=60, min_minutes=60, max_minutes=600, horizon_days=30)
    assert _refusal(start, start + timedelta(hours=1), rules=rules).code == "off_grid"
    policy.check_window(start, start + timedelta(hours=1), NOW, RULES)


def test_violation_without_a_field():
    violation = PolicyViolation("Kaputt.", "broken")
    assert (violation.message, violation.code, violation.field, str(violation)) == (
        "Kaputt.",
        "broken",
        None,
        "Kaputt.",
    )


EXPECTED_TRANSITIONS = {
    ("held", "confirmed"),
    ("held", "cancelled"),
    ("held", "expired"),
    ("held", "preempted"),
    ("confirmed", "active"),
    ("confirmed", "cancelled"),
    ("confirmed", "no_show"),
    ("confirmed", "preempted"),
    ("confirmed", "released"),
    ("active", "returned"),
    ("returned", "settled"),
}
STATUSES = ["held", "confirmed", "active", "returned", "settled", "cancelled", "expired", "no_show", "preempted",
            "released"]  # fmt: skip


def test_every_pair_of_statuses():
    assert set(policy.TRANSITIONS) == set(STATUSES)
    for current in [*STATUSES, "unknown"]:
        for target in [*STATUSES, "unknown"]:
            allowed = (current, target) in EXPECTED_TRANSITIONS
            assert policy.can_transition(current, target) is allowed, (current, target)
            if allowed:
                assert policy.check_transition(current, target) is None
            else:
                with pytest.raises(PolicyViolation) as info:
                    policy.check_transition(current, target)
                assert (info.value.code, info.value.field, info.value.message) == (
                    "invalid_transition",
                    "status",
                    f"A reservation that is {current} cannot become {target}.",
                )


@pytest.mark.parametrize(
    ("value", "ceil", "floor"),
    [
        (datetime(2026, 5, 4, 8, 15, tzinfo=UTC), datetime(2026, 5, 4, 8, 15, tzinfo=UTC),
         datetime(2026, 5, 4, 8, 15, tzinfo=UTC)),
        (datetime(2026, 5, 4, 8, 15, 0, 1, tzinfo=UTC), datetime(2026, 5, 4, 8, 30, tzinfo=UTC),
         datetime(2026, 5, 4, 8, 15, tzinfo=UTC)),
        (datetime(2026, 5, 4, 8, 29, 59, 999999, tzinfo=UTC), datetime(2026, 5, 4, 8, 30, tzinfo=UTC),
         datetime(2026, 5, 4, 8, 15, tzinfo=UTC)),
        (datetime(1969, 12, 31, 23, 50, tzinfo=UTC), datetime(1970, 1, 1, 0, 0, tzinfo=UTC),
         datetime(1969, 12, 31, 23, 45, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_grid_rounding_to_the_microsecond(value, ceil, floor):
    assert policy.ceil_to_grid(value, 15) == ceil
    assert policy.floor_to_grid(value, 15) == floor


def test_grid_rounding_uses_the_given_step():
    value = datetime(2026, 5, 4, 8, 7, tzinfo=UTC)
    assert policy.ceil_to_grid(value, 60) == datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    assert policy.floor_to_grid(value, 60) == datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    assert policy.ceil_to_grid(value, 1) == value
    assert policy._epoch_us(datetime(1970, 1, 1, 0, 0, 1, 7, tzinfo=UTC)) == 1_000_007
    # Exact integers even where a float has too few digits (beyond 2^53 microseconds).
    far = policy._epoch_us(datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC))
    assert type(far) is int and far == 253_402_300_799_999_999


# --- availability --------------------------------------------------------------------------------


def test_merge_joins_touching_and_nested_intervals():
    assert availability.merge([]) == []
    assert availability.merge([(5, 10), (0, 5)]) == [(0, 10)]  # touching
    assert availability.merge([(0, 5), (6, 10)]) == [(0, 5), (6, 10)]  # a gap of one
    assert availability.merge([(0, 10), (2, 4)]) == [(0, 10)]  # nested: the end stays
    assert availability.merge([(0, 10), (2, 10)]) == [(0, 10)]
    assert availability.merge([(0, 4), (2, 10), (10, 12), (20, 21)]) == [(0, 12), (20, 21)]


def test_busy_within_clips_at_the_window_edges():
    busy = [(0, 10), (10, 20), (30, 40), (50, 60)]
    assert availability.busy_within(busy, 10, 50) == [
        (10, 20),
        (30, 40),
    ]  # (0,10) ends at the start; (50,60) starts at the end
    assert availability.busy_within(busy, 5, 35) == [(5, 20), (30, 35)]
    assert availability.busy_within(busy, 9, 11) == [(9, 11)]
    assert availability.busy_within(busy, 20, 30) == []


def test_free_within_between_and_around_busy_intervals():
    assert availability.free_within([(10, 20)], 0, 30) == [(0, 10), (20, 30)]
    assert availability.free_within([(0, 20)], 0, 30) == [(20, 30)]
    assert availability.free_within([(10, 30)], 0, 30) == [(0, 10)]
    assert availability.free_within([(0, 30)], 0, 30) == []
    assert availability.free_within([(0, 15), (5, 10), (20, 25)], 0, 30) == [(15, 20), (25, 30)]


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [((0, 10), (10, 20), False), ((10, 20), (0, 10), False), ((0, 11), (10, 20), True), ((10, 20), (0, 11), True),
     ((0, 30), (10, 20), True), ((10, 20), (10, 20), True), ((0, 5), (6, 9), False)],
)  # fmt: skip
def test_overlaps_is_half_open(a, b, shared):
    assert availability.overlaps(a[0], a[1], b[0], b[1]) is shared
