"""RAPTOR journey planning on a compiled ``Timetable`` (pure Python + numpy, no Django).

Times are seconds since midnight of the timetable's service day, walking distances are
walking metres (straight line × detour factor), see ``journeys.domain.timetable``.

Semantics (the test oracle implements the same, independently):

* A journey is: an access walk (or none), then 1…K+1 vehicle trips, each followed by a
  transfer, then an egress walk. Boarding at a stop needs a *board time* ≤ the trip's
  departure there: the departure time plus the access walk for the first trip; after a trip
  that arrived at stop ``q`` at ``t``: ``t + min transfer time of q`` at ``q`` itself, or
  ``t + footpath seconds`` at a stop reached by one footpath (no chained walks).
* The arrival of a journey is the vehicle arrival at an egress stop plus its egress walk.
  For a stop-to-stop query the origin's access is the stop itself (0 s) plus the footpaths
  leaving it, and the egress is the destination itself plus the footpaths into it.
* ``max_transfers`` = K allows K+1 trips (RAPTOR rounds). The result is the Pareto set over
  (arrival, number of trips): round k's earliest arrival is kept if it beats every round < k.
  A walk-only journey (0 trips) is part of the set when the walk is within ``max_walk_m``.

The implementation processes one round for *all* routes at once: for every route position
whose stop improved in the previous round, one ``np.searchsorted`` over ``dep_key`` gives the
earliest catchable trip; a segmented running minimum along each route (routes never overtake)
gives the trip in use at each later position; the arrivals are gathered and reduced per stop.

When numba can be imported, the rounds run instead in the compiled kernel of
``journeys.domain.raptor_kernel`` (a classic per-route scan with the same pruning and the same
tie-breaking, so the same journeys); it records parent pointers for the reconstruction. The
numpy rounds above remain the fallback. The first query of a process compiles the kernel (a few
seconds) or loads it from numba's cache in ``__pycache__``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

from .timetable import INF_TIME, KEY_STRIDE, Timetable

logger = logging.getLogger(__name__)

DEFAULT_MAX_TRANSFERS = 4
DEFAULT_MAX_WALK_M = 1000.0


# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """An origin or destination: a stop index, or a WGS84 coordinate (degrees).

    A coordinate may carry the walks a caller measured on a road graph: ``walks`` =
    ``((stop index, walking metres), ...)`` to (origin) or from (destination) the stops within
    reach, and ``direct_walk_m``, the walk between the query's origin and destination (on
    either place; ``inf``: no walk). Without them walks are straight line × detour factor.
    """

    stop: int | None = None
    lat: float | None = None
    lon: float | None = None
    walks: tuple[tuple[int, float], ...] | None = None
    direct_walk_m: float | None = None

    @classmethod
    def at_stop(cls, stop: int) -> Place:
        return cls(stop=int(stop))

    @classmethod
    def at(cls, lat: float, lon: float) -> Place:
        return cls(lat=float(lat), lon=float(lon))

    @property
    def is_stop(self) -> bool:
        return self.stop is not None


@dataclass(frozen=True)
class WalkLeg:
    """Walking; ``from_stop``/``to_stop`` are stop indices, ``None`` for the query coordinate."""

    from_stop: int | None
    to_stop: int | None
    depart: int  # seconds of the service day
    arrive: int
    walk_m: float  # walking metres
    kind: str = "walk"


@dataclass(frozen=True)
class TransitLeg:
    """One vehicle trip from ``board_stop`` to ``alight_stop`` (stop indices)."""

    trip_id: str
    route_id: str
    service_day_offset: int  # -1: yesterday's service running after midnight, 0 today, +1 tomorrow
    board_stop: int
    alight_stop: int
    board_stop_id: str
    alight_stop_id: str
    depart: int  # seconds of the service day
    arrive: int
    trip_instance: int  # index into Timetable.inst_trip
    kind: str = "transit"


Leg = WalkLeg | TransitLeg


@dataclass(frozen=True)
class Journey:
    """A journey: departure/arrival in seconds of the service day, transfers = trips − 1."""

    departure: int
    arrival: int
    transfers: int
    trips: int
    walk_m: float
    legs: tuple[Leg, ...]

    @property
    def duration_s(self) -> int:
        return self.arrival - self.departure


# --------------------------------------------------------------------------------------------
# The search
# --------------------------------------------------------------------------------------------


@dataclass
class _Round:
    """What one round computed, kept for reconstructing journeys on demand.

    Vehicle phase over the active segment positions ``idx``: ``e`` earliest catchable trip rank
    at each, ``cur`` the trip in use on arrival; the kept (improving) arrivals are
    ``alight_loc`` (into ``idx``), ``alight_arr``, ``alight_stop``; ``veh`` is the per-stop
    minimum. Transfer phase: candidate board labels ``(board_dst, board_time, board_src)``
    and the new labels ``board``. ``board_round`` is the round of every board label as it was
    when this round scanned the routes.
    """

    veh: np.ndarray
    board: np.ndarray | None = None
    idx: np.ndarray | None = None
    e: np.ndarray | None = None
    cur: np.ndarray | None = None
    alight_loc: np.ndarray | None = None
    alight_arr: np.ndarray | None = None
    alight_stop: np.ndarray | None = None
    board_round: np.ndarray | None = None
    board_dst: np.ndarray | None = None
    board_time: np.ndarray | None = None
    board_src: np.ndarray | None = None


@dataclass
class _Search:
    tt: Timetable
    depart: int
    access: dict[int, tuple[int, float]]  # stop -> (seconds, walking metres)
    egress: dict[int, tuple[int, float]]
    target: list[int]  # best target arrival with <= k trips, k = 0..rounds
    target_stop: list[int]  # egress stop of round k (-1 if round k did not improve)
    rounds: list[_Round] = field(default_factory=list)
    kern: _KernelRounds | None = None  # set instead of ``rounds`` by the numba kernel


@dataclass
class _KernelRounds:
    """Per-round parent pointers from ``raptor_kernel.raptor_rounds`` (rows = rounds, cols = stops)."""

    veh: np.ndarray
    board: np.ndarray
    alight_pos: np.ndarray
    board_pos: np.ndarray
    rank: np.ndarray
    board_src: np.ndarray


@dataclass
class _Aux:
    """Per-timetable arrays derived once for the search (cached on the timetable object)."""

    route_end: np.ndarray  # end position (exclusive) of each route
    route_offset: np.ndarray  # per position: route index × (max trips + 1), for segmented minima
    key_base: np.ndarray  # per position: position × KEY_STRIDE
    # transfer edges by origin stop: the stop itself (minimum transfer time, unless forbidden)
    # followed by its footpaths; tr_fp maps an edge to its footpath index (-1 for the stop itself)
    tr_from: np.ndarray
    tr_to: np.ndarray
    tr_secs: np.ndarray
    tr_fp: np.ndarray

    def tr_ok(self, fp_ok: np.ndarray) -> np.ndarray:
        return np.where(self.tr_fp < 0, True, fp_ok[np.maximum(self.tr_fp, 0)])


def _aux(tt: Timetable) -> _Aux:
    cached: _Aux | None = getattr(tt, "_aux_cache", None)
    if cached is not None:
        return cached
    n_pos = len(tt.pos_stop)
    stride = int(tt.pos_ntrips.max()) + 1 if n_pos else 1
    fp_from = np.repeat(np.arange(tt.n_stops, dtype=np.int64), np.diff(tt.fp_start))
    self_ok = tt.stop_transfer_s < INF_TIME
    selfs = np.flatnonzero(self_ok)
    tr_from = np.concatenate([selfs, fp_from])
    tr_to = np.concatenate([selfs, tt.fp_to.astype(np.int64)])
    tr_secs = np.concatenate([tt.stop_transfer_s[selfs], tt.fp_seconds])
    tr_fp = np.concatenate([np.full(len(selfs), -1, dtype=np.int64), np.arange(len(fp_from), dtype=np.int64)])
    order = np.argsort(tr_from, kind="stable")
    aux = _Aux(
        route_end=tt.route_pos_start[1:].astype(np.int64),
        route_offset=tt.pos_route.astype(np.int64) * stride,
        key_base=np.arange(n_pos, dtype=np.int64) * KEY_STRIDE,
        tr_from=tr_from[order],
        tr_to=tr_to[order],
        tr_secs=tr_secs[order],
        tr_fp=tr_fp[order],
    )
    tt._aux_cache = aux  # type: ignore[attr-defined]
    return aux


def _access_arrays(access: dict[int, tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    stops = np.fromiter(access.keys(), dtype=np.int64, count=len(access))
    secs = np.fromiter((v[0] for v in access.values()), dtype=np.int64, count=len(access))
    return stops, secs


_KERNEL: ModuleType | bool | None = None  # the numba kernel module, False if unavailable, None: not tried


def _kernel() -> ModuleType | None:
    """``raptor_kernel`` if numba can be imported (imported lazily, once), else None (numpy path).

    The numpy rounds give the same answers (``tests/journeys/test_raptor_kernels.py`` runs both
    on the same queries) but are several times slower, so falling back is logged."""
    global _KERNEL
    if _KERNEL is None:
        try:
            from . import raptor_kernel
        except Exception as exc:  # numba missing or broken: keep the numpy implementation
            logger.warning("numba kernel unavailable, RAPTOR runs its slower numpy rounds: %r", exc)
            _KERNEL = False
        else:
            _KERNEL = raptor_kernel
    return _KERNEL if isinstance(_KERNEL, ModuleType) else None


@dataclass
class _KAux:
    """The timetable arrays in the kernel's dtypes (int64 / bool, contiguous), cached per timetable."""

    pos_stop: np.ndarray
    pos_route: np.ndarray
    route_pos_start: np.ndarray
    pos_ntrips: np.ndarray
    pos_col_start: np.ndarray
    can_board: np.ndarray
    can_alight: np.ndarray
    times_tm: np.ndarray  # arrival times trip-major: route r's trip j at its i-th position is
    route_tm_start: np.ndarray  # times_tm[route_tm_start[r] + j * (route length) + i]
    dep_key: np.ndarray
    stop_pos_start: np.ndarray
    stop_pos: np.ndarray
    tr_start: np.ndarray
    tr_to: np.ndarray
    tr_secs: np.ndarray
    tr_all_ok: np.ndarray


def _kaux(tt: Timetable) -> _KAux:
    cached: _KAux | None = getattr(tt, "_kaux_cache", None)
    if cached is not None:
        return cached
    aux = _aux(tt)

    def i64(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a, dtype=np.int64)

    def b(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a, dtype=np.bool_)

    # trip-major copy of times_arr: the route scan reads one trip's arrivals at consecutive positions
    route_len = np.diff(tt.route_pos_start).astype(np.int64)
    route_nt = np.diff(tt.route_trip_start).astype(np.int64)
    route_tm_start = np.concatenate([[0], np.cumsum(route_len * route_nt)]).astype(np.int64)
    n_pos = len(tt.pos_stop)
    cell_pos = np.repeat(np.arange(n_pos, dtype=np.int64), tt.pos_ntrips)
    cell_rank = np.arange(len(cell_pos), dtype=np.int64) - np.asarray(tt.pos_col_start, dtype=np.int64)[cell_pos]
    pos_route = np.asarray(tt.pos_route, dtype=np.int64)
    pos_i = np.arange(n_pos, dtype=np.int64) - np.asarray(tt.route_pos_start, dtype=np.int64)[pos_route]
    cell_route = pos_route[cell_pos]
    times_tm = np.empty(len(cell_pos), dtype=np.int64)
    times_tm[route_tm_start[cell_route] + cell_rank * route_len[cell_route] + pos_i[cell_pos]] = tt.times_arr
    kaux = _KAux(
        pos_stop=i64(tt.pos_stop),
        pos_route=i64(tt.pos_route),
        route_pos_start=i64(tt.route_pos_start),
        pos_ntrips=i64(tt.pos_ntrips),
        pos_col_start=i64(tt.pos_col_start),
        can_board=b(tt.pos_can_board),
        can_alight=b(tt.pos_can_alight),
        times_tm=times_tm,
        route_tm_start=route_tm_start,
        dep_key=i64(tt.dep_key),
        stop_pos_start=i64(tt.stop_pos_start),
        stop_pos=i64(tt.stop_pos),
        tr_start=i64(np.searchsorted(aux.tr_from, np.arange(tt.n_stops + 1))),
        tr_to=i64(aux.tr_to),
        tr_secs=i64(aux.tr_secs),
        tr_all_ok=np.ones(len(aux.tr_to), dtype=np.bool_),
    )
    tt._kaux_cache = kaux  # type: ignore[attr-defined]
    return kaux


def _run_kernel(
    kern: ModuleType,
    tt: Timetable,
    access: dict[int, tuple[int, float]],
    egress: dict[int, tuple[int, float]],
    depart: int,
    max_trips: int,
    walk_only: int | None,
    fp_ok: np.ndarray | None,
    limit: int | None,
    prior: list[int] | None,
) -> _Search:
    """``_run`` with the rounds in the numba kernel (same labels, targets and journeys)."""
    inf = int(INF_TIME)
    ka = _kaux(tt)
    acc_stops, acc_secs = _access_arrays(access)
    eg_stops, eg_secs = _access_arrays(egress)
    prior_arr = np.full(max_trips + 2, inf, dtype=np.int64)
    if prior is not None:
        m = min(len(prior), max_trips + 2)
        prior_arr[:m] = prior[:m]
    tr_ok = ka.tr_all_ok if fp_ok is None else np.ascontiguousarray(_aux(tt).tr_ok(fp_ok), dtype=np.bool_)
    target_best = inf if walk_only is None else int(walk_only)
    cap = inf if limit is None else int(limit) + 1
    veh, board, alight_pos, board_pos, rank, board_src, target, target_stop, n_rounds = kern.raptor_rounds(
        tt.n_stops,
        ka.pos_stop,
        ka.pos_route,
        ka.route_pos_start,
        ka.pos_ntrips,
        ka.pos_col_start,
        ka.can_board,
        ka.can_alight,
        ka.times_tm,
        ka.route_tm_start,
        ka.dep_key,
        int(tt.time_base),
        int(KEY_STRIDE),
        ka.stop_pos_start,
        ka.stop_pos,
        ka.tr_start,
        ka.tr_to,
        ka.tr_secs,
        tr_ok,
        acc_stops,
        depart + acc_secs,
        eg_stops,
        eg_secs,
        max_trips,
        target_best,
        cap,
        prior_arr,
        inf,
    )
    n_rounds = int(n_rounds)
    targets = target[:n_rounds].tolist()
    stops = target_stop[:n_rounds].tolist()
    targets += [targets[-1]] * (max_trips + 1 - n_rounds)
    stops += [-1] * (max_trips + 1 - n_rounds)
    search = _Search(tt, depart, access, egress, targets, stops)
    search.kern = _KernelRounds(veh, board, alight_pos, board_pos, rank, board_src)
    if limit is not None:
        for k, value in enumerate(search.target):
            if value > limit:
                search.target[k] = inf
                search.target_stop[k] = -1
    return search


def _run(
    tt: Timetable,
    access: dict[int, tuple[int, float]],
    egress: dict[int, tuple[int, float]],
    depart: int,
    max_trips: int,
    walk_only: int | None,
    fp_ok: np.ndarray | None,
    limit: int | None = None,
    prior: list[int] | None = None,
) -> _Search:
    """Run RAPTOR rounds 1..max_trips; ``walk_only`` is the walk-only arrival (or None).

    With ``limit`` (seconds of the service day) labels later than ``limit`` are pruned: the
    per-round targets are exact where they are ≤ ``limit`` and unknown (reported as "none")
    otherwise, since every label on a journey is at most its arrival.

    ``prior[k]`` (range queries) is the best arrival with at most k trips already known from a
    later departure: labels of round k that cannot beat it are pruned, so round k only reports
    arrivals that are not dominated by that later journey (others may be missing or inexact).

    Runs the numba kernel (``raptor_kernel``) when numba is available, else the numpy rounds.
    """
    kern = _kernel()
    if kern is not None:
        return _run_kernel(kern, tt, access, egress, depart, max_trips, walk_only, fp_ok, limit, prior)
    n = tt.n_stops
    inf = INF_TIME
    best_board = np.full(n, inf, dtype=np.int64)
    board_round = np.full(n, -1, dtype=np.int64)
    best_veh = np.full(n, inf, dtype=np.int64)
    acc_stops, acc_secs = _access_arrays(access)
    eg_stops, eg_secs = _access_arrays(egress)
    if len(acc_stops):
        best_board[acc_stops] = depart + acc_secs
        board_round[acc_stops] = 0
    marked = np.zeros(n, dtype=bool)
    marked[acc_stops] = True
    target_best = inf if walk_only is None else np.int64(walk_only)
    cap = inf if limit is None else np.int64(limit + 1)
    bound: int | np.int64 = min(target_best, cap)
    search = _Search(tt, depart, access, egress, [int(target_best)], [-1])
    search.rounds.append(_Round(veh=np.full(n, inf, dtype=np.int64), board=best_board.copy()))

    aux = _aux(tt)
    pos_stop, ntrips, col = tt.pos_stop, tt.pos_ntrips, tt.pos_col_start
    route_end, route_offset, key_base = aux.route_end, aux.route_offset, aux.key_base
    can_board, can_alight = tt.pos_can_board, tt.pos_can_alight
    times_arr, dep_key, time_base = tt.times_arr, tt.dep_key, tt.time_base
    tr_from, tr_to, tr_secs = aux.tr_from, aux.tr_to, aux.tr_secs
    tr_ok = None if fp_ok is None else aux.tr_ok(fp_ok)

    for k in range(1, max_trips + 1):
        # 1. positions where a stop improved last round and boarding is allowed (ascending)
        mp = np.flatnonzero(marked[pos_stop] & can_board)
        veh = np.full(n, inf, dtype=np.int64)
        rnd = _Round(veh=veh)
        if len(mp):
            # active segments: from each route's first marked position to the route's end
            mroute = tt.pos_route[mp]
            new_route = np.empty(len(mp), dtype=bool)
            new_route[0] = True
            np.not_equal(mroute[1:], mroute[:-1], out=new_route[1:])
            seg_first = mp[new_route]
            seg_len = route_end[mroute[new_route]] - seg_first
            seg_end = np.cumsum(seg_len)
            seg_off = seg_end - seg_len
            idx = np.arange(int(seg_end[-1]), dtype=np.int64) + np.repeat(seg_first - seg_off, seg_len)
            # 2. earliest catchable trip at each marked position (one searchsorted for all)
            keys = key_base[mp] + np.maximum(best_board[pos_stop[mp]] - time_base, 0)
            nt = ntrips[idx]
            e = nt.copy()
            e[np.searchsorted(idx, mp)] = np.searchsorted(dep_key, keys) - col[mp]
            # 3. trip in use on arrival at each position: running minimum of e within the segment
            shift = route_offset[idx]
            cur = np.empty_like(e)
            cur[1:] = (np.minimum.accumulate(e - shift) + shift)[:-1]
            cur[seg_off] = nt[seg_off]
            vloc = np.flatnonzero((cur < nt) & can_alight[idx])
            vidx = idx[vloc]
            arr = times_arr[col[vidx] + cur[vloc]]
            vstop = pos_stop[vidx]
            keep = arr < np.minimum(best_veh[vstop], bound if prior is None else min(bound, prior[k]))
            vloc, arr, vstop = vloc[keep], arr[keep], vstop[keep]
            np.minimum.at(veh, vstop, arr)
            rnd.idx, rnd.e, rnd.cur = idx, e, cur
            rnd.alight_loc, rnd.alight_arr, rnd.alight_stop = vloc, arr, vstop
            rnd.board_round = board_round.copy()
            np.minimum(best_veh, veh, out=best_veh)
        # 4. target
        if len(eg_stops):
            vals = veh[eg_stops] + eg_secs
            j = int(np.argmin(vals))
            if vals[j] < target_best:
                target_best = vals[j]
                bound = min(target_best, cap)
                search.target_stop.append(int(eg_stops[j]))
            else:
                search.target_stop.append(-1)
        else:
            search.target_stop.append(-1)
        search.target.append(int(target_best))
        # 5. transfers: same stop (minimum transfer time) or one footpath
        fi = np.flatnonzero(veh[tr_from] < inf)
        if tr_ok is not None:
            fi = fi[tr_ok[fi]]
        src = tr_from[fi]
        dst = tr_to[fi]
        tim = veh[src] + tr_secs[fi]
        next_bound = bound if prior is None or k + 1 >= len(prior) else min(bound, prior[k + 1])
        keep = tim < np.minimum(best_board[dst], next_bound)
        dst, tim, src = dst[keep], tim[keep], src[keep]
        newb = np.full(n, inf, dtype=np.int64)
        np.minimum.at(newb, dst, tim)
        marked = newb < inf
        np.minimum(best_board, newb, out=best_board)
        board_round[marked] = k
        rnd.board, rnd.board_dst, rnd.board_time, rnd.board_src = newb, dst, tim, src
        search.rounds.append(rnd)
        if not marked.any():
            break
    while len(search.target) < max_trips + 1:
        search.target.append(int(target_best))
        search.target_stop.append(-1)
    if limit is not None:
        for k, value in enumerate(search.target):
            if value > limit:
                search.target[k] = int(inf)
                search.target_stop[k] = -1
    return search


# --------------------------------------------------------------------------------------------
# Access, egress and journey reconstruction
# --------------------------------------------------------------------------------------------


def _fp_from(tt: Timetable) -> np.ndarray:
    cached = getattr(tt, "_fp_from_cache", None)
    if cached is None:
        cached = np.repeat(np.arange(tt.n_stops, dtype=np.int64), np.diff(tt.fp_start))
        tt._fp_from_cache = cached  # type: ignore[attr-defined]
    return cached


def _fp_in(tt: Timetable) -> tuple[np.ndarray, np.ndarray]:
    """Footpath indices grouped by destination stop (ascending within each), with CSR starts."""
    cached = getattr(tt, "_fp_in_cache", None)
    if cached is None:
        order = np.argsort(tt.fp_to, kind="stable")
        start = np.searchsorted(tt.fp_to[order], np.arange(tt.n_stops + 1))
        cached = (order, start)
        tt._fp_in_cache = cached  # type: ignore[attr-defined]
    return cached


def _endpoint_walks(tt: Timetable, place: Place, max_walk_m: float, outgoing: bool) -> dict[int, tuple[int, float]]:
    """Stops reachable on foot from (outgoing) or to (not outgoing) a place: stop -> (s, m)."""
    if place.is_stop:
        stop = int(place.stop)  # type: ignore[arg-type]
        if not 0 <= stop < tt.n_stops:
            raise ValueError(f"stop index {stop} out of range")
        walks: dict[int, tuple[int, float]] = {stop: (0, 0.0)}
        if outgoing:
            a, b = tt.fp_start[stop], tt.fp_start[stop + 1]
            idx = np.arange(a, b)
            others = tt.fp_to[idx]
        else:
            order, start = _fp_in(tt)
            idx = order[start[stop] : start[stop + 1]]  # = np.flatnonzero(tt.fp_to == stop)
            others = _fp_from(tt)[idx]
        metres, secs = tt.fp_metres[idx].tolist(), tt.fp_seconds[idx].tolist()
        for o, m, t in zip(others.tolist(), metres, secs, strict=True):
            if m <= max_walk_m and o not in walks:
                walks[o] = (int(t), float(m))
        return walks
    if place.walks is not None:
        given = [(int(s), float(m)) for s, m in place.walks if m <= max_walk_m]
        secs_given = tt.walk_seconds(np.array([m for _, m in given], dtype=np.float64)).tolist()
        return {s: (int(t), m) for (s, m), t in zip(given, secs_given, strict=True)}
    if place.lat is None or place.lon is None:
        raise ValueError("a place needs a stop or a coordinate")
    stops, metres = tt.stops_near(place.lat, place.lon, max_walk_m)
    secs = tt.walk_seconds(metres)
    return {int(s): (int(t), float(m)) for s, t, m in zip(stops, secs, metres, strict=True)}


def _direct_walk(tt: Timetable, origin: Place, destination: Place, max_walk_m: float) -> tuple[int, float] | None:
    """Walk-only option (seconds, metres) if within ``max_walk_m``."""
    if origin.is_stop and destination.is_stop:
        if origin.stop == destination.stop:
            return 0, 0.0
        to, secs, metres = tt.footpaths_from(int(origin.stop))  # type: ignore[arg-type]
        hit = np.flatnonzero(to == destination.stop)
        if len(hit) and metres[hit[0]] <= max_walk_m:
            return int(secs[hit[0]]), float(metres[hit[0]])
        return None

    def coord(p: Place) -> tuple[float, float]:
        if p.is_stop:
            return float(tt.stop_lat[p.stop]), float(tt.stop_lon[p.stop])
        return float(p.lat), float(p.lon)  # type: ignore[arg-type]

    given = origin.direct_walk_m if origin.direct_walk_m is not None else destination.direct_walk_m
    if given is not None:
        if not given <= max_walk_m:
            return None
        return int(tt.walk_seconds(given)), float(given)
    (la1, lo1), (la2, lo2) = coord(origin), coord(destination)
    walk_m = tt.walk_m(la1, lo1, la2, lo2)
    if walk_m > max_walk_m:
        return None
    return int(tt.walk_seconds(walk_m)), walk_m


def _fp_metres(tt: Timetable, a: int, b: int) -> float:
    to, _secs, metres = tt.footpaths_from(a)
    hit = np.flatnonzero(to == b)
    return float(metres[hit[0]]) if len(hit) else 0.0


def _reconstruct(search: _Search, k: int, origin_is_stop: bool, dest_is_stop: bool) -> list[Leg]:
    """Legs (forward in the search's timetable) of the round-k journey to the target."""
    if search.kern is not None:
        return _reconstruct_kernel(search, k, origin_is_stop, dest_is_stop)
    tt = search.tt
    stop = search.target_stop[k]
    legs: list[Leg] = []
    eg_secs, eg_m = search.egress[stop]
    rnd = search.rounds[k]
    t_alight = int(rnd.veh[stop])
    if eg_secs > 0 or not dest_is_stop:
        legs.append(WalkLeg(stop, None if not dest_is_stop else _dest_stop(search), t_alight, t_alight + eg_secs, eg_m))
    r = k
    while True:
        rnd = search.rounds[r]
        assert rnd.idx is not None and rnd.e is not None and rnd.cur is not None
        assert rnd.alight_loc is not None and rnd.board_round is not None
        # the kept arrival that set veh[stop] in this round
        hit = np.flatnonzero((rnd.alight_stop == stop) & (rnd.alight_arr == rnd.veh[stop]))
        loc = int(rnd.alight_loc[hit[0]])
        pos = int(rnd.idx[loc])
        rank = int(rnd.cur[loc])
        # boarding: the last earlier position of the segment where the trip in use got earlier
        flags = np.flatnonzero(rnd.e[:loc] < rnd.cur[:loc])
        bpos = int(rnd.idx[flags[-1]])
        bstop = int(tt.pos_stop[bpos])
        bround = int(rnd.board_round[bstop])
        route = int(tt.pos_route[pos])
        inst = int(tt.route_trips[tt.route_trip_start[route] + rank])
        t_board = int(tt.times_dep[tt.pos_col_start[bpos] + rank])
        t_arr = int(tt.times_arr[tt.pos_col_start[pos] + rank])
        trip = int(tt.inst_trip[inst])
        legs.append(
            TransitLeg(
                trip_id=tt.trip_ids[trip],
                route_id=tt.trip_route_ids[trip],
                service_day_offset=int(tt.inst_day[inst]),
                board_stop=bstop,
                alight_stop=stop,
                board_stop_id=tt.stop_ids[bstop],
                alight_stop_id=tt.stop_ids[stop],
                depart=t_board,
                arrive=t_arr,
                trip_instance=inst,
            )
        )
        if bround == 0:
            acc_secs, acc_m = search.access[bstop]
            if acc_secs > 0 or not origin_is_stop:
                origin_stop = _origin_stop(search) if origin_is_stop else None
                legs.append(WalkLeg(origin_stop, bstop, t_board - acc_secs, t_board, acc_m))
            break
        prev = search.rounds[bround]
        assert prev.board is not None and prev.board_src is not None
        hit = np.flatnonzero((prev.board_dst == bstop) & (prev.board_time == prev.board[bstop]))
        src = int(prev.board_src[hit[0]])
        t_src = int(prev.veh[src])
        if src != bstop:
            secs = _fp_seconds(tt, src, bstop)
            legs.append(WalkLeg(src, bstop, t_src, t_src + secs, _fp_metres(tt, src, bstop)))
        stop, r = src, bround
    legs.reverse()
    return legs


def _transit_leg(tt: Timetable, route: int, rank: int, bpos: int, pos: int) -> TransitLeg:
    inst = int(tt.route_trips[tt.route_trip_start[route] + rank])
    trip = int(tt.inst_trip[inst])
    bstop, stop = int(tt.pos_stop[bpos]), int(tt.pos_stop[pos])
    return TransitLeg(
        trip_id=tt.trip_ids[trip],
        route_id=tt.trip_route_ids[trip],
        service_day_offset=int(tt.inst_day[inst]),
        board_stop=bstop,
        alight_stop=stop,
        board_stop_id=tt.stop_ids[bstop],
        alight_stop_id=tt.stop_ids[stop],
        depart=int(tt.times_dep[tt.pos_col_start[bpos] + rank]),
        arrive=int(tt.times_arr[tt.pos_col_start[pos] + rank]),
        trip_instance=inst,
    )


def _reconstruct_kernel(search: _Search, k: int, origin_is_stop: bool, dest_is_stop: bool) -> list[Leg]:
    """``_reconstruct`` from the kernel's parent pointers (the same legs)."""
    tt = search.tt
    kr = search.kern
    assert kr is not None
    stop = search.target_stop[k]
    legs: list[Leg] = []
    eg_secs, eg_m = search.egress[stop]
    t_alight = int(kr.veh[k, stop])
    if eg_secs > 0 or not dest_is_stop:
        legs.append(WalkLeg(stop, None if not dest_is_stop else _dest_stop(search), t_alight, t_alight + eg_secs, eg_m))
    r = k
    while True:
        pos = int(kr.alight_pos[r, stop])
        bpos = int(kr.board_pos[r, stop])
        leg = _transit_leg(tt, int(tt.pos_route[pos]), int(kr.rank[r, stop]), bpos, pos)
        legs.append(leg)
        bstop, bround = leg.board_stop, r - 1
        if bround == 0:
            acc_secs, acc_m = search.access[bstop]
            if acc_secs > 0 or not origin_is_stop:
                origin_stop = _origin_stop(search) if origin_is_stop else None
                legs.append(WalkLeg(origin_stop, bstop, leg.depart - acc_secs, leg.depart, acc_m))
            break
        src = int(kr.board_src[bround, bstop])
        t_src = int(kr.veh[bround, src])
        if src != bstop:
            # the first footpath src -> bstop, as _fp_seconds/_fp_metres pick it
            a = int(tt.fp_start[src])
            i = a + tt.fp_to[a : tt.fp_start[src + 1]].tolist().index(bstop)
            secs = int(tt.fp_seconds[i])
            legs.append(WalkLeg(src, bstop, t_src, t_src + secs, float(tt.fp_metres[i])))
        stop, r = src, bround
    legs.reverse()
    return legs


def _fp_seconds(tt: Timetable, a: int, b: int) -> int:
    to, secs, _m = tt.footpaths_from(a)
    hit = np.flatnonzero(to == b)
    return int(secs[hit[0]])


def _origin_stop(search: _Search) -> int:
    return next(s for s, (secs, _m) in search.access.items() if secs == 0)


def _dest_stop(search: _Search) -> int:
    return next(s for s, (secs, _m) in search.egress.items() if secs == 0)


def _journey(legs: list[Leg]) -> Journey:
    trips = sum(isinstance(leg, TransitLeg) for leg in legs)
    return Journey(
        departure=legs[0].depart,
        arrival=legs[-1].arrive,
        transfers=max(0, trips - 1),
        trips=trips,
        walk_m=round(sum(leg.walk_m for leg in legs if isinstance(leg, WalkLeg)), 1),
        legs=tuple(legs),
    )


def _flip(legs: list[Leg], fwd: Timetable) -> list[Leg]:
    """Turn legs found in the reversed timetable into forward legs."""
    out: list[Leg] = []
    for leg in reversed(legs):
        if isinstance(leg, WalkLeg):
            out.append(WalkLeg(leg.to_stop, leg.from_stop, -leg.arrive, -leg.depart, leg.walk_m))
        else:
            out.append(
                TransitLeg(
                    trip_id=leg.trip_id,
                    route_id=leg.route_id,
                    service_day_offset=leg.service_day_offset,
                    board_stop=leg.alight_stop,
                    alight_stop=leg.board_stop,
                    board_stop_id=leg.alight_stop_id,
                    alight_stop_id=leg.board_stop_id,
                    depart=-leg.arrive,
                    arrive=-leg.depart,
                    trip_instance=leg.trip_instance,
                )
            )
    return out


def _fp_mask(tt: Timetable, max_transfer_walk_m: float | None) -> np.ndarray | None:
    if max_transfer_walk_m is None or max_transfer_walk_m >= tt.config.max_transfer_walk_m:
        return None
    return tt.fp_metres <= max_transfer_walk_m


def _check(max_transfers: int, max_walk_m: float) -> None:
    if not 0 <= max_transfers <= 10:
        raise ValueError("max_transfers must be between 0 and 10")
    if max_walk_m < 0:
        raise ValueError("max_walk_m must not be negative")


def _pareto(
    search: _Search, walk: tuple[int, float] | None, origin: Place, destination: Place, start_time: int
) -> list[list[Leg]]:
    found: list[list[Leg]] = []
    if walk is not None:
        o = origin.stop if origin.is_stop else None
        d = destination.stop if destination.is_stop else None
        found.append([WalkLeg(o, d, start_time, start_time + walk[0], walk[1])])
    for k in range(1, len(search.target)):
        if search.target[k] < search.target[k - 1] and search.target_stop[k] >= 0:
            found.append(_reconstruct(search, k, origin.is_stop, destination.is_stop))
    return found


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def earliest_arrival(
    tt: Timetable,
    origin: Place,
    destination: Place,
    depart_at: int,
    *,
    max_transfers: int = DEFAULT_MAX_TRANSFERS,
    max_walk_m: float = DEFAULT_MAX_WALK_M,
    max_transfer_walk_m: float | None = None,
    max_duration_s: int | None = None,
) -> list[Journey]:
    """Pareto-optimal journeys over (arrival, trips) leaving at or after ``depart_at``.

    ``depart_at`` in seconds of the service day; ``max_walk_m`` limits the access and the egress
    walk (walking metres each); ``max_transfer_walk_m`` optionally limits walks between stops
    below the compiled footpath limit; ``max_duration_s`` drops journeys arriving after
    ``depart_at + max_duration_s`` (and prunes the search accordingly). Sorted by number of
    trips (fastest last); empty if the destination cannot be reached.
    """
    _check(max_transfers, max_walk_m)
    access = _endpoint_walks(tt, origin, max_walk_m, outgoing=True)
    egress = _endpoint_walks(tt, destination, max_walk_m, outgoing=False)
    walk = _direct_walk(tt, origin, destination, max_walk_m)
    limit = None if max_duration_s is None else depart_at + int(max_duration_s)
    if walk is not None and limit is not None and depart_at + walk[0] > limit:
        walk = None
    walk_only = None if walk is None else depart_at + walk[0]
    search = _run(tt, access, egress, depart_at, max_transfers + 1, walk_only, _fp_mask(tt, max_transfer_walk_m), limit)
    return [_journey(legs) for legs in _pareto(search, walk, origin, destination, depart_at)]


def latest_departure(
    tt: Timetable,
    origin: Place,
    destination: Place,
    arrive_by: int,
    *,
    max_transfers: int = DEFAULT_MAX_TRANSFERS,
    max_walk_m: float = DEFAULT_MAX_WALK_M,
    max_transfer_walk_m: float | None = None,
    max_duration_s: int | None = None,
) -> list[Journey]:
    """Pareto-optimal journeys over (departure, trips) arriving at or before ``arrive_by``.

    Reverse RAPTOR: an earliest-arrival search on ``tt.reversed()`` from the destination at
    ``-arrive_by``. ``max_duration_s`` drops journeys leaving before ``arrive_by -
    max_duration_s``. Sorted by number of trips (latest departure last).
    """
    _check(max_transfers, max_walk_m)
    rev = tt.reversed()
    access = _endpoint_walks(tt, destination, max_walk_m, outgoing=False)
    egress = _endpoint_walks(tt, origin, max_walk_m, outgoing=True)
    walk = _direct_walk(tt, origin, destination, max_walk_m)
    limit = None if max_duration_s is None else -arrive_by + int(max_duration_s)
    if walk is not None and limit is not None and -arrive_by + walk[0] > limit:
        walk = None
    walk_only = None if walk is None else -arrive_by + walk[0]
    search = _run(
        rev, access, egress, -arrive_by, max_transfers + 1, walk_only, _fp_mask(rev, max_transfer_walk_m), limit
    )
    journeys = []
    for legs in _pareto(search, walk, destination, origin, -arrive_by):
        journeys.append(_journey(_flip(legs, tt)))
    return journeys


def range_query(
    tt: Timetable,
    origin: Place,
    destination: Place,
    window_start: int,
    window_end: int,
    *,
    max_transfers: int = DEFAULT_MAX_TRANSFERS,
    max_walk_m: float = DEFAULT_MAX_WALK_M,
    max_transfer_walk_m: float | None = None,
) -> list[Journey]:
    """All Pareto-optimal journeys over (departure ↑, arrival ↓, trips ↓) departing in a window.

    Runs an earliest-arrival search for each distinct time at which a trip can be boarded
    from the origin within ``[window_start, window_end]`` and
    keeps the non-dominated journeys, sorted by departure. If the destination is within walking
    distance, one walk-only journey (leaving at ``window_start``) is listed and only vehicle
    journeys faster than the walk. Runs go from the latest departure to
    the earliest, and each run prunes what the later ones already beat (rRAPTOR's idea, applied
    as per-round arrival bounds rather than by reusing labels).
    """
    _check(max_transfers, max_walk_m)
    if window_end < window_start:
        raise ValueError("window_end before window_start")
    access = _endpoint_walks(tt, origin, max_walk_m, outgoing=True)
    starts: set[int] = {window_start}
    for stop, (secs, _m) in access.items():
        a, b = tt.stop_pos_start[stop], tt.stop_pos_start[stop + 1]
        for p in tt.stop_pos[a:b].tolist():
            if not tt.pos_can_board[p]:
                continue
            c0 = tt.pos_col_start[p]
            deps = tt.times_dep[c0 : c0 + tt.pos_ntrips[p]] - secs
            starts.update(deps[(deps >= window_start) & (deps <= window_end)].tolist())
    egress = _endpoint_walks(tt, destination, max_walk_m, outgoing=False)
    walk = _direct_walk(tt, origin, destination, max_walk_m)
    fp_ok = _fp_mask(tt, max_transfer_walk_m)
    candidates: list[Journey] = []
    # rRAPTOR-style: latest departure first; what later departures reach bounds earlier ones
    prior = [int(INF_TIME)] * (max_transfers + 2)
    for t in sorted(starts, reverse=True):
        walk_only = None if walk is None else t + walk[0]
        search = _run(tt, access, egress, t, max_transfers + 1, walk_only, fp_ok, None, prior)
        candidates.extend(_journey(legs) for legs in _pareto(search, None, origin, destination, t))
        prior = [min(p, v) for p, v in zip(prior, search.target, strict=True)]
    kept: list[Journey] = []
    if walk is not None:
        # walking can start at any time: one walk-only journey (leaving at the window start),
        # and only vehicle journeys faster than walking are worth listing
        o = origin.stop if origin.is_stop else None
        d = destination.stop if destination.is_stop else None
        kept.append(_journey([WalkLeg(o, d, window_start, window_start + walk[0], walk[1])]))
        candidates = [j for j in candidates if j.duration_s < walk[0]]
    seen: set[tuple[int, int, int]] = set()
    for j in candidates:
        if j.departure < window_start or j.departure > window_end:
            continue
        key = (j.departure, j.arrival, j.trips)
        if key in seen:
            continue
        dominated = any(
            o.departure >= j.departure
            and o.arrival <= j.arrival
            and o.trips <= j.trips
            and (o.departure, o.arrival, o.trips) != key
            for o in candidates
            if window_start <= o.departure <= window_end
        )
        if not dominated:
            seen.add(key)
            kept.append(j)
    kept.sort(key=lambda j: (j.departure, j.trips))
    return kept


def earliest_arrival_by_trips(
    tt: Timetable, origin_stop: int, destination_stop: int, depart_at: int, *, max_transfers: int = 4
) -> list[int | None]:
    """Earliest arrival at a stop with at most k trips, for k = 0..max_transfers+1 (None: none).

    The raw RAPTOR labels (used by tests and the benchmark); k = 0 is the walk-only option.
    """
    origin, destination = Place.at_stop(origin_stop), Place.at_stop(destination_stop)
    inf_walk = float("inf")
    access = _endpoint_walks(tt, origin, inf_walk, outgoing=True)
    egress = _endpoint_walks(tt, destination, inf_walk, outgoing=False)
    walk = _direct_walk(tt, origin, destination, inf_walk)
    walk_only = None if walk is None else depart_at + walk[0]
    search = _run(tt, access, egress, depart_at, max_transfers + 1, walk_only, None)
    return [None if t >= INF_TIME else int(t) for t in search.target]
