"""Ride-sharing as its users meet it: the request answer, paginated lists, what the driver
sees before deciding, ISO weekdays."""

from datetime import timedelta

from django.utils import timezone

from api.rides.serializers import first_name
from rides.domain.privacy import coarse_position
from rides.models import RideBooking, RideOffer, RideRequest
from tests.factories import UserFactory
from tests.rides.helpers import post_offer, post_request


def test_creating_a_request_answers_with_the_request_and_its_matches_beside(client_for, alice, bob, herrenberg_trip):
    offer = post_offer(client_for(alice), herrenberg_trip)
    body = post_request(client_for(bob), herrenberg_trip)
    ride_request = RideRequest.objects.get(rider=bob)
    assert body["id"] == ride_request.pk
    assert body["status"] == "open" and body["seats"] == 1
    assert [m["offer"]["id"] for m in body["matches"]] == [offer["id"]]
    # The request's own URL answers the same request (without the matches).
    again = client_for(bob).get(f"/api/v1/rides/requests/{body['id']}/").json()
    assert {k: v for k, v in body.items() if k != "matches"} == again


def test_ride_lists_are_paginated_like_every_list(client_for, alice, herrenberg_trip):
    client = client_for(alice)
    for hours in range(3):
        post_offer(client, herrenberg_trip, departure=(herrenberg_trip.departure + timedelta(hours=hours)).isoformat())
        post_request(
            client,
            herrenberg_trip,
            earliest_departure=(herrenberg_trip.departure + timedelta(hours=hours)).isoformat(),
            latest_arrival=(herrenberg_trip.departure + timedelta(hours=hours + 2)).isoformat(),
        )
    for path, model in (("/api/v1/rides/offers/", RideOffer), ("/api/v1/rides/requests/", RideRequest)):
        first = client.get(path, {"page_size": 2}).json()
        assert first["count"] == model.objects.count() == 3
        assert len(first["results"]) == 2 and first["next"] and first["previous"] is None
        second = client.get(first["next"]).json()
        ids = [item["id"] for item in first["results"] + second["results"]]
        assert sorted(ids) == sorted(model.objects.values_list("pk", flat=True))
    bookings = client.get("/api/v1/rides/bookings/").json()
    assert bookings == {"count": 0, "next": None, "previous": None, "results": []}


def test_the_driver_sees_who_asks_and_the_coarse_pickup_before_deciding(client_for, alice, herrenberg_trip):
    rider = UserFactory(email="bernd@example.org", display_name="Bernd Beispiel", phone="+49 170 1234567")
    offer = post_offer(client_for(alice), herrenberg_trip)
    request = post_request(client_for(rider), herrenberg_trip)
    asked = client_for(rider).post(
        "/api/v1/rides/bookings/",
        {"request": request["id"], "offer": offer["id"], "occurrence_date": request["matches"][0]["occurrence_date"]},
        format="json",
    )
    assert asked.status_code == 201, asked.content
    booking = RideBooking.objects.get()
    [seen] = client_for(alice).get("/api/v1/rides/bookings/").json()["results"]
    assert seen["role"] == "driver" and seen["status"] == "requested"
    assert seen["rider_first_name"] == "Bernd"
    assert seen["rider"] is None  # no surname, no phone before the driver accepts
    assert "Beispiel" not in str(seen) and "1234567" not in str(seen)
    lat, lon = coarse_position(booking.pickup_lat, booking.pickup_lon)
    assert seen["pickup"] == {"lat": lat, "lon": lon, "exact": False, "meeting_point": None}
    accepted = client_for(alice).post(f"/api/v1/rides/bookings/{booking.pk}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["rider"] == {"display_name": "Bernd Beispiel", "phone": "+49 170 1234567"}
    assert accepted.json()["pickup"]["exact"] is True


def test_first_name_is_the_first_word_of_the_display_name():
    assert first_name(UserFactory.build(display_name="  Anna  Maria Schulz ")) == "Anna"
    assert first_name(UserFactory.build(display_name="")) == ""


def test_offer_weekdays_are_iso_1_to_7_like_base_load_blocks(client_for, alice, herrenberg_trip):
    start = herrenberg_trip.departure
    sunday = start + timedelta(days=(7 - start.isoweekday()) % 7)
    body = post_offer(
        client_for(alice),
        herrenberg_trip,
        departure=sunday.isoformat(),
        weekdays=[7],
        recurrence_until=(sunday + timedelta(days=14)).date().isoformat(),
    )
    assert body["weekdays"] == [7]
    assert RideOffer.objects.get(pk=body["id"]).recurrence_weekdays == 1 << 6  # bit 6 = Sunday in the domain
    refused = client_for(alice).post("/api/v1/rides/offers/", herrenberg_trip.offer_body(weekdays=[0]), format="json")
    assert refused.status_code == 400 and "weekdays" in refused.json()["error"]["fields"]


def test_ride_offers_and_requests_have_a_horizon(client_for, alice, herrenberg_trip):
    far = timezone.now() + timedelta(days=120)
    client = client_for(alice)
    offer = client.post("/api/v1/rides/offers/", herrenberg_trip.offer_body(departure=far.isoformat()), format="json")
    assert (offer.status_code, offer.json()["error"]["code"]) == (400, "beyond_horizon")
    assert list(offer.json()["error"]["fields"]) == ["departure"]
    request = client.post(
        "/api/v1/rides/requests/",
        herrenberg_trip.request_body(
            earliest_departure=far.isoformat(), latest_arrival=(far + timedelta(hours=2)).isoformat()
        ),
        format="json",
    )
    assert (request.status_code, request.json()["error"]["code"]) == (400, "beyond_horizon")
    assert RideOffer.objects.count() == RideRequest.objects.count() == 0
