"""The Rufbus API: book through HTTP, errors with codes, the driver's run, and the race for
the last seats with 50 parallel clients on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ondemand.domain.insertion import schedule
from ondemand.models import OnDemandBooking, OnDemandRun
from tests.conftest import make_token
from tests.factories import UserFactory

from .conftest import DOCTOR, HOME, OUTSIDE, point, rufbus_feed, tomorrow_at


def _body(at, pickup=HOME, dropoff=DOCTOR, seats=1):
    return {"pickup": point(pickup), "dropoff": point(dropoff), "earliest_pickup": at.isoformat(), "seats": seats}


@pytest.mark.django_db
def test_resident_books_reads_and_cancels_through_the_api(rufbus, client_for):
    anna = UserFactory(display_name="Anna")
    client = client_for(anna)
    response = client.post("/api/v1/ondemand/bookings/", _body(tomorrow_at(14, 10)), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    booking = OnDemandBooking.objects.get()
    assert body["id"] == booking.pk and body["status"] == "confirmed"
    assert (body["pickup_lat"], body["pickup_lon"]) == HOME
    assert client.get(f"/api/v1/ondemand/bookings/{booking.pk}/").status_code == 200
    assert [b["id"] for b in client.get("/api/v1/ondemand/bookings/").json()["results"]] == [booking.pk]
    # another resident sees nothing of it
    other = client_for(UserFactory())
    assert other.get(f"/api/v1/ondemand/bookings/{booking.pk}/").status_code == 404
    assert other.post(f"/api/v1/ondemand/bookings/{booking.pk}/cancel/").status_code == 404
    assert other.get(f"/api/v1/ondemand/runs/{booking.run_id}/").status_code == 403
    response = client.post(f"/api/v1/ondemand/bookings/{booking.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert OnDemandRun.objects.get().plan == []


@pytest.mark.django_db
def test_refusals_have_codes_and_statuses(rufbus, client_for):
    client = client_for(UserFactory())
    cases = [
        (_body(tomorrow_at(14, 10), dropoff=OUTSIDE), 422, "ondemand_outside_zone"),
        (_body(tomorrow_at(19)), 422, "ondemand_outside_hours"),
        (_body(tomorrow_at(14, 10), seats=9), 400, "validation_error"),
        ({**_body(tomorrow_at(14, 10)), "pickup": {"lat": 91, "lon": 8}}, 400, "validation_error"),
        ({"pickup": point(HOME)}, 400, "validation_error"),
    ]
    for body, status, code in cases:
        response = client.post("/api/v1/ondemand/bookings/", body, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    assert OnDemandBooking.objects.count() == 0
    assert client_for(None).post("/api/v1/ondemand/bookings/", _body(tomorrow_at(15)), format="json").status_code == 401


@pytest.mark.django_db
def test_drivers_run_json_and_printable(rufbus, client_for):
    anna, ben = UserFactory(display_name="Anna"), UserFactory(display_name="Ben")
    client_for(anna).post("/api/v1/ondemand/bookings/", _body(tomorrow_at(14, 10)), format="json")
    client_for(ben).post("/api/v1/ondemand/bookings/", _body(tomorrow_at(14, 20), DOCTOR, HOME), format="json")
    staff = client_for(UserFactory(is_town_staff=True))
    run = OnDemandRun.objects.get()
    listed = staff.get(f"/api/v1/ondemand/runs/?date={run.service_date.isoformat()}").json()["results"]
    assert [r["id"] for r in listed] == [run.pk]
    detail = staff.get(f"/api/v1/ondemand/runs/{run.pk}/").json()
    stops = detail["stops"]
    assert len(stops) == 4
    assert [s["order"] for s in stops] == [1, 2, 3, 4]
    assert [s["at"] for s in stops] == sorted(s["at"] for s in stops)
    assert {s["passenger"] for s in stops} == {"Anna", "Ben"}
    assert [s["pickup"] for s in stops].count(True) == 2
    printable = staff.get(f"/api/v1/ondemand/runs/{run.pk}/?print=1")
    assert printable.status_code == 200 and printable["Content-Type"].startswith("text/html")
    text = printable.content.decode()
    assert text.count("<tr><td>") == 4 and "Anna" in text and "Ben" in text
    assert staff.get("/api/v1/ondemand/runs/?date=2026-13-01").json()["error"]["code"] == "invalid_date"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_clients_never_overbook_a_stretch(server_8700, settings, tmp_path):
    from gtfs.feed_import import feed_import
    from gtfs.models import FeedKind
    from ondemand.services import TravelTimes, _domain_run, road_graph
    from tests.rides.helpers import herrenberg_row

    herrenberg_row()
    feed_import(path=rufbus_feed(tmp_path / "r.zip", capacity=3), name="rufbus", kind=FeedKind.COMMUNITY_BUS)
    # one-minute windows at the same door and no dwell: three riders fit at once, a fourth
    # would need the bus back after the drop-off
    settings.ONDEMAND_PICKUP_WINDOW_MIN = 1
    settings.ONDEMAND_DWELL_S = 0
    at = tomorrow_at(15)
    tokens = [make_token(UserFactory(display_name=f"R{k}")) for k in range(50)]

    def book(token):
        with httpx.Client(base_url=server_8700, timeout=120) as client:
            response = client.post(
                "/api/v1/ondemand/bookings/", json=_body(at), headers={"Authorization": f"Token {token}"}
            )
            return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(book, tokens))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 3 + [409] * 47, results
    assert {body["error"]["code"] for status, body in results if status == 409} == {"ondemand_no_capacity"}
    run = OnDemandRun.objects.get()
    confirmed = OnDemandBooking.objects.filter(run=run, status="confirmed")
    assert confirmed.count() == 3 and len(run.plan) == 6
    # the stored plan, re-timed: no stretch carries more than the seats
    graph = road_graph()
    domain = _domain_run(run, graph)
    assert schedule(domain, domain.stops, TravelTimes(graph)) is not None
    load, most = 0, 0
    for stop in domain.stops:
        load += stop.seats if stop.pickup else -stop.seats
        most = max(most, load)
    assert most == 3 and load == 0
