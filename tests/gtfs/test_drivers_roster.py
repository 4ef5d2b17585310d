"""Bürgerbus drivers and the duty roster, with time travel: the passenger-transport licence
must be valid on the trip's day; from 65 a yearly medical check too; staff get a warning for
every rostered trip whose driver will not be qualified, and the roster stays traceable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from gtfs.domain.drivers import age_on, qualification_problems
from gtfs.models import DriverQualification, QualificationKind, RosterEntry
from tests.gtfs.test_buergerbus import build_timetable

pytestmark = pytest.mark.django_db
BASE = "/api/v1/gtfs/buergerbus/"


def test_the_rule_boundaries():
    assert age_on(date(1962, 3, 10), date(2027, 3, 9)) == 64
    assert age_on(date(1962, 3, 10), date(2027, 3, 10)) == 65
    assert age_on(date(1960, 2, 29), date(2025, 2, 28)) == 64
    assert age_on(date(1960, 2, 29), date(2025, 3, 1)) == 65
    day = date(2027, 5, 1)
    ok = {"passenger_licence": day}
    assert qualification_problems(birth_date=date(1970, 1, 1), valid_until=ok, trip_day=day) == []  # last day: valid
    expired = qualification_problems(
        birth_date=date(1970, 1, 1), valid_until={"passenger_licence": day - timedelta(days=1)}, trip_day=day
    )
    assert [p.code for p in expired] == ["passenger_licence_expired"]
    # turning 65 on the trip day: the medical check is needed from that day on
    codes = [p.code for p in qualification_problems(birth_date=date(1962, 5, 1), valid_until=ok, trip_day=day)]
    assert codes == ["medical_check_missing"]
    assert qualification_problems(birth_date=date(1962, 5, 2), valid_until=ok, trip_day=day) == []
    assert [p.code for p in qualification_problems(birth_date=None, valid_until={}, trip_day=day)] == [
        "passenger_licence_missing",
        "medical_check_missing",
    ]


def test_roster_warns_when_a_qualification_expires_before_the_trip(client_for, stella):
    staff = client_for(stella)
    tt = build_timetable(staff)
    today = timezone.localdate()
    trip_day = today + timedelta(days=20)
    driver = staff.post(BASE + "drivers/", {"name": "Hans Berger", "birth_date": "1961-01-01"}, format="json")
    assert driver.status_code == 201, driver.content
    did = driver.json()["id"]
    for kind, until in [
        ("passenger_licence", trip_day + timedelta(days=400)),
        ("medical_check", today + timedelta(days=19)),
    ]:
        response = staff.post(BASE + f"drivers/{did}/qualifications/", {"kind": kind, "valid_until": until.isoformat()})
        assert response.status_code == 201, response.content
    assigned = staff.post(
        BASE + "roster/", {"trip": tt["trip"], "service_date": trip_day.isoformat(), "driver": did}, format="json"
    )
    assert assigned.status_code == 201, assigned.content
    assert assigned.json()["warnings"] == [
        {
            "code": "medical_check_expired",
            "kind": "medical_check",
            "valid_until": (today + timedelta(days=19)).isoformat(),
        }
    ]
    warnings = staff.get(BASE + "roster/warnings/").json()
    assert [(w["driver_name"], w["service_date"], w["warnings"][0]["code"]) for w in warnings] == [
        ("Hans Berger", trip_day.isoformat(), "medical_check_expired")
    ]
    # a new medical check clears the warning; the old check stays on record
    staff.post(
        BASE + f"drivers/{did}/qualifications/",
        {"kind": "medical_check", "valid_until": (today + timedelta(days=365)).isoformat()},
    )
    assert staff.get(BASE + "roster/warnings/").json() == []
    assert DriverQualification.objects.filter(driver_id=did, kind=QualificationKind.MEDICAL_CHECK).count() == 2
    # Lena's licence ends 50 days from now; rostered on day 55 she gets a warning at once, which
    # stays on the staff's list until the trip has passed (time travel)
    lena = staff.post(BASE + "drivers/", {"name": "Lena Roth", "birth_date": "1990-06-01"}, format="json").json()["id"]
    staff.post(
        BASE + f"drivers/{lena}/qualifications/",
        {"kind": "passenger_licence", "valid_until": (today + timedelta(days=50)).isoformat()},
    )
    day55 = today + timedelta(days=55)
    assigned = staff.post(
        BASE + "roster/", {"trip": tt["trip"], "service_date": day55.isoformat(), "driver": lena}, format="json"
    )
    assert [w["code"] for w in assigned.json()["warnings"]] == ["passenger_licence_expired"]
    with time_machine.travel(timezone.now() + timedelta(days=54)):
        listed = client_for(stella).get(BASE + "roster/warnings/").json()
        assert [(w["driver_name"], w["service_date"]) for w in listed] == [("Lena Roth", day55.isoformat())]
    with time_machine.travel(timezone.now() + timedelta(days=56)):
        assert client_for(stella).get(BASE + "roster/warnings/").json() == []


def test_roster_is_traceable_and_refuses_days_without_the_trip(client_for, stella, alice):
    staff = client_for(stella)
    tt = build_timetable(staff)
    day = timezone.localdate() + timedelta(days=5)
    a = staff.post(BASE + "drivers/", {"name": "Anke"}, format="json").json()["id"]
    b = staff.post(BASE + "drivers/", {"name": "Bert"}, format="json").json()["id"]
    for driver in (a, b):
        assert (
            staff.post(
                BASE + "roster/", {"trip": tt["trip"], "service_date": day.isoformat(), "driver": driver}, format="json"
            ).status_code
            == 201
        )
    rows = list(RosterEntry.objects.order_by("pk").values_list("driver_id", "replaced_at", "assigned_by_id"))
    assert [(r[0], r[1] is None, r[2]) for r in rows] == [(a, False, stella.pk), (b, True, stella.pk)]
    listed = staff.get(BASE + f"roster/?from={day.isoformat()}&to={day.isoformat()}").json()
    assert [(r["driver_name"], r["service_date"]) for r in listed] == [("Bert", day.isoformat())]
    removed = timezone.localdate() + timedelta(days=10)  # the timetable's removed date
    refused = staff.post(
        BASE + "roster/", {"trip": tt["trip"], "service_date": removed.isoformat(), "driver": a}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "buergerbus_trip_not_running"
    assert client_for(alice).get(BASE + "roster/").status_code == 403
    assert staff.get(BASE + "roster/?from=2027-13-01").status_code == 400
