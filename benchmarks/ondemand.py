"""On-demand (Rufbus) insertion benchmark on the RNV road graph (no database).

    python -m benchmarks.ondemand [--vehicles 25] [--hours 8] [--requests 2000] [--oracle-sample 50]

Builds the drivable graph from ``../shared/data/osm/rnv.osm.pbf`` and a service zone (every
road node within ``--radius-km`` of the graph's median point). ``--vehicles`` buses with 8
seats run ``--hours`` each (25 x 8 = 200 vehicle-hours) from depots in the zone. 2,000
door-to-door requests between random nodes of the zone (pickup windows of 15 minutes spread
over the service hours, 1 or 2 seats, at most 1.5 x the direct time + 10 minutes on board)
are inserted one by one in booking order with ``ondemand.domain.insertion.best_insertion``
over the graph's CCH point-to-point queries; the time of each insertion search is measured.

The peer and exactness check: on every 40th request (``--oracle-sample`` in all) the same
request is also solved by the brute-force oracle (``brute_force_insertion_vectorized``: every
run, every pickup/drop-off position pair, the whole run re-timed) over plain Dijkstra travel
times (scipy ``csgraph.dijkstra`` on the same whole-millisecond weights as the CCH) before it
is inserted. ``mismatches`` counts requests whose oracle answer (feasible or not, run,
positions, added seconds) differs from the fast one.

Progress goes to stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from ondemand.domain.insertion import (
    Request,
    Run,
    apply_insertion,
    best_insertion,
    brute_force_insertion_vectorized,
)
from rides.domain.roadgraph import EARTH_RADIUS_M, RoadGraph

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DAY_START = 1_767_240_000.0  # an arbitrary day, POSIX seconds (midnight-ish)
SERVICE_START = DAY_START + 8 * 3600


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class PlainDijkstra:
    """The oracle's travel times: scipy ``csgraph.dijkstra`` on whole-millisecond weights (the
    CCH's metric). For a request: one-to-all from and to its pickup and drop-off; the legs
    between the runs' own stops are kept per pair (computed once, when first needed)."""

    def __init__(self, graph: RoadGraph) -> None:
        n = graph.node_count
        weights = np.maximum(np.round(np.asarray(graph.time_s) * 1000.0), 1).astype(np.float64)
        self.forward = csr_matrix((weights, np.asarray(graph.indices), np.asarray(graph.indptr)), shape=(n, n))
        self.backward = self.forward.T.tocsr()
        self.pairs: dict[tuple[int, int], float] = {}
        self.from_node: dict[int, np.ndarray] = {}
        self.to_node: dict[int, np.ndarray] = {}
        self.calls = 0

    def prepare(self, runs: list[Run], request: Request) -> None:
        ends = (request.pickup_node, request.dropoff_node)
        self.from_node = {x: dijkstra(self.forward, directed=True, indices=x) for x in ends}
        self.to_node = {x: dijkstra(self.backward, directed=True, indices=x) for x in ends}
        self.calls += 4
        missing: dict[int, set[int]] = {}
        for run in runs:
            nodes = [run.start_node, *(s.node for s in run.stops), run.end_node]
            for a, b in {*zip(nodes, nodes[1:], strict=False), (run.start_node, run.end_node)}:
                if a != b and (a, b) not in self.pairs:
                    missing.setdefault(a, set()).add(b)
        sources = sorted(missing)
        for start in range(0, len(sources), 64):
            batch = sources[start : start + 64]
            result = dijkstra(self.forward, directed=True, indices=batch)
            self.calls += len(batch)
            for row, source in enumerate(batch):
                for target in missing[source]:
                    self.pairs[(source, target)] = float(result[row, target])

    def __call__(self, a: int, b: int) -> float:
        if a == b:
            return 0.0
        if a in self.from_node:
            return float(self.from_node[a][b]) / 1000.0
        if b in self.to_node:
            return float(self.to_node[b][a]) / 1000.0
        return self.pairs[(a, b)] / 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--osm", type=Path, default=DATA / "osm" / "rnv.osm.pbf")
    parser.add_argument("--vehicles", type=int, default=25)
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--oracle-sample", type=int, default=50)
    parser.add_argument("--radius-km", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if not args.osm.is_file():
        sys.exit(f"missing {args.osm}")
    started = time.perf_counter()
    graph = RoadGraph.from_osm(args.osm, name="rnv")
    build_s = time.perf_counter() - started
    graph.prepare_queries()
    log(f"graph: {graph.node_count} nodes, {graph.edge_count} edges in {build_s:.1f} s")
    lat, lon = np.asarray(graph.lat), np.asarray(graph.lon)
    centre = (float(np.median(lat)), float(np.median(lon)))
    zone = graph.nodes_within(centre[0], centre[1], args.radius_km * 1000.0)
    log(f"zone: {len(zone)} road nodes within {args.radius_km} km of {centre}")

    # the fastest any road allows, for straight-line lower bounds (metres per second)
    top_speed = float(np.max(np.asarray(graph.dist_m) / np.maximum(np.asarray(graph.time_s), 1e-9)))
    cos_lat = math.cos(math.radians(centre[0]))
    lat_list, lon_list = lat.tolist(), lon.tolist()

    def lower_bound(a: int, b: int) -> float:
        # an equirectangular distance shrunk by 1 % stays below the great-circle distance here
        dy = math.radians(lat_list[b] - lat_list[a])
        dx = math.radians(lon_list[b] - lon_list[a]) * cos_lat
        return 0.99 * EARTH_RADIUS_M * math.hypot(dx, dy) / top_speed

    def travel_time(a: int, b: int) -> float:
        return graph.travel_time(a, b)

    shift = args.hours * 3600.0
    runs = []
    for k in range(args.vehicles):
        depot = rng.choice(zone)
        runs.append(Run(f"bus-{k}", 8, depot, depot, SERVICE_START, SERVICE_START + shift, dwell_s=60.0))

    requests = []
    while len(requests) < args.requests:
        p, q = rng.choice(zone), rng.choice(zone)
        if p == q:
            continue
        direct = graph.travel_time(p, q)
        if not math.isfinite(direct) or direct < 180:
            continue
        earliest = SERVICE_START + rng.uniform(0, shift - 1800)
        requests.append(
            Request(
                f"r{len(requests)}",
                p,
                q,
                earliest_pickup_s=round(earliest),
                latest_pickup_s=round(earliest) + 900,
                max_ride_s=round(1.5 * direct + 600),
                seats=1 if rng.random() < 0.8 else 2,
            )
        )
    every = max(1, args.requests // max(args.oracle_sample, 1))
    sample = set(range(every - 1, args.requests, every)[: args.oracle_sample])
    plain = PlainDijkstra(graph)

    timings, cpu, accepted, mismatches, oracle_s, checked = [], [], 0, 0, 0.0, 0
    loop_started = time.perf_counter()
    for number, request in enumerate(requests):
        t0, c0 = time.perf_counter(), time.process_time()
        found = best_insertion(runs, request, travel_time, lower_bound=lower_bound)
        timings.append((time.perf_counter() - t0) * 1000.0)
        cpu.append((time.process_time() - c0) * 1000.0)
        if number in sample:
            t1 = time.perf_counter()
            plain.prepare(runs, request)
            oracle = brute_force_insertion_vectorized(runs, request, plain)
            oracle_s += time.perf_counter() - t1
            checked += 1
            same = (found is None and oracle is None) or (
                found is not None and oracle is not None and found.rank() == oracle.rank()
            )
            if not same:
                mismatches += 1
                log(f"  mismatch on {request.key}: fast {found}, oracle {oracle}")
        if found is not None:
            runs = apply_insertion(runs, request, found)
            accepted += 1
        if (number + 1) % 250 == 0:
            log(
                f"  {number + 1} requests: {accepted} accepted, p95 {np.percentile(timings, 95):.1f} ms, "
                f"oracle checks {checked} ({mismatches} mismatches), {time.perf_counter() - loop_started:.0f} s"
            )
    stops = [len(r.stops) for r in runs]
    p50, p95 = float(np.percentile(timings, 50)), float(np.percentile(timings, 95))
    print(
        json.dumps(
            {
                "graph_nodes": graph.node_count,
                "zone_nodes": len(zone),
                "vehicles": args.vehicles,
                "vehicle_hours": round(args.vehicles * args.hours, 1),
                "requests": len(requests),
                "accepted": accepted,
                "share_accepted": round(accepted / len(requests), 3),
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "max_ms": round(max(timings), 2),
                "p95_cpu_ms": round(float(np.percentile(cpu, 95)), 2),
                "goal_p95_ms": 50,
                "p95_ok": p95 <= 50,
                "stops_per_run_max": max(stops),
                "stops_per_run_mean": round(sum(stops) / len(stops), 1),
                "oracle_checked": checked,
                "oracle_ms_mean": round(oracle_s * 1000 / max(checked, 1), 1),
                "oracle_speed_ratio": round((oracle_s * 1000 / max(checked, 1)) / p50, 1),
                "oracle_dijkstra_runs": plain.calls,
                "mismatches": mismatches,
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
