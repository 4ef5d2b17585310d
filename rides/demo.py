"""Demo data for ride-sharing in Lindenau: the road graph, Mitfahrbänke, rides that match.

Anna drives from the Mitfahrbank in Lindenau to Ahornstadt on weekday mornings; Ben, who
lives round the corner, is looking for a ride there and waits at that bench, and has asked
Anna for a seat (pending, so Anna can accept it). Carla offers an afternoon ride back from
Tannhausen. Times are relative to tomorrow, so the demo always shows upcoming rides.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import MeetingPoint, RideOffer, RideRequest
from .selectors import request_matches
from .services import Place, booking_create, offer_create, request_create, roadgraph_import

GRAPH_NAME = "lindenau"


def _offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    return lat + north_m / 111_320.0, lon + east_m / (111_320.0 * math.cos(math.radians(lat)))


def _user(email: str):
    return get_user_model().objects.filter(email=email).first()


def load(files, stdout) -> None:
    """Import ``files.road_network_osm`` and ``files.meeting_points_json``, then sample rides."""
    graph = roadgraph_import(path=files.road_network_osm, name=GRAPH_NAME)
    stdout.write(f"Road graph {graph.name}: {graph.node_count} nodes, {graph.edge_count} edges\n")
    points = {}
    for item in json.loads(files.meeting_points_json.read_text()):
        point, _ = MeetingPoint.objects.update_or_create(
            name=item["name"],
            defaults={"lat": item["lat"], "lon": item["lon"], "kind": item.get("kind", "mitfahrbank")},
        )
        points[point.name] = point
    stdout.write(f"Meeting points: {len(points)}\n")
    anna, ben, carla = (_user(f"{n}@demo.lindenau.example") for n in ("anna", "ben", "carla"))
    lindenau = points.get("Mitfahrbank Lindenau")
    ahornstadt = points.get("Mitfahrbank Ahornstadt")
    tannhausen = points.get("Mitfahrbank Tannhausen")
    if not (anna and ben and carla and lindenau and ahornstadt and tannhausen):
        stdout.write("Ride samples skipped: demo accounts or meeting points missing\n")
        return
    tz = timezone.get_current_timezone()
    tomorrow = timezone.localdate() + timedelta(days=1)
    with transaction.atomic():
        RideOffer.objects.filter(driver__in=[anna, carla]).delete()
        RideRequest.objects.filter(rider__in=[ben]).delete()
        morning = offer_create(
            driver=anna,
            origin=Place(meeting_point_id=lindenau.pk),
            destination=Place(*_offset(ahornstadt.lat, ahornstadt.lon, -150, 120)),
            departure=datetime.combine(tomorrow, time(7, 30), tzinfo=tz),
            seats=3,
            cost_share_cents=35,  # 3 seats × 0.35 € within the 5.8 km ride's running costs (1.16 €)
            weekdays=[0, 1, 2, 3, 4],
            recurrence_until=tomorrow + timedelta(days=28),
        )
        offer_create(
            driver=carla,
            origin=Place(meeting_point_id=tannhausen.pk),
            destination=Place(meeting_point_id=lindenau.pk),
            departure=datetime.combine(tomorrow, time(16, 15), tzinfo=tz),
            seats=2,
            max_detour_minutes=10,
        )
        home = _offset(lindenau.lat, lindenau.lon, -220, 80)  # Ben's street, ~300 m from the bench
        request = request_create(
            rider=ben,
            origin=Place(*home),
            destination=Place(*_offset(ahornstadt.lat, ahornstadt.lon, -100, 60)),
            earliest_departure=datetime.combine(tomorrow, time(7, 15), tzinfo=tz),
            latest_arrival=datetime.combine(tomorrow, time(9, 0), tzinfo=tz),
            pickup_mode="meeting_point",
            max_walk_m=600,
        )
        matches = request_matches(request=request)
        stdout.write(f"Ride offers: 2, requests: 1 with {len(matches)} matching ride(s)\n")
        mine = [m for m in matches if m.offer.pk == morning.pk]
        if mine:
            booking_create(
                rider=ben, request_id=request.pk, offer_id=morning.pk, occurrence_date=mine[0].occurrence_date
            )
            stdout.write("Ben asked Anna for a seat (pending; Anna can accept it)\n")
