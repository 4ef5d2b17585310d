"""Quotes validate exactly like reservations; a far-off date is a horizon error, not an expired
licence (ride offers and requests have a horizon too: tests/rides/test_api_flows.py)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from carsharing.models import Membership, MembershipStatus, Reservation

from .conftest import aligned, make_member

BASE = "/api/v1/carsharing/"


def iso(moment):
    return moment.isoformat()


def _windows():
    start = aligned(48)
    return {
        "off_grid": (start + timedelta(minutes=7), start + timedelta(hours=2)),
        "too_short": (start, start + timedelta(minutes=15)),
        "start_in_past": (aligned(-48), aligned(-46)),
        "beyond_horizon": (aligned(24 * 40), aligned(24 * 40 + 2)),
        "invalid_window": (start, start),
    }


@pytest.mark.parametrize("code", ["off_grid", "too_short", "start_in_past", "beyond_horizon", "invalid_window"])
def test_a_quote_refuses_every_window_a_reservation_refuses(client_for, fleet, carla, code):
    car = fleet["vehicles"][0]
    start, end = _windows()[code]
    body = {"vehicle": car.pk, "start": iso(start), "end": iso(end)}
    quoted = client_for(None).post(BASE + "quote/", body, format="json")
    reserved = client_for(carla).post(BASE + "reservations/", body, format="json")
    assert (quoted.status_code, quoted.json()["error"]["code"]) == (400, code)
    assert (reserved.status_code, reserved.json()["error"]["code"]) == (400, code)
    assert Reservation.objects.count() == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("0001-01-01T00:00:00+01:00", "0001-01-01T02:00:00+01:00"),
        ("9999-12-31T20:00:00+00:00", "9999-12-31T22:00:00+00:00"),
    ],
)
def test_a_quote_for_an_absurd_year_is_the_same_400_as_a_reservation(client_for, fleet, carla, start, end):
    body = {"vehicle": fleet["vehicles"][0].pk, "start": start, "end": end}
    quoted = client_for(None).post(BASE + "quote/", body, format="json")
    reserved = client_for(carla).post(BASE + "reservations/", body, format="json")
    assert quoted.status_code == reserved.status_code == 400
    assert quoted.json()["error"]["code"] == reserved.json()["error"]["code"]
    assert quoted.json()["error"]["fields"] == reserved.json()["error"]["fields"]
    assert Reservation.objects.count() == 0


def test_a_valid_quote_prices_the_window(client_for, fleet):
    start = aligned(48)
    body = {"vehicle": fleet["vehicles"][0].pk, "start": iso(start), "end": iso(start + timedelta(hours=2)), "km": 10}
    response = client_for(None).post(BASE + "quote/", body, format="json")
    assert response.status_code == 200
    assert (response.json()["minutes"], response.json()["total_cents"]) == (120, 800)  # 2 h × 4 €; 50 km included


def test_a_reservation_beyond_the_horizon_is_a_horizon_error_not_an_expired_licence(client_for, fleet):
    member = make_member("edda@example.org", expiry=date.today() + timedelta(days=20))
    start = aligned(24 * 60)  # beyond the 30-day horizon and after the licence expires
    response = client_for(member).post(
        BASE + "reservations/",
        {"vehicle": fleet["vehicles"][0].pk, "start": iso(start), "end": iso(start + timedelta(hours=2))},
        format="json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "beyond_horizon")
    assert response.json()["error"]["fields"] == {
        "start": ["Reservierungen dürfen höchstens 30 Tage im Voraus beginnen."]  # German by default
    }
    # Within the horizon but after the licence's expiry: then it is the licence.
    start = aligned(24 * 25)
    response = client_for(member).post(
        BASE + "reservations/",
        {"vehicle": fleet["vehicles"][0].pk, "start": iso(start), "end": iso(start + timedelta(hours=2))},
        format="json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "licence_expired")
    assert Reservation.objects.count() == 0 and Membership.objects.get(user=member).status == MembershipStatus.APPROVED


def test_a_taken_car_answers_when_it_is_next_free_and_which_cars_are_free_instead(client_for, fleet, carla, dora):
    car, twin, far_away = fleet["vehicles"]
    start = aligned(48)
    first = client_for(carla).post(
        BASE + "reservations/",
        {"vehicle": car.pk, "start": iso(start), "end": iso(start + timedelta(hours=2))},
        format="json",
    )
    assert first.status_code == 201
    wanted = {"vehicle": car.pk, "start": iso(start + timedelta(hours=1)), "end": iso(start + timedelta(hours=3))}
    taken = client_for(dora).post(BASE + "reservations/", wanted, format="json")
    assert taken.status_code == 409
    error = taken.json()["error"]
    assert error["code"] == "vehicle_unavailable"
    # Free again after Carla's two hours and the 15-minute buffer.
    next_free = timezone.localtime(start + timedelta(hours=2, minutes=15)).isoformat()
    assert error["fields"]["next_free_start"] == next_free
    # The other electric car at the same station; the one 30 km away is not "nearby".
    assert error["fields"]["alternatives"] == [
        {"vehicle": twin.pk, "plate": "LD-E 2", "station": "Rathaus", "distance_km": 0.0}
    ]
    assert far_away.pk not in [a["vehicle"] for a in error["fields"]["alternatives"]]
    assert Reservation.objects.filter(user=dora).count() == 0
    # Both ways out work.
    later = client_for(dora).post(
        BASE + "reservations/",
        {"vehicle": car.pk, "start": next_free, "end": iso(start + timedelta(hours=4, minutes=15))},
        format="json",
    )
    assert later.status_code == 201, later.content
    instead = client_for(dora).post(BASE + "reservations/", {**wanted, "vehicle": twin.pk}, format="json")
    assert instead.status_code == 201, instead.content
    assert Reservation.objects.filter(user=dora).count() == 2
