"""Unmet demand: which journey searches count as unmet, and the zones' shapes (no Django).

A search is *unmet* when it found nothing, or when the best option it found (the one the
planner ranked first) is *poor*. The one definition of "poor" is ``is_poor`` with the
constants below (README, "Unmet demand on a map"):

* more than ``POOR_MAX_TRANSFERS`` transfers, or
* at least ``POOR_SLOWER_THAN_CAR`` times as long as the same trip by car **and** at least
  ``POOR_MIN_EXTRA_MIN`` minutes longer than by car.

"How long" is what the search log keeps: minutes from the time asked for until arrival (or
from departure until the arrival asked for), so waiting for a rare bus counts, rounded up to
``MINUTES_STEP``. The car's minutes are estimated from the distance between the centres of the
origin and destination zones (the log keeps no exact place): that distance times
``ROAD_DETOUR`` at ``CAR_KMH``, never less than ``CAR_MIN_MIN``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mobility.geo import haversine_m

from .zones import KM_PER_DEGREE_LAT, REFERENCE_LAT_DEG

#: More transfers than this make an option poor.
POOR_MAX_TRANSFERS = 2
#: An option taking at least this many times the car's minutes is poor ...
POOR_SLOWER_THAN_CAR = 3.0
#: ... when it is also at least this many minutes longer (a 12-minute bus ride for a 4-minute
#: drive is fine).
POOR_MIN_EXTRA_MIN = 20
#: Road distance / straight-line distance, rural Germany.
ROAD_DETOUR = 1.3
#: Average car speed between villages, km/h.
CAR_KMH = 50.0
#: The shortest car trip (parking, getting out of the village), minutes.
CAR_MIN_MIN = 5.0
#: The log keeps an option's minutes rounded up to this step.
MINUTES_STEP = 5

#: At most this many stops are grouped into village names (the first by name).
MAX_LABELLED_STOPS = 2000

_ZONE = re.compile(r"Z(\d+(?:\.\d+)?)-(-?\d+)-(-?\d+)")


def coarse_minutes(minutes: float) -> int:
    """``minutes`` rounded up to ``MINUTES_STEP`` (what the search log stores); at least 0."""
    return max(0, math.ceil(minutes / MINUTES_STEP - 1e-9) * MINUTES_STEP)


@dataclass(frozen=True)
class Zone:
    """A statistics zone: its code, edge and row/column on the grid (see ``zones.zone_code``)."""

    code: str
    edge_km: float
    row: int
    col: int

    @property
    def lat_step(self) -> float:
        return self.edge_km / KM_PER_DEGREE_LAT

    @property
    def lon_step(self) -> float:
        return self.lat_step / math.cos(math.radians(REFERENCE_LAT_DEG))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(min_lon, min_lat, max_lon, max_lat)`` in WGS84 degrees."""
        return (
            self.col * self.lon_step,
            self.row * self.lat_step,
            (self.col + 1) * self.lon_step,
            (self.row + 1) * self.lat_step,
        )

    @property
    def centre(self) -> tuple[float, float]:
        """``(lon, lat)`` of the square's centre."""
        min_lon, min_lat, max_lon, max_lat = self.bounds
        return ((min_lon + max_lon) / 2, (min_lat + max_lat) / 2)

    @property
    def ring(self) -> list[tuple[float, float]]:
        """The square as a closed GeoJSON ring, ``(lon, lat)``, counter-clockwise (RFC 7946)."""
        min_lon, min_lat, max_lon, max_lat = self.bounds
        return [(min_lon, min_lat), (max_lon, min_lat), (max_lon, max_lat), (min_lon, max_lat), (min_lon, min_lat)]


def parse_zone(code: str) -> Zone:
    """The zone of a code like ``Z2-2832-391``; ``ValueError`` for anything else."""
    match = _ZONE.fullmatch(code) if isinstance(code, str) else None
    if match is None:
        raise ValueError(f"not a zone code: {code!r}")
    edge, row, col = float(match[1]), int(match[2]), int(match[3])
    if not (edge > 0 and math.isfinite(edge)):
        raise ValueError(f"not a zone code: {code!r}")
    return Zone(code=code, edge_km=edge, row=row, col=col)


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km (``mobility.geo.haversine_m``; longitude first, as GeoJSON)."""
    return haversine_m(lat1, lon1, lat2, lon2) / 1000.0


def car_minutes(origin_zone: str, destination_zone: str) -> float:
    """Estimated minutes by car between the two zones' centres (see the module docstring)."""
    a, b = parse_zone(origin_zone).centre, parse_zone(destination_zone).centre
    km = distance_km(a[0], a[1], b[0], b[1]) * ROAD_DETOUR
    return max(CAR_MIN_MIN, km / CAR_KMH * 60.0)


def is_poor(*, best_minutes: int | None, best_transfers: int | None, car_min: float) -> bool:
    """Whether the best option found is poor (see the module docstring). ``None`` figures
    (searches logged before they were recorded, or nothing found) are not poor."""
    if best_transfers is not None and best_transfers > POOR_MAX_TRANSFERS:
        return True
    if best_minutes is None:
        return False
    return best_minutes >= POOR_SLOWER_THAN_CAR * car_min and best_minutes - car_min >= POOR_MIN_EXTRA_MIN


def is_unmet(
    *, results: int, best_minutes: int | None, best_transfers: int | None, origin_zone: str, destination_zone: str
) -> bool:
    """Whether a logged search is unmet demand: nothing found, or only poor options."""
    if results <= 0:
        return True
    return is_poor(
        best_minutes=best_minutes, best_transfers=best_transfers, car_min=car_minutes(origin_zone, destination_zone)
    )


def _first_word(name: str) -> str:
    return re.split(r"[\s,/(]+", name.strip(), maxsplit=1)[0] if name.strip() else ""


def place_labels(stops: list[tuple[str, float, float]], *, radius_km: float = 1.0) -> list[tuple[str, float, float]]:
    """Village names for a map from stop names: stops closer than ``radius_km`` to one another
    (chained) form a place, named by the most common first word of their names ("Lindenau
    Rathaus", "Lindenau Bahnhof" -> "Lindenau"; ties by the name), placed at their mean
    position. ``stops`` and the result are ``(name, lon, lat)``, ordered by name."""
    import numpy as np

    # A municipality has dozens of stops; the all-pairs matrix is capped for a whole city's feed.
    points = sorted((name, lon, lat) for name, lon, lat in stops if _first_word(name))[:MAX_LABELLED_STOPS]
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if points:
        # Great-circle distances of all pairs at once (the one haversine of mobility.geo).
        lons = np.array([p[1] for p in points], dtype=np.float64)
        lats = np.array([p[2] for p in points], dtype=np.float64)
        close = haversine_m(lats[:, None], lons[:, None], lats[None, :], lons[None, :]) / 1000.0 <= radius_km
        for i, j in zip(*np.nonzero(np.triu(close, k=1)), strict=True):
            parent[root(int(i))] = root(int(j))
    groups: dict[int, list[tuple[str, float, float]]] = {}
    for i, point in enumerate(points):
        groups.setdefault(root(i), []).append(point)
    labels: list[tuple[str, float, float]] = []
    for members in groups.values():
        words: dict[str, int] = {}
        for name, _lon, _lat in members:
            words[_first_word(name)] = words.get(_first_word(name), 0) + 1
        label = min(words, key=lambda w: (-words[w], w))
        lon = sum(m[1] for m in members) / len(members)
        lat = sum(m[2] for m in members) / len(members)
        labels.append((label, lon, lat))
    return sorted(labels)


def nearest_place(zone: Zone, places: list[tuple[str, float, float]]) -> str | None:
    """The name of the place (``(name, lon, lat)``) nearest the zone's centre, for tables."""
    if not places:
        return None
    lon, lat = zone.centre
    return min(places, key=lambda p: (distance_km(lon, lat, p[1], p[2]), p[0]))[0]
