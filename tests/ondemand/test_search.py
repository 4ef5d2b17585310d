"""The Rufbus in the one search: an option when both places lie in the zone in its hours."""

from __future__ import annotations

from datetime import datetime

import pytest

from journeys.one_search import Point, SearchQuery, journeys_search
from ondemand import services
from ondemand.models import OnDemandBooking
from ondemand.services import Place
from tests.factories import UserFactory

from .conftest import DOCTOR, HOME, OUTSIDE, point, tomorrow_at

pytestmark = pytest.mark.django_db


def _search(at, origin=HOME, destination=DOCTOR, modes=frozenset({"ondemand"})):
    query = SearchQuery(
        origin=Point(*origin, "Zuhause"), destination=Point(*destination, "Praxis"), depart_at=at, modes=modes
    )
    return journeys_search(query=query)


def test_search_offers_the_rufbus_door_to_door_with_window_and_deadline(rufbus):
    result = _search(tomorrow_at(14, 7))
    assert [o.kind for o in result.options] == ["ondemand"]
    option = result.options[0]
    leg = option.legs[0]
    assert leg["mode"] == "ondemand" and leg["zone"] == "Herrenberg Mitte" and leg["line"] == "R1"
    # the window starts on the 5-minute grid after the wish, and lasts 15 minutes
    assert leg["pickup_window_from"].startswith(tomorrow_at(14, 10).date().isoformat() + "T14:10:00")
    assert leg["pickup_window_to"].endswith("14:25:00" + leg["pickup_window_to"][-6:])
    assert leg["booking_deadline"].endswith("13:10:00" + leg["booking_deadline"][-6:])
    assert option.notes == ["On-demand bus, pickup 14:10–14:25 at your door, book by 13:10"]
    assert tomorrow_at(14, 10) <= option.departure <= tomorrow_at(14, 25)
    assert option.departure < option.arrival
    step = option.book[0]
    assert step.action == "ondemand-booking-list"
    assert step.body["pickup"] == point(HOME) and step.body["dropoff"] == point(DOCTOR)
    # the booking step books exactly what was shown
    booking = services.ondemand_booking_create(
        passenger=UserFactory(),
        pickup=Place(**step.body["pickup"]),
        dropoff=Place(**step.body["dropoff"]),
        earliest_pickup=tomorrow_at(14, 10),
    )
    assert (booking.pickup_at, booking.dropoff_at) == (option.departure, option.arrival)


def test_no_rufbus_outside_the_zone_or_the_hours(rufbus):
    assert _search(tomorrow_at(14, 7), destination=OUTSIDE).options == []
    assert _search(tomorrow_at(17, 50)).options == []  # the window 17:50-18:05 would end after 18:00
    assert _search(tomorrow_at(9)).options[0].legs[0]["pickup_window_from"][11:16] == "14:00"


def test_search_api_returns_the_ondemand_leg(rufbus, client_for):
    at = tomorrow_at(15)
    response = client_for(None).get(
        "/api/v1/journeys/",
        {
            "from": f"{HOME[0]},{HOME[1]}",
            "to": f"{DOCTOR[0]},{DOCTOR[1]}",
            "depart_at": at.isoformat(),
            "modes": "ondemand",
        },
    )
    assert response.status_code == 200, response.json()
    options = response.json()["options"]
    assert [o["kind"] for o in options] == ["ondemand"]
    leg = options[0]["legs"][0]
    assert leg["mode"] == "ondemand" and leg["pickup_window_from"][11:16] == "15:00"
    assert leg["booking_message"] == "Bitte mindestens 60 Minuten vorher buchen."
    assert options[0]["book"][0]["href"] == "/api/v1/ondemand/bookings/"
    assert options[0]["needs_booking"] is True
    assert datetime.fromisoformat(options[0]["arrival"]) > datetime.fromisoformat(options[0]["departure"])
    assert OnDemandBooking.objects.count() == 0  # searching books nothing
