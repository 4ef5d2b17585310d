"""Ride-sharing through the HTTP API: offer, request, match, book, accept, cancel, privacy."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mobility.notifications.models import Notification
from rides.domain.privacy import coarse_position
from rides.models import BookingStatus, RequestStatus, RideBooking, RideOffer, RideRequest
from tests.factories import MeetingPointFactory, StopFactory, UserFactory
from tests.rides.helpers import post_offer, post_request

pytestmark = pytest.mark.django_db


def test_offer_create_computes_route_and_stores_exact_places(client_for, alice, herrenberg_trip):
    # 3 seats at 2.50 € need running costs of 7.50 €: the 3.1 km route (62 ct) plus 7.00 € tolls
    body = post_offer(client_for(alice), herrenberg_trip, max_detour_minutes=10, cost_share_cents=250, tolls_cents=700)
    offer = RideOffer.objects.get(pk=body["id"])
    assert offer.tolls_cents == 700 and offer.running_cost_cents == int(offer.distance_m * 20 / 1000) + 700
    assert body["running_cost_cents"] == offer.running_cost_cents
    assert offer.driver == alice
    assert (offer.origin_lat, offer.origin_lon) == herrenberg_trip.origin
    assert offer.max_detour_minutes == 10 and offer.cost_share_cents == 250 and offer.seats == 3
    assert offer.duration_s > 60 and offer.distance_m > 1000
    assert offer.polyline
    # the owner sees everything exactly
    assert body["origin"] == {"lat": offer.origin_lat, "lon": offer.origin_lon, "exact": True, "meeting_point": None}
    assert body["polyline"] == offer.polyline
    assert body["is_mine"] is True


def test_request_lists_the_fitting_offer_with_pickup_time(client_for, alice, bob, herrenberg_trip):
    offer = post_offer(client_for(alice), herrenberg_trip)
    body = post_request(client_for(bob), herrenberg_trip)
    assert RideRequest.objects.filter(rider=bob, status=RequestStatus.OPEN).count() == 1
    assert len(body["matches"]) == 1
    match = body["matches"][0]
    assert match["offer"]["id"] == offer["id"]
    assert match["occurrence_date"] == herrenberg_trip.departure.date().isoformat()
    # the rider's pickup lies on the driver's route: no detour
    assert match["detour_s"] == pytest.approx(0.0, abs=1e-6)
    assert match["pickup"]["lat"] == pytest.approx(herrenberg_trip.pickup[0])
    assert match["pickup_time"] > herrenberg_trip.departure.isoformat()[:16]
    # privacy: before booking, the rider sees no exact driver origin, route, or contact
    rounded = coarse_position(*herrenberg_trip.origin)
    assert match["offer"]["origin"] == {"lat": rounded[0], "lon": rounded[1], "exact": False, "meeting_point": None}
    assert match["offer"]["polyline"] is None
    assert match["offer"]["driver"] is None
    # the same list again from the matches endpoint
    again = client_for(bob).get(f"/api/v1/rides/requests/{body['id']}/matches/")
    assert again.status_code == 200
    assert [m["offer"]["id"] for m in again.json()] == [offer["id"]]


def test_request_outside_the_time_window_finds_nothing(client_for, alice, bob, herrenberg_trip):
    post_offer(client_for(alice), herrenberg_trip)
    late = herrenberg_trip.departure + timedelta(hours=3)
    body = post_request(
        client_for(bob),
        herrenberg_trip,
        earliest_departure=late.isoformat(),
        latest_arrival=(late + timedelta(hours=1)).isoformat(),
    )
    assert body["matches"] == []


def test_booking_flow_accept_reveals_contacts_and_exact_places(client_for, alice, bob, herrenberg_trip):
    alice.phone = "+49 7032 1234"
    alice.save()
    bob.phone = "+49 7032 5678"
    bob.save()
    driver, rider = client_for(alice), client_for(bob)
    offer = post_offer(driver, herrenberg_trip)
    req = post_request(rider, herrenberg_trip)
    match = req["matches"][0]
    response = rider.post(
        "/api/v1/rides/bookings/",
        {"request": req["id"], "offer": offer["id"], "occurrence_date": match["occurrence_date"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    booking = RideBooking.objects.get()
    assert booking.status == BookingStatus.REQUESTED and booking.seats == 1 and booking.rider == bob
    assert abs(booking.pickup_time - datetime.fromisoformat(match["pickup_time"])) < timedelta(seconds=1)
    assert Notification.objects.filter(user=alice, kind="ride_booking_requested").count() == 1

    # the driver sees a pending booking: rounded pickup, no rider contact
    pending = driver.get(f"/api/v1/rides/bookings/{booking.pk}/").json()
    assert pending["role"] == "driver"
    assert pending["pickup"]["exact"] is False
    assert (pending["pickup"]["lat"], pending["pickup"]["lon"]) == coarse_position(
        booking.pickup_lat, booking.pickup_lon
    )
    assert pending["rider"] is None
    # the rider does not see the driver's contact either
    assert rider.get(f"/api/v1/rides/bookings/{booking.pk}/").json()["driver"] is None

    # the rider cannot accept; the driver can
    assert rider.post(f"/api/v1/rides/bookings/{booking.pk}/accept/").status_code == 404
    accepted = driver.post(f"/api/v1/rides/bookings/{booking.pk}/accept/")
    assert accepted.status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert RideRequest.objects.get(pk=req["id"]).status == RequestStatus.BOOKED
    assert Notification.objects.filter(user=bob, kind="ride_booking_confirmed").count() == 1

    confirmed_for_driver = driver.get(f"/api/v1/rides/bookings/{booking.pk}/").json()
    assert confirmed_for_driver["pickup"] == {
        "lat": booking.pickup_lat,
        "lon": booking.pickup_lon,
        "exact": True,
        "meeting_point": None,
    }
    assert confirmed_for_driver["rider"] == {"display_name": "Bob", "phone": "+49 7032 5678"}
    confirmed_for_rider = rider.get(f"/api/v1/rides/bookings/{booking.pk}/").json()
    assert confirmed_for_rider["driver"] == {"display_name": "Alice", "phone": "+49 7032 1234"}
    assert confirmed_for_rider["offer"]["origin"]["exact"] is True
    assert confirmed_for_rider["offer"]["origin"]["lat"] == herrenberg_trip.origin[0]
    # ... and the offer itself is now exact for the confirmed rider, still rounded for a stranger
    assert rider.get(f"/api/v1/rides/offers/{offer['id']}/").json()["origin"]["exact"] is True
    stranger = client_for(UserFactory(display_name="Carl"))
    public = stranger.get(f"/api/v1/rides/offers/{offer['id']}/").json()
    assert public["origin"]["exact"] is False and public["driver"] is None and public["polyline"] is None
    # a stranger cannot read the booking
    assert stranger.get(f"/api/v1/rides/bookings/{booking.pk}/").status_code == 404


def test_decline_frees_the_seats_and_cancel_needs_a_reason(client_for, alice, bob, herrenberg_trip):
    driver, rider = client_for(alice), client_for(bob)
    offer = post_offer(driver, herrenberg_trip, seats=1)
    req = post_request(rider, herrenberg_trip)
    booking_body = {
        "request": req["id"],
        "offer": offer["id"],
        "occurrence_date": req["matches"][0]["occurrence_date"],
    }
    first = rider.post("/api/v1/rides/bookings/", booking_body, format="json").json()
    declined = driver.post(
        f"/api/v1/rides/bookings/{first['id']}/decline/", {"reason": "car full of tools"}, format="json"
    )
    assert declined.status_code == 200
    assert RideBooking.objects.get(pk=first["id"]).status == BookingStatus.DECLINED
    assert Notification.objects.filter(user=bob, kind="ride_booking_declined").count() == 1
    # seats free again: the rider can ask once more
    second = rider.post("/api/v1/rides/bookings/", booking_body, format="json")
    assert second.status_code == 201
    second_id = second.json()["id"]
    no_reason = rider.post(f"/api/v1/rides/bookings/{second_id}/cancel/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400
    assert RideBooking.objects.get(pk=second_id).status == BookingStatus.REQUESTED
    cancelled = rider.post(f"/api/v1/rides/bookings/{second_id}/cancel/", {"reason": "plans changed"}, format="json")
    assert cancelled.status_code == 200
    row = RideBooking.objects.get(pk=second_id)
    assert (row.status, row.cancel_reason, row.cancelled_by) == (BookingStatus.CANCELLED, "plans changed", bob)
    assert Notification.objects.filter(user=alice, kind="ride_booking_cancelled").count() == 1
    # cancelling twice is a conflict
    again = rider.post(f"/api/v1/rides/bookings/{second_id}/cancel/", {"reason": "x"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "booking_not_active"


def test_full_ride_refuses_more_riders_and_leaves_nothing_behind(client_for, alice, bob, herrenberg_trip):
    # Without a detour budget the driver cannot drop one rider and turn back for the next,
    # so both riders need the one seat on the same legs.
    carl = UserFactory(display_name="Carl")
    offer = post_offer(client_for(alice), herrenberg_trip, seats=1, max_detour_minutes=0)
    for user in (bob, carl):
        req = post_request(client_for(user), herrenberg_trip)
        user._req = req
    day = bob._req["matches"][0]["occurrence_date"]
    ok = client_for(bob).post(
        "/api/v1/rides/bookings/", {"request": bob._req["id"], "offer": offer["id"], "occurrence_date": day}
    )
    assert ok.status_code == 201
    refused = client_for(carl).post(
        "/api/v1/rides/bookings/", {"request": carl._req["id"], "offer": offer["id"], "occurrence_date": day}
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "seats_unavailable"
    assert RideBooking.objects.filter(rider=carl).count() == 0
    assert not Notification.objects.filter(user=alice, kind="ride_booking_requested", payload__booking=None).exists()
    # the full ride no longer appears among Carl's matches
    matches = client_for(carl).get(f"/api/v1/rides/requests/{carl._req['id']}/matches/").json()
    assert matches == []


def test_booking_errors(client_for, alice, bob, herrenberg_trip):
    driver = client_for(alice)
    offer = post_offer(driver, herrenberg_trip)
    own = post_request(driver, herrenberg_trip)
    day = herrenberg_trip.departure.date().isoformat()
    response = driver.post(
        "/api/v1/rides/bookings/", {"request": own["id"], "offer": offer["id"], "occurrence_date": day}
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "own_offer"
    req = post_request(client_for(bob), herrenberg_trip)
    wrong_day = (herrenberg_trip.departure + timedelta(days=1)).date().isoformat()
    response = client_for(bob).post(
        "/api/v1/rides/bookings/", {"request": req["id"], "offer": offer["id"], "occurrence_date": wrong_day}
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_an_occurrence"
    # someone else's request is invisible
    response = client_for(bob).post(
        "/api/v1/rides/bookings/", {"request": own["id"], "offer": offer["id"], "occurrence_date": day}
    )
    assert response.status_code == 404
    assert RideBooking.objects.count() == 0


def test_offer_validation_errors_leave_nothing(client_for, alice, herrenberg_trip):
    client = client_for(alice)
    past = herrenberg_trip.offer_body(departure=(herrenberg_trip.departure - timedelta(days=3)).isoformat())
    response = client.post("/api/v1/rides/offers/", past, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "departure_in_past"
    far = herrenberg_trip.offer_body(destination={"lat": 52.52, "lon": 13.40})
    response = client.post("/api/v1/rides/offers/", far, format="json")
    assert response.status_code == 422 and response.json()["error"]["code"] == "outside_road_network"
    response = client.post("/api/v1/rides/offers/", herrenberg_trip.offer_body(seats=0), format="json")
    assert response.status_code == 400
    response = client.post("/api/v1/rides/offers/", herrenberg_trip.offer_body(weekdays=[1, 3]), format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_recurrence"
    response = client.post("/api/v1/rides/offers/", {"origin": {"lat": 1}}, format="json")
    assert response.status_code == 400
    assert RideOffer.objects.count() == 0


def test_request_validation(client_for, bob, herrenberg_trip):
    client = client_for(bob)
    body = herrenberg_trip.request_body(latest_arrival=(herrenberg_trip.departure - timedelta(hours=1)).isoformat())
    response = client.post("/api/v1/rides/requests/", body, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_time_window"
    assert RideRequest.objects.count() == 0


def test_no_road_graph_is_a_clear_503(client_for, alice, db):
    from tests.rides.helpers import trip

    body = trip().offer_body()
    response = client_for(alice).post("/api/v1/rides/offers/", body, format="json")
    assert response.status_code == 503 and response.json()["error"]["code"] == "road_graph_missing"


def test_new_offer_notifies_waiting_riders_and_driver(
    client_for, alice, bob, herrenberg_trip, django_capture_on_commit_callbacks
):
    post_request(client_for(bob), herrenberg_trip)
    with django_capture_on_commit_callbacks(execute=True):
        offer = post_offer(client_for(alice), herrenberg_trip)
    note = Notification.objects.get(user=bob, kind="ride_offer_matches")
    assert note.payload["offer"] == offer["id"]
    assert Notification.objects.get(user=alice, kind="ride_requests_waiting").payload["requests"] == 1


def test_recurring_offer_matches_on_a_later_weekday(client_for, alice, bob, herrenberg_trip):
    start = herrenberg_trip.departure
    weekday = (start + timedelta(days=2)).isoweekday()  # the API counts 1 = Monday … 7 = Sunday
    offer = post_offer(
        client_for(alice),
        herrenberg_trip,
        weekdays=[weekday],
        recurrence_until=(start + timedelta(days=10)).date().isoformat(),
        recurrence_exceptions=[(start + timedelta(days=9)).date().isoformat()],
    )
    assert offer["weekdays"] == [weekday]
    later = start + timedelta(days=2)
    body = post_request(
        client_for(bob),
        herrenberg_trip,
        earliest_departure=(later - timedelta(minutes=30)).isoformat(),
        latest_arrival=(later + timedelta(hours=2)).isoformat(),
    )
    assert [(m["offer"]["id"], m["occurrence_date"]) for m in body["matches"]] == [
        (offer["id"], later.date().isoformat())
    ]
    # the exception date (one week later) has no ride
    skipped = start + timedelta(days=9)
    body = post_request(
        client_for(bob),
        herrenberg_trip,
        earliest_departure=(skipped - timedelta(minutes=30)).isoformat(),
        latest_arrival=(skipped + timedelta(hours=2)).isoformat(),
    )
    assert body["matches"] == []


def test_meeting_point_pickup(client_for, alice, bob, herrenberg_trip):
    bench = MeetingPointFactory(name="Mitfahrbank Markt", lat=herrenberg_trip.pickup[0], lon=herrenberg_trip.pickup[1])
    listing = client_for(None).get("/api/v1/rides/meeting-points/")
    assert listing.status_code == 200 and listing.json()["results"][0]["name"] == "Mitfahrbank Markt"
    post_offer(client_for(alice), herrenberg_trip)
    # the rider's door is ~150 m north of the bench
    door = {"lat": herrenberg_trip.pickup[0] + 0.0014, "lon": herrenberg_trip.pickup[1]}
    body = post_request(client_for(bob), herrenberg_trip, origin=door, pickup_mode="meeting_point", max_walk_m=400)
    match = body["matches"][0]
    assert match["pickup"]["meeting_point"]["id"] == bench.pk
    assert 100 < match["walk_m"] < 250
    # too short a walk: the bench is out of reach, so there is no pickup place at all
    body = post_request(client_for(bob), herrenberg_trip, origin=door, pickup_mode="meeting_point", max_walk_m=50)
    assert body["matches"] == []


def test_offer_cancel_cancels_bookings_with_reason(client_for, alice, bob, herrenberg_trip):
    offer = post_offer(client_for(alice), herrenberg_trip)
    req = post_request(client_for(bob), herrenberg_trip)
    client_for(bob).post(
        "/api/v1/rides/bookings/",
        {
            "request": req["id"],
            "offer": offer["id"],
            "occurrence_date": req["matches"][0]["occurrence_date"],
        },
    )
    response = client_for(bob).post(f"/api/v1/rides/offers/{offer['id']}/cancel/", {"reason": "x"})
    assert response.status_code == 404
    response = client_for(alice).post(f"/api/v1/rides/offers/{offer['id']}/cancel/", {"reason": "car broke down"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    booking = RideBooking.objects.get()
    assert (booking.status, booking.cancel_reason, booking.cancelled_by) == (
        BookingStatus.CANCELLED,
        "car broke down",
        alice,
    )
    assert RideRequest.objects.get(pk=req["id"]).status == RequestStatus.OPEN
    assert Notification.objects.filter(user=bob, kind="ride_booking_cancelled").count() == 1
    # a cancelled offer is no longer matched
    assert client_for(bob).get(f"/api/v1/rides/requests/{req['id']}/matches/").json() == []


def test_booking_with_idempotency_key_books_once(client_for, alice, bob, herrenberg_trip):
    offer = post_offer(client_for(alice), herrenberg_trip)
    req = post_request(client_for(bob), herrenberg_trip)
    body = {
        "request": req["id"],
        "offer": offer["id"],
        "occurrence_date": req["matches"][0]["occurrence_date"],
    }
    rider = client_for(bob)
    first = rider.post("/api/v1/rides/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="ride-1")
    second = rider.post("/api/v1/rides/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="ride-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert RideBooking.objects.count() == 1


def test_driver_cancels_confirmed_booking_and_request_reopens(client_for, alice, bob, herrenberg_trip):
    driver, rider = client_for(alice), client_for(bob)
    offer = post_offer(driver, herrenberg_trip)
    req = post_request(rider, herrenberg_trip)
    body = {
        "request": req["id"],
        "offer": offer["id"],
        "occurrence_date": req["matches"][0]["occurrence_date"],
    }
    booking_id = rider.post("/api/v1/rides/bookings/", body, format="json").json()["id"]
    assert driver.post(f"/api/v1/rides/bookings/{booking_id}/accept/").status_code == 200
    assert driver.post(f"/api/v1/rides/bookings/{booking_id}/accept/").status_code == 409
    assert RideRequest.objects.get(pk=req["id"]).status == RequestStatus.BOOKED
    response = driver.post(f"/api/v1/rides/bookings/{booking_id}/cancel/", {"reason": "ill"}, format="json")
    assert response.status_code == 200
    booking = RideBooking.objects.get(pk=booking_id)
    assert (booking.status, booking.cancelled_by) == (BookingStatus.CANCELLED, alice)
    assert RideRequest.objects.get(pk=req["id"]).status == RequestStatus.OPEN
    assert Notification.objects.filter(user=bob, kind="ride_booking_cancelled").count() == 1
    # the rider may book the ride again: the seat is free
    assert [m["offer"]["id"] for m in rider.get(f"/api/v1/rides/requests/{req['id']}/matches/").json()] == [offer["id"]]


def test_offer_from_a_transit_stop_shows_the_stop_to_everyone(client_for, alice, bob, herrenberg_trip):
    stop = StopFactory(
        version__feed__name="VVS",
        stop_id="de:8111",
        name="Herrenberg Bahnhof",
        lat=herrenberg_trip.origin[0],
        lon=herrenberg_trip.origin[1],
    )
    offer = post_offer(client_for(alice), herrenberg_trip, origin={"stop": stop.pk})
    public = client_for(bob).get(f"/api/v1/rides/offers/{offer['id']}/").json()
    assert public["origin"]["exact"] is True
    assert public["origin"]["meeting_point"]["name"] == "Herrenberg Bahnhof"
    assert public["origin"]["meeting_point"]["kind"] == "stop"
    response = client_for(alice).post(
        "/api/v1/rides/offers/", herrenberg_trip.offer_body(origin={"stop": 999999}), format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "stop_not_found"
    assert RideOffer.objects.count() == 1


def test_unanswered_requests_lapse_and_free_their_seats(client_for, alice, bob, herrenberg_trip, settings):
    from rides.tasks import expire_pending_bookings

    offer = post_offer(client_for(alice), herrenberg_trip, seats=1)
    req = post_request(client_for(bob), herrenberg_trip)
    body = {
        "request": req["id"],
        "offer": offer["id"],
        "occurrence_date": req["matches"][0]["occurrence_date"],
    }
    booking_id = client_for(bob).post("/api/v1/rides/bookings/", body, format="json").json()["id"]
    assert expire_pending_bookings() == 0  # young and the ride has not left
    settings.RIDES_PENDING_HOLD_HOURS = 0
    assert expire_pending_bookings() == 1
    booking = RideBooking.objects.get(pk=booking_id)
    assert (booking.status, booking.cancel_reason) == (BookingStatus.DECLINED, "no answer from the driver")
    assert Notification.objects.filter(user=bob, kind="ride_booking_declined").count() == 1
    assert Notification.objects.filter(user=alice, kind="ride_booking_lapsed").count() == 1
    assert client_for(alice).post(f"/api/v1/rides/bookings/{booking_id}/accept/").status_code == 409
