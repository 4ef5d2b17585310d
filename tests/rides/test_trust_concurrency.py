"""Concurrency of the trust rules with real parallel HTTP clients on PostgreSQL: the cost cap
holds when riders on different stretches race for one ride, and at a Mitfahrbank exactly one
of the drivers who were told takes the person."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from rides import services
from rides.models import SEAT_HOLDING, BenchRequest, BenchRequestStatus, RideBooking
from rides.services import Place
from tests.conftest import make_token
from tests.factories import MeetingPointFactory, UserFactory

from .helpers import book_at_once, herrenberg_graph, herrenberg_row, request_between, trip


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_riders_on_different_stretches_race_and_the_sum_stays_within_the_cap(asgi_server):
    """One seat at the full running costs (62 ct): riders on six disjoint stretches could all
    fit seat-wise, but together they may pay at most the cap, so exactly one gets it."""
    herrenberg_row()
    graph = herrenberg_graph()
    t = trip()
    offer = services.offer_create(
        driver=UserFactory(),
        origin=Place(*t.origin),
        destination=Place(*t.destination),
        departure=t.departure,
        seats=1,
        cost_share_cents=62,
    )
    route = graph.route(offer.origin_node, offer.destination_node).nodes
    n = len(route)
    cuts = [round(k * (n - 1) / 6) for k in range(7)]
    riders = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if b <= a:
            continue
        rider, request = request_between(graph, t, int(route[a]), int(route[b]))
        riders.append((make_token(rider), request.pk))

    results = book_at_once(asgi_server, offer.pk, t.departure.date(), riders)
    assert len(riders) >= 4
    assert sorted(status for status, _ in results) == [201] + [409] * (len(riders) - 1), results
    assert {body["error"]["code"] for status, body in results if status == 409} == {"cost_cap_exceeded"}
    holding = RideBooking.objects.filter(offer=offer, status__in=SEAT_HOLDING)
    assert [b.price_cents for b in holding] == [62] and RideBooking.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_told_drivers_race_for_one_person_at_the_bench(asgi_server):
    bench = MeetingPointFactory(name="Bank Nord", lat=48.59, lon=8.86)
    village = MeetingPointFactory(name="Bank Süd", lat=48.60, lon=8.87)
    drivers = [UserFactory() for _ in range(8)]
    for driver in drivers:
        services.bench_opt_in(driver=driver, bench_id=bench.pk)
    item = services.bench_request_create(code=bench.code, destination_id=village.pk)
    assert sorted(item.notified_drivers) == sorted(d.pk for d in drivers)

    def accept(driver):
        with httpx.Client(base_url=asgi_server, timeout=60) as client:
            response = client.post(
                f"/api/v1/rides/bench-requests/{item.pk}/accept/",
                json={"eta_minutes": 5},
                headers={"Authorization": f"Token {make_token(driver)}"},
            )
            return driver.pk, response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(accept, drivers))
    winners = [pk for pk, status, _ in results if status == 200]
    assert len(winners) == 1, results
    assert {body["error"]["code"] for _, status, body in results if status == 409} == {"bench_request_taken"}
    item = BenchRequest.objects.get(pk=item.pk)
    assert item.status == BenchRequestStatus.ACCEPTED and item.accepted_by_id == winners[0]
