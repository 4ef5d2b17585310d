"""Prices for a car-sharing window: pure integer arithmetic in euro cents (gross, VAT included).

Time is charged per started grid step at the hourly rate; every full 24 hours (and the rest)
is capped at the daily cap; kilometres beyond the included ones cost ``per_km_cents``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TariffTerms:
    per_hour_cents: int
    daily_cap_cents: int
    per_km_cents: int
    included_km: int = 0
    vat_rate_bp: int = 1900  # basis points: 1900 = 19 %


@dataclass(frozen=True)
class Price:
    time_cents: int
    distance_cents: int
    fee_cents: int
    total_cents: int
    vat_cents: int  # the VAT contained in total_cents
    vat_rate_bp: int


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def time_cost_cents(minutes: int, terms: TariffTerms) -> int:
    """Cost of ``minutes`` of use: hourly rate pro rata (rounded up to a cent), capped per day."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    full_days, rest = divmod(minutes, 24 * 60)
    rest_cost = min(_ceil_div(rest * terms.per_hour_cents, 60), terms.daily_cap_cents)
    return full_days * min(terms.daily_cap_cents, 24 * terms.per_hour_cents) + rest_cost


def distance_cost_cents(km: int, terms: TariffTerms) -> int:
    """Cost of ``km`` kilometres driven, after the included kilometres."""
    if km < 0:
        raise ValueError("km must not be negative")
    return max(0, km - terms.included_km) * terms.per_km_cents


def vat_contained(gross_cents: int, vat_rate_bp: int) -> int:
    """The VAT inside a gross amount, rounded half up to a cent."""
    return (gross_cents * vat_rate_bp * 2 + (10000 + vat_rate_bp)) // (2 * (10000 + vat_rate_bp))


def price(minutes: int, km: int, terms: TariffTerms, fee_cents: int = 0) -> Price:
    """The full price of a window of ``minutes`` with ``km`` driven and an extra fee."""
    time_cents = time_cost_cents(minutes, terms)
    distance_cents = distance_cost_cents(km, terms)
    total = time_cents + distance_cents + fee_cents
    return Price(
        time_cents=time_cents,
        distance_cents=distance_cents,
        fee_cents=fee_cents,
        total_cents=total,
        vat_cents=vat_contained(total, terms.vat_rate_bp),
        vat_rate_bp=terms.vat_rate_bp,
    )


def cancellation_fee_cents(
    estimate_cents: int, minutes_before_start: int, free_cancel_minutes: int, late_percent: int
) -> int:
    """Fee for cancelling ``minutes_before_start`` before the start (negative: after the start)."""
    if minutes_before_start >= free_cancel_minutes:
        return 0
    if minutes_before_start < 0:
        return estimate_cents
    return estimate_cents * late_percent // 100


def late_return_fee_cents(late_minutes: int, terms: TariffTerms, flat_fee_cents: int) -> int:
    """Fee for returning ``late_minutes`` after the booked end: flat fee plus the extra time."""
    if late_minutes <= 0:
        return 0
    return flat_fee_cents + _ceil_div(late_minutes * terms.per_hour_cents, 60)
