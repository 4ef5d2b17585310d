"""Compact RAPTOR timetable for one service day (pure Python + numpy, no Django).

Units and conventions
---------------------
* **Times** are integer seconds since midnight (noon minus 12 h, as GTFS defines it) of the
  *service day* the timetable was compiled for. Trips of the previous service day that run
  past midnight appear with their GTFS times minus 86,400 (so a 24:35 departure of yesterday
  is 2,100 here); trips of the next service day appear with +86,400. Times may therefore be
  negative or above 86,400. Converting to UTC / local wall-clock time is the caller's job.
* **Distances**: straight lines are great-circle metres (haversine, 6,371,008.8 m sphere).
  *Walking metres* everywhere in this package (limits, footpaths, journey totals) are the
  estimated walked distance = straight-line metres × ``detour_factor``; walking seconds are
  walking metres / ``walk_speed_mps``, rounded up. Stop pairs whose walking metres are at
  most ``max_transfer_walk_m`` get a footpath. A caller that has a road graph can pass exact
  walking ``extra_footpaths`` instead.
* **Transfers**: boarding a vehicle at the stop where one alighted needs the stop's minimum
  transfer time (``transfers.txt`` type 2 with ``from_stop_id == to_stop_id``, otherwise
  ``default_transfer_s``); type 1 (timed) means 0 s. Walking to another stop needs the
  footpath's duration (type 2 between two stops overrides the computed walking time and adds
  the pair even if it is far apart). Type 3 forbids the transfer (the footpath, or for
  ``from == to`` any transfer at that stop). Trip- or route-specific transfer rows are ignored.
* ``pickup_type``/``drop_off_type`` 1 (not available) are respected; 2 and 3 (phone the
  agency / coordinate with the driver) count as available.

RAPTOR layout
-------------
Trips with the same stop sequence and the same pickup/drop-off pattern form a *RAPTOR route*;
trips in a route are sorted by departure and a route is split so that no trip overtakes
another (then the earliest trip catchable at a stop is also the earliest at every later stop,
which RAPTOR relies on). All route positions ("route r, i-th stop") are numbered globally
``0..P-1`` in route order, and the stop times are stored *position-major*: for position ``p``
the departures of all ``T_r`` trips of its route are contiguous and ascending, starting at
``pos_col_start[p]``. ``dep_key = p * KEY_STRIDE + (dep - time_base)`` is then globally sorted,
so one ``np.searchsorted`` answers "earliest catchable trip" for every position at once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, overload
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from gtfs.domain.times import service_day_reference
from mobility.geo import EARTH_RADIUS_M, haversine_m

DAY_S = 86_400
INF_TIME = np.int64(2**40)  # "unreachable" label; far above any time in a timetable
KEY_STRIDE = 1 << 21  # > span of times in one timetable (about 24 days of seconds)

DEFAULT_TRANSFER_S = 120
DEFAULT_WALK_SPEED_MPS = 1.2
DEFAULT_DETOUR_FACTOR = 1.3
DEFAULT_MAX_TRANSFER_WALK_M = 400.0


# --------------------------------------------------------------------------------------------
# Plain inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StopInput:
    """A stop: id, WGS84 position (degrees) and display name."""

    stop_id: str
    lat: float
    lon: float
    name: str = ""


@dataclass(frozen=True)
class TripInput:
    """A trip with its stop sequence; times in seconds since midnight of its service day."""

    trip_id: str
    route_id: str
    service_id: str
    stop_ids: Sequence[str]
    arrivals: Sequence[int]
    departures: Sequence[int]
    pickup: Sequence[bool] | None = None  # None: pickup allowed everywhere
    dropoff: Sequence[bool] | None = None


@dataclass(frozen=True)
class TransferInput:
    """One ``transfers.txt`` row (stop-level only). ``min_transfer_time`` in seconds."""

    from_stop_id: str
    to_stop_id: str
    transfer_type: int
    min_transfer_time: int | None = None


@dataclass
class TimetableSource:
    """Columnar, feed-level input (all trips of all service ids), before day selection.

    ``st_*`` arrays are the stop times ordered by trip and sequence; ``trip_st_start`` (length
    ``n_trips + 1``) delimits each trip's rows. Stop and trip attributes index the lists.
    """

    stop_ids: list[str]
    stop_names: list[str]
    stop_lat: np.ndarray  # float64 degrees
    stop_lon: np.ndarray
    trip_ids: list[str]
    trip_route_ids: list[str]
    trip_service_ids: list[str]
    trip_st_start: np.ndarray  # int64, n_trips + 1
    st_stop: np.ndarray  # int32 stop index
    st_arr: np.ndarray  # int32 seconds
    st_dep: np.ndarray  # int32 seconds
    st_pickup: np.ndarray  # bool
    st_dropoff: np.ndarray  # bool
    transfers: list[TransferInput] = field(default_factory=list)
    #: Time zone (IANA name, the feed's ``agency_timezone``) of each service id; a service not
    #: listed runs in the zone the timetable is compiled in (``timetable_for_date``'s ``tz``).
    service_zones: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_inputs(
        cls, stops: Iterable[StopInput], trips: Iterable[TripInput], transfers: Iterable[TransferInput] = ()
    ) -> TimetableSource:
        """Build from plain dataclasses (tests, the database)."""
        stops = list(stops)
        index = {s.stop_id: i for i, s in enumerate(stops)}
        trips = [t for t in trips if len(t.stop_ids) >= 2]
        starts = [0]
        st_stop: list[int] = []
        st_arr: list[int] = []
        st_dep: list[int] = []
        st_pick: list[bool] = []
        st_drop: list[bool] = []
        for trip in trips:
            n = len(trip.stop_ids)
            if not (len(trip.arrivals) == len(trip.departures) == n):
                raise ValueError(f"trip {trip.trip_id}: stop_ids, arrivals and departures differ in length")
            unknown = [s for s in trip.stop_ids if s not in index]
            if unknown:
                raise ValueError(f"trip {trip.trip_id}: unknown stop ids {unknown[:3]}")
            st_stop.extend(index[s] for s in trip.stop_ids)
            st_arr.extend(int(a) for a in trip.arrivals)
            st_dep.extend(int(d) for d in trip.departures)
            st_pick.extend(trip.pickup if trip.pickup is not None else [True] * n)
            st_drop.extend(trip.dropoff if trip.dropoff is not None else [True] * n)
            starts.append(len(st_stop))
        starts_arr = np.array(starts, dtype=np.int64)
        arr_fixed, dep_fixed = _make_monotone(
            starts_arr, np.array(st_arr, dtype=np.int32), np.array(st_dep, dtype=np.int32)
        )
        return cls(
            stop_ids=[s.stop_id for s in stops],
            stop_names=[s.name for s in stops],
            stop_lat=np.array([s.lat for s in stops], dtype=np.float64),
            stop_lon=np.array([s.lon for s in stops], dtype=np.float64),
            trip_ids=[t.trip_id for t in trips],
            trip_route_ids=[t.route_id for t in trips],
            trip_service_ids=[t.service_id for t in trips],
            trip_st_start=starts_arr,
            st_stop=np.array(st_stop, dtype=np.int32),
            st_arr=arr_fixed,
            st_dep=dep_fixed,
            st_pickup=np.array(st_pick, dtype=bool),
            st_dropoff=np.array(st_drop, dtype=bool),
            transfers=list(transfers),
        )

    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def n_trips(self) -> int:
        return len(self.trip_ids)

    def trips(self) -> Iterable[tuple[int, slice]]:
        """(trip index, slice of its stop-time rows) for every trip."""
        starts = self.trip_st_start
        for t in range(self.n_trips):
            yield t, slice(int(starts[t]), int(starts[t + 1]))


def merge_sources(sources: Sequence[TimetableSource], prefixes: Sequence[str]) -> TimetableSource:
    """Combine several feeds (e.g. the regional feed and the Bürgerbus) into one source.

    Every stop, trip, route and service id gets its feed's prefix so ids cannot collide;
    walking between the feeds' stops is found by the footpath step like any other.
    """
    if len(sources) != len(prefixes):
        raise ValueError("one prefix per source")
    stop_offset = 0
    st_offset = 0
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("starts", "stop", "arr", "dep", "pick", "drop")}
    placeholder = np.empty(0)  # the st_* arrays are replaced below
    merged = TimetableSource([], [], np.empty(0), np.empty(0), [], [], [], np.zeros(1, np.int64), *((placeholder,) * 5))
    lats, lons = [], []
    for src, pre in zip(sources, prefixes, strict=True):
        merged.stop_ids += [pre + s for s in src.stop_ids]
        merged.stop_names += src.stop_names
        lats.append(src.stop_lat)
        lons.append(src.stop_lon)
        merged.trip_ids += [pre + t for t in src.trip_ids]
        merged.trip_route_ids += [pre + r for r in src.trip_route_ids]
        merged.trip_service_ids += [pre + s for s in src.trip_service_ids]
        parts["starts"].append(src.trip_st_start[1:] + st_offset)
        parts["stop"].append(src.st_stop + stop_offset)
        parts["arr"].append(src.st_arr)
        parts["dep"].append(src.st_dep)
        parts["pick"].append(src.st_pickup)
        parts["drop"].append(src.st_dropoff)
        merged.transfers += [
            TransferInput(pre + t.from_stop_id, pre + t.to_stop_id, t.transfer_type, t.min_transfer_time)
            for t in src.transfers
        ]
        merged.service_zones.update({pre + s: zone for s, zone in src.service_zones.items()})
        stop_offset += src.n_stops
        st_offset += len(src.st_stop)
    merged.stop_lat = np.concatenate(lats)
    merged.stop_lon = np.concatenate(lons)
    merged.trip_st_start = np.concatenate([np.zeros(1, np.int64), *parts["starts"]])
    merged.st_stop = np.concatenate(parts["stop"]).astype(np.int32)
    merged.st_arr = np.concatenate(parts["arr"]).astype(np.int32)
    merged.st_dep = np.concatenate(parts["dep"]).astype(np.int32)
    merged.st_pickup = np.concatenate(parts["pick"]).astype(bool)
    merged.st_dropoff = np.concatenate(parts["drop"]).astype(bool)
    return merged


def _make_monotone(trip_start: np.ndarray, arr: np.ndarray, dep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Repair time travel inside trips: arrival ≥ previous departure, departure ≥ arrival."""
    n = len(arr)
    if n == 0:
        return arr, dep
    seq = np.empty(2 * n, dtype=np.int64)
    seq[0::2] = arr
    seq[1::2] = dep
    trip_of_row = np.repeat(np.arange(len(trip_start) - 1, dtype=np.int64), np.diff(trip_start))
    offset = np.repeat(trip_of_row, 2) * np.int64(1 << 32)
    fixed = np.maximum.accumulate(seq + offset) - offset
    return fixed[0::2].astype(arr.dtype), fixed[1::2].astype(dep.dtype)


make_monotone = _make_monotone  # public name for feeding a TimetableSource from the database


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------


@overload
def walk_seconds(walk_m: float, speed_mps: float) -> np.int64: ...
@overload
def walk_seconds(walk_m: np.ndarray, speed_mps: float) -> np.ndarray: ...
def walk_seconds(walk_m: float | np.ndarray, speed_mps: float) -> np.int64 | np.ndarray:
    """Walking time in whole seconds (rounded up) for a walking distance in metres."""
    return np.ceil(np.asarray(walk_m, dtype=np.float64) / speed_mps - 1e-9).astype(np.int64)


def earth_xyz(lat: npt.ArrayLike, lon: npt.ArrayLike) -> np.ndarray:
    """Points on the 6,371,008.8 m sphere as 3-D cartesian metres (for KD-tree candidate search).

    The straight 3-D chord between two points is never longer than their great-circle
    distance, so a KD-tree query with the walking limit as radius returns a *superset* of the
    pairs within that great-circle distance, wherever on Earth the stops lie (no projection
    centred on one latitude). Every decision is then made with the exact haversine distance.
    """
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lmb = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lmb), cos_phi * np.sin(lmb), np.sin(phi)]) * EARTH_RADIUS_M


# --------------------------------------------------------------------------------------------
# Service calendar
# --------------------------------------------------------------------------------------------


@dataclass
class ServiceCalendar:
    """GTFS ``calendar.txt`` + ``calendar_dates.txt`` resolved per date."""

    weekly: dict[str, tuple[tuple[bool, ...], dt.date, dt.date]] = field(default_factory=dict)
    added: dict[dt.date, set[str]] = field(default_factory=dict)
    removed: dict[dt.date, set[str]] = field(default_factory=dict)

    def active_service_ids(self, date: dt.date) -> set[str]:
        """Service ids running on ``date``: calendar pattern and range, then exceptions."""
        wd = date.weekday()
        active = {sid for sid, (days, start, end) in self.weekly.items() if start <= date <= end and days[wd]}
        active |= self.added.get(date, set())
        active -= self.removed.get(date, set())
        return active

    def dates(self) -> list[dt.date]:
        """All dates with at least one active service, sorted."""
        candidates: set[dt.date] = set(self.added)
        for _days, start, end in self.weekly.values():
            d = start
            while d <= end:
                candidates.add(d)
                d += dt.timedelta(days=1)
        return sorted(d for d in candidates if self.active_service_ids(d))


# --------------------------------------------------------------------------------------------
# The compiled timetable
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimetableConfig:
    """Compile-time parameters (units in the names)."""

    default_transfer_s: int = DEFAULT_TRANSFER_S
    walk_speed_mps: float = DEFAULT_WALK_SPEED_MPS
    detour_factor: float = DEFAULT_DETOUR_FACTOR
    max_transfer_walk_m: float = DEFAULT_MAX_TRANSFER_WALK_M


_ARRAY_FIELDS = (
    "stop_lat",
    "stop_lon",
    "stop_served",
    "stop_transfer_s",
    "route_pos_start",
    "route_trip_start",
    "route_trips",
    "pos_stop",
    "pos_route",
    "pos_ntrips",
    "pos_col_start",
    "pos_is_first",
    "pos_can_board",
    "pos_can_alight",
    "times_arr",
    "times_dep",
    "dep_key",
    "stop_pos_start",
    "stop_pos",
    "fp_start",
    "fp_to",
    "fp_seconds",
    "fp_metres",
    "inst_trip",
    "inst_day",
)
_STRING_FIELDS = ("stop_ids", "stop_names", "trip_ids", "trip_route_ids")
# fields a timetable shares with its reversed twin; the others are stored again as "rev_<name>"
_SHARED_FIELDS = ("stop_lat", "stop_lon", "stop_served", "stop_transfer_s", "inst_trip", "inst_day")
_REVERSED_FIELDS = tuple(name for name in _ARRAY_FIELDS if name not in _SHARED_FIELDS)


@dataclass(eq=False)
class Timetable:
    """Compiled arrays for one service day (see the module docstring for layout and units).

    Stops are indexed ``0..n_stops-1`` (``stop_ids[i]``); routes ``0..n_routes-1``; positions
    ``0..P-1``; trip *instances* ``0..n_instances-1`` (a GTFS trip of a given service day,
    ``inst_trip`` → index into ``trip_ids``, ``inst_day`` → day offset −1/0/+1).
    """

    config: TimetableConfig
    time_base: int  # smallest time minus one; dep_key = p * KEY_STRIDE + (dep - time_base)
    stop_ids: list[str]
    stop_names: list[str]
    stop_lat: np.ndarray
    stop_lon: np.ndarray
    stop_served: np.ndarray  # bool: some trip of this timetable calls here
    stop_transfer_s: np.ndarray  # int64 same-stop minimum transfer, INF_TIME if forbidden
    route_pos_start: np.ndarray  # int64 n_routes + 1
    route_trip_start: np.ndarray  # int64 n_routes + 1
    route_trips: np.ndarray  # int32 trip instance per (route, rank), ascending by departure
    pos_stop: np.ndarray  # int32
    pos_route: np.ndarray  # int32
    pos_ntrips: np.ndarray  # int64 T_r of the position's route
    pos_col_start: np.ndarray  # int64 offset of the position's column in times_*
    pos_is_first: np.ndarray  # bool
    pos_can_board: np.ndarray  # bool: pickup allowed and not the last stop
    pos_can_alight: np.ndarray  # bool: drop-off allowed and not the first stop
    times_arr: np.ndarray  # int64 seconds, position-major
    times_dep: np.ndarray
    dep_key: np.ndarray  # int64, globally ascending
    stop_pos_start: np.ndarray  # CSR stop -> positions
    stop_pos: np.ndarray
    fp_start: np.ndarray  # CSR footpaths by origin stop
    fp_to: np.ndarray
    fp_seconds: np.ndarray  # int64
    fp_metres: np.ndarray  # float64 walking metres
    inst_trip: np.ndarray  # int32 index into trip_ids
    inst_day: np.ndarray  # int8 service-day offset of the instance
    trip_ids: list[str]
    trip_route_ids: list[str]
    _reversed: Timetable | None = field(default=None, repr=False)
    _kdtree: cKDTree | None = field(default=None, repr=False)
    _stop_index: dict[str, int] | None = field(default=None, repr=False)

    # ---- sizes and lookups -------------------------------------------------------------------

    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def n_routes(self) -> int:
        return len(self.route_pos_start) - 1

    @property
    def n_positions(self) -> int:
        return len(self.pos_stop)

    def stop_index(self, stop_id: str) -> int:
        """Index of a stop id (``KeyError`` if unknown)."""
        if self._stop_index is None:
            self._stop_index = {s: i for i, s in enumerate(self.stop_ids)}
        return self._stop_index[stop_id]

    def footpaths_from(self, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(to stops, seconds, metres) of the footpaths leaving ``stop``."""
        a, b = self.fp_start[stop], self.fp_start[stop + 1]
        return self.fp_to[a:b], self.fp_seconds[a:b], self.fp_metres[a:b]

    def stops_near(self, lat: float, lon: float, max_walk_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Served stops within ``max_walk_m`` walking metres: (stop indices, walking metres), nearest first."""
        max_m = max_walk_m / self.config.detour_factor
        if self._kdtree is None:
            served = np.flatnonzero(self.stop_served & np.isfinite(self.stop_lat) & np.isfinite(self.stop_lon))
            self._kd_index = served
            self._kdtree = cKDTree(earth_xyz(self.stop_lat[served], self.stop_lon[served]))
        xyz = earth_xyz(np.array([lat]), np.array([lon]))[0]
        cand = np.asarray(self._kdtree.query_ball_point(xyz, max_m), dtype=np.int64)
        stops = self._kd_index[cand]
        metres = haversine_m(lat, lon, self.stop_lat[stops], self.stop_lon[stops])
        walk = metres * self.config.detour_factor
        keep = walk <= max_walk_m
        stops, walk = stops[keep], walk[keep]
        order = np.argsort(walk, kind="stable")
        return stops[order], walk[order]

    def walk_m(self, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        """Walking metres between two points (straight line × detour factor)."""
        return float(haversine_m(lat1, lon1, lat2, lon2)) * self.config.detour_factor

    @overload
    def walk_seconds(self, walk_m: float) -> np.int64: ...
    @overload
    def walk_seconds(self, walk_m: np.ndarray) -> np.ndarray: ...
    def walk_seconds(self, walk_m: float | np.ndarray) -> np.int64 | np.ndarray:
        """Walking seconds for walking metres with this timetable's speed."""
        return walk_seconds(walk_m, self.config.walk_speed_mps)

    # ---- reverse timetable for arrive-by -------------------------------------------------------

    def reversed(self) -> Timetable:
        """The time-reversed timetable (times negated, sequences reversed); cached.

        Earliest arrival there from the destination at ``-deadline`` gives ``-latest departure``
        here. Trip instances keep their indices, so legs map back one to one.
        """
        if self._reversed is None:
            self._reversed = _reverse(self)
            self._reversed._reversed = self
        return self._reversed


# --------------------------------------------------------------------------------------------
# Compilation
# --------------------------------------------------------------------------------------------


@dataclass
class _Instances:
    """Selected trip instances as ragged arrays (stop-time rows of all instances concatenated)."""

    start: np.ndarray  # int64 n + 1
    stop: np.ndarray
    arr: np.ndarray  # int64
    dep: np.ndarray
    pick: np.ndarray
    drop: np.ndarray
    trip: np.ndarray  # int32 source trip index per instance
    day: np.ndarray  # int8 day offset per instance


#: One service day for ``build_timetable``: ``(day offset, active service ids)`` or
#: ``(day offset, active service ids, shift in seconds)``. Without a shift the day is taken as
#: ``offset × 86,400`` s away, which is only right where no clock change lies in between.
ServiceDay = tuple[int, Collection[str]] | tuple[int, Collection[str], int]


def day_shift_s(date: dt.date, offset: int, tz: ZoneInfo | None) -> int:
    """Seconds from GTFS time zero ("noon minus 12 h") of ``date`` to that of ``date + offset``.

    GTFS measures a service day's times from noon minus 12 h in the agency's time zone, so
    across a clock change two consecutive service days are 23 or 25 hours apart, not 24.
    ``tz=None`` means a zone without clock changes (exactly ``offset × 86,400``).
    """
    if tz is None or offset == 0:
        return offset * DAY_S
    other = date + dt.timedelta(days=offset)
    return int((service_day_reference(other, tz) - service_day_reference(date, tz)).total_seconds())


def _select_instances(
    source: TimetableSource, service_days: Sequence[ServiceDay], window: tuple[int, int]
) -> _Instances:
    starts = source.trip_st_start
    first_dep = source.st_dep[starts[:-1]].astype(np.int64)
    last_arr = source.st_arr[starts[1:] - 1].astype(np.int64)
    service = np.array(source.trip_service_ids, dtype=object)
    chosen_trip: list[np.ndarray] = []
    chosen_day: list[np.ndarray] = []
    chosen_shift: list[np.ndarray] = []
    for entry in service_days:
        day_offset, active = entry[0], entry[1]
        shift = int(entry[2]) if len(entry) > 2 else day_offset * DAY_S
        is_active = np.isin(service, list(active)) if active else np.zeros(source.n_trips, bool)
        in_window = (last_arr + shift >= window[0]) & (first_dep + shift <= window[1])
        idx = np.flatnonzero(is_active & in_window)
        chosen_trip.append(idx.astype(np.int32))
        chosen_day.append(np.full(len(idx), day_offset, dtype=np.int8))
        chosen_shift.append(np.full(len(idx), shift, dtype=np.int64))
    trip = np.concatenate(chosen_trip) if chosen_trip else np.zeros(0, np.int32)
    day = np.concatenate(chosen_day) if chosen_day else np.zeros(0, np.int8)
    day_shift = np.concatenate(chosen_shift) if chosen_shift else np.zeros(0, np.int64)
    lengths = (starts[trip + 1] - starts[trip]).astype(np.int64)
    inst_start = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    rows = np.repeat(starts[trip] - inst_start[:-1], lengths) + np.arange(inst_start[-1])
    shift_rows = np.repeat(day_shift, lengths)
    return _Instances(
        start=inst_start,
        stop=source.st_stop[rows].astype(np.int32),
        arr=source.st_arr[rows].astype(np.int64) + shift_rows,
        dep=source.st_dep[rows].astype(np.int64) + shift_rows,
        pick=source.st_pickup[rows].astype(bool),
        drop=source.st_dropoff[rows].astype(bool),
        trip=trip,
        day=day,
    )


def _build_routes(inst: _Instances) -> tuple[list[list[int]], list[np.ndarray]]:
    """Group instances into non-overtaking RAPTOR routes: (list of instance lists, stop patterns)."""
    groups: dict[bytes, list[int]] = {}
    starts = inst.start
    for i in range(len(starts) - 1):
        a, b = starts[i], starts[i + 1]
        key = inst.stop[a:b].tobytes() + inst.pick[a:b].tobytes() + inst.drop[a:b].tobytes()
        groups.setdefault(key, []).append(i)
    routes: list[list[int]] = []
    patterns: list[np.ndarray] = []
    for members in groups.values():
        a0 = starts[members[0]]
        n = starts[members[0] + 1] - a0
        rows = starts[np.array(members)][:, None] + np.arange(n)[None, :]
        deps = inst.dep[rows]
        arrs = inst.arr[rows]
        order = np.lexsort(deps.T[::-1])  # by first departure, then the next ones
        subroutes: list[list[int]] = []
        last_dep: list[np.ndarray] = []
        last_arr: list[np.ndarray] = []
        for j in order:
            for s, sub in enumerate(subroutes):
                if np.all(deps[j] >= last_dep[s]) and np.all(arrs[j] >= last_arr[s]):
                    sub.append(members[j])
                    last_dep[s] = deps[j]
                    last_arr[s] = arrs[j]
                    break
            else:
                subroutes.append([members[j]])
                last_dep.append(deps[j])
                last_arr.append(arrs[j])
        for sub in subroutes:
            routes.append(sub)
            patterns.append(inst.stop[a0 : a0 + n])
    return routes, patterns


def _compile_routes(inst: _Instances, n_stops: int) -> dict[str, np.ndarray]:
    routes, patterns = _build_routes(inst)
    n_routes = len(routes)
    route_len = np.array([len(p) for p in patterns], dtype=np.int64)
    route_ntrips = np.array([len(r) for r in routes], dtype=np.int64)
    route_pos_start = np.concatenate([[0], np.cumsum(route_len)]).astype(np.int64)
    route_trip_start = np.concatenate([[0], np.cumsum(route_ntrips)]).astype(np.int64)
    route_trips = np.array([i for r in routes for i in r], dtype=np.int32)
    n_pos = int(route_pos_start[-1])
    pos_route = np.repeat(np.arange(n_routes, dtype=np.int32), route_len)
    pos_rank = np.arange(n_pos, dtype=np.int64) - route_pos_start[pos_route]
    pos_stop = np.concatenate(patterns).astype(np.int32) if patterns else np.zeros(0, np.int32)  # stop of each position
    pos_ntrips = route_ntrips[pos_route]
    pos_col_start = np.concatenate([[0], np.cumsum(pos_ntrips)])[:-1].astype(np.int64)
    n_cells = int(pos_ntrips.sum())
    # cell c of position p belongs to trip rank (c - col_start[p]); source row is
    # inst.start[instance] + pos_rank[p]
    cell_pos = np.repeat(np.arange(n_pos, dtype=np.int64), pos_ntrips)
    cell_rank = np.arange(n_cells, dtype=np.int64) - pos_col_start[cell_pos]
    cell_inst = route_trips[route_trip_start[pos_route[cell_pos]] + cell_rank]
    cell_row = inst.start[cell_inst] + pos_rank[cell_pos]
    times_arr = inst.arr[cell_row]
    times_dep = inst.dep[cell_row]
    # every trip of a route shares the pickup/drop-off pattern: read it from the first trip
    first_row = inst.start[route_trips[route_trip_start[pos_route]]] + pos_rank if n_pos else np.zeros(0, np.int64)
    pos_pick = inst.pick[first_row]
    pos_drop = inst.drop[first_row]
    pos_is_first = pos_rank == 0
    pos_is_last = pos_rank == route_len[pos_route] - 1
    order = np.argsort(pos_stop, kind="stable")
    stop_pos_start = np.searchsorted(pos_stop[order], np.arange(n_stops + 1)).astype(np.int64)
    return {
        "route_pos_start": route_pos_start,
        "route_trip_start": route_trip_start,
        "route_trips": route_trips,
        "pos_stop": pos_stop,
        "pos_route": pos_route,
        "pos_ntrips": pos_ntrips,
        "pos_col_start": pos_col_start,
        "pos_is_first": pos_is_first,
        "pos_can_board": pos_pick & ~pos_is_last,
        "pos_can_alight": pos_drop & ~pos_is_first,
        "times_arr": times_arr.astype(np.int64),
        "times_dep": times_dep.astype(np.int64),
        "stop_pos_start": stop_pos_start,
        "stop_pos": order.astype(np.int32),
    }


WalkMetres = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _compile_footpaths(
    source: TimetableSource,
    served: np.ndarray,
    config: TimetableConfig,
    extra: Sequence[tuple[str, str, float, int]],
    walk_metres: WalkMetres | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    n = source.n_stops
    stop_transfer_s = np.full(n, config.default_transfer_s, dtype=np.int64)
    pairs: dict[tuple[int, int], tuple[int, float]] = {}
    served_idx = np.flatnonzero(served & np.isfinite(source.stop_lat) & np.isfinite(source.stop_lon))
    if len(served_idx) > 1 and config.max_transfer_walk_m > 0:
        tree = cKDTree(earth_xyz(source.stop_lat[served_idx], source.stop_lon[served_idx]))
        # a road network is never shorter than the straight line: search pairs within the
        # limit itself when a road-graph walk is given, within limit / detour otherwise
        max_straight = config.max_transfer_walk_m / (1.0 if walk_metres else config.detour_factor)
        cand = tree.query_pairs(max_straight, output_type="ndarray")
        if len(cand):
            a = served_idx[cand[:, 0]]
            b = served_idx[cand[:, 1]]
            if walk_metres is not None:
                # directed: the walk from a to b may differ from b to a (one-way paths)
                a, b = np.concatenate([a, b]), np.concatenate([b, a])
                metres = np.asarray(walk_metres(a, b), dtype=np.float64)
            else:
                straight = haversine_m(source.stop_lat[a], source.stop_lon[a], source.stop_lat[b], source.stop_lon[b])
                metres = straight * config.detour_factor
            keep = metres <= config.max_transfer_walk_m
            a, b, metres = a[keep], b[keep], metres[keep]
            secs = walk_seconds(metres, config.walk_speed_mps)
            for x, y, s, m in zip(a.tolist(), b.tolist(), secs.tolist(), metres.tolist(), strict=True):
                pairs[(x, y)] = (s, m)
                if walk_metres is None:
                    pairs[(y, x)] = (s, m)
    index = {s: i for i, s in enumerate(source.stop_ids)}
    for from_id, to_id, extra_metres, extra_secs in extra:
        if from_id in index and to_id in index:
            pairs[(index[from_id], index[to_id])] = (int(extra_secs), float(extra_metres))
    forbidden: list[tuple[int, int]] = []
    for tr in source.transfers:
        if tr.from_stop_id not in index or tr.to_stop_id not in index:
            continue
        x, y = index[tr.from_stop_id], index[tr.to_stop_id]
        if x == y:
            if tr.transfer_type == 1:
                stop_transfer_s[x] = 0
            elif tr.transfer_type == 2 and tr.min_transfer_time is not None:
                stop_transfer_s[x] = int(tr.min_transfer_time)
            elif tr.transfer_type == 3:
                stop_transfer_s[x] = INF_TIME
            continue
        if tr.transfer_type == 3:
            forbidden.append((x, y))
        elif tr.transfer_type in (1, 2):
            tr_secs = 0 if tr.transfer_type == 1 else tr.min_transfer_time
            if tr_secs is None:
                continue
            tr_metres = config.detour_factor * float(
                haversine_m(source.stop_lat[x], source.stop_lon[x], source.stop_lat[y], source.stop_lon[y])
            )
            tr_metres = tr_metres if math.isfinite(tr_metres) else 0.0
            pairs[(x, y)] = (int(tr_secs), tr_metres)
    for key in forbidden:
        pairs.pop(key, None)
    keys = sorted(pairs)
    fp_from = np.array([k[0] for k in keys], dtype=np.int64)
    fp_to = np.array([k[1] for k in keys], dtype=np.int32)
    fp_seconds = np.array([pairs[k][0] for k in keys], dtype=np.int64)
    fp_metres = np.array([pairs[k][1] for k in keys], dtype=np.float64)
    fp_start = np.searchsorted(fp_from, np.arange(n + 1)).astype(np.int64)
    return (
        {"fp_start": fp_start, "fp_to": fp_to, "fp_seconds": fp_seconds, "fp_metres": fp_metres},
        stop_transfer_s,
    )


def _finish(fields: dict[str, Any]) -> dict[str, Any]:
    """Add the time base and the globally sorted search keys."""
    all_times = fields["times_dep"]
    time_base = int(all_times.min()) - 1 if len(all_times) else -1
    span = int(all_times.max()) - time_base if len(all_times) else 0
    if span >= KEY_STRIDE:
        raise ValueError("timetable spans too long a time range")
    cell_pos = np.repeat(np.arange(len(fields["pos_stop"]), dtype=np.int64), fields["pos_ntrips"])
    fields["dep_key"] = cell_pos * KEY_STRIDE + (all_times - time_base)
    fields["time_base"] = time_base
    return fields


def build_timetable(
    source: TimetableSource,
    service_days: Sequence[ServiceDay],
    *,
    window: tuple[int, int] = (0, 30 * 3600),
    config: TimetableConfig | None = None,
    extra_footpaths: Sequence[tuple[str, str, float, int]] = (),
    walk_metres: WalkMetres | None = None,
) -> Timetable:
    """Compile a timetable from a source and the active service ids per day offset.

    ``service_days`` is e.g. ``[(-1, yesterday_services), (0, today_services), (1, tomorrow)]``:
    each trip of an active service is shifted by ``offset × 86,400`` s and kept if it runs
    (first departure … last arrival) within ``window`` (seconds of the service day; by default
    midnight to 06:00 the next morning). ``extra_footpaths`` rows are
    ``(from_stop_id, to_stop_id, metres, seconds)`` and override computed walks.
    ``walk_metres(from_stops, to_stops)`` (stop index arrays → walking metres, ``inf`` where
    there is no path), e.g. backed by a pedestrian road graph, replaces straight line × detour
    for the footpaths between stops; access and egress walks of a query stay straight line ×
    detour.
    """
    config = config or TimetableConfig()
    inst = _select_instances(source, service_days, window)
    served = np.zeros(source.n_stops, dtype=bool)
    served[np.unique(source.st_stop)] = True
    fields: dict[str, Any] = _compile_routes(inst, source.n_stops)
    fp, stop_transfer_s = _compile_footpaths(source, served, config, extra_footpaths, walk_metres)
    fields.update(fp)
    fields = _finish(fields)
    day_served = np.zeros(source.n_stops, dtype=bool)
    day_served[fields["pos_stop"]] = True
    return Timetable(
        config=config,
        stop_ids=list(source.stop_ids),
        stop_names=list(source.stop_names),
        stop_lat=source.stop_lat.astype(np.float64),
        stop_lon=source.stop_lon.astype(np.float64),
        stop_served=day_served,
        stop_transfer_s=stop_transfer_s,
        inst_trip=inst.trip,
        inst_day=inst.day,
        trip_ids=list(source.trip_ids),
        trip_route_ids=list(source.trip_route_ids),
        **fields,
    )


def _reverse(tt: Timetable) -> Timetable:
    """Reverse time: each trip instance runs backwards with negated, swapped times."""
    n_inst = len(tt.inst_trip)
    # recover per-instance stop rows from the compiled routes
    lengths = np.zeros(n_inst, dtype=np.int64)
    route_len = np.diff(tt.route_pos_start)
    ntr = np.diff(tt.route_trip_start)
    inst_route = np.repeat(np.arange(tt.n_routes), ntr)
    inst_rank = np.arange(len(tt.route_trips)) - tt.route_trip_start[inst_route]
    lengths[tt.route_trips] = route_len[inst_route]
    start = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    stop = np.zeros(start[-1], dtype=np.int32)
    arr = np.zeros(start[-1], dtype=np.int64)
    dep = np.zeros(start[-1], dtype=np.int64)
    pick = np.zeros(start[-1], dtype=bool)
    drop = np.zeros(start[-1], dtype=bool)
    pick_pos = tt.pos_can_board.copy()
    drop_pos = tt.pos_can_alight.copy()
    for k, inst in enumerate(tt.route_trips.tolist()):
        r = int(inst_route[k])
        a, b = int(tt.route_pos_start[r]), int(tt.route_pos_start[r + 1])
        cols = tt.pos_col_start[a:b] + int(inst_rank[k])
        s = int(start[inst])
        e = s + (b - a)
        stop[s:e] = tt.pos_stop[a:b][::-1]
        arr[s:e] = -tt.times_dep[cols][::-1]
        dep[s:e] = -tt.times_arr[cols][::-1]
        # reversed: boarding where one could alight and vice versa
        pick[s:e] = drop_pos[a:b][::-1]
        drop[s:e] = pick_pos[a:b][::-1]
    inst_obj = _Instances(
        start=start, stop=stop, arr=arr, dep=dep, pick=pick, drop=drop, trip=tt.inst_trip, day=tt.inst_day
    )
    fields: dict[str, Any] = _compile_routes(inst_obj, tt.n_stops)
    # reversed footpaths: a->b becomes b->a
    fp_from = np.repeat(np.arange(tt.n_stops, dtype=np.int64), np.diff(tt.fp_start))
    order = np.lexsort((fp_from, tt.fp_to))
    new_from = tt.fp_to[order].astype(np.int64)
    fields.update(
        fp_start=np.searchsorted(new_from, np.arange(tt.n_stops + 1)).astype(np.int64),
        fp_to=fp_from[order].astype(np.int32),
        fp_seconds=tt.fp_seconds[order],
        fp_metres=tt.fp_metres[order],
    )
    fields = _finish(fields)
    return Timetable(
        config=tt.config,
        stop_ids=tt.stop_ids,
        stop_names=tt.stop_names,
        stop_lat=tt.stop_lat,
        stop_lon=tt.stop_lon,
        stop_served=tt.stop_served,
        stop_transfer_s=tt.stop_transfer_s,
        inst_trip=tt.inst_trip,
        inst_day=tt.inst_day,
        trip_ids=tt.trip_ids,
        trip_route_ids=tt.trip_route_ids,
        **fields,
    )


# --------------------------------------------------------------------------------------------
# Persistence (worker cache)
# --------------------------------------------------------------------------------------------


def save_timetable(tt: Timetable, path: str | Path, *, with_reversed: bool = True) -> None:
    """Save with ``np.savez`` (uncompressed: members can be memory-mapped or read quickly).

    ``with_reversed`` also stores the arrays of ``tt.reversed()`` (arrive-by), so a worker
    loading the file does not have to derive them on its first arrive-by query.
    """
    arrays: dict[str, np.ndarray] = {name: getattr(tt, name) for name in _ARRAY_FIELDS}
    if with_reversed:
        rev = tt.reversed()
        arrays.update({f"rev_{name}": getattr(rev, name) for name in _REVERSED_FIELDS})
        arrays["rev_time_base"] = np.array(rev.time_base, dtype=np.int64)
    for name in _STRING_FIELDS:
        arrays[name] = np.array(getattr(tt, name), dtype=str)
    arrays["time_base"] = np.array(tt.time_base, dtype=np.int64)
    cfg = tt.config
    arrays["config"] = np.array(
        [cfg.default_transfer_s, cfg.walk_speed_mps, cfg.detour_factor, cfg.max_transfer_walk_m], dtype=np.float64
    )
    with open(path, "wb") as fh:
        np.savez(fh, **cast("dict[str, Any]", arrays))  # member names only, never allow_pickle


def load_timetable(path: str | Path, *, mmap: bool = False) -> Timetable:
    """Load a timetable written by ``save_timetable``.

    With ``mmap=True`` the large arrays are memory-mapped read-only straight from the
    uncompressed ``.npz`` members (workers of one host then share the pages).
    """
    if mmap:
        data: dict[str, np.ndarray] = _npz_memmap(Path(path))
        return _timetable_from_arrays(data)
    with np.load(path, allow_pickle=False) as npz:
        return _timetable_from_arrays({name: npz[name] for name in npz.files})


def _timetable_from_arrays(data: dict[str, np.ndarray]) -> Timetable:
    cfg = np.asarray(data["config"])
    config = TimetableConfig(
        default_transfer_s=int(cfg[0]),
        walk_speed_mps=float(cfg[1]),
        detour_factor=float(cfg[2]),
        max_transfer_walk_m=float(cfg[3]),
    )
    kwargs: dict[str, Any] = {name: data[name] for name in _ARRAY_FIELDS}
    strings: dict[str, Any] = {name: np.asarray(data[name]).tolist() for name in _STRING_FIELDS}
    tt = Timetable(config=config, time_base=int(np.asarray(data["time_base"])), **kwargs, **strings)
    if "rev_time_base" in data:
        shared: dict[str, Any] = {name: kwargs[name] for name in _SHARED_FIELDS}
        own: dict[str, Any] = {name: data[f"rev_{name}"] for name in _REVERSED_FIELDS}
        rev = Timetable(config=config, time_base=int(np.asarray(data["rev_time_base"])), **shared, **own, **strings)
        tt._reversed, rev._reversed = rev, tt
    return tt


def _npz_memmap(path: Path) -> dict[str, np.ndarray]:
    """Memory-map every member of an uncompressed ``.npz`` (ZIP_STORED ``.npy`` blobs)."""
    import struct
    import zipfile

    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        for info in zf.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{path}: member {info.filename} is compressed; cannot memory-map")
            fh.seek(info.header_offset)
            local = fh.read(30)
            name_len, extra_len = struct.unpack("<HH", local[26:30])
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            name = info.filename.removesuffix(".npy")
            if shape == ():
                arrays[name] = np.frombuffer(fh.read(dtype.itemsize), dtype=dtype).reshape(())
                continue
            if int(np.prod(shape)) == 0:
                arrays[name] = np.empty(shape, dtype=dtype)
                continue
            arrays[name] = np.memmap(
                path, dtype=dtype, mode="r", offset=fh.tell(), shape=shape, order="F" if fortran else "C"
            )
    return arrays


# --------------------------------------------------------------------------------------------
# GTFS loading (gtfs-kit) for tests and benchmarks
# --------------------------------------------------------------------------------------------


def _parse_times(values: npt.ArrayLike) -> np.ndarray:
    """'HH:MM:SS' strings (hours may exceed 24) to seconds; missing → NaN (float array)."""
    import pandas as pd

    s = pd.Series(values, dtype="string")
    parts = s.str.split(":", expand=True)
    if parts.shape[1] < 3:
        return np.full(len(s), np.nan)
    h = pd.to_numeric(parts[0], errors="coerce")
    m = pd.to_numeric(parts[1], errors="coerce")
    sec = pd.to_numeric(parts[2], errors="coerce")
    seconds: np.ndarray = (h * 3600 + m * 60 + sec).to_numpy(dtype=np.float64, na_value=np.nan)
    return seconds


def _interpolate_missing(times: np.ndarray, trip_start: np.ndarray) -> np.ndarray:
    """Fill missing times linearly by stop position within each trip (non-timepoints)."""
    missing = np.isnan(times)
    if not missing.any():
        return times
    out = times.copy()
    bad_trips = np.unique(np.searchsorted(trip_start, np.flatnonzero(missing), side="right") - 1)
    for t in bad_trips:
        a, b = trip_start[t], trip_start[t + 1]
        seg = out[a:b]
        known = ~np.isnan(seg)
        if known.sum() >= 2:
            idx = np.arange(b - a)
            seg[~known] = np.round(np.interp(idx[~known], idx[known], seg[known]))
        out[a:b] = seg
    return out


def source_from_gtfs_kit(feed: Any) -> tuple[TimetableSource, ServiceCalendar]:
    """Build a ``TimetableSource`` and its ``ServiceCalendar`` from a gtfs-kit ``Feed``.

    Stops with ``location_type`` other than 0/empty (stations, entrances) are kept in the
    index but serve no trip. Trips whose times cannot be completed are dropped.
    """
    import pandas as pd

    stops = feed.stops
    stop_ids = stops["stop_id"].astype(str).tolist()
    index = {s: i for i, s in enumerate(stop_ids)}
    names = stops["stop_name"].astype(str).fillna("").tolist() if "stop_name" in stops else [""] * len(stop_ids)
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)

    trips = feed.trips
    trip_ids = trips["trip_id"].astype(str).tolist()
    trip_index = {t: i for i, t in enumerate(trip_ids)}
    st = feed.stop_times.copy()
    st["_trip"] = st["trip_id"].astype(str).map(trip_index)
    st["_stop"] = st["stop_id"].astype(str).map(index)
    st = st.dropna(subset=["_trip", "_stop"])
    st = st.sort_values(["_trip", "stop_sequence"], kind="stable")
    trip_of_row = st["_trip"].to_numpy(dtype=np.int64)
    counts = np.bincount(trip_of_row, minlength=len(trip_ids))
    trip_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    arr = _parse_times(st["arrival_time"].to_numpy())
    dep = _parse_times(st["departure_time"].to_numpy())
    arr = np.where(np.isnan(arr), dep, arr)
    dep = np.where(np.isnan(dep), arr, dep)
    arr = _interpolate_missing(arr, trip_start)
    dep = np.where(np.isnan(dep), arr, dep)

    def flag(col: str) -> np.ndarray:
        if col not in st:
            return np.ones(len(st), dtype=bool)
        values = pd.to_numeric(st[col], errors="coerce").fillna(0).to_numpy()
        allowed: np.ndarray = values != 1
        return allowed

    pick, drop = flag("pickup_type"), flag("drop_off_type")
    # drop trips with unknown times or fewer than two stops
    bad_row = np.isnan(arr) | np.isnan(dep)
    bad_trip = np.zeros(len(trip_ids), dtype=bool)
    bad_trip[trip_of_row[bad_row]] = True
    bad_trip |= counts < 2
    keep_trip = ~bad_trip
    keep_row = keep_trip[trip_of_row]
    counts_kept = counts[keep_trip]
    kept_start = np.concatenate([[0], np.cumsum(counts_kept)]).astype(np.int64)
    arr_kept, dep_kept = _make_monotone(kept_start, arr[keep_row].astype(np.int32), dep[keep_row].astype(np.int32))
    source = TimetableSource(
        stop_ids=stop_ids,
        stop_names=names,
        stop_lat=lat,
        stop_lon=lon,
        trip_ids=[t for t, k in zip(trip_ids, keep_trip, strict=True) if k],
        trip_route_ids=[r for r, k in zip(trips["route_id"].astype(str).tolist(), keep_trip, strict=True) if k],
        trip_service_ids=[s for s, k in zip(trips["service_id"].astype(str).tolist(), keep_trip, strict=True) if k],
        trip_st_start=kept_start,
        st_stop=st["_stop"].to_numpy(dtype=np.int64)[keep_row].astype(np.int32),
        st_arr=arr_kept,
        st_dep=dep_kept,
        st_pickup=pick[keep_row],
        st_dropoff=drop[keep_row],
    )
    transfers: list[TransferInput] = []
    tr = getattr(feed, "transfers", None)
    if tr is not None and len(tr):
        has_trip_cols = [c for c in ("from_trip_id", "to_trip_id", "from_route_id", "to_route_id") if c in tr]
        for row in tr.itertuples(index=False):
            if any(not pd.isna(getattr(row, c)) for c in has_trip_cols):
                continue
            ttype = 0 if pd.isna(row.transfer_type) else int(row.transfer_type)
            mtt = getattr(row, "min_transfer_time", None)
            mtt = None if mtt is None or pd.isna(mtt) else int(mtt)
            transfers.append(TransferInput(str(row.from_stop_id), str(row.to_stop_id), ttype, mtt))
    source.transfers = transfers
    return source, calendar_from_gtfs_kit(feed)


def calendar_from_gtfs_kit(feed: Any) -> ServiceCalendar:
    """``calendar.txt`` + ``calendar_dates.txt`` (1 = added, 2 = removed) of a gtfs-kit feed."""
    import pandas as pd

    cal = ServiceCalendar()

    def parse(d: object) -> dt.date:
        return dt.datetime.strptime(str(d), "%Y%m%d").date()

    c = getattr(feed, "calendar", None)
    if c is not None and len(c):
        names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        for row in c.itertuples(index=False):
            days = tuple(int(getattr(row, n)) == 1 for n in names)
            cal.weekly[str(row.service_id)] = (days, parse(row.start_date), parse(row.end_date))
    cd = getattr(feed, "calendar_dates", None)
    if cd is not None and len(cd):
        for row in cd.itertuples(index=False):
            d = parse(row.date)
            ex = int(row.exception_type) if not pd.isna(row.exception_type) else 0
            if ex == 1:
                cal.added.setdefault(d, set()).add(str(row.service_id))
            elif ex == 2:
                cal.removed.setdefault(d, set()).add(str(row.service_id))
    return cal


def load_gtfs(path: str | Path) -> tuple[TimetableSource, ServiceCalendar]:
    """Read a GTFS zip with gtfs-kit and convert it."""
    import gtfs_kit

    return source_from_gtfs_kit(gtfs_kit.read_feed(Path(path), dist_units="km"))


def service_days_for(
    calendar: ServiceCalendar,
    date: dt.date,
    *,
    days: Sequence[int] = (-1, 0, 1),
    tz: ZoneInfo | None = None,
    service_zones: Mapping[str, str] | None = None,
) -> list[ServiceDay]:
    """``[(offset, active service ids of date + offset, shift seconds)]`` for ``build_timetable``.

    The shift is measured between the days' GTFS time zeros in ``tz`` (``day_shift_s``). With
    ``service_zones`` (service id → zone name) each zone's services of ``date + offset`` get
    their own entry, shifted by the seconds from the time zero of ``date`` in ``tz`` (UTC when
    ``None``) to the time zero of ``date + offset`` in their zone.
    """
    if not service_zones:
        return [(d, calendar.active_service_ids(date + dt.timedelta(days=d)), day_shift_s(date, d, tz)) for d in days]
    zero = service_day_reference(date, tz or ZoneInfo("UTC"))
    out: list[ServiceDay] = []
    for d in days:
        other = date + dt.timedelta(days=d)
        by_zone: dict[str, set[str]] = {}
        for service in calendar.active_service_ids(other):
            by_zone.setdefault(service_zones.get(service, ""), set()).add(service)
        for name in sorted(by_zone):
            if name:
                shift = int((service_day_reference(other, ZoneInfo(name)) - zero).total_seconds())
            else:
                shift = day_shift_s(date, d, tz)
            out.append((d, by_zone[name], shift))
    return out


def lookback_days_for(source: TimetableSource) -> int:
    """How many earlier service days can still run after today's GTFS zero: a trip whose
    times reach ``k × 24:00:00`` runs into the ``k``-th day after its own (at least 1)."""
    latest = int(source.st_arr.max()) if len(source.st_arr) else 0
    return max(1, latest // DAY_S)


def timetable_for_date(
    source: TimetableSource,
    calendar: ServiceCalendar,
    date: dt.date,
    *,
    config: TimetableConfig | None = None,
    window: tuple[int, int] = (0, 30 * 3600),
    tz: ZoneInfo | None = None,
    lookback_days: int | None = None,
) -> Timetable:
    """The timetable of service day ``date``: earlier days' trips still running after midnight
    (``lookback_days`` back, enough for the feed's largest time), today's trips, and tomorrow's
    trips departing before ``window[1]`` (default 06:00 next day). All times are seconds after
    GTFS time zero of ``date`` in ``tz`` (the agency's zone; ``None``: no clock changes). The
    services of another zone (``source.service_zones``) are placed by their own zone's time
    zeros on that axis: their day ``date + k`` starts at its zero there, minus the zero of
    ``date`` in ``tz``.
    """
    if lookback_days is None:
        lookback_days = lookback_days_for(source)
    days = (*range(-max(1, lookback_days), 0), 0, 1)
    zones = None
    if set(source.service_zones.values()) - {getattr(tz, "key", None)}:
        # zones are at most 26 h apart: two more days either way, the window keeps what runs
        zones = source.service_zones
        days = tuple(range(days[0] - 2, days[-1] + 3))
    service_days = service_days_for(calendar, date, days=days, tz=tz, service_zones=zones)
    return build_timetable(source, service_days, window=window, config=config)
