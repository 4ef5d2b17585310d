"""Exact insertion of an on-demand ride into a vehicle's run (the Bürgerbus Rufbus).

No Django here. Units: seconds; absolute times are POSIX seconds (UTC). Nodes are road
graph node indices; ``tt(a, b)`` is the fastest driving time in seconds from ``a`` to ``b``
(the ride-sharing road graph's CCH in production, any exact shortest-path metric in tests).

The rules are those of ride-sharing (``rides.domain.matching``), for a vehicle that may wait:

* A run starts at ``start_node`` at ``start_s`` and must be back at ``end_node`` by ``end_s``;
  in between it serves stops in order. Each stop takes ``dwell_s`` (boarding or alighting).
* The pickup ``p`` is inserted before old stop ``i`` and the drop-off ``q`` before old stop
  ``j >= i`` (``i == j``: straight from ``p`` to ``q``). The added driving time is
  ``t(s_{i-1},p) + t(p,q) + t(q,s_i) - t(s_{i-1},s_i)`` when ``i == j``, else
  ``t(s_{i-1},p) + t(p,s_i) - t(s_{i-1},s_i) + t(s_{j-1},q) + t(q,s_j) - t(s_{j-1},s_j)``
  (``s_{-1}`` is the start, ``s_n`` the end).
* The schedule is "as soon as possible": the vehicle drives on at once and, if early, waits
  at a pickup until the window opens (never at a drop-off).
* Feasible when every pickup is served inside its promised window ``[earliest, latest]``;
  every rider's ride (pickup to drop-off service times) stays within their ``max_ride_s``
  (the detour limit of riders already on board) and arrives by their latest drop-off; the
  seats in use on every stretch never exceed the capacity; and the run ends by ``end_s``.
* The best insertion over all runs is the one adding the least driving time; ties go to the
  earlier pickup, then to the run listed first, then to the earlier positions.

``best_insertion`` walks the positions in time order and prunes with bounds that only cut
what provably breaks a rule or cannot beat the best found (triangle inequality of shortest
paths, optional straight-line lower bounds), then checks a candidate by re-timing only the
stops it delays until the delay is absorbed by waiting. ``brute_force_insertion`` (the
oracle) tries every position pair of every run and re-times the whole run each time.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace

INF = math.inf
#: Float slack for time comparisons (seconds).
EPS_S = 1e-6

TravelTime = Callable[[int, int], float]


@dataclass(frozen=True)
class RunStop:
    """A pickup or drop-off in a run. Times are POSIX seconds."""

    node: int
    booking: Hashable
    pickup: bool
    seats: int
    earliest_s: float = -INF  #: a pickup is not served before its window opens
    latest_s: float = INF  #: pickup: the window's end; drop-off: the latest arrival promised
    max_ride_s: float = INF  #: on the drop-off: the longest the rider may be on board


@dataclass(frozen=True)
class Run:
    """One vehicle's service for one day."""

    key: Hashable
    capacity: int
    start_node: int
    end_node: int
    start_s: float
    end_s: float
    stops: tuple[RunStop, ...] = ()
    dwell_s: float = 0.0


@dataclass(frozen=True)
class Request:
    """A rider's on-demand request (POSIX seconds)."""

    key: Hashable
    pickup_node: int
    dropoff_node: int
    earliest_pickup_s: float
    latest_pickup_s: float
    max_ride_s: float = INF
    latest_dropoff_s: float = INF
    seats: int = 1

    @property
    def dropoff_deadline_s(self) -> float:
        """A bound valid whenever the pickup keeps its window."""
        return min(self.latest_dropoff_s, self.latest_pickup_s + self.max_ride_s)


@dataclass(frozen=True)
class Schedule:
    """Service start time of every stop, the arrival at the end, and the driving seconds."""

    times: tuple[float, ...]
    end_arrival_s: float
    drive_s: float


@dataclass(frozen=True)
class Insertion:
    """Where a request goes: before old stops ``i`` (pickup) and ``j`` (drop-off) of a run."""

    run_key: Hashable
    run_position: int  #: index of the run in the list searched
    i: int
    j: int
    pickup_s: float
    dropoff_s: float
    added_s: float  #: extra driving seconds

    def rank(self) -> tuple[float, float, int, int, int]:
        # milliseconds: sums of the same leg times in another order differ in the last bits
        return (round(self.added_s, 3), round(self.pickup_s, 3), self.run_position, self.i, self.j)


def schedule(run: Run, stops: Sequence[RunStop], tt: TravelTime) -> Schedule | None:
    """The as-soon-as-possible timing of ``stops`` in ``run``, or ``None`` if a rule breaks."""
    time, node, load, drive = run.start_s, run.start_node, 0, 0.0
    picked: dict[Hashable, float] = {}
    times: list[float] = []
    for stop in stops:
        leg = tt(node, stop.node)
        drive += leg
        time = time + leg
        if stop.pickup:
            time = max(time, stop.earliest_s)
        if time > stop.latest_s + EPS_S:
            return None
        if stop.pickup:
            load += stop.seats
            if load > run.capacity:
                return None
            picked[stop.booking] = time
        else:
            load -= stop.seats
            if time - picked.get(stop.booking, time) > stop.max_ride_s + EPS_S:
                return None
        times.append(time)
        time += run.dwell_s
        node = stop.node
    leg = tt(node, run.end_node)
    drive += leg
    end = time + leg
    if end > run.end_s + EPS_S:
        return None
    return Schedule(tuple(times), end, drive)


def request_stops(request: Request) -> tuple[RunStop, RunStop]:
    pickup = RunStop(
        request.pickup_node,
        request.key,
        True,
        request.seats,
        earliest_s=request.earliest_pickup_s,
        latest_s=request.latest_pickup_s,
    )
    dropoff = RunStop(
        request.dropoff_node,
        request.key,
        False,
        request.seats,
        latest_s=request.dropoff_deadline_s,
        max_ride_s=request.max_ride_s,
    )
    return pickup, dropoff


def inserted(run: Run, request: Request, i: int, j: int) -> Run:
    """The run with the request's pickup before old stop ``i`` and drop-off before old ``j``."""
    pickup, dropoff = request_stops(request)
    old = run.stops
    return replace(run, stops=(*old[:i], pickup, *old[i:j], dropoff, *old[j:]))


@dataclass
class _Base:
    """A run's current timing, with the loads on each stretch and the legs."""

    run: Run
    times: list[float]
    legs: list[float]  #: legs[k]: driving from stop k-1 (the start for k = 0) to stop k (k = n: the end)
    load_after: list[int]
    pickup_time: dict[Hashable, float] = field(default_factory=dict)


@functools.lru_cache(maxsize=1024)
def _base(run: Run, tt: TravelTime) -> _Base | None:
    """A run's timing; kept for the runs searched most recently with the same ``tt`` (runs
    are immutable: a booking makes a new one), so a search re-times only runs that changed."""
    timing = schedule(run, run.stops, tt)
    if timing is None:
        return None  # a run that breaks its own rules takes nobody (only after a graph change)
    nodes = [run.start_node, *(s.node for s in run.stops), run.end_node]
    legs = [tt(a, b) for a, b in zip(nodes, nodes[1:], strict=False)]
    load, load_after = 0, []
    pickup_time = {}
    for stop, time in zip(run.stops, timing.times, strict=True):
        load += stop.seats if stop.pickup else -stop.seats
        load_after.append(load)
        if stop.pickup:
            pickup_time[stop.booking] = time
    return _Base(run, list(timing.times), legs, load_after, pickup_time)


def _check_tail(
    base: _Base,
    request: Request,
    i: int,
    j: int,
    pickup_s: float,
    t_p_next: float,
    t_prev_q: float,
    t_q_next: float,
    t_p_q: float,
) -> float | None:
    """Re-time the stops from old ``i`` on after inserting ``p`` (served at ``pickup_s``) and
    ``q``, until the delay is absorbed. Returns the drop-off time, or ``None`` if a rule breaks.

    ``t_p_next`` is ``t(p, s_i)``, ``t_prev_q`` ``t(s_{j-1}, q)``, ``t_q_next`` ``t(q, s_j)``
    (``s_n`` is the end). Seats were checked by the caller.
    """
    run, stops, times = base.run, base.run.stops, base.times
    n, dwell = len(stops), run.dwell_s
    deadline, max_ride = request.dropoff_deadline_s, request.max_ride_s
    new_pickup: dict[Hashable, float] = {}
    dropoff_s: float | None = None
    depart = pickup_s + dwell
    if i == j:
        arrive = depart + t_p_q
        if arrive > deadline + EPS_S or arrive - pickup_s > max_ride + EPS_S:
            return None
        dropoff_s = arrive
        depart, leg = arrive + dwell, t_q_next
    else:
        leg = t_p_next
    k = i
    while True:
        arrive = depart + leg
        if k == j and dropoff_s is None:  # this leg led to q
            if arrive > deadline + EPS_S or arrive - pickup_s > max_ride + EPS_S:
                return None
            dropoff_s = arrive
            depart, leg = arrive + dwell, t_q_next
            continue
        if k == n:
            return dropoff_s if arrive <= run.end_s + EPS_S else None
        stop = stops[k]
        service = max(arrive, stop.earliest_s) if stop.pickup else arrive
        if service <= times[k] + EPS_S:
            if dropoff_s is not None:
                return dropoff_s  # delay absorbed: every later stop keeps its time
            # absorbed before q: the stops up to j - 1 keep their times (riders picked up
            # earlier than that only ride shorter); go on at q
            depart, leg, k = times[j - 1] + dwell, t_prev_q, j
            continue
        if service > stop.latest_s + EPS_S:
            return None
        if stop.pickup:
            new_pickup[stop.booking] = service
        else:
            picked = new_pickup.get(stop.booking, base.pickup_time.get(stop.booking, service))
            if service - picked > stop.max_ride_s + EPS_S:
                return None
        depart = service + dwell
        leg = t_prev_q if (k + 1 == j and dropoff_s is None) else base.legs[k + 1]
        k += 1


def best_insertion(
    runs: Sequence[Run],
    request: Request,
    tt: TravelTime,
    *,
    lower_bound: TravelTime | None = None,
) -> Insertion | None:
    """The cheapest feasible insertion of ``request`` into any of ``runs`` (or ``None``).

    ``lower_bound(a, b)`` may give a cheap bound ``<= tt(a, b)`` (straight line at top speed)
    to skip positions before asking ``tt``.
    """
    lb = lower_bound or (lambda a, b: 0.0)
    memo: dict[tuple[int, int], float] = {}

    def t(a: int, b: int) -> float:
        key = (a, b)
        value = memo.get(key)
        if value is None:
            value = memo[key] = tt(a, b)
        return value

    p, q = request.pickup_node, request.dropoff_node
    e, l_p = request.earliest_pickup_s, request.latest_pickup_s
    deadline = request.dropoff_deadline_s
    best: Insertion | None = None
    t_pq: float | None = None
    for position, run in enumerate(runs):
        if request.seats > run.capacity or run.start_s > l_p + EPS_S or run.end_s < e - EPS_S:
            continue
        base = _base(run, tt)
        if base is None:
            continue
        stops, n = run.stops, len(run.stops)
        if t_pq is None:
            t_pq = t(p, q)
            if not math.isfinite(t_pq) or t_pq > request.max_ride_s + EPS_S:
                return None
        load_before = 0
        for i in range(n + 1):
            if i > 0:
                load_before = base.load_after[i - 1]
            prev_node = run.start_node if i == 0 else stops[i - 1].node
            prev_dep = run.start_s if i == 0 else base.times[i - 1] + run.dwell_s
            if prev_dep > l_p + EPS_S:
                break  # later positions leave even later
            if load_before + request.seats > run.capacity:
                continue
            if i < n and stops[i].latest_s < e - EPS_S:
                continue  # old stop i would come after a pickup that cannot be before e
            if prev_dep + lb(prev_node, p) > l_p + EPS_S:
                continue
            next_node = run.end_node if i == n else stops[i].node
            leg_i = base.legs[i]
            if best is not None and lb(prev_node, p) + lb(p, next_node) - leg_i > best.added_s + 0.001:
                continue
            t_prev_p = t(prev_node, p)
            pickup_s = max(prev_dep + t_prev_p, e)
            if pickup_s > l_p + EPS_S:
                continue
            # old stop i (or the end) comes after p for every j: it is reached no earlier than
            # p's service, the dwell and the drive p -> s_i (via q is no faster)
            limit_next = run.end_s if i == n else stops[i].latest_s
            if pickup_s + run.dwell_s + lb(p, next_node) > limit_next + EPS_S:
                continue
            t_p_next = t(p, next_node)
            if pickup_s + run.dwell_s + t_p_next > limit_next + EPS_S:
                continue
            detour_p = t_prev_p + t_p_next - leg_i  # a lower bound of the added time for every j
            if best is not None and detour_p > best.added_s + 0.001:
                continue
            for j in range(i, n + 1):
                if j > i:
                    k = j - 1  # old stop j - 1 now also carries the new rider
                    if base.load_after[k] + request.seats > run.capacity:
                        break
                    leave = base.times[k] + run.dwell_s
                    if leave > deadline + EPS_S or leave - pickup_s > request.max_ride_s + EPS_S:
                        break  # q after old stop j - 1 comes too late, and later j even more
                after_node = run.end_node if j == n else stops[j].node
                if j == i:
                    t_q_next = t(q, after_node)
                    added = t_prev_p + t_pq + t_q_next - leg_i
                    t_prev_q = 0.0
                else:
                    before_node = stops[j - 1].node
                    reach_q = base.times[j - 1] + run.dwell_s + lb(before_node, q)  # no earlier than this
                    if reach_q > deadline + EPS_S or reach_q - pickup_s > request.max_ride_s + EPS_S:
                        continue
                    if best is not None and detour_p + lb(before_node, q) + lb(q, after_node) - base.legs[j] > (
                        best.added_s + 0.001
                    ):
                        continue
                    t_prev_q = t(before_node, q)
                    t_q_next = t(q, after_node)
                    added = detour_p + t_prev_q + t_q_next - base.legs[j]
                if best is not None and round(added, 3) > round(best.added_s, 3):
                    continue
                dropoff_s = _check_tail(base, request, i, j, pickup_s, t_p_next, t_prev_q, t_q_next, t_pq)
                if dropoff_s is None:
                    continue
                candidate = Insertion(run.key, position, i, j, pickup_s, dropoff_s, added)
                if best is None or candidate.rank() < best.rank():
                    best = candidate
    return best


def brute_force_insertion(runs: Sequence[Run], request: Request, tt: TravelTime) -> Insertion | None:
    """The oracle: every run, every ``0 <= i <= j <= n``, the whole run re-timed each time."""
    best: Insertion | None = None
    pickup, dropoff = request_stops(request)
    for position, run in enumerate(runs):
        before = schedule(run, run.stops, tt)
        if before is None:
            continue
        n = len(run.stops)
        for i in range(n + 1):
            for j in range(i, n + 1):
                stops = (*run.stops[:i], pickup, *run.stops[i:j], dropoff, *run.stops[j:])
                after = schedule(run, stops, tt)
                if after is None:
                    continue
                candidate = Insertion(
                    run.key, position, i, j, after.times[i], after.times[j + 1], after.drive_s - before.drive_s
                )
                if best is None or candidate.rank() < best.rank():
                    best = candidate
    return best


def apply_insertion(runs: Iterable[Run], request: Request, insertion: Insertion) -> list[Run]:
    """The runs after booking: the request's stops placed where ``insertion`` says."""
    return [
        inserted(run, request, insertion.i, insertion.j) if position == insertion.run_position else run
        for position, run in enumerate(runs)
    ]


def remove_booking(run: Run, booking: Hashable) -> Run:
    """The run without a booking's stops (a cancellation); the others keep their promises."""
    return replace(run, stops=tuple(s for s in run.stops if s.booking != booking))


@dataclass(frozen=True)
class Alternative:
    """A shifted pickup window that can be booked (POSIX seconds)."""

    earliest_pickup_s: float
    latest_pickup_s: float
    pickup_s: float
    dropoff_s: float


def nearest_feasible(
    runs: Sequence[Run],
    request: Request,
    tt: TravelTime,
    *,
    step_s: float = 300.0,
    horizon_s: float = 3 * 3600.0,
    lower_bound: TravelTime | None = None,
) -> list[Alternative]:
    """The nearest earlier and the nearest later window (same length, shifted in ``step_s``
    steps up to ``horizon_s``) that can be inserted; at most one each, earlier first."""
    found: list[Alternative] = []
    for direction in (-1, 1):
        steps = int(horizon_s // step_s)
        for k in range(1, steps + 1):
            shift = direction * k * step_s
            moved = replace(
                request,
                earliest_pickup_s=request.earliest_pickup_s + shift,
                latest_pickup_s=request.latest_pickup_s + shift,
                latest_dropoff_s=request.latest_dropoff_s + shift,
            )
            hit = best_insertion(runs, moved, tt, lower_bound=lower_bound)
            if hit is not None:
                found.append(Alternative(moved.earliest_pickup_s, moved.latest_pickup_s, hit.pickup_s, hit.dropoff_s))
                break
    return found


def brute_force_insertion_vectorized(runs: Sequence[Run], request: Request, tt: TravelTime) -> Insertion | None:
    """The same oracle as ``brute_force_insertion``, with every position pair of a run re-timed
    at once in numpy arrays (one row per pair), so that it can check runs of a hundred stops.
    It asks ``tt`` only for the legs some candidate sequence drives."""
    import numpy as np

    best: Insertion | None = None
    pickup, dropoff = request_stops(request)
    for position, run in enumerate(runs):
        before = schedule(run, run.stops, tt)
        if before is None:
            continue
        stops = [*run.stops, pickup, dropoff]
        n = len(run.stops)
        P, Q, START, END = n, n + 1, n + 2, n + 3
        nodes = [s.node for s in stops] + [run.start_node, run.end_node]
        legs = np.full((n + 4, n + 4), np.nan)
        needed = {(k, k + 1) for k in range(n - 1)} | {(START, 0 if n else P), (n - 1 if n else Q, END)}
        needed |= {(START, END), (P, Q)}
        for x in [*range(n), START]:
            needed |= {(x, P), (x, Q)}
        for x in [*range(n), END]:
            needed |= {(P, x), (Q, x)}
        for a, b in needed:
            legs[a, b] = tt(nodes[a], nodes[b])
        pairs = [(i, j) for i in range(n + 1) for j in range(i, n + 1)]
        pick = np.array([p[0] for p in pairs])
        drop = np.array([p[1] for p in pairs])
        count = len(pairs)
        earliest = np.array([s.earliest_s for s in stops])
        latest = np.array([s.latest_s for s in stops])
        is_pickup = np.array([s.pickup for s in stops])
        delta = np.array([s.seats if s.pickup else -s.seats for s in stops])
        max_ride = np.array([s.max_ride_s for s in stops])
        booking_ids = {b: k for k, b in enumerate(dict.fromkeys(s.booking for s in stops))}
        booking = np.array([booking_ids[s.booking] for s in stops])
        picked = np.zeros((count, len(booking_ids)))
        rows = np.arange(count)
        ok = np.ones(count, dtype=bool)
        prev = np.full(count, START)
        depart = np.full(count, float(run.start_s))
        load = np.zeros(count, dtype=np.int64)
        drive = np.zeros(count)
        pickup_at = np.zeros(count)
        dropoff_at = np.zeros(count)
        for m in range(n + 2):
            old = m - (m > pick).astype(int) - (m > drop + 1).astype(int)
            cur = np.where(m == pick, P, np.where(m == drop + 1, Q, old))
            leg = legs[prev, cur]
            arrival = depart + leg
            drive += leg
            service = np.where(is_pickup[cur], np.maximum(arrival, earliest[cur]), arrival)
            ok &= service <= latest[cur] + EPS_S
            load += delta[cur]
            ok &= load <= run.capacity
            b = booking[cur]
            picked[rows, b] = np.where(is_pickup[cur], service, picked[rows, b])
            ride = service - picked[rows, b]
            ok &= is_pickup[cur] | (ride <= max_ride[cur] + EPS_S)
            pickup_at = np.where(m == pick, service, pickup_at)
            dropoff_at = np.where(m == drop + 1, service, dropoff_at)
            depart = service + run.dwell_s
            prev = cur
        leg = legs[prev, END]
        drive += leg
        ok &= depart + leg <= run.end_s + EPS_S
        for k in np.flatnonzero(ok).tolist():
            candidate = Insertion(
                run.key,
                position,
                int(pick[k]),
                int(drop[k]),
                float(pickup_at[k]),
                float(dropoff_at[k]),
                float(drive[k]) - before.drive_s,
            )
            if best is None or candidate.rank() < best.rank():
                best = candidate
    return best
