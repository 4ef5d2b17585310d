"""Ride matcher benchmark on the RNV road graph (no database).

    python -m benchmarks.matcher [--requests 200] [--naive-sample 40]

Builds the drivable graph from ``../shared/data/osm/rnv.osm.pbf``, posts 1,000 and then
10,000 offers between random nodes (departures spread over a day, detour budget 15 min,
1-4 seats), and times rider requests against the in-memory ``OfferIndex``. Half of the
requests lie along some offer's route (so there are matches to find), half are random.

The peer is what a typical osmnx user writes: a networkx ``MultiDiGraph`` with
``travel_time`` edges (the same simplified graph osmnx builds) and, for every candidate
offer of a request (those whose time window overlaps the rider's),
``nx.shortest_path_length`` for the legs origin->pickup, pickup->drop-off and
drop-off->destination. Because that takes minutes per request at 10,000 offers, it is run
on a sample of offers and extrapolated to the candidate count (``naive_ms``). The same
sample serves as the exactness oracle: every sampled offer's feasibility and detour from
networkx must equal the matcher's (``mismatches``).

Progress goes to stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

from rides.domain.matching import Access, OfferIndex, RideQuery, simple_plan
from rides.domain.roadgraph import RoadGraph

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DAY_START = 1_767_240_000.0  # an arbitrary day, POSIX seconds
DETOUR_S = 15 * 60.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def post_offers(graph: RoadGraph, count: int, rng: random.Random) -> list:
    """Offers between random nodes with their fastest routes (as the service computes them)."""
    plans = []
    routes = []
    n = graph.node_count
    started = time.perf_counter()
    while len(plans) < count:
        o, d = rng.randrange(n), rng.randrange(n)
        if o == d:
            continue
        route = graph.route(o, d)
        departure = DAY_START + rng.uniform(6 * 3600, 20 * 3600)
        plans.append(
            simple_plan(
                len(plans),
                origin=o,
                destination=d,
                departure_s=departure,
                capacity=rng.randint(1, 4),
                max_detour_s=DETOUR_S,
                direct_s=route.duration_s,
            )
        )
        routes.append(route)
        if len(plans) % 2000 == 0:
            log(f"  posted {len(plans)} offers ({time.perf_counter() - started:.0f} s)")
    return list(zip(plans, routes, strict=True))


def make_requests(graph: RoadGraph, offers: list, count: int, rng: random.Random) -> list[RideQuery]:
    """Half along an offer's route (pickup and drop-off near it), half random."""
    queries = []
    for k in range(count):
        if k % 2 == 0:
            plan, route = offers[rng.randrange(len(offers))]
            a = rng.randrange(0, max(1, len(route.nodes) // 2))
            b = rng.randrange(a + 1, len(route.nodes)) if a + 1 < len(route.nodes) else a
            p_lat, p_lon = graph.lat[route.nodes[a]], graph.lon[route.nodes[a]]
            q_lat, q_lon = graph.lat[route.nodes[b]], graph.lon[route.nodes[b]]
            # a door a few hundred metres off the route
            p, _ = graph.nearest_node(p_lat + rng.uniform(-0.003, 0.003), p_lon + rng.uniform(-0.004, 0.004))
            q, _ = graph.nearest_node(q_lat + rng.uniform(-0.003, 0.003), q_lon + rng.uniform(-0.004, 0.004))
            passing = plan.departure_s + float(route.time_s[a])
            ed = passing - rng.uniform(0, 1800)
            la = plan.departure_s + float(route.time_s[b]) + rng.uniform(600, 2400)
        else:
            p, q = rng.randrange(graph.node_count), rng.randrange(graph.node_count)
            ed = DAY_START + rng.uniform(6 * 3600, 20 * 3600)
            la = ed + rng.uniform(3600, 3 * 3600)
        queries.append(RideQuery([Access(p)], [Access(q)], ed, la, rng.randint(1, 2)))
    return queries


def time_requests(index: OfferIndex, queries: list[RideQuery]) -> tuple[list[float], list[list], list[float]]:
    """Wall-clock and CPU milliseconds per request (CPU time shows the cost on a busy machine)."""
    timings, results, cpu = [], [], []
    for query in queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        matches = index.match(query)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        results.append(matches)
    return timings, results, cpu


def candidate_slots(index: OfferIndex, query: RideQuery) -> np.ndarray:
    """The offers a naive implementation checks: time window overlaps, enough seats."""
    n = len(index.plans)
    departure, horizon = index.departure[:n], index.horizon[:n]
    ok = (
        index.active[:n]
        & (departure <= query.latest_arrival_s)
        & (departure + horizon >= query.earliest_departure_s)
        & (index.capacity[:n] >= query.seats)
    )
    return np.flatnonzero(ok)


def networkx_graph(graph: RoadGraph):
    """The osmnx-style MultiDiGraph of the same roads (osmnx cannot read .pbf itself)."""
    import networkx as nx

    G = nx.MultiDiGraph(crs="epsg:4326")
    for node in range(graph.node_count):
        G.add_node(node, y=float(graph.lat[node]), x=float(graph.lon[node]))
    indptr, indices, times, dists = graph.indptr, graph.indices, graph.time_s, graph.dist_m
    for u in range(graph.node_count):
        for pos in range(int(indptr[u]), int(indptr[u + 1])):
            G.add_edge(u, int(indices[pos]), travel_time=float(times[pos]), length=float(dists[pos]))
    return G


def naive_check(G, plan, query: RideQuery) -> tuple[bool, float]:
    """The osmnx user's per-offer test: three networkx shortest paths, and (the matcher's rule)
    the route o -> p -> q -> d must not drive a directed road edge twice."""
    import networkx as nx

    o, d = plan.stops[0].node, plan.stops[-1].node
    p, q = query.pickups[0].node, query.dropoffs[0].node
    t_op, path_op = nx.single_source_dijkstra(G, o, p, weight="travel_time")
    t_pq, path_pq = nx.single_source_dijkstra(G, p, q, weight="travel_time")
    t_qd, path_qd = nx.single_source_dijkstra(G, q, d, weight="travel_time")
    edges = [e for path in (path_op, path_pq, path_qd) for e in zip(path[:-1], path[1:], strict=False)]
    added = t_op + t_pq + t_qd - plan.direct_s
    pickup = plan.departure_s + t_op
    feasible = (
        query.seats <= plan.capacity
        and added <= plan.max_detour_s
        and pickup >= query.earliest_departure_s
        and pickup + t_pq <= query.latest_arrival_s
        and len(edges) == len(set(edges))
    )
    return feasible, added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--osm", type=Path, default=DATA / "osm" / "rnv.osm.pbf")
    parser.add_argument("--requests", type=int, default=200, help="rider requests timed per offer count")
    parser.add_argument("--naive-sample", type=int, default=40, help="offers checked with networkx (sample)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    if not args.osm.is_file():
        sys.exit(f"missing {args.osm}")
    started = time.perf_counter()
    graph = RoadGraph.from_osm(args.osm, name="rnv")
    build_s = time.perf_counter() - started
    log(
        f"graph: {graph.meta['nodes']} nodes, {graph.meta['edges']} edges (simplified from "
        f"{graph.meta['unsimplified_nodes']} nodes) in {build_s:.1f} s"
    )

    offers = post_offers(graph, 10_000, rng)
    results = {}
    for count in (1_000, 10_000):
        index = OfferIndex(graph)
        for plan, _ in offers[:count]:
            index.add(plan)
        queries = make_requests(graph, offers[:count], args.requests, random.Random(args.seed + count))
        time_requests(index, queries[:10])  # warm-up
        timings, matched, cpu = time_requests(index, queries)
        results[count] = (index, queries, timings, matched, cpu)
        log(
            f"{count} offers: p50 {np.percentile(timings, 50):.1f} ms, p95 {np.percentile(timings, 95):.1f} ms "
            f"(CPU p95 {np.percentile(cpu, 95):.1f} ms, load {os.getloadavg()[0]:.1f}), "
            f"{sum(1 for m in matched if m)} of {len(queries)} requests matched, "
            f"{sum(len(m) for m in matched)} matches"
        )

    # The naive peer and the oracle check, on a sample at 10,000 offers.
    index, queries, timings, matched, cpu = results[10_000]
    log("building the networkx graph for the naive peer ...")
    G = networkx_graph(graph)
    sample_rng = random.Random(args.seed + 1)
    checks = 0
    naive_seconds = 0.0
    mismatches = 0
    candidates_per_request = []
    per_request = max(1, args.naive_sample // 10)
    sampled_queries = [k for k in range(len(queries)) if matched[k]][:5] + list(range(1, len(queries), 2))[:5]
    for k in sampled_queries:
        query = queries[k]
        slots = candidate_slots(index, query)
        candidates_per_request.append(len(slots))
        found = {m.key: m for m in matched[k]}
        keys = [index._keys[s] for s in slots.tolist()]
        # every offer the matcher found, plus random candidates (most of them infeasible)
        chosen = list(found)[:per_request] + sample_rng.sample(keys, min(per_request, len(keys)))
        for key in chosen:
            plan = index.plans[key]
            t0 = time.perf_counter()
            feasible, added = naive_check(G, plan, query)
            naive_seconds += time.perf_counter() - t0
            checks += 1
            mine = found.get(key)
            if feasible != (mine is not None) or (
                mine is not None and abs(mine.added_s - added) > 1e-6 * max(1.0, added)
            ):
                mismatches += 1
                log(f"  mismatch: request {k}, offer {key}: networkx {feasible} {added:.3f} s, matcher {mine}")
    per_offer_ms = naive_seconds * 1000 / checks
    naive_ms = per_offer_ms * float(np.mean(candidates_per_request))
    log(
        f"naive: {per_offer_ms:.1f} ms per offer ({checks} offers checked), "
        f"{np.mean(candidates_per_request):.0f} candidate offers per request -> {naive_ms:.0f} ms per request"
    )
    p50 = float(np.percentile(timings, 50))
    p95 = float(np.percentile(timings, 95))
    p95_1k = float(np.percentile(results[1_000][2], 95))
    print(
        json.dumps(
            {
                "graph_nodes": graph.node_count,
                "graph_edges": graph.edge_count,
                "unsimplified_nodes": graph.meta["unsimplified_nodes"],
                "build_s": round(build_s, 2),
                "requests": len(queries),
                "offers": 10_000,
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "p95_ms_1k": round(p95_1k, 2),
                "p95_ratio_10k_1k": round(p95 / p95_1k, 2),
                "p50_cpu_ms": round(float(np.percentile(cpu, 50)), 2),
                "p95_cpu_ms": round(float(np.percentile(cpu, 95)), 2),
                "p95_cpu_ms_1k": round(float(np.percentile(results[1_000][4], 95)), 2),
                "load_average_1min": round(os.getloadavg()[0], 2),
                "matched_requests": sum(1 for m in matched if m),
                "naive_ms": round(naive_ms, 1),
                "naive_per_offer_ms": round(per_offer_ms, 2),
                "naive_candidates_per_request": round(float(np.mean(candidates_per_request)), 1),
                "naive_offers_checked": checks,
                "naive_extrapolated": True,
                "speedup": round(naive_ms / p50, 1),
                "mismatches": mismatches,
            }
        )
    )


if __name__ == "__main__":
    main()
