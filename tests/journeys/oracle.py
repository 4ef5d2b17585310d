"""A plain Connection Scan Algorithm: the test oracle for the RAPTOR planner.

Written independently of ``journeys.domain.raptor`` and of the compiled ``Timetable``: it
reads the same plain ``TimetableSource`` (stops, trips, stop times, transfers.txt rows) and
builds its own sorted connection list and its own footpaths (brute force over all stop pairs,
no KD-tree), in plain Python lists and dicts.

Same semantics as the planner (see its module docstrings):
* times: seconds of the service day; trips of day offset d are shifted by d × 86,400 and kept
  when they run within the window (first departure ≤ end, last arrival ≥ start);
* walking metres = haversine metres × detour factor; footpath between two served stops when
  walking metres ≤ the limit, seconds = ceil(metres / speed); transfers.txt type 2 between two
  stops sets the seconds (and adds the pair), type 1 sets 0 s, type 3 removes the pair; at one
  stop: type 2 sets the minimum transfer time, type 1 makes it 0, type 3 forbids it;
* one footpath at most between two trips; the initial walk leaves the origin stop by one
  footpath; the final walk reaches the destination by one footpath;
* pickup/drop-off flags are respected.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

INF = float("inf")


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2) - math.radians(lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(a, 1.0)))


class ConnectionScan:
    """Earliest arrival with a transfer-count dimension, by scanning sorted connections."""

    def __init__(
        self,
        source,
        service_days: Sequence[tuple],
        *,
        window: tuple[int, int] = (0, 30 * 3600),
        default_transfer_s: int = 120,
        walk_speed_mps: float = 1.2,
        detour_factor: float = 1.3,
        max_transfer_walk_m: float = 400.0,
    ) -> None:
        self.n_stops = len(source.stop_ids)
        stop_index = {s: i for i, s in enumerate(source.stop_ids)}
        lat = [float(x) for x in source.stop_lat]
        lon = [float(x) for x in source.stop_lon]
        st_stop = source.st_stop.tolist()
        st_arr = source.st_arr.tolist()
        st_dep = source.st_dep.tolist()
        st_pick = source.st_pickup.tolist()
        st_drop = source.st_dropoff.tolist()
        starts = source.trip_st_start.tolist()

        # --- connections -------------------------------------------------------------------
        conns: list[tuple[int, int, int, int, int, int, bool, bool]] = []
        trip_key = 0
        for entry in service_days:
            day, active = entry[0], set(entry[1])
            shift = entry[2] if len(entry) > 2 else day * 86400  # seconds between the days' GTFS zeros
            for t, service in enumerate(source.trip_service_ids):
                if service not in active:
                    continue
                a, b = starts[t], starts[t + 1]
                if st_dep[a] + shift > window[1] or st_arr[b - 1] + shift < window[0]:
                    continue
                for i in range(a, b - 1):
                    conns.append(
                        (
                            st_dep[i] + shift,
                            st_arr[i + 1] + shift,
                            trip_key,
                            i - a,
                            st_stop[i],
                            st_stop[i + 1],
                            st_pick[i],
                            st_drop[i + 1],
                        )
                    )
                trip_key += 1
        conns.sort()
        self.connections = conns
        self.dep_times = [c[0] for c in conns]

        # --- footpaths and transfer times ----------------------------------------------------
        served = sorted(set(st_stop))
        walks: dict[tuple[int, int], int] = {}
        for ia, a in enumerate(served):
            for b in served[ia + 1 :]:
                metres = _haversine(lat[a], lon[a], lat[b], lon[b]) * detour_factor
                if metres <= max_transfer_walk_m:
                    secs = math.ceil(metres / walk_speed_mps - 1e-9)
                    walks[(a, b)] = secs
                    walks[(b, a)] = secs
        self.transfer_s: list[float] = [float(default_transfer_s)] * self.n_stops
        forbidden = []
        for tr in source.transfers:
            if tr.from_stop_id not in stop_index or tr.to_stop_id not in stop_index:
                continue
            a, b = stop_index[tr.from_stop_id], stop_index[tr.to_stop_id]
            if a == b:
                if tr.transfer_type == 1:
                    self.transfer_s[a] = 0
                elif tr.transfer_type == 2 and tr.min_transfer_time is not None:
                    self.transfer_s[a] = tr.min_transfer_time
                elif tr.transfer_type == 3:
                    self.transfer_s[a] = INF
            elif tr.transfer_type == 3:
                forbidden.append((a, b))
            elif tr.transfer_type == 1:
                walks[(a, b)] = 0
            elif tr.transfer_type == 2 and tr.min_transfer_time is not None:
                walks[(a, b)] = tr.min_transfer_time
        for pair in forbidden:
            walks.pop(pair, None)
        self.walks_out: list[list[tuple[int, int]]] = [[] for _ in range(self.n_stops)]
        self.walks_in: list[list[tuple[int, int]]] = [[] for _ in range(self.n_stops)]
        for (a, b), secs in walks.items():
            self.walks_out[a].append((b, secs))
            self.walks_in[b].append((a, secs))

    def earliest_arrival_by_trips(
        self,
        origin: int | None,
        destination: int | None,
        depart: int,
        max_trips: int,
        *,
        all_rounds: bool = True,
        access: dict[int, int] | None = None,
        egress: dict[int, int] | None = None,
        walk_only: int | None = None,
    ) -> list[float]:
        """Earliest arrival at ``destination`` with at most k trips, k = 0..max_trips (inf: none).

        k = 0 is walking only. With ``all_rounds=False`` only the last entry (at most
        ``max_trips`` trips) is guaranteed exact; the scan then stops earlier. For places that
        are not stops pass ``origin``/``destination`` None with ``access``/``egress`` (stop →
        walking seconds) and ``walk_only`` (seconds of the direct walk, or None).
        """
        n = self.n_stops
        ready = [[INF] * n for _ in range(max_trips)]  # ready[k][s]: can board at s after k trips
        if access is None:
            access = {origin: 0}
            for q, secs in self.walks_out[origin]:
                access[q] = min(access.get(q, INF), secs)
        for q, secs in access.items():
            ready[0][q] = min(ready[0][q], depart + secs)
        if egress is None:
            egress = {destination: 0}
            for q, secs in self.walks_in[destination]:
                egress[q] = min(egress.get(q, INF), secs)
        exact = [INF] * (max_trips + 1)
        if walk_only is not None:
            exact[0] = depart + walk_only
        elif origin is not None and origin == destination:
            exact[0] = depart
        elif origin is not None and destination in dict(self.walks_out[origin]):
            exact[0] = depart + dict(self.walks_out[origin])[destination]
        on_trip: dict[int, int] = {}  # trip -> fewest trips used before boarding it
        bound = exact[0]

        start = bisect.bisect_left(self.dep_times, depart)
        for c_dep, c_arr, trip, _seq, u, v, can_pick, can_drop in self.connections[start:]:
            if c_dep >= bound:
                break
            used = on_trip.get(trip)
            if can_pick:
                for k in range(max_trips):
                    if used is not None and k >= used:
                        break
                    if ready[k][u] <= c_dep:
                        used = k
                        on_trip[trip] = k
                        break
            if used is None or not can_drop:
                continue
            trips = used + 1
            if v in egress and c_arr + egress[v] < exact[trips]:
                exact[trips] = c_arr + egress[v]
                bound = max(min(exact[: k + 1]) for k in range(1, max_trips + 1)) if all_rounds else min(exact)
            if trips < max_trips:
                row = ready[trips]
                t = c_arr + self.transfer_s[v]
                if t < row[v]:
                    row[v] = t
                for q, secs in self.walks_out[v]:
                    if c_arr + secs < row[q]:
                        row[q] = c_arr + secs
        result = []
        best = INF
        for value in exact:
            best = min(best, value)
            result.append(best)
        return result
