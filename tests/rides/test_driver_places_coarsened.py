"""A place derived from the driver's own addresses is coarsened until the booking is confirmed,
even when it is the rider's pickup (a rider living on the driver's street)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rides.domain.privacy import coarse_position
from rides.models import RideBooking, RideOffer

from .helpers import post_offer, post_request

pytestmark = pytest.mark.django_db


def test_pickup_at_the_drivers_first_node_is_coarse_until_confirmed(client_for, alice, bob, herrenberg_trip):
    driver, rider = client_for(alice), client_for(bob)
    offer = post_offer(driver, herrenberg_trip)
    row = RideOffer.objects.get(pk=offer["id"])
    # the rider asks to be picked up exactly where the driver starts
    neighbour = replace(herrenberg_trip, pickup=herrenberg_trip.origin)
    req = post_request(rider, neighbour)
    (match,) = req["matches"]
    coarse = coarse_position(*herrenberg_trip.origin)
    assert match["pickup"] == {"lat": coarse[0], "lon": coarse[1], "exact": False, "meeting_point": None}
    assert match["offer"]["origin"] == match["pickup"]  # coarsened exactly like the offer's origin
    # the rider's own drop-off is not the driver's: exact
    assert match["dropoff"]["exact"] is True
    assert match["dropoff"]["lat"] == pytest.approx(herrenberg_trip.dropoff[0])

    response = rider.post(
        "/api/v1/rides/bookings/",
        {"request": req["id"], "offer": offer["id"], "occurrence_date": match["occurrence_date"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    booking = RideBooking.objects.get()
    assert booking.pickup_node == row.origin_node
    pending = rider.get(f"/api/v1/rides/bookings/{booking.pk}/").json()
    assert pending["pickup"] == {"lat": coarse[0], "lon": coarse[1], "exact": False, "meeting_point": None}
    assert pending["dropoff"]["exact"] is True

    # the rider's data export says no more than the API before the confirmation
    (exported,) = rider.get("/api/v1/me/data-export/").json()["rides"]["bookings"]
    assert exported["pickup"] == {"lat": coarse[0], "lon": coarse[1], "exact": False, "meeting_point": None}
    assert (exported["dropoff"]["lat"], exported["dropoff"]["exact"]) == (booking.dropoff_lat, True)

    assert driver.post(f"/api/v1/rides/bookings/{booking.pk}/accept/").status_code == 200
    (exported,) = rider.get("/api/v1/me/data-export/").json()["rides"]["bookings"]
    assert exported["pickup"] == {
        "lat": booking.pickup_lat,
        "lon": booking.pickup_lon,
        "exact": True,
        "meeting_point": None,
    }
    for party in (rider, driver):
        confirmed = party.get(f"/api/v1/rides/bookings/{booking.pk}/").json()
        assert confirmed["pickup"] == {
            "lat": booking.pickup_lat,
            "lon": booking.pickup_lon,
            "exact": True,
            "meeting_point": None,
        }


def test_one_search_coarsens_the_drivers_place_too(client_for, alice, bob, herrenberg_trip):
    post_offer(client_for(alice), herrenberg_trip)
    response = client_for(bob).get(
        "/api/v1/journeys/",
        {
            "from": "{},{}".format(*herrenberg_trip.origin),
            "to": "{},{}".format(*herrenberg_trip.dropoff),
            "depart_at": (herrenberg_trip.departure.replace(microsecond=0)).isoformat(),
            "modes": "ride",
        },
    )
    assert response.status_code == 200, response.content
    (ride,) = [o for o in response.json()["options"] if o["kind"] == "ride"]
    carpool = next(leg for leg in ride["legs"] if leg["mode"] == "carpool")
    coarse = coarse_position(*herrenberg_trip.origin)
    assert (carpool["from"]["lat"], carpool["from"]["lon"], carpool["from"]["exact"]) == (*coarse, False)
