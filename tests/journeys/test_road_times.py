"""The one search shows car and walking times from the road graphs of the demo's OSM file,
checked against scipy's Dijkstra on the same graphs (not the hierarchy the search uses)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from carsharing.models import Station
from mobility.accounts.models import User
from rides.domain.roadgraph import WALK_SPEED_KMH, RoadGraph
from rides.models import RoadGraph as RoadGraphModel
from rides.services import FOOT_SUBDIR
from tests.journeys.test_one_search import _search, demo  # noqa: F401


def _graphs():
    model = RoadGraphModel.objects.get(active=True)
    return RoadGraph.load(model.path), RoadGraph.load(Path(model.path) / FOOT_SUBDIR)


def _walk_m(foot: RoadGraph, a: tuple[float, float], b: tuple[float, float]) -> float:
    (na, sa), (nb, sb) = foot.nearest_node(*a), foot.nearest_node(*b)
    return sa + float(foot.times_from(na)[nb]) * WALK_SPEED_KMH / 3.6 + sb


def test_walking_graph_has_footways_and_no_motorways(demo):  # noqa: F811
    car, foot = _graphs()
    assert foot.meta["profile"] == "foot" and car.meta.get("profile") == "car"
    assert foot.node_count > 0


def test_car_sharing_drive_and_walk_come_from_the_road_graphs(demo, client_for):  # noqa: F811
    carla = User.objects.get(email="carla@demo.lindenau.example")
    station = Station.objects.get(name="Rathaus Lindenau")
    day = timezone.localdate() + timedelta(days=3)
    origin = (station.lat - 0.0027, station.lon)
    destination = (50.1930, 9.9350)
    body = _search(
        client_for(carla),
        **{
            "from": "{},{}".format(*origin),
            "to": "{},{}".format(*destination),
            "depart_at": f"{day.isoformat()}T11:30:00+01:00",
            "modes": "carsharing",
        },
    )
    option = next(
        o for o in body["options"] if o["kind"] == "carsharing" and o["legs"][1]["station"]["id"] == station.pk
    )
    walk, car_leg = option["legs"][0], option["legs"][1]
    car, foot = _graphs()
    assert walk["distance_m"] == round(_walk_m(foot, origin, (station.lat, station.lon)))
    a, b = car.nearest_node(station.lat, station.lon)[0], car.nearest_node(*destination)[0]
    expected_s = float(car.times_from(a)[b])
    took = datetime.fromisoformat(car_leg["arrival"]) - datetime.fromisoformat(car_leg["departure"])
    assert took.total_seconds() == pytest.approx(expected_s, abs=1.0)  # isoformat keeps whole seconds


def test_transit_first_walk_is_measured_on_the_walking_graph(demo, client_for):  # noqa: F811
    carla = User.objects.get(email="carla@demo.lindenau.example")
    from gtfs.models import Stop

    stop = Stop.objects.filter(name="Lindenau Rathaus", version__feed__kind="transit").first()
    origin = (stop.lat + 0.0025, stop.lon + 0.0015)
    day = timezone.localdate() + timedelta(days=2)
    body = _search(
        client_for(carla),
        **{
            "from": "{},{}".format(*origin),
            "to": "50.1930,9.9350",
            "depart_at": f"{day.isoformat()}T07:00:00+01:00",
            "modes": "transit",
        },
    )
    transit = [o for o in body["options"] if o["kind"] == "transit"]
    assert transit, body
    _, foot = _graphs()
    checked = 0
    for option in transit:
        first = option["legs"][0]
        if first["mode"] != "walk" or first["to"].get("stop") is None:
            continue
        target = Stop.objects.get(pk=first["to"]["stop"])
        assert first["distance_m"] == round(_walk_m(foot, origin, (target.lat, target.lon)))
        checked += 1
    assert checked >= 1
