"""Trust between residents over HTTP: ratings after a ride (others see only an average over at
least 3), no-show reports the operator decides, suspension (notified, audited, sign-in blocked,
rides withdrawn), and late cancellations of confirmed seats counted and told to the driver."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from mobility.accounts.models import AccountSuspension
from mobility.notifications.models import Notification
from mobility.privacy.models import PersonalDataAccess
from rides import services
from rides.models import (
    BookingStatus,
    NoShowReport,
    OfferStatus,
    PartyRole,
    ReportStatus,
    RideBooking,
    RideOffer,
    RideRating,
)
from rides.services import Place
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def confirmed_booking(trip, driver, rider):
    offer = services.offer_create(
        driver=driver,
        origin=Place(*trip.origin),
        destination=Place(*trip.destination),
        departure=trip.departure,
        seats=3,
    )
    request = services.request_create(
        rider=rider,
        origin=Place(*trip.pickup),
        destination=Place(*trip.dropoff),
        earliest_departure=trip.departure - timedelta(minutes=30),
        latest_arrival=trip.departure + timedelta(hours=2),
    )
    booking = services.booking_create(
        rider=rider, request_id=request.pk, offer_id=offer.pk, occurrence_date=trip.departure.date()
    )
    return services.booking_accept(driver=driver, booking_id=booking.pk)


def test_rating_only_after_the_ride_once_per_side(client_for, alice, bob, herrenberg_trip):
    booking = confirmed_booking(herrenberg_trip, alice, bob)
    rider, driver = client_for(bob), client_for(alice)
    url = f"/api/v1/rides/bookings/{booking.pk}/rating/"
    with time_machine.travel(booking.dropoff_time - timedelta(seconds=1)):
        early = rider.post(url, {"score": 5}, format="json")
    assert early.status_code == 409 and early.json()["error"]["code"] == "ride_not_over"
    with time_machine.travel(booking.dropoff_time):
        response = rider.post(url, {"score": 5, "text": "Pünktlich und freundlich"}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["rater_role"] == "rider" and response.json()["score"] == 5
        again = rider.post(url, {"score": 1}, format="json")
        assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
        assert driver.post(url, {"score": 4}, format="json").status_code == 201
        for bad in ({"score": 0}, {"score": 6}, {"score": 3, "text": "x" * 301}, {}):
            assert client_for(alice).post(url, bad, format="json").status_code == 400
        # a stranger cannot see or rate the booking
        assert client_for(UserFactory()).post(url, {"score": 1}, format="json").status_code == 404
    ratings = {(r.rater_role, r.ratee_id, r.score, r.text) for r in RideRating.objects.filter(booking=booking)}
    assert ratings == {(PartyRole.RIDER, alice.pk, 5, "Pünktlich und freundlich"), (PartyRole.DRIVER, bob.pk, 4, "")}
    assert Notification.objects.filter(user=alice, kind="ride_rated").count() == 1
    with time_machine.travel(booking.dropoff_time + timedelta(days=30, seconds=1)):
        late = client_for(bob).post(f"/api/v1/rides/bookings/{booking.pk}/no-show/", {}, format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "rating_window_closed"


def test_others_see_only_an_average_over_at_least_three_ratings(client_for, alice, herrenberg_trip):
    riders = [UserFactory() for _ in range(3)]
    bookings = [confirmed_booking(herrenberg_trip, alice, r) for r in riders]
    viewer = client_for(UserFactory())
    with time_machine.travel(max(b.dropoff_time for b in bookings)):
        for rider, booking, score in zip(riders, bookings, [5, 4, 4], strict=True):
            assert viewer.get(f"/api/v1/rides/users/{alice.pk}/rating/").json()["average"] is None
            response = client_for(rider).post(
                f"/api/v1/rides/bookings/{booking.pk}/rating/", {"score": score, "text": "geheim"}, format="json"
            )
            assert response.status_code == 201
    summary = viewer.get(f"/api/v1/rides/users/{alice.pk}/rating/").json()
    assert summary == {"count": 3, "average": 4.3}  # 13 / 3 = 4.33
    # the rider's view of the booking shows the driver's average, never a text
    body = client_for(riders[0]).get(f"/api/v1/rides/bookings/{bookings[0].pk}/").json()
    assert body["other_party_rating"] == {"count": 3, "average": 4.3}
    assert "geheim" not in str(body) and "geheim" not in str(summary)


def test_no_show_report_operator_decides_and_suspends(
    client_for, alice, bob, otto, herrenberg_trip, django_capture_on_commit_callbacks
):
    booking = confirmed_booking(herrenberg_trip, alice, bob)
    later = herrenberg_trip.departure + timedelta(days=1)
    future = services.offer_create(
        driver=bob,
        origin=Place(*herrenberg_trip.origin),
        destination=Place(*herrenberg_trip.destination),
        departure=later,
        seats=2,
    )
    url = f"/api/v1/rides/bookings/{booking.pk}/no-show/"
    with time_machine.travel(booking.pickup_time - timedelta(minutes=1)):
        assert client_for(alice).post(url, {}, format="json").json()["error"]["code"] == "ride_not_over"
    with time_machine.travel(booking.pickup_time + timedelta(minutes=20), tick=True):
        bob_token_client = client_for(bob)
        response = client_for(alice).post(url, {"note": "Nicht am Treffpunkt"}, format="json")
        assert response.status_code == 201, response.content
        report = NoShowReport.objects.get()
        assert (report.reporter_id, report.reported_id, report.reporter_role, report.status) == (
            alice.pk,
            bob.pk,
            PartyRole.DRIVER,
            ReportStatus.OPEN,
        )
        # residents never see the list; the operator does
        assert client_for(bob).get("/api/v1/rides/no-show-reports/").status_code == 403
        listed = client_for(otto).get("/api/v1/rides/no-show-reports/?status=open").json()
        assert [r["id"] for r in listed["results"]] == [report.pk]
        decided = client_for(otto).post(
            f"/api/v1/rides/no-show-reports/{report.pk}/decide/", {"upheld": True}, format="json"
        )
        assert decided.status_code == 200 and decided.json()["status"] == "upheld"
        again = client_for(otto).post(
            f"/api/v1/rides/no-show-reports/{report.pk}/decide/", {"upheld": False}, format="json"
        )
        assert again.status_code == 409
        trust = client_for(otto).get(f"/api/v1/rides/users/{bob.pk}/trust/?reason=report").json()
        assert trust["no_show_reports_upheld"] == 1 and trust["no_show_reports_open"] == 0
        assert PersonalDataAccess.objects.filter(actor=otto, subject=bob, what="ride-sharing trust profile").exists()
        # suspension needs a reason, is audited, notifies and blocks at once
        assert client_for(otto).post(f"/api/v1/users/{bob.pk}/suspend/", {}, format="json").status_code == 400
        with django_capture_on_commit_callbacks(execute=True):
            suspended = client_for(otto).post(
                f"/api/v1/users/{bob.pk}/suspend/", {"reason": "Wiederholt nicht erschienen"}, format="json"
            )
        assert suspended.status_code == 200, suspended.content
        assert suspended.json()["summary"]["rides"] == {
            "offers_cancelled": 1,
            "bookings_cancelled": 0,
            "requests_closed": 0,
        }
        assert bob_token_client.get("/api/v1/me/").status_code == 401
        login = client_for().post(
            "/api/v1/auth/login/", {"email": bob.email, "password": DEFAULT_PASSWORD}, format="json"
        )
        assert login.status_code == 400 and login.json()["error"]["code"] == "invalid_credentials"
        twice = client_for(otto).post(f"/api/v1/users/{bob.pk}/suspend/", {"reason": "x"}, format="json")
        assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_suspended"
    bob.refresh_from_db()
    assert bob.is_active is False and bob.auth_token_set.count() == 0
    audit = AccountSuspension.objects.get(user=bob)
    assert (audit.action, audit.by_id, audit.reason) == ("suspend", otto.pk, "Wiederholt nicht erschienen")
    assert Notification.objects.filter(user=bob, kind="account_suspended").count() == 1
    assert [m.to for m in mail.outbox if "suspended" in m.subject] == [[bob.email]]
    assert RideOffer.objects.get(pk=future.pk).status == OfferStatus.CANCELLED
    reinstated = client_for(otto).post(f"/api/v1/users/{bob.pk}/reinstate/", {"reason": "Geklärt"}, format="json")
    assert reinstated.status_code == 200 and reinstated.json()["action"] == "reinstate"
    bob.refresh_from_db()
    assert bob.is_active and AccountSuspension.objects.filter(user=bob).count() == 2


def test_late_cancellation_of_a_confirmed_seat_is_counted_and_told(client_for, alice, bob, otto, herrenberg_trip):
    booking = confirmed_booking(herrenberg_trip, alice, bob)
    url = f"/api/v1/rides/bookings/{booking.pk}/cancel/"
    # exactly 2 h before pickup is not late; the boundary is "less than 2 h"
    with time_machine.travel(booking.pickup_time - timedelta(hours=2), tick=False):
        response = client_for(bob).post(url, {"reason": "Termin abgesagt"}, format="json")
        assert response.status_code == 200
    assert RideBooking.objects.get(pk=booking.pk).late_cancellation is False
    second_rider = UserFactory()
    second = confirmed_booking(herrenberg_trip, alice, second_rider)
    with time_machine.travel(second.pickup_time - timedelta(hours=2) + timedelta(seconds=1), tick=False):
        assert (
            client_for(second_rider)
            .post(f"/api/v1/rides/bookings/{second.pk}/cancel/", {"reason": "verschlafen"}, format="json")
            .status_code
            == 200
        )
    second.refresh_from_db()
    assert second.status == BookingStatus.CANCELLED and second.late_cancellation is True
    told = Notification.objects.filter(user=alice, kind="ride_booking_cancelled").order_by("pk")
    assert [n.payload["late"] for n in told] == [False, True]
    trust = client_for(otto).get(f"/api/v1/rides/users/{second_rider.pk}/trust/").json()
    assert trust["late_cancellations"] == 1
    assert client_for(otto).get(f"/api/v1/rides/users/{bob.pk}/trust/").json()["late_cancellations"] == 0
