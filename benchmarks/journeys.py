"""Benchmark: RAPTOR earliest-arrival queries on the RNV feed vs a pure-Python CSA oracle.

``python -m benchmarks.journeys [--queries 1000] [--oracle-sample 50] [--seed 42]``

Loads ``rnv-2016-11.zip`` (2,057 stops, 424,266 stop_times), picks a weekday, compiles the
timetable of that service day (previous-day overlap + next-morning trips), then times
``journeys.domain.raptor.earliest_arrival`` (stop to stop, up to 4 transfers, full journey
reconstruction of the Pareto set) on random origin/destination pairs of served stops with
departure times uniform over the service day. A sample of the same queries is answered by the
plain Connection Scan oracle of the tests (``tests/journeys/oracle.py``, early termination at
the best arrival); its earliest arrival (≤ 5 trips) is compared with the planner's.

Output: progress on stderr; one JSON line last on stdout with
``p50_ms``/``p95_ms``/``mean_ms`` (planner, per query), ``oracle_ms`` (oracle, MEAN per query on
the sample), ``speedup`` = oracle_ms / planner MEAN over all queries, ``mismatches`` (sample).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from journeys.domain.raptor import Place, earliest_arrival
from journeys.domain.timetable import load_gtfs, service_days_for, timetable_for_date

FEED = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtfs" / "rnv-2016-11.zip"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--oracle-sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--feed", type=Path, default=FEED)
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

    # warm-up (first-call allocations)
    earliest_arrival(tt, Place.at_stop(queries[0][0]), Place.at_stop(queries[0][1]), queries[0][2])
    times_ms: list[float] = []
    arrivals: list[int | None] = []
    for i, (o, d, dep) in enumerate(queries):
        t0 = time.perf_counter()
        journeys = earliest_arrival(tt, Place.at_stop(o), Place.at_stop(d), dep, max_transfers=4)
        times_ms.append((time.perf_counter() - t0) * 1000)
        arrivals.append(min((j.arrival for j in journeys), default=None))
        if (i + 1) % 200 == 0:
            log(f"  planner {i + 1}/{len(queries)}")

    t0 = time.perf_counter()
    oracle = ConnectionScan(source, service_days_for(calendar, date))
    log(f"oracle built in {time.perf_counter() - t0:.1f} s ({len(oracle.connections)} connections)")
    sample = list(range(min(args.oracle_sample, len(queries))))
    oracle_ms: list[float] = []
    mismatches = 0
    for n, i in enumerate(sample):
        o, d, dep = queries[i]
        t0 = time.perf_counter()
        best = oracle.earliest_arrival_by_trips(o, d, dep, 5, all_rounds=False)[-1]
        oracle_ms.append((time.perf_counter() - t0) * 1000)
        expected = None if best == float("inf") else int(best)
        if expected != arrivals[i]:
            mismatches += 1
            log(f"  MISMATCH {o}->{d} at {dep}: planner {arrivals[i]}, oracle {expected}")
        if (n + 1) % 10 == 0:
            log(f"  oracle {n + 1}/{len(sample)}")

    mean_ms = statistics.fmean(times_ms)
    result = {
        "p50_ms": round(float(np.percentile(times_ms, 50)), 3),
        "p95_ms": round(float(np.percentile(times_ms, 95)), 3),
        "mean_ms": round(mean_ms, 3),
        "max_ms": round(max(times_ms), 3),
        "oracle_ms": round(statistics.fmean(oracle_ms), 3),
        "speedup": round(statistics.fmean(oracle_ms) / mean_ms, 1),
        "mismatches": mismatches,
        "queries": len(queries),
        "oracle_sample": len(sample),
        "answered": sum(a is not None for a in arrivals),
        "compile_s": round(compile_s, 3),
        "load_s": round(load_s, 2),
        "service_day": date.isoformat(),
        "stop_times_in_day": int(len(tt.times_dep)),
        "speedup_basis": "oracle mean / planner mean",
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
