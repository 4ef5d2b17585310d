"""Road-accurate car and walking times for the one search (the active OSM road graph).

The car graph is the ride-sharing graph (drivable roads, OSM access hierarchy); the walking
graph is the walking profile of the same OSM file (``rides.services.FOOT_SUBDIR``). A point
joins a graph at its nearest node; the straight line from the point to that node is walked
(at ``JOURNEYS_WALK_SPEED_MPS``). Point-to-point times come from the graph's contraction
hierarchy. Without an imported road graph, every function answers ``None`` and the caller
falls back to straight line × detour.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rides.domain.roadgraph import WALK_SPEED_KMH, RoadGraph, RoadGraphError

from . import conf

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_foot: dict[str, RoadGraph | None] = {}
#: A point farther than this from every node of a graph is off that graph (metres).
MAX_SNAP_M = 500.0


@dataclass(frozen=True)
class RoadTime:
    seconds: float
    metres: float


#: How long a worker trusts its knowledge of which road graph is active (seconds): a search
#: looks the graph up several times, an import is seen within this delay.
MODEL_TTL_S = 5.0
_model: tuple[float, int, object] = (-1.0, -1, None)


def _active_model():
    """The active ``RoadGraph`` row, looked up at most every ``MODEL_TTL_S`` seconds and again
    at once after this process imported a graph (``rides.matching_index.reset``)."""
    global _model
    from mobility.errors import DomainError
    from rides import matching_index

    now = time.monotonic()
    if now - _model[0] > MODEL_TTL_S or _model[1] != matching_index.generation:
        generation = matching_index.generation
        try:
            model = matching_index.active_graph_model()
        except DomainError:
            model = None
        _model = (now, generation, model)
    return _model[2]


def car_graph() -> RoadGraph | None:
    from rides.matching_index import load_graph

    model = _active_model()
    return None if model is None else load_graph(model)


def foot_graph() -> RoadGraph | None:
    from rides.services import FOOT_SUBDIR

    model = _active_model()
    if model is None:
        return None
    directory = str(Path(model.path) / FOOT_SUBDIR)
    with _lock:
        if directory not in _foot:
            try:
                _foot.clear()
                _foot[directory] = RoadGraph.load(directory)
            except (RoadGraphError, OSError):
                _foot[directory] = None
        return _foot[directory]


def _snap(graph: RoadGraph, lat: float, lon: float) -> tuple[int, float] | None:
    node, metres = graph.nearest_node(lat, lon)
    return (node, metres) if metres <= MAX_SNAP_M else None


def drive(lat1: float, lon1: float, lat2: float, lon2: float) -> RoadTime | None:
    """Driving time and distance between two points on the car graph (``None``: off the graph)."""
    graph = car_graph()
    if graph is None:
        return None
    a, b = _snap(graph, lat1, lon1), _snap(graph, lat2, lon2)
    if a is None or b is None:
        return None
    if a[0] == b[0]:
        return RoadTime(0.0, 0.0)
    path = graph.fastest_path(a[0], b[0])
    if path is None:
        return None
    positions = graph.edge_positions(path[:-1], path[1:])
    return RoadTime(float(np.sum(graph.time_s[positions])), float(np.sum(graph.dist_m[positions])))


def walk(lat1: float, lon1: float, lat2: float, lon2: float) -> RoadTime | None:
    """Walking time and distance on the walking graph, including the bits to and from it."""
    graph = foot_graph()
    if graph is None:
        return None
    a, b = _snap(graph, lat1, lon1), _snap(graph, lat2, lon2)
    if a is None or b is None:
        return None
    speed = conf.JOURNEYS_WALK_SPEED_MPS
    metres = a[1] + b[1]
    if a[0] != b[0]:
        path = graph.fastest_path(a[0], b[0])
        if path is None:
            return None
        metres += float(np.sum(graph.dist_m[graph.edge_positions(path[:-1], path[1:])]))
    return RoadTime(metres / speed, metres)


def walks_to_points(
    lat: float, lon: float, lats: np.ndarray, lons: np.ndarray, max_walk_m: float, *, outgoing: bool = True
) -> np.ndarray | None:
    """Walking metres from (``outgoing``) or to a point for many points at once (``inf`` where
    farther than ``max_walk_m`` or unreachable): one Dijkstra on the walking graph bounded by
    the limit. ``None`` without a walking graph or when the point is off it."""
    graph = foot_graph()
    if graph is None:
        return None
    origin = _snap(graph, lat, lon)
    if origin is None:
        return None
    speed = WALK_SPEED_KMH / 3.6  # the walking graph's edge times are metres at this speed
    limit_s = max(max_walk_m - origin[1], 0.0) / speed
    seconds = graph.times_from(origin[0], limit=limit_s) if outgoing else graph.times_to(origin[0], limit=limit_s)
    nodes, snaps = graph.nearest_nodes(np.asarray(lats, dtype=np.float64), np.asarray(lons, dtype=np.float64))
    metres = origin[1] + seconds[nodes] * speed + snaps
    return np.where((snaps <= MAX_SNAP_M) & (metres <= max_walk_m), metres, np.inf)


def warm_up() -> None:
    """Load the active graphs and build their hierarchies (a worker's first search needs them)."""
    for graph in (car_graph(), foot_graph()):
        if graph is not None:
            graph.prepare_queries()
