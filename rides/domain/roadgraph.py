"""OpenStreetMap file -> compact drivable road graph (CSR arrays) and shortest-path queries.

No Django here. Units: travel times in seconds (float64), distances in metres (float64),
coordinates WGS84 degrees. Node ids are dense ``int32`` indices ``0..n-1`` into the arrays;
``osm_ids`` maps them back to OpenStreetMap node ids.

The graph keeps drivable highways only, splits ways at nodes missing from clipped extracts,
respects one-way streets (``oneway=yes/1/true/-1``, roundabouts, motorways), takes travel
times from ``maxspeed`` or per-class defaults, and keeps the largest strongly connected
component so every node can reach every other one.

The cache is a directory of uncompressed ``.npy`` files that ``RoadGraph.load`` memory-maps,
so each worker process opens a city-sized graph in well under a second.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from mobility.geo import EARTH_RADIUS_M, haversine_m

#: Default speeds in km/h per highway class (German practice, conservative in towns).
DEFAULT_SPEED_KMH: dict[str, float] = {
    "motorway": 120.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 70.0,
    "primary_link": 40.0,
    "secondary": 60.0,
    "secondary_link": 40.0,
    "tertiary": 50.0,
    "tertiary_link": 30.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 7.0,
    "service": 15.0,
}
DRIVABLE = frozenset(DEFAULT_SPEED_KMH)

#: ``maxspeed`` zone values (km/h).
_ZONE_SPEED_KMH = {
    "urban": 50.0,
    "rural": 100.0,
    "motorway": 130.0,
    "trunk": 100.0,
    "living_street": 7.0,
    "walk": 7.0,
    "zone30": 30.0,
    "zone:30": 30.0,
}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph|knots)?\s*$")


class RoadGraphError(Exception):
    """The OSM file cannot be read or holds no drivable roads."""


def parse_maxspeed(value: str | None, highway: str) -> float:
    """Speed in km/h for a ``maxspeed`` tag value, falling back to the highway class default.

    Understands plain numbers, ``mph``, country zones like ``DE:urban`` / ``DE:rural`` /
    ``DE:zone30``, ``none`` (no limit: the class default, capped at 130) and ``walk``.
    Lists (``50;30``) use the lowest value.
    """
    default = DEFAULT_SPEED_KMH.get(highway, 30.0)
    if not value:
        return default
    value = value.strip().lower()
    if ";" in value:
        speeds = [parse_maxspeed(part, highway) for part in value.split(";") if part.strip()]
        return min(speeds) if speeds else default
    if value == "none":
        return min(max(default, 130.0), 130.0)
    if value in ("walk", "living_street"):
        return 7.0
    match = _NUMBER.match(value)
    if match:
        speed = float(match.group(1))
        unit = match.group(2)
        if unit == "mph":
            speed *= 1.609344
        elif unit == "knots":
            speed *= 1.852
        return speed if speed > 0 else default
    if ":" in value:
        zone = value.split(":", 1)[1]
        if zone in _ZONE_SPEED_KMH:
            return _ZONE_SPEED_KMH[zone]
        number = re.search(r"(\d+)", zone)
        if number:
            return float(number.group(1))
    return default


def oneway_direction(tags: dict[str, str]) -> int:
    """``1`` forward only, ``-1`` backward only, ``0`` both directions."""
    value = (tags.get("oneway") or "").strip().lower()
    if value in ("yes", "1", "true"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value in ("no", "0", "false"):
        return 0
    highway = tags.get("highway", "")
    if tags.get("junction") in ("roundabout", "circular") or highway in ("motorway", "motorway_link"):
        return 1
    return 0


@dataclass
class RawEdges:
    """Directed edges as OSM node ids, before compaction."""

    src: list[int] = field(default_factory=list)
    dst: list[int] = field(default_factory=list)
    speed_kmh: list[float] = field(default_factory=list)
    coords: dict[int, tuple[float, float]] = field(default_factory=dict)
    ways: int = 0
    split_ways: int = 0
    missing_node_refs: int = 0


#: Access values that let a car (or a pedestrian) use a way. ``destination`` (only to reach
#: a place on the way) and ``customers`` still make the way part of the network.
ACCESS_ALLOWED = frozenset({"yes", "designated", "destination", "permissive", "customers", "official", "discouraged"})
#: Access values that keep the way out. ``agricultural``/``forestry`` (and lists of them) mean
#: farm or forest vehicles only; ``delivery``, ``permit``, ``emergency`` are not for the public.
#: Values naming another class of vehicle (``motor_vehicle=bus``: buses only) keep a car out too.
ACCESS_DENIED = frozenset(
    {
        "no",
        "private",
        "agricultural",
        "forestry",
        "delivery",
        "permit",
        "emergency",
        "military",
        "use_sidepath",
        "bus",
        "psv",
        "taxi",
        "hgv",
        "goods",
    }
)
#: The OSM access hierarchy for a motor car, most specific first; the first key with a value we
#: understand decides. ``*:conditional`` keys are never consulted (the unconditional default holds).
CAR_ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
#: The hierarchy for a pedestrian.
FOOT_ACCESS_KEYS = ("foot", "access")

#: Highways a pedestrian may use (walking profile). Motorways, motorway links and
#: ``motorroad=yes`` roads are excluded; ``sidewalk`` tags are not needed to walk a street.
WALKABLE = frozenset(
    {
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "pedestrian",
        "footway",
        "path",
        "steps",
        "track",
        "cycleway",
        "bridleway",
        "corridor",
        "platform",
        "road",
    }
)
#: Walking speed (km/h) on the walking profile: 1.2 m/s, the planner's walking speed.
WALK_SPEED_KMH = 1.2 * 3.6

Profile = Literal["car", "foot"]


def access_decision(tags: dict[str, str], keys: Iterable[str]) -> bool | None:
    """``True``/``False`` from the most specific access key with an understood value, else ``None``.

    A value list (``agricultural;forestry``) is allowed when any entry is allowed and denied
    when every entry is denied; a key whose value we do not understand does not decide.
    """
    for key in keys:
        value = tags.get(key)
        if value is None:
            continue
        parts = [part.strip().lower() for part in re.split(r"[;,]", value) if part.strip()]
        if any(part in ACCESS_ALLOWED for part in parts):
            return True
        if parts and all(part in ACCESS_DENIED for part in parts):
            return False
    return None


def car_allowed(tags: dict[str, str]) -> bool:
    """Whether a motor car may drive on a way, following OSM's access hierarchy
    (``motorcar`` > ``motor_vehicle`` > ``vehicle`` > ``access``; no tag: allowed)."""
    return access_decision(tags, CAR_ACCESS_KEYS) is not False


def _usable_way(tags: dict[str, str]) -> bool:
    highway = tags.get("highway")
    if highway not in DRIVABLE or tags.get("area") == "yes":
        return False
    if highway == "service" and tags.get("service") in (
        "parking_aisle",
        "driveway",
        "drive-through",
        "emergency_access",
    ):
        return False
    return car_allowed(tags)


def walkable_way(tags: dict[str, str]) -> bool:
    """Whether a pedestrian may walk a way (the walking profile).

    Footways, paths, steps, pedestrian zones, tracks and every street but motorways and
    ``motorroad=yes``; ``foot`` > ``access`` decides (``foot=yes`` opens a private road to
    walkers, ``foot=no`` closes a street, ``sidewalk`` tags are not needed).
    """
    highway = tags.get("highway")
    if highway not in WALKABLE or tags.get("motorroad") == "yes":
        return False
    if tags.get("area") == "yes" and highway != "pedestrian":
        return False
    decision = access_decision(tags, FOOT_ACCESS_KEYS)
    return decision is not False


def read_osm_edges(path: Path, progress: Callable[[int], None] | None = None, *, profile: Profile = "car") -> RawEdges:
    """Read drivable (``profile="car"``) or walkable (``"foot"``) ways from ``.osm.pbf``,
    ``.osm`` or ``.osm.gz`` (pyosmium).

    The walking profile ignores one-way tags except ``oneway:foot`` and walks at
    ``WALK_SPEED_KMH`` everywhere.

    A way that references nodes missing from the file (clipped extracts) is split at those
    nodes; the pieces between missing nodes are kept. ``progress(n)`` is called with the
    number of ways read since the last call.
    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise RoadGraphError(f"OSM file not found: {path}")
    raw = RawEdges()
    usable = _usable_way if profile == "car" else walkable_way
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.WAY | osmium.osm.NODE)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    pending = 0
    try:
        for entity in processor:
            # Only nodes and ways are read (see the entity filter above), so no changesets come.
            if not entity.is_way():  # type: ignore[union-attr]
                continue
            obj = cast("osmium.osm.Way", entity)
            tags = {tag.k: tag.v for tag in obj.tags}
            if not usable(tags):
                continue
            raw.ways += 1
            pending += 1
            if progress is not None and pending >= 2000:
                progress(pending)
                pending = 0
            if profile == "car":
                direction = oneway_direction(tags)
                speed = parse_maxspeed(tags.get("maxspeed"), tags["highway"])
            else:
                direction = oneway_direction({"oneway": tags["oneway:foot"]}) if "oneway:foot" in tags else 0
                speed = WALK_SPEED_KMH
            previous: int | None = None
            broke = False
            for ref in obj.nodes:
                location = ref.location
                if not location.valid():
                    raw.missing_node_refs += 1
                    previous = None
                    broke = True
                    continue
                node_id = ref.ref
                if node_id not in raw.coords:
                    raw.coords[node_id] = (location.lat, location.lon)
                if previous is not None and previous != node_id:
                    if direction >= 0:
                        raw.src.append(previous)
                        raw.dst.append(node_id)
                        raw.speed_kmh.append(speed)
                    if direction <= 0:
                        raw.src.append(node_id)
                        raw.dst.append(previous)
                        raw.speed_kmh.append(speed)
                previous = node_id
            if broke:
                raw.split_ways += 1
    except RuntimeError as exc:  # osmium reports unreadable files as RuntimeError
        raise RoadGraphError(f"cannot read OSM file {path}: {exc}") from exc
    if progress is not None and pending:
        progress(pending)
    return raw


@dataclass
class RoadGraph:
    """A directed road graph in CSR form with its reverse, coordinates and a KD-tree.

    ``indptr``/``indices``/``time_s``/``dist_m`` is the forward CSR; the reverse CSR
    (``r_*``) lets one Dijkstra compute times *to* a node from every node.
    """

    indptr: np.ndarray
    indices: np.ndarray
    time_s: np.ndarray
    dist_m: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    osm_ids: np.ndarray
    geom_indptr: np.ndarray
    geom_lat: np.ndarray
    geom_lon: np.ndarray
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.node_count
        self.forward = csr_matrix(
            (np.asarray(self.time_s), np.asarray(self.indices), np.asarray(self.indptr)), shape=(n, n)
        )
        self.backward = self.forward.T.tocsr()
        self.backward.sort_indices()
        self._dist_forward: csr_matrix | None = None
        self._cch_lock = threading.Lock()
        self._cch_metric = None
        self._cch_local = threading.local()
        self.tree = cKDTree(self._project(np.asarray(self.lat), np.asarray(self.lon)))

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_raw(cls, raw: RawEdges, *, largest_scc: bool = True, simplify: bool = True, name: str = "") -> RoadGraph:
        """Compact ``RawEdges`` into CSR, dropping parallel edges (keeping the fastest).

        With ``simplify`` chains of degree-2 nodes are contracted into single edges whose
        time and length are the sums along the chain (shortest paths between the kept nodes
        are unchanged); the chain's shape is kept as edge geometry for polylines.
        """
        if not raw.src:
            raise RoadGraphError("the file holds no drivable roads")
        src_osm = np.asarray(raw.src, dtype=np.int64)
        dst_osm = np.asarray(raw.dst, dtype=np.int64)
        speed = np.asarray(raw.speed_kmh, dtype=np.float64)
        osm_ids, inverse = np.unique(np.concatenate([src_osm, dst_osm]), return_inverse=True)
        src = inverse[: len(src_osm)].astype(np.int64)
        dst = inverse[len(src_osm) :].astype(np.int64)
        coords = np.array([raw.coords[int(i)] for i in osm_ids], dtype=np.float64).reshape(-1, 2)
        lat, lon = coords[:, 0], coords[:, 1]
        dist = haversine_m(lat[src], lon[src], lat[dst], lon[dst])
        # A zero-weight edge would vanish in a sparse matrix; a millisecond keeps it an edge.
        time = np.maximum(dist / (speed / 3.6), 1e-3)
        n = len(osm_ids)
        if largest_scc:
            adjacency = csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
            _, labels = connected_components(adjacency, directed=True, connection="strong")
            biggest = np.bincount(labels).argmax()
            keep = labels == biggest
            remap = np.full(n, -1, dtype=np.int64)
            remap[keep] = np.arange(int(keep.sum()))
            edge_keep = keep[src] & keep[dst]
            src, dst, time, dist = remap[src[edge_keep]], remap[dst[edge_keep]], time[edge_keep], dist[edge_keep]
            osm_ids, lat, lon = osm_ids[keep], lat[keep], lon[keep]
            n = len(osm_ids)
        src, dst, time, dist = _dedupe(src, dst, time, dist)
        full_nodes, full_edges = n, len(src)
        if simplify:
            kept, src, dst, time, dist, geometry = _contract_chains(n, src, dst, time, dist)
            geom_lat = [lat[g] for g in geometry]
            geom_lon = [lon[g] for g in geometry]
            osm_ids, lat, lon = osm_ids[kept], lat[kept], lon[kept]
            n = len(kept)
        else:
            geom_lat = [np.empty(0) for _ in range(len(src))]
            geom_lon = [np.empty(0) for _ in range(len(src))]
        order = _dedupe_order(src, dst, time)
        src, dst, time, dist = src[order], dst[order], time[order], dist[order]
        geom_lat = [geom_lat[i] for i in order]
        geom_lon = [geom_lon[i] for i in order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, src + 1, 1)
        indptr = np.cumsum(indptr).astype(np.int32)
        geom_indptr = np.zeros(len(src) + 1, dtype=np.int64)
        geom_indptr[1:] = np.cumsum([len(g) for g in geom_lat])
        meta = {
            "name": name,
            "nodes": int(n),
            "edges": int(len(src)),
            "unsimplified_nodes": int(full_nodes),
            "unsimplified_edges": int(full_edges),
            "ways": raw.ways,
            "split_ways": raw.split_ways,
            "missing_node_refs": raw.missing_node_refs,
        }
        return cls(
            indptr=indptr,
            indices=dst.astype(np.int32),
            time_s=time.astype(np.float64),
            dist_m=dist.astype(np.float64),
            lat=lat.copy(),
            lon=lon.copy(),
            osm_ids=osm_ids.astype(np.int64),
            geom_indptr=geom_indptr,
            geom_lat=np.concatenate(geom_lat) if geom_lat else np.empty(0),
            geom_lon=np.concatenate(geom_lon) if geom_lon else np.empty(0),
            meta=meta,
        )

    @classmethod
    def from_osm(
        cls,
        path: Path,
        *,
        name: str = "",
        simplify: bool = True,
        progress: Callable[[int], None] | None = None,
        profile: Profile = "car",
    ) -> RoadGraph:
        """Read an OSM file and build the largest strongly connected graph of a profile
        (``"car"``: drivable roads; ``"foot"``: the walking profile)."""
        graph = cls.from_raw(
            read_osm_edges(Path(path), progress=progress, profile=profile), name=name, simplify=simplify
        )
        graph.meta["profile"] = profile
        return graph

    # -- cache -------------------------------------------------------------------------------
    _ARRAYS = ("indptr", "indices", "time_s", "dist_m", "lat", "lon", "osm_ids", "geom_indptr", "geom_lat", "geom_lon")

    def save(self, directory: Path) -> Path:
        """Write the arrays as uncompressed ``.npy`` files (memory-mappable) plus ``meta.json``,
        and the contraction order of the CCH (``cch_order.npy``, the slow part of building it)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name in self._ARRAYS:
            np.save(directory / f"{name}.npy", np.ascontiguousarray(getattr(self, name)))
        np.save(directory / "cch_order.npy", self.cch_order())
        meta = dict(self.meta)
        meta["bbox"] = self.bbox()
        (directory / "meta.json").write_text(json.dumps(meta, indent=2))
        return directory

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> RoadGraph:
        """Open a cache written by ``save``; arrays are memory-mapped unless ``mmap=False``."""
        directory = Path(directory)
        if not (directory / "meta.json").is_file():
            raise RoadGraphError(f"no road graph cache in {directory}")
        mode: Literal["r"] | None = "r" if mmap else None
        arrays = {name: np.load(directory / f"{name}.npy", mmap_mode=mode) for name in cls._ARRAYS}
        meta = json.loads((directory / "meta.json").read_text())
        graph = cls(**arrays, meta=meta)
        order_file = directory / "cch_order.npy"
        if order_file.is_file():
            graph._cch_order = np.load(order_file)
        return graph

    # -- geometry ----------------------------------------------------------------------------
    @property
    def node_count(self) -> int:
        return int(len(self.lat))

    @property
    def edge_count(self) -> int:
        return int(len(self.indices))

    def bbox(self) -> list[float]:
        """``[min_lon, min_lat, max_lon, max_lat]`` in degrees."""
        return [float(np.min(self.lon)), float(np.min(self.lat)), float(np.max(self.lon)), float(np.max(self.lat))]

    @staticmethod
    def _project(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """3-D cartesian metres on the sphere: the chord is never longer than the great circle,
        and the nearest point by chord is the nearest by great circle, at any latitude."""
        phi, lmb = np.radians(np.asarray(lat, dtype=np.float64)), np.radians(np.asarray(lon, dtype=np.float64))
        return np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)]) * EARTH_RADIUS_M

    def nearest_node(self, lat: float, lon: float) -> tuple[int, float]:
        """The closest graph node and its great-circle distance in metres."""
        _, index = self.tree.query(self._project(np.array([lat]), np.array([lon]))[0])
        index = int(index)
        distance = haversine_m(
            np.array([lat]), np.array([lon]), self.lat[index : index + 1], self.lon[index : index + 1]
        )
        return index, float(distance[0])

    def nearest_nodes(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``nearest_node`` for many points at once: (node indices, great-circle metres)."""
        if not len(lat):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        _, index = self.tree.query(self._project(lat, lon))
        index = np.asarray(index, dtype=np.int64)
        return index, haversine_m(lat, lon, np.asarray(self.lat)[index], np.asarray(self.lon)[index])

    def nodes_within(self, lat: float, lon: float, radius_m: float) -> list[int]:
        """Graph nodes within ``radius_m`` metres (great circle) of a point."""
        candidates = np.asarray(
            self.tree.query_ball_point(self._project(np.array([lat]), np.array([lon]))[0], radius_m), dtype=np.int64
        )
        if not len(candidates):
            return []
        metres = haversine_m(
            np.full(len(candidates), lat),
            np.full(len(candidates), lon),
            np.asarray(self.lat)[candidates],
            np.asarray(self.lon)[candidates],
        )
        return sorted(int(i) for i in candidates[metres <= radius_m])

    # -- shortest paths ----------------------------------------------------------------------
    def times_from(self, source: int, limit: float = np.inf) -> np.ndarray:
        """Travel time in seconds from ``source`` to every node (``inf`` beyond ``limit``)."""
        return dijkstra(self.forward, directed=True, indices=int(source), limit=limit)

    def times_to(self, target: int, limit: float = np.inf) -> np.ndarray:
        """Travel time in seconds from every node to ``target`` (``inf`` beyond ``limit``)."""
        return dijkstra(self.backward, directed=True, indices=int(target), limit=limit)

    # -- point-to-point queries: a Customizable Contraction Hierarchy (RoutingKit) ----------------
    def cch_order(self) -> np.ndarray:
        """The nested-dissection contraction order (computed once, saved with the cache)."""
        order = getattr(self, "_cch_order", None)
        if order is None:
            import routingkit_cch

            tail = np.repeat(np.arange(self.node_count, dtype=np.int64), np.diff(np.asarray(self.indptr)))
            order = np.asarray(
                routingkit_cch.compute_order_inertial(
                    self.node_count,
                    tail.tolist(),
                    np.asarray(self.indices).tolist(),
                    np.asarray(self.lat).tolist(),
                    np.asarray(self.lon).tolist(),
                ),
                dtype=np.int64,
            )
            self._cch_order = order
        return order

    def _cch_query(self):
        """This thread's CCH query object (queries are not shared between threads)."""
        query = getattr(self._cch_local, "query", None)
        if query is not None:
            return query
        with self._cch_lock:
            if self._cch_metric is None:
                import routingkit_cch

                tail = np.repeat(np.arange(self.node_count, dtype=np.int64), np.diff(np.asarray(self.indptr)))
                cch = routingkit_cch.CCH(
                    self.cch_order().tolist(), tail.tolist(), np.asarray(self.indices).tolist(), False
                )
                # integer milliseconds (at least 1) for the hierarchy; exact float seconds are
                # summed along the path it returns
                weights = np.maximum(np.round(np.asarray(self.time_s) * 1000.0), 1).astype(np.int64)
                self._cch_metric = (cch, routingkit_cch.CCHMetric(cch, weights.tolist()))
            import routingkit_cch

            query = routingkit_cch.CCHQuery(self._cch_metric[1])
        self._cch_local.query = query
        return query

    def prepare_queries(self) -> None:
        """Build the CCH now (about 0.1 s with a saved order), not in the first query."""
        self._cch_query()

    def fastest_path(self, source: int, target: int) -> np.ndarray | None:
        """The fastest node path ``source .. target`` (``None`` if unreachable), via the CCH."""
        if source == target:
            return np.asarray([source], dtype=np.int64)
        result = self._cch_query().run(int(source), int(target))
        reachable = result.distance is not None
        path = np.asarray(result.node_path, dtype=np.int64) if reachable else None
        del result  # RoutingKit wants the result gone before the next query
        return path

    def travel_time(self, source: int, target: int) -> float:
        """Fastest travel time in seconds from ``source`` to ``target`` (``inf`` if unreachable),
        from the CCH: the hierarchy weighs edges in whole milliseconds, so the answer is within
        half a millisecond per edge of the float path time (``route`` sums exact edge times)."""
        if source == target:
            return 0.0
        result = self._cch_query().run(int(source), int(target))
        distance = result.distance
        del result  # RoutingKit wants the result gone before the next query
        return math.inf if distance is None else distance / 1000.0

    def route_time(self, source: int, target: int) -> float:
        """Travel time in seconds of the fastest path, summed from the exact edge times."""
        path = self.fastest_path(source, target)
        if path is None:
            return math.inf
        if len(path) < 2:
            return 0.0
        return float(np.sum(np.asarray(self.time_s)[self.edge_positions(path[:-1], path[1:])]))

    def route(self, source: int, target: int) -> Route:
        """The fastest route: node sequence, cumulative seconds and metres at each node."""
        path = self.fastest_path(source, target)
        if path is None:
            raise RoadGraphError(f"node {target} is unreachable from {source}")
        step_time = np.zeros(len(path))
        step_dist = np.zeros(len(path))
        if len(path) > 1:
            positions = self.edge_positions(path[:-1], path[1:])
            step_time[1:] = self.time_s[positions]
            step_dist[1:] = self.dist_m[positions]
        return Route(nodes=path, time_s=np.cumsum(step_time), dist_m=np.cumsum(step_dist))

    def edge_positions(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """CSR positions of the edges ``src[k] -> dst[k]`` (each must exist)."""
        keys = getattr(self, "_edge_keys", None)
        n = self.node_count
        if keys is None:
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(np.asarray(self.indptr)))
            keys = rows * n + np.asarray(self.indices, dtype=np.int64)  # sorted: rows ascend, indices sorted
            self._edge_keys = keys
        wanted = np.asarray(src, dtype=np.int64) * n + np.asarray(dst, dtype=np.int64)
        positions = np.searchsorted(keys, wanted)
        if len(wanted) and (
            np.any(positions >= len(keys)) or np.any(keys[np.minimum(positions, len(keys) - 1)] != wanted)
        ):
            raise RoadGraphError("the path uses an edge that is not in the graph")
        return positions

    def edge_time(self, u: int, v: int) -> float:
        """Travel time in seconds of the edge ``u -> v``."""
        return float(self.time_s[self.edge_positions(np.array([u]), np.array([v]))[0]])

    def path_shape(self, nodes: np.ndarray) -> list[tuple[float, float]]:
        """``(lat, lon)`` points along a node path, including contracted chain shapes."""
        nodes = np.asarray(nodes)
        points = [(float(self.lat[nodes[0]]), float(self.lon[nodes[0]]))]
        if len(nodes) > 1:
            for pos, v in zip(self.edge_positions(nodes[:-1], nodes[1:]).tolist(), nodes[1:].tolist(), strict=True):
                lo, hi = int(self.geom_indptr[pos]), int(self.geom_indptr[pos + 1])
                points.extend(zip(self.geom_lat[lo:hi].tolist(), self.geom_lon[lo:hi].tolist(), strict=True))
                points.append((float(self.lat[v]), float(self.lon[v])))
        return points

    def coordinates(self, nodes: Iterable[int]) -> list[tuple[float, float]]:
        return [(float(self.lat[i]), float(self.lon[i])) for i in nodes]


def _dedupe_order(src: np.ndarray, dst: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Indices of the fastest edge per ``(src, dst)`` pair, sorted by ``(src, dst)``."""
    order = np.lexsort((time, dst, src))
    s, d = src[order], dst[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
    return order[first]


def _dedupe(src, dst, time, dist):
    order = _dedupe_order(src, dst, time)
    return src[order], dst[order], time[order], dist[order]


def _contract_chains(n: int, src: np.ndarray, dst: np.ndarray, time: np.ndarray, dist: np.ndarray):
    """Contract degree-2 chains (two-way road middles and one-way chains).

    Returns the kept node indices, the new edges (endpoints renumbered to positions in
    ``kept``) and, per new edge, the original indices of the contracted interior nodes.
    """
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(out_ptr, src + 1, 1)
    out_ptr = np.cumsum(out_ptr)
    order_in = np.lexsort((src, dst))
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(in_ptr, dst + 1, 1)
    in_ptr = np.cumsum(in_ptr)
    out_nb = dst.tolist()
    in_nb = src[order_in].tolist()
    optr, iptr = out_ptr.tolist(), in_ptr.tolist()
    through = np.zeros(n, dtype=bool)
    for v in range(n):
        outs = out_nb[optr[v] : optr[v + 1]]
        ins = in_nb[iptr[v] : iptr[v + 1]]
        one_way_chain = len(outs) == 1 and len(ins) == 1 and outs[0] != ins[0]
        two_way_chain = len(outs) == 2 and len(ins) == 2 and set(outs) == set(ins) and outs[0] != outs[1]
        through[v] = one_way_chain or two_way_chain
    if through.all():
        through[0] = False
    kept = np.flatnonzero(~through)
    remap = np.full(n, -1, dtype=np.int64)
    remap[kept] = np.arange(len(kept))
    times, dists = time.tolist(), dist.tolist()
    is_through = through.tolist()
    new_src: list[int] = []
    new_dst: list[int] = []
    new_time: list[float] = []
    new_dist: list[float] = []
    geometry: list[np.ndarray] = []
    for u in kept.tolist():
        for e in range(optr[u], optr[u + 1]):
            prev, v = u, out_nb[e]
            total_t, total_d = times[e], dists[e]
            interior: list[int] = []
            while is_through[v]:
                interior.append(v)
                lo, hi = optr[v], optr[v + 1]
                nxt = lo if out_nb[lo] != prev or hi - lo == 1 else lo + 1
                prev, v = v, out_nb[nxt]
                total_t += times[nxt]
                total_d += dists[nxt]
            if v == u:
                continue  # a loop back to its start never shortens a path
            new_src.append(u)
            new_dst.append(v)
            new_time.append(total_t)
            new_dist.append(total_d)
            geometry.append(np.asarray(interior, dtype=np.int64))
    return (
        kept,
        remap[np.asarray(new_src, dtype=np.int64)],
        remap[np.asarray(new_dst, dtype=np.int64)],
        np.asarray(new_time),
        np.asarray(new_dist),
        geometry,
    )


@dataclass
class Route:
    """A fastest path: ``nodes`` with cumulative ``time_s`` (seconds) and ``dist_m`` (metres)."""

    nodes: np.ndarray
    time_s: np.ndarray
    dist_m: np.ndarray

    @property
    def duration_s(self) -> float:
        return float(self.time_s[-1])

    @property
    def distance_m(self) -> float:
        return float(self.dist_m[-1])


def encode_polyline(points: Iterable[tuple[float, float]], precision: int = 5) -> str:
    """Google encoded polyline of ``(lat, lon)`` points."""
    factor = 10**precision
    out: list[str] = []
    prev_lat = prev_lon = 0
    for lat, lon in points:
        ilat, ilon = round(lat * factor), round(lon * factor)
        for delta in (ilat - prev_lat, ilon - prev_lon):
            value = ~(delta << 1) if delta < 0 else delta << 1
            while value >= 0x20:
                out.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            out.append(chr(value + 63))
        prev_lat, prev_lon = ilat, ilon
    return "".join(out)


def decode_polyline(text: str, precision: int = 5) -> list[tuple[float, float]]:
    """Inverse of ``encode_polyline``."""
    factor = 10**precision
    points: list[tuple[float, float]] = []
    index = lat = lon = 0
    while index < len(text):
        deltas = []
        for _ in range(2):
            shift = result = 0
            while True:
                byte = ord(text[index]) - 63
                index += 1
                result |= (byte & 0x1F) << shift
                shift += 5
                if byte < 0x20:
                    break
            deltas.append(~(result >> 1) if result & 1 else result >> 1)
        lat += deltas[0]
        lon += deltas[1]
        points.append((lat / factor, lon / factor))
    return points


def zoom_tolerance_deg(zoom: int) -> float:
    """Degrees of longitude one screen pixel spans at a web-map zoom level (256-pixel tiles)."""
    return 360.0 / (256 * 2**zoom)


def network_lines(
    graph: RoadGraph,
    *,
    tolerance_deg: float,
    bbox: tuple[float, float, float, float] | None = None,
    min_extent_deg: float | None = None,
) -> list[list[tuple[float, float]]]:
    """The road network as lines for a map: one line per road section (both directions of a
    two-way road become one line), each simplified with Douglas–Peucker at ``tolerance_deg``
    degrees (about one screen pixel at the map's zoom). Sections whose whole extent is
    below ``min_extent_deg`` (default: the tolerance) are left out (they would draw as a dot,
    or at low zoom as clutter of short town streets). ``bbox`` (``min_lon,
    min_lat, max_lon, max_lat``) keeps only sections that reach into it. Points are
    ``(lon, lat)``, GeoJSON order.
    """
    import shapely

    n_edges = graph.edge_count
    if n_edges == 0:
        return []
    indptr = np.asarray(graph.indptr)
    src = np.repeat(np.arange(graph.node_count, dtype=np.int64), np.diff(indptr))
    dst = np.asarray(graph.indices, dtype=np.int64)
    geom_indptr = np.asarray(graph.geom_indptr)
    # One direction per undirected section: keep u < v, plus u > v where v -> u does not exist.
    keys = src * graph.node_count + dst
    reverse = dst * graph.node_count + src
    has_reverse = np.isin(reverse, keys)
    keep = (src < dst) | ~has_reverse
    lat, lon = np.asarray(graph.lat), np.asarray(graph.lon)
    geom_lat, geom_lon = np.asarray(graph.geom_lat), np.asarray(graph.geom_lon)
    edges = np.flatnonzero(keep)
    counts = (geom_indptr[edges + 1] - geom_indptr[edges]) + 2
    line_index = np.repeat(np.arange(len(edges)), counts)
    xs = np.empty(int(counts.sum()))
    ys = np.empty(int(counts.sum()))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    xs[starts] = lon[src[edges]]
    ys[starts] = lat[src[edges]]
    ends = starts + counts - 1
    xs[ends] = lon[dst[edges]]
    ys[ends] = lat[dst[edges]]
    inner = np.ones(len(xs), dtype=bool)
    inner[starts] = False
    inner[ends] = False
    inner_counts = counts - 2
    inner_starts = np.concatenate([[0], np.cumsum(inner_counts)[:-1]])
    chain = (
        np.arange(int(inner_counts.sum()))
        - np.repeat(inner_starts, inner_counts)
        + np.repeat(geom_indptr[edges], inner_counts)
    )
    xs[inner] = geom_lon[chain]
    ys[inner] = geom_lat[chain]
    lines = shapely.linestrings(np.column_stack([xs, ys]), indices=line_index)
    if bbox is not None:
        lines = lines[shapely.intersects(lines, shapely.box(*bbox))]
    bounds = shapely.bounds(lines)
    extent = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    lines = lines[extent >= (tolerance_deg if min_extent_deg is None else min_extent_deg)]
    lines = shapely.simplify(lines, tolerance_deg, preserve_topology=False)
    coords, index = shapely.get_coordinates(lines, return_index=True)
    decimals = max(4, min(6, int(math.ceil(-math.log10(tolerance_deg))) + 1)) if tolerance_deg > 0 else 6
    coords = np.round(coords, decimals)
    result: list[list[tuple[float, float]]] = []
    if len(index) == 0:
        return result
    cuts = np.flatnonzero(np.diff(index)) + 1
    for part in np.split(coords, cuts):
        if len(part) >= 2:
            result.append([(float(x), float(y)) for x, y in part])
    return result
