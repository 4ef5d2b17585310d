"""Shared helpers for ride tests: a real road graph (Herrenberg) and a matching trip on it."""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import httpx
from django.utils import timezone

from rides import matching_index
from rides.domain.roadgraph import RoadGraph
from rides.models import RoadGraph as RoadGraphModel
from tests.conftest import shared_file

HERRENBERG = "osm/herrenberg-minimal.osm.pbf"


@cache
def _herrenberg_dir() -> Path:
    graph = RoadGraph.from_osm(shared_file(HERRENBERG), name="herrenberg")
    directory = Path(tempfile.gettempdir()) / f"rides-tests-{os.getpid()}" / "herrenberg"
    return graph.save(directory)


def herrenberg_graph() -> RoadGraph:
    return RoadGraph.load(_herrenberg_dir())


def herrenberg_row() -> RoadGraphModel:
    """A ``RoadGraph`` row (active) for the Herrenberg graph; skips if the file is missing."""
    graph = herrenberg_graph()
    matching_index.reset()
    return RoadGraphModel.objects.create(
        name="herrenberg",
        path=str(_herrenberg_dir()),
        node_count=graph.node_count,
        edge_count=graph.edge_count,
        bbox=graph.bbox(),
        active=True,
    )


@dataclass
class Trip:
    """A driver's trip west->east across Herrenberg and a rider's trip along it."""

    origin: tuple[float, float]
    destination: tuple[float, float]
    pickup: tuple[float, float]
    dropoff: tuple[float, float]
    departure: datetime

    def place(self, which: str) -> dict:
        lat, lon = getattr(self, which)
        return {"lat": lat, "lon": lon}

    def offer_body(self, **extra) -> dict:
        body = {
            "origin": self.place("origin"),
            "destination": self.place("destination"),
            "departure": self.departure.isoformat(),
            "seats": 3,
        }
        body.update(extra)
        return body

    def request_body(self, **extra) -> dict:
        body = {
            "origin": self.place("pickup"),
            "destination": self.place("dropoff"),
            "earliest_departure": (self.departure - timedelta(minutes=30)).isoformat(),
            "latest_arrival": (self.departure + timedelta(hours=2)).isoformat(),
            "seats": 1,
        }
        body.update(extra)
        return body


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def trip() -> Trip:
    graph = herrenberg_graph()
    o = int(graph.lon.argmin())
    d = int(graph.lon.argmax())
    route = graph.route(o, d)
    nodes = route.nodes
    p, q = int(nodes[len(nodes) // 4]), int(nodes[3 * len(nodes) // 4])

    def at(n: int) -> tuple[float, float]:
        return float(graph.lat[n]), float(graph.lon[n])

    return Trip(origin=at(o), destination=at(d), pickup=at(p), dropoff=at(q), departure=tomorrow_at(8))


def book_at_once(base_url: str, offer_id: int, day: date, riders: list[tuple[str, int]]) -> list[tuple[int, dict]]:
    """Each rider ``(app token, request id)`` books a seat on ``offer_id`` for ``day`` through the
    API, all at the same moment (a thread and an HTTP client each); (status, body) per rider."""

    def book(rider: tuple[str, int]) -> tuple[int, dict]:
        token, request_id = rider
        with httpx.Client(base_url=base_url, timeout=60) as client:
            response = client.post(
                "/api/v1/rides/bookings/",
                json={"request": request_id, "offer": offer_id, "occurrence_date": day.isoformat()},
                headers={"Authorization": f"Token {token}"},
            )
            return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=len(riders)) as pool:
        return list(pool.map(book, riders))


def request_between(graph: RoadGraph, t: Trip, p: int, q: int, seats: int = 1):
    """A new rider asking to ride from road-graph node ``p`` to node ``q`` around the departure of
    ``t``; returns (rider, request)."""
    from rides import services
    from tests.factories import UserFactory

    rider = UserFactory()
    request = services.request_create(
        rider=rider,
        origin=services.Place(float(graph.lat[p]), float(graph.lon[p])),
        destination=services.Place(float(graph.lat[q]), float(graph.lon[q])),
        earliest_departure=t.departure - timedelta(minutes=30),
        latest_arrival=t.departure + timedelta(hours=2),
        seats=seats,
    )
    return rider, request


def post_offer(client, trip: Trip, **extra) -> dict:
    """POST a ride offer for ``trip`` through the API (201 asserted); the response body."""
    response = client.post("/api/v1/rides/offers/", trip.offer_body(**extra), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def post_request(client, trip: Trip, **extra) -> dict:
    """POST a ride request for ``trip`` through the API (201 asserted); the response body."""
    response = client.post("/api/v1/rides/requests/", trip.request_body(**extra), format="json")
    assert response.status_code == 201, response.content
    return response.json()
