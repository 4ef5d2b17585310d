"""Benchmark: RAPTOR earliest-arrival queries on the RNV feed vs a pure-Python CSA oracle.

``python -m benchmarks.journeys [--queries 1000] [--oracle-sample 50] [--seed 42]``

Loads ``rnv-2016-11.zip`` (2,057 stops, 424,266 stop_times), picks a weekday, compiles the
timetable of that service day (previous-day overlap + next-morning trips), then times
``journeys.domain.raptor.earliest_arrival`` (stop to stop, up to 4 transfers; it answers with
the Pareto set over arrival and transfers, each journey with its legs) on random pairs of
served stops with departure times uniform over the service day.

The first ``--oracle-sample`` queries are also answered by the plain Connection Scan oracle of
the tests (``tests/journeys/oracle.py``) in two ways:

* ``oracle_ms`` — the same question the planner answers: earliest arrival for each maximum
  number of trips 1..5 (the Pareto set over arrival and transfers); the scan stops once no
  connection can improve any of them. ``mismatches`` compares the planner's journeys
  (transfers and arrival of every Pareto journey) with it.
* ``oracle_ea_ms`` — only the single earliest arrival with at most 4 transfers, stopping at
  the textbook CSA criterion (departure ≥ best arrival). ``mismatches_ea`` compares the
  planner's earliest journey with it.

All ``*_ms`` are per query, wall-clock; ``oracle_ms``/``oracle_ea_ms`` are MEANS over the
sample and the speedups divide them by the planner's MEAN over all queries. The ``cpu_*`` and
``speedup*_cpu`` fields repeat this with process CPU time, and ``loadavg_1m`` tells how busy the
machine was (wall-clock numbers inflate when other jobs share the cores). Progress goes to stderr; one JSON
line is printed last on stdout. Also timed: 200 arrive-by queries (``latest_departure``).

The planner's rounds run in a numba kernel (``journeys.domain.raptor_kernel``) when numba is
available (``raptor_kernel`` in the JSON: ``numba`` or ``numpy``). One warm-up query runs
before the timed ones, so JIT compilation (or loading the compiled kernel from numba's on-disk
cache) is not part of any per-query time; its wall time is reported as ``jit_compile_s``
(``jit_cache_hit`` tells whether numba loaded the kernel from its cache instead of compiling).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from journeys.domain import raptor
from journeys.domain.raptor import Place, earliest_arrival, latest_departure
from journeys.domain.timetable import load_gtfs, service_days_for, timetable_for_date

INF = float("inf")
FEED = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtfs" / "rnv-2016-11.zip"
OSM = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm" / "rnv.osm.pbf"


def http_and_cold_start(args, tt, served: list[int], seed: int) -> dict:
    """A real server with RNV (see ``benchmarks.journeys_http``) and, for the same coordinate
    queries, the planner kernel alone on the compiled timetable (``http_kernel_p95_ms``)."""
    from benchmarks import journeys_http

    rng = random.Random(seed + 1)
    queries = []
    for _ in range(args.http_queries + 1):
        a, b = rng.choice(served), rng.choice(served)
        queries.append(
            (
                float(tt.stop_lat[a]),
                float(tt.stop_lon[a]),
                float(tt.stop_lat[b]),
                float(tt.stop_lon[b]),
                rng.randrange(6 * 3600, 20 * 3600),
            )
        )
    kernel_ms = []
    cpu_before = time.process_time()
    for q in queries[1:]:
        t0 = time.perf_counter()
        earliest_arrival(tt, Place.at(q[0], q[1]), Place.at(q[2], q[3]), q[4], max_transfers=4)
        kernel_ms.append((time.perf_counter() - t0) * 1000)
    kernel_cpu_ms = (time.process_time() - cpu_before) * 1000 / len(kernel_ms)
    result = journeys_http.run(args.feed, args.osm, queries)
    kernel_p95 = float(np.percentile(kernel_ms, 95))
    result["http_kernel_p95_ms"] = round(kernel_p95, 3)
    result["http_p95_over_kernel_p95"] = round(result["http_p95_ms"] / kernel_p95, 1)
    # the same comparison in CPU time per search, robust when other jobs share the cores
    result["http_kernel_cpu_ms"] = round(kernel_cpu_ms, 3)
    result["http_server_cpu_over_kernel_cpu"] = round(result["http_server_cpu_ms"] / kernel_cpu_ms, 1)
    return result


def road_queries(osm: Path, count: int, seed: int) -> dict:
    """Point-to-point travel times on the RNV road graph: the CCH against scipy's Dijkstra
    (one search per pair, stopped at nothing: what ``RoadGraph.times_from`` did per query)."""
    from scipy.sparse.csgraph import dijkstra

    from rides.domain.roadgraph import RoadGraph

    t0 = time.perf_counter()
    graph = RoadGraph.from_osm(osm, name="rnv")
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph.cch_order()
    order_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph.prepare_queries()
    customize_s = time.perf_counter() - t0
    rng = random.Random(seed)
    pairs = [(rng.randrange(graph.node_count), rng.randrange(graph.node_count)) for _ in range(count)]
    cch_ms, dijkstra_ms, worst = [], [], 0.0
    mismatches = 0
    for a, b in pairs:
        t0 = time.perf_counter()
        fast = graph.travel_time(a, b)
        cch_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        slow = float(dijkstra(graph.forward, directed=True, indices=a)[b])
        dijkstra_ms.append((time.perf_counter() - t0) * 1000)
        diff = abs(fast - slow) if math.isfinite(slow) or math.isfinite(fast) else 0.0
        worst = max(worst, diff if math.isfinite(diff) else math.inf)
        if not (diff <= 0.5):  # the hierarchy weighs in whole milliseconds
            mismatches += 1
    return {
        "road_nodes": graph.node_count,
        "road_graph_build_s": round(build_s, 2),
        "road_cch_order_s": round(order_s, 2),
        "road_cch_customize_s": round(customize_s, 3),
        "road_query_cch_ms": round(statistics.fmean(cch_ms), 4),
        "road_query_dijkstra_ms": round(statistics.fmean(dijkstra_ms), 3),
        "road_query_speedup": round(statistics.fmean(dijkstra_ms) / statistics.fmean(cch_ms), 1),
        "road_query_mismatches": mismatches,
        "road_query_max_diff_s": round(worst, 4),
        "road_queries": count,
    }


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--oracle-sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--feed", type=Path, default=FEED)
    parser.add_argument("--osm", type=Path, default=OSM)
    parser.add_argument("--road-queries", type=int, default=300)
    parser.add_argument("--http-queries", type=int, default=200)
    parser.add_argument("--skip-http", action="store_true", help="no real-server part (http_*, cold_first_search_s)")
    args = parser.parse_args(argv)
    if not args.feed.is_file():
        raise SystemExit(f"feed not found: {args.feed}")

    from tests.journeys.oracle import ConnectionScan

    t0 = time.perf_counter()
    source, calendar = load_gtfs(args.feed)
    load_s = time.perf_counter() - t0
    dates = calendar.dates()
    date = dates[len(dates) // 2]
    while date.weekday() != 1:  # a Tuesday
        date += dt.timedelta(days=1)
    log(f"loaded {args.feed.name} in {load_s:.1f} s; service day {date}")
    t0 = time.perf_counter()
    tt = timetable_for_date(source, calendar, date)
    compile_s = time.perf_counter() - t0
    log(
        f"compiled in {compile_s:.2f} s: {tt.n_routes} routes, {tt.n_positions} positions, "
        f"{len(tt.times_dep)} stop times"
    )

    rng = random.Random(args.seed)
    served = np.flatnonzero(tt.stop_served).tolist()
    queries = [(rng.choice(served), rng.choice(served), rng.randrange(0, 86400)) for _ in range(args.queries)]

    # warm-up, not timed per query: JIT compilation of the numba kernel (or loading it from
    # numba's cache) and first-call allocations
    kernel = raptor._kernel()
    t0 = time.perf_counter()
    earliest_arrival(tt, Place.at_stop(queries[0][0]), Place.at_stop(queries[0][1]), queries[0][2])
    jit_compile_s = time.perf_counter() - t0
    latest_departure(tt, Place.at_stop(queries[0][0]), Place.at_stop(queries[0][1]), queries[0][2] + 3600)
    jit_cache_hit = None
    if kernel is not None:
        jit_cache_hit = sum(kernel.raptor_rounds.stats.cache_hits.values()) > 0
        how = "loaded from numba's cache" if jit_cache_hit else "JIT-compiled"
        log(f"warm-up query (not timed): numba kernel {how} in {jit_compile_s:.2f} s")
    else:
        log(f"warm-up query (not timed): numba not available, numpy rounds ({jit_compile_s:.2f} s)")
    times_ms: list[float] = []
    cpu_ms: list[float] = []
    arrivals: list[int | None] = []
    pareto: list[list[tuple[int, int]]] = []
    for i, (o, d, dep) in enumerate(queries):
        c0 = time.process_time()
        t0 = time.perf_counter()
        journeys = earliest_arrival(tt, Place.at_stop(o), Place.at_stop(d), dep, max_transfers=4)
        times_ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.process_time() - c0) * 1000)
        arrivals.append(min((j.arrival for j in journeys), default=None))
        pareto.append([(j.transfers, j.arrival) for j in journeys])
        if (i + 1) % 200 == 0:
            log(f"  planner {i + 1}/{len(queries)}")

    arrive_ms: list[float] = []
    for o, d, t in queries[:200]:
        t0 = time.perf_counter()
        latest_departure(tt, Place.at_stop(o), Place.at_stop(d), t + 3600, max_transfers=4)
        arrive_ms.append((time.perf_counter() - t0) * 1000)
    log(f"  arrive-by: {len(arrive_ms)} queries")

    t0 = time.perf_counter()
    oracle = ConnectionScan(source, service_days_for(calendar, date))
    log(f"oracle built in {time.perf_counter() - t0:.1f} s ({len(oracle.connections)} connections)")
    sample = list(range(min(args.oracle_sample, len(queries))))
    oracle_ms: list[float] = []
    oracle_ea_ms: list[float] = []
    oracle_cpu_ms: list[float] = []
    oracle_ea_cpu_ms: list[float] = []
    mismatches = 0
    mismatches_ea = 0
    for n, i in enumerate(sample):
        o, d, dep = queries[i]
        c0 = time.process_time()
        t0 = time.perf_counter()
        per_trips = oracle.earliest_arrival_by_trips(o, d, dep, 5, all_rounds=True)
        oracle_ms.append((time.perf_counter() - t0) * 1000)
        oracle_cpu_ms.append((time.process_time() - c0) * 1000)
        c0 = time.process_time()
        t0 = time.perf_counter()
        best = oracle.earliest_arrival_by_trips(o, d, dep, 5, all_rounds=False)[-1]
        oracle_ea_ms.append((time.perf_counter() - t0) * 1000)
        oracle_ea_cpu_ms.append((time.process_time() - c0) * 1000)
        expected = [
            (max(0, k - 1), int(per_trips[k]))
            for k in range(len(per_trips))
            if per_trips[k] != INF and (k == 0 or per_trips[k] < per_trips[k - 1])
        ]
        if expected != pareto[i]:
            mismatches += 1
            log(f"  MISMATCH {o}->{d} at {dep}: planner {pareto[i]}, oracle {expected}")
        expected_ea = None if best == INF else int(best)
        if expected_ea != arrivals[i]:
            mismatches_ea += 1
            log(f"  MISMATCH (EA) {o}->{d} at {dep}: planner {arrivals[i]}, oracle {expected_ea}")
        if (n + 1) % 10 == 0:
            log(f"  oracle {n + 1}/{len(sample)}")

    mean_ms = statistics.fmean(times_ms)
    road = road_queries(args.osm, args.road_queries, args.seed) if args.osm.is_file() else {}
    log(f"road queries: {road}")
    http = {} if args.skip_http else http_and_cold_start(args, tt, served, args.seed)
    log(f"http: {http}")
    result = {
        "p50_ms": round(float(np.percentile(times_ms, 50)), 3),
        "p95_ms": round(float(np.percentile(times_ms, 95)), 3),
        "mean_ms": round(mean_ms, 3),
        "max_ms": round(max(times_ms), 3),
        "oracle_ms": round(statistics.fmean(oracle_ms), 3),
        "speedup": round(statistics.fmean(oracle_ms) / mean_ms, 1),
        "mismatches": mismatches,
        "oracle_ea_ms": round(statistics.fmean(oracle_ea_ms), 3),
        "speedup_ea": round(statistics.fmean(oracle_ea_ms) / mean_ms, 1),
        "mismatches_ea": mismatches_ea,
        # CPU time of this process (robust when other jobs load the machine)
        "cpu_p50_ms": round(float(np.percentile(cpu_ms, 50)), 3),
        "cpu_p95_ms": round(float(np.percentile(cpu_ms, 95)), 3),
        "cpu_mean_ms": round(statistics.fmean(cpu_ms), 3),
        "speedup_cpu": round(statistics.fmean(oracle_cpu_ms) / statistics.fmean(cpu_ms), 1),
        "speedup_ea_cpu": round(statistics.fmean(oracle_ea_cpu_ms) / statistics.fmean(cpu_ms), 1),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "arrive_by_p50_ms": round(float(np.percentile(arrive_ms, 50)), 3),
        "arrive_by_p95_ms": round(float(np.percentile(arrive_ms, 95)), 3),
        "queries": len(queries),
        "oracle_sample": len(sample),
        "answered": sum(a is not None for a in arrivals),
        "compile_s": round(compile_s, 3),
        "raptor_kernel": "numpy" if kernel is None else "numba",
        "jit_compile_s": round(jit_compile_s, 3),
        "jit_cache_hit": jit_cache_hit,
        "load_s": round(load_s, 2),
        "service_day": date.isoformat(),
        "stop_times_in_day": int(len(tt.times_dep)),
        "speedup_basis": "oracle mean (sample) / planner mean (all queries)",
        **road,
        **http,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
