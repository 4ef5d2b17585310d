"""Footpaths between stops are decided by exact distances, whatever other feeds are compiled beside."""

from __future__ import annotations

import dataclasses

import numpy as np

from journeys.domain.timetable import build_timetable, haversine_m, merge_sources, service_days_for
from rides.domain.roadgraph import RoadGraph
from tests.conftest import shared_file
from tests.journeys.feeds import load_source, pick_weekday


def _footpaths(tt, ids: list[str]) -> set[tuple[str, str, int, float]]:
    out = set()
    for stop_id in ids:
        i = tt.stop_index(stop_id)
        to, secs, metres = tt.footpaths_from(i)
        out |= {(stop_id, tt.stop_ids[j], int(s), round(float(m), 6)) for j, s, m in zip(to, secs, metres, strict=True)}
    return out


def test_footpaths_of_a_feed_alone_equal_those_beside_a_feed_ten_degrees_south():
    source, calendar = load_source(shared_file("gtfs/herrenberg-vvs-2021.zip"))
    south = dataclasses.replace(source, stop_lat=source.stop_lat - 10.0)
    day = pick_weekday(calendar)
    days = service_days_for(calendar, day)
    alone = build_timetable(merge_sources([source], ["a:"]), days and [(o, {"a:" + s for s in a}) for o, a, *_ in days])
    both = build_timetable(
        merge_sources([source, south], ["a:", "b:"]),
        [(o, {"a:" + s for s in a} | {"b:" + s for s in a}) for o, a, *_ in days],
    )
    ids = [s for s in alone.stop_ids if alone.stop_served[alone.stop_index(s)]]
    paths_alone = _footpaths(alone, ids)
    paths_both = {p for p in _footpaths(both, ids) if p[1].startswith("a:")}
    assert len(paths_alone) > 100
    assert paths_both == paths_alone
    # every pair within the limit by haversine x detour has its footpath (transfers.txt adds more)
    lat = alone.stop_lat
    lon = alone.stop_lon
    idx = np.array([alone.stop_index(s) for s in ids])
    metres = haversine_m(lat[idx][:, None], lon[idx][:, None], lat[idx][None, :], lon[idx][None, :]) * 1.3
    within = {(ids[a], ids[b]) for a, b in zip(*np.nonzero(metres <= 400.0), strict=True) if a != b}
    assert within <= {(a, b) for a, b, _, _ in paths_alone}
    assert len(within) > 50


def test_stops_near_and_road_nodes_within_are_exact_far_from_the_mean_latitude():
    source, calendar = load_source(shared_file("gtfs/herrenberg-vvs-2021.zip"))
    south = dataclasses.replace(source, stop_lat=source.stop_lat - 10.0)
    day = pick_weekday(calendar)
    days = [(o, {"a:" + s for s in a} | {"b:" + s for s in a}) for o, a, *_ in service_days_for(calendar, day)]
    tt = build_timetable(merge_sources([source, south], ["a:", "b:"]), days)
    served = np.flatnonzero(tt.stop_served)
    probe = served[0]
    lat, lon = float(tt.stop_lat[probe]) + 0.001, float(tt.stop_lon[probe]) + 0.003
    stops, walk = tt.stops_near(lat, lon, 600.0)
    exact = haversine_m(lat, lon, tt.stop_lat[served], tt.stop_lon[served]) * 1.3
    assert sorted(stops.tolist()) == sorted(served[exact <= 600.0].tolist())
    # a road graph spanning both latitudes: nodes_within is exact too
    lats = np.concatenate([tt.stop_lat[served], tt.stop_lat[served][:3]])
    lons = np.concatenate([tt.stop_lon[served], tt.stop_lon[served][:3]])
    graph = RoadGraph(
        indptr=np.zeros(len(lats) + 1, dtype=np.int32),
        indices=np.zeros(0, np.int32),
        time_s=np.zeros(0),
        dist_m=np.zeros(0),
        lat=lats,
        lon=lons,
        osm_ids=np.arange(len(lats)),
        geom_indptr=np.zeros(1, np.int64),
        geom_lat=np.zeros(0),
        geom_lon=np.zeros(0),
    )
    radius = 700.0
    metres = haversine_m(lat, lon, lats, lons)
    assert graph.nodes_within(lat, lon, radius) == sorted(np.flatnonzero(metres <= radius).tolist())
    node, distance = graph.nearest_node(lat, lon)
    assert distance == metres.min() and node == int(np.argmin(metres))
