"""The "only women" options: a rider may ask for women drivers only, a driver may offer a ride
to women riders only; the matcher and the booking respect both. The attribute is self-declared
in the profile, seen only by its owner, deletable, in the export and gone on erasure."""

from __future__ import annotations

import pytest

from mobility.privacy.services import personal_data_export, user_erase
from rides.models import RideBooking
from tests.factories import UserFactory
from tests.rides.helpers import post_offer, post_request

pytestmark = pytest.mark.django_db


def _book(client, trip, request_id, offer_id):
    return client.post(
        "/api/v1/rides/bookings/",
        {"request": request_id, "offer": offer_id, "occurrence_date": trip.departure.date().isoformat()},
        format="json",
    )


def test_the_attribute_is_self_declared_own_only_and_deletable(client_for, alice, otto):
    me = client_for(alice)
    assert me.get("/api/v1/me/").json()["declares_woman"] is False
    assert me.patch("/api/v1/me/", {"declares_woman": True}, format="json").json()["declares_woman"] is True
    alice.refresh_from_db()
    assert alice.declares_woman is True
    assert personal_data_export(user=alice)["accounts"]["profile"]["declares_woman"] is True
    # the operator's view of the account does not carry it
    assert "declares_woman" not in client_for(otto).get(f"/api/v1/users/{alice.pk}/?reason=check").json()
    assert me.patch("/api/v1/me/", {"declares_woman": False}, format="json").json()["declares_woman"] is False
    alice.refresh_from_db()
    assert alice.declares_woman is False
    alice.declares_woman = True
    alice.save()
    user_erase(user_id=alice.pk)
    alice.refresh_from_db()
    assert alice.declares_woman is False


def test_women_drivers_only_request_matches_and_books_only_women_drivers(client_for, herrenberg_trip):
    driver, rider = UserFactory(), UserFactory()
    offer = post_offer(client_for(driver), herrenberg_trip)
    body = post_request(client_for(rider), herrenberg_trip, women_drivers_only=True)
    assert body["women_drivers_only"] is True and body["matches"] == []
    refused = _book(client_for(rider), herrenberg_trip, body["id"], offer["id"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "women_only"
    assert RideBooking.objects.count() == 0
    client_for(driver).patch("/api/v1/me/", {"declares_woman": True}, format="json")
    again = client_for(rider).get(f"/api/v1/rides/requests/{body['id']}/matches/").json()
    assert [m["offer"]["id"] for m in again] == [offer["id"]]
    assert _book(client_for(rider), herrenberg_trip, body["id"], offer["id"]).status_code == 201


def test_women_riders_only_offer_is_hidden_from_and_refuses_other_riders(client_for, herrenberg_trip):
    driver, man, woman = UserFactory(), UserFactory(), UserFactory(declares_woman=True)
    offer = post_offer(client_for(driver), herrenberg_trip, women_riders_only=True)
    assert offer["women_riders_only"] is True
    his = post_request(client_for(man), herrenberg_trip)
    assert his["matches"] == []
    refused = _book(client_for(man), herrenberg_trip, his["id"], offer["id"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "women_only"
    hers = post_request(client_for(woman), herrenberg_trip)
    assert [m["offer"]["id"] for m in hers["matches"]] == [offer["id"]]
    booked = _book(client_for(woman), herrenberg_trip, hers["id"], offer["id"])
    assert booked.status_code == 201
    assert list(RideBooking.objects.values_list("rider_id", flat=True)) == [woman.pk]
