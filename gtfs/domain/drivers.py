"""Whether a Bürgerbus driver may drive a trip on a given day (pure; no Django).

A Bürgerbus carries passengers for a fare, so its volunteer drivers need the
*Fahrerlaubnis zur Fahrgastbeförderung* (FeV § 48 Abs. 1), valid on the day of the trip
(it is granted for at most five years, § 48 Abs. 7). From a configurable age (default 65)
Bürgerbus associations require a yearly medical check; without a valid one the driver may
not drive. Dates are local calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PASSENGER_LICENCE = "passenger_licence"
MEDICAL_CHECK = "medical_check"


@dataclass(frozen=True)
class Problem:
    """Why a driver may not drive a trip: a stable ``code`` and the qualification it concerns."""

    code: str
    kind: str
    valid_until: date | None


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day`` (a birthday on 29 February counts from 1 March in other years)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def qualification_problems(
    *, birth_date: date | None, valid_until: dict[str, date | None], trip_day: date, medical_from_age: int = 65
) -> list[Problem]:
    """What keeps a driver from driving on ``trip_day``; empty if nothing does.

    ``valid_until`` maps a qualification kind to the last day it is valid (inclusive); a
    missing kind counts as never held. Without a birth date the medical check is required
    (we cannot tell the age, so we take the safe side).
    """
    problems: list[Problem] = []
    licence = valid_until.get(PASSENGER_LICENCE)
    if licence is None:
        problems.append(Problem("passenger_licence_missing", PASSENGER_LICENCE, None))
    elif licence < trip_day:
        problems.append(Problem("passenger_licence_expired", PASSENGER_LICENCE, licence))
    needs_medical = birth_date is None or age_on(birth_date, trip_day) >= medical_from_age
    if needs_medical:
        medical = valid_until.get(MEDICAL_CHECK)
        if medical is None:
            problems.append(Problem("medical_check_missing", MEDICAL_CHECK, None))
        elif medical < trip_day:
            problems.append(Problem("medical_check_expired", MEDICAL_CHECK, medical))
    return problems
