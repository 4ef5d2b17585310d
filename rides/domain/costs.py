"""Running costs of a ride and the cap on what riders pay (pure; no Django).

Ride-sharing is private carriage, exempt from passenger-transport licensing, only while
"das Gesamtentgelt die Betriebskosten der Fahrt nicht übersteigt" (PBefG § 1 Abs. 2 Satz 1
Nr. 1): everything all riders of one ride pay together must stay within the ride's running
costs. The platform computes those costs itself, from the road-graph distance of the
driver's planned route times a rate per kilometre, plus the tolls the driver states; the
default rate is the federal travel-expense rate for a private car, 20 cent per km
(Bundesreisekostengesetz, BRKG § 5 Abs. 1). Money is integer euro cents; distances metres.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_FLOOR, Decimal

#: BRKG § 5 Abs. 1 Satz 1: "Wegstreckenentschädigung ... 20 Cent je Kilometer".
BRKG_RATE_CENTS_PER_KM = 20


def running_cost_cents(*, distance_m: float, rate_cents_per_km: float, tolls_cents: int = 0) -> int:
    """The ride's running costs in cents: distance × rate, rounded down to the cent, plus tolls.

    Rounded down so that the cap never exceeds the costs by a fraction of a cent.
    """
    if distance_m < 0 or rate_cents_per_km < 0 or tolls_cents < 0:
        raise ValueError("distance, rate and tolls must not be negative")
    by_distance = (Decimal(repr(float(distance_m))) * Decimal(repr(float(rate_cents_per_km))) / 1000).to_integral_value(
        rounding=ROUND_FLOOR
    )
    return int(by_distance) + int(tolls_cents)


def booking_price_cents(*, cost_share_cents: int, seats: int) -> int:
    """What one rider pays for ``seats`` seats: the driver's share per seat times the seats."""
    return int(cost_share_cents) * int(seats)


def offer_within_cap(*, cost_share_cents: int, seats: int, cap_cents: int) -> bool:
    """A full car at the offered share must not pay more than the ride costs."""
    return booking_price_cents(cost_share_cents=cost_share_cents, seats=seats) <= cap_cents


def max_share_per_seat_cents(*, cap_cents: int, seats: int) -> int:
    """The highest share per seat a driver may ask with ``seats`` seats (rounded down)."""
    return cap_cents // max(1, int(seats))


def booking_within_cap(*, held_prices_cents: Iterable[int], new_price_cents: int, cap_cents: int) -> bool:
    """Whether a new booking keeps the sum over every rider of the ride within the cap.

    Seats can be sold more than once on one ride (a rider from A to B, another from B to
    C), so the sum is taken over every seat-holding booking of the ride, not over seats.
    """
    return sum(int(p) for p in held_prices_cents) + int(new_price_cents) <= cap_cents
