"""``gtfs.domain.drivers`` without a database: the FeV § 48 rule at its boundaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gtfs.domain.drivers import MEDICAL_CHECK, PASSENGER_LICENCE, Problem, age_on, qualification_problems

DAY = date(2027, 5, 1)
ONE = timedelta(days=1)


def test_the_kinds_are_the_stored_values():
    assert (PASSENGER_LICENCE, MEDICAL_CHECK) == ("passenger_licence", "medical_check")


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(1962, 3, 10), date(2027, 3, 9), 64),  # the day before the birthday
        (date(1962, 3, 10), date(2027, 3, 10), 65),  # on the birthday
        (date(1962, 3, 10), date(2027, 3, 11), 65),  # the day after
        (date(1962, 3, 10), date(2027, 2, 28), 64),  # an earlier month, later day
        (date(1962, 3, 10), date(2027, 4, 1), 65),  # a later month, earlier day
        (date(1960, 2, 29), date(2025, 2, 28), 64),  # 29 February counts from 1 March
        (date(1960, 2, 29), date(2025, 3, 1), 65),
        (date(1960, 2, 29), date(2024, 2, 29), 64),  # in a leap year on the day itself
        (date(2000, 1, 1), date(2000, 1, 1), 0),
    ],
)
def test_age_on(birth, day, age):
    assert age_on(birth, day) == age


def problems(birth, valid, day=DAY, **kwargs):
    return qualification_problems(birth_date=birth, valid_until=valid, trip_day=day, **kwargs)


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (DAY - ONE, [Problem("passenger_licence_expired", PASSENGER_LICENCE, DAY - ONE)]),  # one day late
        (DAY, []),  # the last valid day is the trip day
        (DAY + ONE, []),
        (None, [Problem("passenger_licence_missing", PASSENGER_LICENCE, None)]),
    ],
)
def test_the_passenger_licence_is_valid_up_to_its_last_day(until, expected):
    assert problems(date(1970, 1, 1), {PASSENGER_LICENCE: until}) == expected


def test_a_missing_licence_kind_counts_as_never_held():
    assert problems(date(1970, 1, 1), {}) == [Problem("passenger_licence_missing", PASSENGER_LICENCE, None)]


@pytest.mark.parametrize(
    ("birth", "needs_medical"),
    [
        (date(1962, 5, 2), False),  # 64 on the trip day
        (date(1962, 5, 1), True),  # turns 65 on the trip day
        (date(1962, 4, 30), True),  # 65 and a day
        (None, True),  # age unknown: the safe side
    ],
)
def test_the_medical_check_from_the_age_of_65(birth, needs_medical):
    licence = {PASSENGER_LICENCE: DAY}
    expected = [Problem("medical_check_missing", MEDICAL_CHECK, None)] if needs_medical else []
    assert problems(birth, licence) == expected


@pytest.mark.parametrize(("age_limit", "needs_medical"), [(59, True), (60, True), (61, False)])
def test_the_medical_age_is_configurable(age_limit, needs_medical):
    birth = date(1967, 5, 1)  # 60 on the trip day
    got = problems(birth, {PASSENGER_LICENCE: DAY}, medical_from_age=age_limit)
    assert got == ([Problem("medical_check_missing", MEDICAL_CHECK, None)] if needs_medical else [])


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (DAY - ONE, [Problem("medical_check_expired", MEDICAL_CHECK, DAY - ONE)]),
        (DAY, []),
        (DAY + ONE, []),
    ],
)
def test_the_medical_check_is_valid_up_to_its_last_day(until, expected):
    assert problems(date(1950, 1, 1), {PASSENGER_LICENCE: DAY, MEDICAL_CHECK: until}) == expected


def test_both_problems_in_order_with_their_dates():
    got = problems(None, {PASSENGER_LICENCE: DAY - ONE, MEDICAL_CHECK: DAY - 2 * ONE})
    assert got == [
        Problem("passenger_licence_expired", PASSENGER_LICENCE, DAY - ONE),
        Problem("medical_check_expired", MEDICAL_CHECK, DAY - 2 * ONE),
    ]
    assert problems(None, {}) == [
        Problem("passenger_licence_missing", PASSENGER_LICENCE, None),
        Problem("medical_check_missing", MEDICAL_CHECK, None),
    ]


def test_a_young_driver_needs_no_medical_check_even_if_expired():
    assert problems(date(1990, 1, 1), {PASSENGER_LICENCE: DAY, MEDICAL_CHECK: DAY - ONE}) == []


def test_the_default_medical_age_is_65():
    # 65 on the trip day, no explicit medical_from_age
    assert [p.code for p in problems(date(1962, 5, 1), {PASSENGER_LICENCE: DAY})] == ["medical_check_missing"]
    assert problems(date(1962, 5, 2), {PASSENGER_LICENCE: DAY}) == []
