"""The demo's Rufbus: Anna in Eichenrode books a door-to-door ride to Buchwald through the API,
the search offers it, and the driver's run shows it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from mobility.demo.region import VILLAGE
from ondemand.models import OnDemandBooking
from tests.demo_region import demo  # noqa: F401


def _next_weekday_at(hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _login(api_client, email: str, password: str) -> str:
    response = api_client.post("/api/v1/auth/login/", {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_demo_resident_in_the_zone_books_a_door_to_door_ride(demo, api_client):  # noqa: F811
    eichenrode, buchwald = VILLAGE["eichenrode"], VILLAGE["buchwald"]
    home = {"lat": eichenrode.lat + 0.0006, "lon": eichenrode.lon + 0.0008}
    doctor = {"lat": buchwald.lat, "lon": buchwald.lon - 0.0005}
    at = _next_weekday_at(14, 10)
    zones = api_client.get("/api/v1/ondemand/zones/").json()
    assert [z["location_id"] for z in zones] == ["rufbus-eichenrode-buchwald"]
    found = api_client.get(
        "/api/v1/journeys/",
        {"from": f"{home['lat']},{home['lon']}", "to": f"{doctor['lat']},{doctor['lon']}", "depart_at": at.isoformat()},
    ).json()
    rufbus = [o for o in found["options"] if o["kind"] == "ondemand"]
    assert len(rufbus) == 1
    assert rufbus[0]["legs"][0]["pickup_window_from"][11:16] == "14:10"
    token = _login(api_client, "anna@demo.lindenau.example", "anna-demo-2026")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.post("/api/v1/ondemand/bookings/", rufbus[0]["book"][0]["body"], format="json")
    assert response.status_code == 201, response.json()
    booking = OnDemandBooking.objects.get()
    assert booking.passenger.email == "anna@demo.lindenau.example"
    assert booking.run.start_at == _next_weekday_at(13) and booking.run.end_at == _next_weekday_at(18)
    assert at <= booking.pickup_at <= at + timedelta(minutes=15)
    staff_token = _login(api_client, "stefan@demo.lindenau.example", "stefan-demo-2026")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {staff_token}")
    run = api_client.get(f"/api/v1/ondemand/runs/{booking.run_id}/").json()
    assert [(s["pickup"], s["passenger"]) for s in run["stops"]] == [(True, "Anna"), (False, "Anna")]
    # outside the zone (Lindenau's town hall) there is no Rufbus
    lindenau = VILLAGE["lindenau"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.post(
        "/api/v1/ondemand/bookings/",
        {"pickup": home, "dropoff": {"lat": lindenau.lat, "lon": lindenau.lon}, "earliest_pickup": at.isoformat()},
        format="json",
    )
    assert response.json()["error"]["code"] == "ondemand_outside_zone"


@pytest.fixture(autouse=True)
def _daytime(monkeypatch):
    """The booking rule wants an hour's notice: search and book as if it were 09:00 that day."""
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=_next_weekday_at(9)):
        yield
