"""Exact ride matching: insert a rider's pickup and drop-off into drivers' planned routes.

No Django here. Units: seconds for durations and offsets, POSIX seconds (UTC) for absolute
times, metres for walking distances. Nodes are ``RoadGraph`` node indices.

The rules (one place, used by the fast matcher, the offer-side matcher and the oracle):

* A driver's plan is a sequence of stops ``s_0 = origin, …, s_m = destination`` with
  scheduled offsets (seconds after departure) along fastest paths; confirmed riders' stops
  carry a *latest* offset (their promised time plus tolerance) and every stop the number of
  seats occupied on the leg leaving it.
* The rider's pickup ``p`` is inserted into leg ``i`` and the drop-off ``q`` into leg
  ``j >= i``. The added driving time is ``t(s_i,p) + t(p,q) + t(q,s_{i+1}) - leg_i`` when
  ``i == j``, else ``t(s_i,p) + t(p,s_{i+1}) - leg_i + t(s_j,q) + t(q,s_{j+1}) - leg_j``.
* Feasible when: the plan's total duration minus the driver's own direct duration stays
  within the driver's detour budget; ``pickup time >= earliest departure + walk to p``
  (the driver does not wait); ``drop-off time + walk from q <= latest arrival``; seats
  free on every leg between ``p`` and ``q`` (an offer's seats are the most riders in the
  car at once); no confirmed rider's stop later than promised plus tolerance; and the plan's
  route never drives a road stretch twice in the same direction (``drives_a_stretch_twice``:
  no shuttling riders from A to B, back to A and to B again within the detour budget; a
  there-and-back spur to a door drives each direction once and is allowed).
* Per offer the best feasible option is kept, ranked by (arrival, added seconds, walking).

Speed: the matcher runs one backward and one forward Dijkstra from each pickup and one
forward from each drop-off (a backward one too when some plan has riders), bounded by what
the rider's time window and the largest detour budget allow, then tests every offer at once
with numpy. Its cost does not grow with the number of offers beyond that vector work.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np

from .roadgraph import RoadGraph

INF = math.inf
#: Slack for float rounding in time comparisons (seconds): sums of edge times along
#: different but equal paths differ in the last bits, and a zero detour must stay zero.
EPS_S = 1e-6
#: Up to this many targets, times from one node come from the CCH (one query per target,
#: microseconds each) instead of a Dijkstra over the graph; same times (exact edge sums).
FEW_TARGETS = 8


@dataclass(frozen=True)
class PlannedStop:
    """One stop of a driver's plan."""

    node: int
    offset_s: float  #: scheduled seconds after departure
    load_after: int = 0  #: seats occupied on the leg leaving this stop
    latest_offset_s: float = INF  #: a confirmed rider's promise plus tolerance


@dataclass
class OfferPlan:
    """A driver's ride (one occurrence) as the matcher sees it."""

    key: Hashable
    departure_s: float  #: POSIX seconds
    capacity: int  #: seats offered
    max_detour_s: float
    direct_s: float  #: the driver's own fastest origin -> destination time
    stops: list[PlannedStop]

    @property
    def is_simple(self) -> bool:
        return len(self.stops) == 2 and self.stops[0].load_after == 0

    @property
    def duration_s(self) -> float:
        return self.stops[-1].offset_s


def simple_plan(
    key: Hashable,
    *,
    origin: int,
    destination: int,
    departure_s: float,
    capacity: int,
    max_detour_s: float,
    direct_s: float,
) -> OfferPlan:
    """A plan without riders: origin and destination only."""
    return OfferPlan(
        key=key,
        departure_s=departure_s,
        capacity=capacity,
        max_detour_s=max_detour_s,
        direct_s=direct_s,
        stops=[PlannedStop(origin, 0.0), PlannedStop(destination, direct_s)],
    )


@dataclass(frozen=True)
class Access:
    """A place the rider can board or leave at: a graph node and the walk to or from it."""

    node: int
    walk_m: float = 0.0
    walk_s: float = 0.0
    label: Hashable = None  #: e.g. a meeting point id, ``None`` for the door


@dataclass
class RideQuery:
    """A rider's request. Times are POSIX seconds."""

    pickups: list[Access]
    dropoffs: list[Access]
    earliest_departure_s: float
    latest_arrival_s: float
    seats: int = 1


@dataclass(frozen=True)
class Match:
    """A feasible insertion of a request into an offer (the best one for that offer)."""

    key: Hashable
    pickup: Access
    dropoff: Access
    pickup_leg: int  #: ``i``: the pickup goes between stop ``i`` and ``i + 1``
    dropoff_leg: int  #: ``j >= i``
    pickup_time_s: float
    dropoff_time_s: float
    added_s: float  #: extra driving seconds caused by this rider
    detour_s: float  #: plan duration after insertion minus the driver's direct time
    pickup_shift_s: float  #: delay of the stops between pickup and drop-off (``added_s`` if ``i == j``)

    @property
    def arrival_s(self) -> float:
        return self.dropoff_time_s + self.dropoff.walk_s

    @property
    def walk_m(self) -> float:
        return self.pickup.walk_m + self.dropoff.walk_m

    def rank(self) -> tuple[float, float, float]:
        # Times to the millisecond: sums of the same edge times in another order differ in the
        # last bits, and such noise must not decide between two equally fast options.
        return (round(self.arrival_s, 3), round(self.added_s, 3), self.walk_m)


def drives_a_stretch_twice(graph: RoadGraph, stops: Iterable[int]) -> bool:
    """Whether the fastest route through ``stops`` (graph nodes, in order) uses some directed
    road edge twice. Consecutive equal stops add nothing; paths come from the graph's CCH."""
    nodes = [int(n) for n in stops]
    seen: set[tuple[int, int]] = set()
    for a, b in zip(nodes, nodes[1:], strict=False):
        if a == b:
            continue
        path = graph.fastest_path(a, b)
        if path is None:
            return True  # unreachable: not a plan at all
        for edge in zip(path[:-1].tolist(), path[1:].tolist(), strict=True):
            if edge in seen:
                return True
            seen.add(edge)
    return False


def _inserted_nodes(plan: OfferPlan, i: int, j: int, p: int, q: int) -> list[int]:
    nodes = [s.node for s in plan.stops]
    return [*nodes[: i + 1], p, *nodes[i + 1 : j + 1], q, *nodes[j + 1 :]]


# -- the rules, for one offer, given the needed travel times ---------------------------------
def best_insertion(
    plan: OfferPlan,
    query: RideQuery,
    pickup: Access,
    dropoff: Access,
    *,
    to_p: Iterable[float],
    from_p: Iterable[float],
    to_q: Iterable[float],
    from_q: Iterable[float],
    p_to_q: float,
    graph: RoadGraph | None = None,
) -> Match | None:
    """The best feasible insertion into ``plan`` (or ``None``).

    ``to_p[k]`` is ``t(s_k, p)``, ``from_p[k]`` is ``t(p, s_k)``, likewise for ``q``; all in
    seconds, ``inf`` when unknown because provably too far. With ``graph`` an insertion whose
    route would drive a stretch twice in the same direction is not feasible.
    """
    stops = plan.stops
    m = len(stops) - 1
    to_p, from_p, to_q, from_q = list(to_p), list(from_p), list(to_q), list(from_q)
    if query.seats > plan.capacity:
        return None
    feasible: list[Match] = []
    budget = plan.max_detour_s + plan.direct_s - plan.duration_s
    for i in range(m):
        leg_i = stops[i + 1].offset_s - stops[i].offset_s
        pickup_off = stops[i].offset_s + to_p[i]
        pickup_time = plan.departure_s + pickup_off
        if not pickup_time >= query.earliest_departure_s + pickup.walk_s - EPS_S:
            continue
        for j in range(i, m):
            if any(stops[k].load_after + query.seats > plan.capacity for k in range(i, j + 1)):
                break  # a full leg blocks every later drop-off too
            if i == j:
                added = to_p[i] + p_to_q + from_q[i + 1] - leg_i
                dp = added
                dropoff_off = pickup_off + p_to_q
            else:
                dp = to_p[i] + from_p[i + 1] - leg_i
                leg_j = stops[j + 1].offset_s - stops[j].offset_s
                dq = to_q[j] + from_q[j + 1] - leg_j
                added = dp + dq
                dropoff_off = stops[j].offset_s + dp + to_q[j]
            if not added <= budget + EPS_S:
                continue
            dropoff_time = plan.departure_s + dropoff_off
            if not dropoff_time + dropoff.walk_s <= query.latest_arrival_s + EPS_S:
                continue
            late = False
            for k in range(i + 1, m + 1):
                delay = dp if k <= j else added
                if stops[k].offset_s + delay > stops[k].latest_offset_s + EPS_S:
                    late = True
                    break
            if late:
                continue
            match = Match(
                key=plan.key,
                pickup=pickup,
                dropoff=dropoff,
                pickup_leg=i,
                dropoff_leg=j,
                pickup_time_s=pickup_time,
                dropoff_time_s=dropoff_time,
                added_s=added,
                detour_s=plan.duration_s + added - plan.direct_s,
                pickup_shift_s=dp,
            )
            feasible.append(match)
    feasible.sort(key=Match.rank)
    for match in feasible:
        if graph is None or not drives_a_stretch_twice(
            graph, _inserted_nodes(plan, match.pickup_leg, match.dropoff_leg, pickup.node, dropoff.node)
        ):
            return match
    return None


def _keep_best(found: dict[Hashable, Match], match: Match | None) -> None:
    if match is not None and (match.key not in found or match.rank() < found[match.key].rank()):
        found[match.key] = match


def ranked(matches: Iterable[Match]) -> list[Match]:
    """Matches sorted by (arrival, added driving time, walking), then key for stability."""
    return sorted(matches, key=lambda m: (*m.rank(), str(m.key)))


# -- the in-memory index of offers, and the fast matcher --------------------------------------
@dataclass
class OfferIndex:
    """All active offer occurrences of one road graph, as numpy arrays for vector tests.

    Slots are reused after removal. Plans with riders (more than two stops) are tested one
    by one with ``best_insertion``; plans without riders are tested all at once.
    """

    graph: RoadGraph
    plans: dict[Hashable, OfferPlan] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._slot: dict[Hashable, int] = {}
        self._keys: list[Hashable] = []
        self._free: list[int] = []
        size = 64
        self.active = np.zeros(size, dtype=bool)
        self.simple = np.zeros(size, dtype=bool)
        self.origin = np.zeros(size, dtype=np.int64)
        self.destination = np.zeros(size, dtype=np.int64)
        self.departure = np.zeros(size)
        self.capacity = np.zeros(size, dtype=np.int64)
        self.max_detour = np.zeros(size)
        self.direct = np.zeros(size)
        self.horizon = np.zeros(size)  #: direct + max detour: the longest the plan may take
        plans, self.plans = self.plans, {}
        for plan in plans.values():
            self.add(plan)

    def __len__(self) -> int:
        return len(self.plans)

    def _grow(self) -> None:
        for name in (
            "active",
            "simple",
            "origin",
            "destination",
            "departure",
            "capacity",
            "max_detour",
            "direct",
            "horizon",
        ):
            old = getattr(self, name)
            new = np.zeros(len(old) * 2, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def add(self, plan: OfferPlan) -> None:
        """Add or replace a plan."""
        if plan.key in self._slot:
            slot = self._slot[plan.key]
        elif self._free:
            slot = self._free.pop()
            self._keys[slot] = plan.key
        else:
            slot = len(self._keys)
            self._keys.append(plan.key)
            if slot >= len(self.active):
                self._grow()
        self._slot[plan.key] = slot
        self.plans[plan.key] = plan
        self.active[slot] = True
        self.simple[slot] = plan.is_simple
        self.origin[slot] = plan.stops[0].node
        self.destination[slot] = plan.stops[-1].node
        self.departure[slot] = plan.departure_s
        self.capacity[slot] = plan.capacity
        self.max_detour[slot] = plan.max_detour_s
        self.direct[slot] = plan.direct_s
        self.horizon[slot] = plan.direct_s + plan.max_detour_s

    def remove(self, key: Hashable) -> None:
        slot = self._slot.pop(key, None)
        if slot is None:
            return
        self.plans.pop(key, None)
        self.active[slot] = False
        self._keys[slot] = None
        self._free.append(slot)

    def match(self, query: RideQuery) -> list[Match]:
        """Every offer that can take the rider, best option per offer, ranked."""
        n = len(self._keys)
        if n == 0 or not query.pickups or not query.dropoffs:
            return []
        ed, la = query.earliest_departure_s, query.latest_arrival_s
        if la <= ed:
            return []
        active = self.active[:n]
        departure, horizon = self.departure[:n], self.horizon[:n]
        # Offers that end before the rider can start, or start after the rider must arrive, are out.
        window = active & (departure <= la) & (departure + horizon >= ed) & (self.capacity[:n] >= query.seats)
        if not window.any():
            return []
        simple = window & self.simple[:n]
        complex_slots = np.flatnonzero(window & ~self.simple[:n])
        has_complex = len(complex_slots) > 0
        graph = self.graph
        # Search bounds in seconds, each with a margin far above the float slack EPS_S. A
        # bound only cuts off times that provably break a limit, so the result stays exact:
        #   t(p, q) <= la - ed (rider's window);
        #   t(o, p) <= horizon - t(p, q) and <= la - departure - t(p, q);
        #   t(q, d) <= horizon - t(o, p) - t(p, q) for offers still feasible after the pickup.
        # Plans with riders need times to and from their stops too: the looser plan horizon.
        margin = 1.0
        max_horizon = float(horizon[window].max()) + margin
        earliest_start = float(departure[window].min())
        simple_slots = np.flatnonzero(simple)
        o, d = self.origin[simple_slots], self.destination[simple_slots]
        dep, direct = self.departure[simple_slots], self.direct[simple_slots]
        budget = self.max_detour[simple_slots]
        slack = direct + budget  # the longest each simple plan may take

        # Phase 1: every pickup's searches, and each simple offer's pickup time.
        pickups = []
        for pickup in query.pickups:
            limit_from_p = max_horizon if has_complex else min(la - ed, max_horizon) + margin
            if has_complex or len(query.dropoffs) > FEW_TARGETS:
                from_p = graph.times_from(pickup.node, limit=limit_from_p)
                p_to_q = {q.node: float(from_p[q.node]) for q in query.dropoffs}
            else:  # only the pickup -> drop-off times are needed: point to point
                from_p = None
                nodes = [q.node for q in query.dropoffs]
                p_to_q = dict(zip(nodes, graph.times_between(pickup.node, nodes, limit_from_p).tolist(), strict=True))
            finite = [t for t in p_to_q.values() if math.isfinite(t)]
            if not finite and not has_complex:
                continue
            shortest = min(finite) if finite else 0.0
            limit_to_p = (
                min(la - earliest_start, max_horizon)
                if has_complex
                else min(la - earliest_start - shortest, max_horizon - shortest)
            ) + margin
            to_p = graph.times_to(pickup.node, limit=max(limit_to_p, margin))
            tp = to_p[o]
            pickup_time = dep + tp
            early_ok = (pickup_time >= ed + pickup.walk_s - EPS_S) & np.isfinite(tp)
            pickups.append((pickup, from_p, to_p, p_to_q, tp, pickup_time, early_ok))
        if not pickups:
            return []

        # Phase 2: each drop-off's searches, bounded by what the surviving offers can still afford.
        found: dict[Hashable, Match] = {}
        for dropoff in query.dropoffs:
            if has_complex:
                limit_from_q = max_horizon
            else:
                need, any_alive = 0.0, False
                for _, _, _, p_to_q, tp, pickup_time, early_ok in pickups:
                    tpq = p_to_q[dropoff.node]
                    if not math.isfinite(tpq):
                        continue
                    alive = early_ok & (pickup_time + tpq + dropoff.walk_s <= la + EPS_S)
                    if alive.any():
                        any_alive = True
                        need = max(need, float((slack[alive] - tp[alive]).max()) - tpq)
                if not any_alive:
                    continue
                limit_from_q = max(need, 0.0) + margin
            from_q = graph.times_from(dropoff.node, limit=limit_from_q)
            to_q = graph.times_to(dropoff.node, limit=max_horizon) if has_complex else None
            tq = from_q[d]
            for pickup, from_p, to_p, p_to_q_all, tp, pickup_time, early_ok in pickups:
                p_q = p_to_q_all[dropoff.node]
                if not math.isfinite(p_q):
                    continue
                added = tp + p_q + tq - direct
                dropoff_time = pickup_time + p_q
                ok = early_ok & (added <= budget + EPS_S) & (dropoff_time + dropoff.walk_s <= la + EPS_S)
                for k in np.flatnonzero(ok).tolist():
                    slot = int(simple_slots[k])
                    key = self._keys[slot]
                    rank = (
                        round(float(dropoff_time[k]) + dropoff.walk_s, 3),
                        round(float(added[k]), 3),
                        pickup.walk_m + dropoff.walk_m,
                    )
                    if key in found and not rank < found[key].rank():
                        continue
                    if drives_a_stretch_twice(graph, (int(o[k]), pickup.node, dropoff.node, int(d[k]))):
                        continue
                    _keep_best(
                        found,
                        Match(
                            key=self._keys[slot],
                            pickup=pickup,
                            dropoff=dropoff,
                            pickup_leg=0,
                            dropoff_leg=0,
                            pickup_time_s=float(pickup_time[k]),
                            dropoff_time_s=float(dropoff_time[k]),
                            added_s=float(added[k]),
                            detour_s=float(added[k]),
                            pickup_shift_s=float(added[k]),
                        ),
                    )
                for slot in complex_slots.tolist():
                    assert from_p is not None  # computed whenever complex plans exist
                    plan = self.plans[self._keys[slot]]
                    nodes = [s.node for s in plan.stops]
                    _keep_best(
                        found,
                        best_insertion(
                            plan,
                            query,
                            pickup,
                            dropoff,
                            to_p=to_p[nodes],
                            from_p=from_p[nodes],
                            to_q=to_q[nodes] if to_q is not None else np.full(len(nodes), INF),
                            from_q=from_q[nodes] if from_q is not None else np.full(len(nodes), INF),
                            p_to_q=p_q,
                            graph=graph,
                        ),
                    )
        return ranked(found.values())


# -- the other direction: a new offer looks for waiting requests -----------------------------
@dataclass
class WaitingRequest:
    key: Hashable
    query: RideQuery
    p_to_q: dict[tuple[int, int], float]  #: seconds between each pickup and drop-off node


def waiting_request(graph: RoadGraph, key: Hashable, query: RideQuery) -> WaitingRequest:
    """Precompute a request's pickup -> drop-off times (CCH queries for a few drop-offs, else one
    Dijkstra per pickup)."""
    times: dict[tuple[int, int], float] = {}
    window = query.latest_arrival_s - query.earliest_departure_s
    nodes = [dropoff.node for dropoff in query.dropoffs]
    for pickup in query.pickups:
        limit = max(window, 0.0) + 1.0
        if len(nodes) <= FEW_TARGETS:
            dist = graph.times_between(pickup.node, nodes, limit)
        else:
            dist = graph.times_from(pickup.node, limit=limit)[nodes]
        for node, seconds in zip(nodes, dist.tolist(), strict=True):
            times[(pickup.node, node)] = float(seconds)
    return WaitingRequest(key=key, query=query, p_to_q=times)


def match_requests_for_offer(graph: RoadGraph, plan: OfferPlan, requests: Iterable[WaitingRequest]) -> list[Match]:
    """Waiting requests that fit a plan: two Dijkstras from the plan, whatever the request count.

    The plan may have riders already; each stop then needs its own searches, so this is meant
    for freshly posted offers (two stops) but stays exact for any plan.
    """
    nodes = [s.node for s in plan.stops]
    horizon = plan.direct_s + plan.max_detour_s
    from_stop = np.vstack([graph.times_from(n, limit=horizon) for n in nodes])
    to_stop = np.vstack([graph.times_to(n, limit=horizon) for n in nodes])
    matches: list[Match] = []
    for request in requests:
        found: dict[Hashable, Match] = {}
        for pickup in request.query.pickups:
            for dropoff in request.query.dropoffs:
                p_to_q = request.p_to_q.get((pickup.node, dropoff.node), INF)
                if not math.isfinite(p_to_q):
                    continue
                _keep_best(
                    found,
                    best_insertion(
                        plan,
                        request.query,
                        pickup,
                        dropoff,
                        to_p=from_stop[:, pickup.node],
                        from_p=to_stop[:, pickup.node],
                        to_q=from_stop[:, dropoff.node],
                        from_q=to_stop[:, dropoff.node],
                        p_to_q=p_to_q,
                        graph=graph,
                    ),
                )
        for match in found.values():
            matches.append(Match(**{**match.__dict__, "key": request.key}))
    return sorted(matches, key=lambda m: (*m.rank(), str(m.key)))


# -- the oracle: plain Dijkstra per pair, every offer, every insertion -----------------------
def _adjacency_lists(graph: RoadGraph) -> tuple[list[int], list[int], list[float]]:
    lists = getattr(graph, "_plain_lists", None)
    if lists is None:
        lists = (graph.indptr.tolist(), graph.indices.tolist(), graph.time_s.tolist())
        graph._plain_lists = lists  # type: ignore[attr-defined]
    return lists


def plain_dijkstra_all(graph: RoadGraph, source: int) -> dict[int, float]:
    """Fastest times in seconds from ``source`` to every node, with a binary heap (no scipy)."""
    indptr, indices, weights = _adjacency_lists(graph)
    best = {source: 0.0}
    done: set[int] = set()
    heap = [(0.0, source)]
    while heap:
        dist, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        for pos in range(indptr[node], indptr[node + 1]):
            nxt = indices[pos]
            candidate = dist + weights[pos]
            if candidate < best.get(nxt, INF):
                best[nxt] = candidate
                heapq.heappush(heap, (candidate, nxt))
    return best


def plain_dijkstra(graph: RoadGraph, source: int, target: int) -> float:
    """Point-to-point fastest time in seconds (``inf`` if unreachable)."""
    return plain_dijkstra_all(graph, source).get(target, INF)


def oracle_matches(
    graph: RoadGraph,
    plans: Iterable[OfferPlan],
    query: RideQuery,
    cache: dict[int, dict[int, float]] | None = None,
) -> list[Match]:
    """Brute force: every offer, every pickup/drop-off, every insertion, plain Dijkstra each.

    ``cache`` may carry one-to-all results between calls on the same graph.
    """
    from_source: dict[int, dict[int, float]] = {} if cache is None else cache

    def t(a: int, b: int) -> float:
        if a not in from_source:
            from_source[a] = plain_dijkstra_all(graph, a)
        return from_source[a].get(b, INF)

    found: dict[Hashable, Match] = {}
    for plan in plans:
        nodes = [s.node for s in plan.stops]
        for pickup in query.pickups:
            for dropoff in query.dropoffs:
                p, q = pickup.node, dropoff.node
                _keep_best(
                    found,
                    best_insertion(
                        plan,
                        query,
                        pickup,
                        dropoff,
                        to_p=[t(s, p) for s in nodes],
                        from_p=[t(p, s) for s in nodes],
                        to_q=[t(s, q) for s in nodes],
                        from_q=[t(q, s) for s in nodes],
                        p_to_q=t(p, q),
                        graph=graph,
                    ),
                )
    return ranked(found.values())


def insert_rider(
    plan: OfferPlan,
    match: Match,
    seats: int,
    tolerance_s: float,
    *,
    promised_pickup_s: float | None = None,
    promised_dropoff_s: float | None = None,
) -> OfferPlan:
    """The plan after a booking: the rider's stops inserted, later stops delayed.

    The rider's own stops get ``latest_offset_s`` = promised time + ``tolerance_s``; the
    promise defaults to the match's times (POSIX seconds).
    """
    stops = plan.stops
    i, j = match.pickup_leg, match.dropoff_leg
    pickup_off = match.pickup_time_s - plan.departure_s
    dropoff_off = match.dropoff_time_s - plan.departure_s
    pickup_latest = (match.pickup_time_s if promised_pickup_s is None else promised_pickup_s) - plan.departure_s
    dropoff_latest = (match.dropoff_time_s if promised_dropoff_s is None else promised_dropoff_s) - plan.departure_s
    result: list[PlannedStop] = []
    for k, stop in enumerate(stops):
        if k <= i:
            offset = stop.offset_s
        elif k <= j:
            offset = stop.offset_s + match.pickup_shift_s
        else:
            offset = stop.offset_s + match.added_s
        load = stop.load_after + (seats if i < k <= j else 0)
        result.append(PlannedStop(stop.node, offset, load, stop.latest_offset_s))
        if k == i:
            result.append(
                PlannedStop(match.pickup.node, pickup_off, stop.load_after + seats, pickup_latest + tolerance_s)
            )
        if k == j:
            result.append(PlannedStop(match.dropoff.node, dropoff_off, stop.load_after, dropoff_latest + tolerance_s))
    return OfferPlan(
        key=plan.key,
        departure_s=plan.departure_s,
        capacity=plan.capacity,
        max_detour_s=plan.max_detour_s,
        direct_s=plan.direct_s,
        stops=result,
    )


def match_plan(graph: RoadGraph, plan: OfferPlan, query: RideQuery) -> Match | None:
    """The best insertion of ``query`` into one plan, with full Dijkstras (for booking time)."""
    nodes = [s.node for s in plan.stops]
    from_q = {q.node: graph.times_from(q.node) for q in query.dropoffs}
    to_q = {q.node: graph.times_to(q.node) for q in query.dropoffs}
    found: dict[Hashable, Match] = {}
    for pickup in query.pickups:
        to_p, from_p = graph.times_to(pickup.node), graph.times_from(pickup.node)
        for dropoff in query.dropoffs:
            _keep_best(
                found,
                best_insertion(
                    plan,
                    query,
                    pickup,
                    dropoff,
                    to_p=to_p[nodes],
                    from_p=from_p[nodes],
                    to_q=to_q[dropoff.node][nodes],
                    from_q=from_q[dropoff.node][nodes],
                    p_to_q=float(from_p[dropoff.node]),
                    graph=graph,
                ),
            )
    return found.get(plan.key)


@dataclass(frozen=True)
class HeldSeats:
    """A booking that holds seats: its nodes, seats and promised times (POSIX seconds)."""

    pickup_node: int
    dropoff_node: int
    seats: int
    pickup_time_s: float
    dropoff_time_s: float


def plan_with_riders(graph: RoadGraph, plan: OfferPlan, held: Iterable[HeldSeats], tolerance_s: float) -> OfferPlan:
    """Re-insert the riders who hold seats, in booking order, keeping their promises.

    Each rider's stops get ``latest_offset_s`` = promised time + tolerance. A rider who no
    longer fits (only possible after the graph changed) still holds the seats: the plan's
    capacity shrinks instead, so seats are never handed out twice.
    """
    for booking in held:
        query = RideQuery(
            [Access(booking.pickup_node)],
            [Access(booking.dropoff_node)],
            earliest_departure_s=-INF,
            latest_arrival_s=booking.dropoff_time_s + tolerance_s,
            seats=booking.seats,
        )
        match = match_plan(graph, plan, query)
        if match is None:
            plan = OfferPlan(
                key=plan.key,
                departure_s=plan.departure_s,
                capacity=max(plan.capacity - booking.seats, 0),
                max_detour_s=plan.max_detour_s,
                direct_s=plan.direct_s,
                stops=plan.stops,
            )
            continue
        plan = insert_rider(
            plan,
            match,
            booking.seats,
            tolerance_s,
            promised_pickup_s=booking.pickup_time_s,
            promised_dropoff_s=booking.dropoff_time_s,
        )
    return plan
