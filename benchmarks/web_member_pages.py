"""Benchmark: server time and page weight of the car-sharing member pages and the map, on the demo.

``python -m benchmarks.web_member_pages [--repeat 40] [--osm ../shared/data/osm/rnv.osm.pbf]``

The demo region is loaded (``manage.py demo``) into a fresh SQLite database in a temporary
directory with development settings, exactly what ``make run`` serves. Every page is
requested through Django's full middleware stack (sessions, CSRF, WhiteNoise, the web
security headers) with the test client, signed in as the demo member where the page is
personal; the time measured is the server's (no network, no browser).

* ``pages``: per page p50/p95 in ms over ``--repeat`` requests after two warm-up requests,
  and the JavaScript + CSS the page loads (its own ``<script src>`` and stylesheets, gzip -9
  compressed, in KB). The issue asks for p95 ≤ 150 ms and ≤ 150 KB per page.
* floor: ``/healthz`` through the same stack (the cheapest request the server answers).
* ``roads``: the map's road layer on a real OSM extract (``--osm``; skipped when missing):
  per zoom, the time to simplify the whole network (first request, then served from the
  per-process cache), the compressed GeoJSON size of the whole network and of what map.js
  asks for (from zoom 10 a padded 1280 x 900 px view around the centre), against the
  unsimplified network (tolerance 0) as the peer.

Progress goes to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OSM = ROOT.parent / "shared" / "data" / "osm" / "rnv.osm.pbf"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def setup_demo(tmp: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "mobility.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": "",
            "REDIS_URL": "",
            "SQLITE_PATH": str(tmp / "bench.sqlite3"),
            "DATA_DIR": str(tmp / "data"),
            "LOG_LEVEL": "WARNING",
            "AUTH_THROTTLE_RATE": "100000/min",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("demo", stdout=StringIO())


ASSET = re.compile(r'<(?:script[^>]+src|link[^>]+rel="stylesheet"[^>]+href)="(/static/[^"]+)"')


def page_weight_kb(client, html: str, cache: dict[str, int]) -> float:
    total = 0
    for url in sorted(set(ASSET.findall(html))):
        if url not in cache:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            cache[url] = len(gzip.compress(body, compresslevel=9))
        total += cache[url]
    return round(total / 1024, 1)


def time_requests(client, url: str, repeat: int) -> tuple[list[float], object]:
    response = None
    for _ in range(2):
        response = client.get(url)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times, response


def bench_pages(repeat: int) -> tuple[dict, dict]:
    from django.test import Client
    from django.utils import timezone

    from carsharing.models import Reservation, Vehicle
    from mobility.accounts.models import User

    carla = User.objects.get(email="carla@demo.lindenau.example")
    member = Client()
    member.force_login(carla)
    visitor = Client()
    vehicle = Vehicle.objects.order_by("plate").first()
    reservation = Reservation.objects.filter(user=carla, status="confirmed").order_by("start").first()
    day = (timezone.localdate() + timezone.timedelta(days=2)).isoformat()
    pages = {
        "stations": (visitor, "/carsharing/"),
        "region map": (visitor, "/karte/"),
        "vehicle week grid": (member, f"/carsharing/fahrzeuge/{vehicle.pk}/"),
        "vehicle day grid": (member, f"/carsharing/fahrzeuge/{vehicle.pk}/?ansicht=tag"),
        "live quote (htmx)": (member, f"/carsharing/fahrzeuge/{vehicle.pk}/preis/?day={day}&start_time=10:00&hours=3"),
        "membership": (member, "/carsharing/mitglied-werden/"),
        "my reservations": (member, "/carsharing/reservierungen/"),
        "reservation": (member, f"/carsharing/reservierungen/{reservation.pk}/"),
        "cancel (fee shown)": (member, f"/carsharing/reservierungen/{reservation.pk}/stornieren/"),
        "roads z12 (GeoJSON)": (visitor, "/karte/roads.geojson?z=12"),
        "stations (GeoJSON)": (visitor, "/karte/stations.geojson"),
        "stops (GeoJSON)": (visitor, "/karte/stops.geojson"),
        "lines (GeoJSON)": (visitor, "/karte/lines.geojson"),
    }
    results = {}
    assets: dict[str, int] = {}
    for name, (client, url) in pages.items():
        times, response = time_requests(client, url, repeat)
        entry = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 0.95), 2)}
        if response["Content-Type"].startswith("text/html"):
            entry["js_css_kb_gz"] = page_weight_kb(client, response.content.decode(), assets)
        results[name] = entry
        log(f"{name:<22} {entry}")
    floor_times, _ = time_requests(visitor, "/healthz", repeat)
    floor = {"p50_ms": round(statistics.median(floor_times), 2), "p95_ms": round(percentile(floor_times, 0.95), 2)}
    log(f"{'floor /healthz':<22} {floor}")
    return results, floor


def bench_roads(osm: Path) -> dict | None:
    if not osm.is_file():
        log(f"no OSM file at {osm}: road benchmark skipped")
        return None
    from rides.domain.roadgraph import RoadGraph, network_lines, zoom_tolerance_deg
    from rides.selectors import LOW_ZOOM_MIN_PX

    started = time.perf_counter()
    graph = RoadGraph.from_osm(osm)
    log(
        f"road graph from {osm.name}: {graph.node_count} nodes, {graph.edge_count} edges, "
        f"{time.perf_counter() - started:.1f} s"
    )

    def size_gz(lines) -> int:
        body = json.dumps({"type": "MultiLineString", "coordinates": lines}, separators=(",", ":")).encode()
        return len(gzip.compress(body, compresslevel=6))

    started = time.perf_counter()
    full = network_lines(graph, tolerance_deg=0.0)
    peer = {
        "build_ms": round((time.perf_counter() - started) * 1000, 1),
        "points": sum(map(len, full)),
        "kb_gz": round(size_gz(full) / 1024, 1),
    }
    per_zoom = {}
    min_lon, min_lat, max_lon, max_lat = graph.bbox()
    centre_lon, centre_lat = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    for zoom in (8, 10, 12, 14, 16):
        started = time.perf_counter()
        tolerance = zoom_tolerance_deg(zoom)
        min_extent = tolerance * (LOW_ZOOM_MIN_PX if zoom <= 12 else 1)  # as rides.selectors does
        lines = network_lines(graph, tolerance_deg=tolerance, min_extent_deg=min_extent)
        build_ms = round((time.perf_counter() - started) * 1000, 1)
        # What map.js asks for from zoom 10 on: a 1280 x 900 px view, padded by a quarter.
        half_lon = 1280 * 1.5 / 2 * zoom_tolerance_deg(zoom)
        half_lat = 900 * 1.5 / 2 * zoom_tolerance_deg(zoom) * math.cos(math.radians(centre_lat))
        view = [
            line
            for line in lines
            if min(p[0] for p in line) <= centre_lon + half_lon
            and max(p[0] for p in line) >= centre_lon - half_lon
            and min(p[1] for p in line) <= centre_lat + half_lat
            and max(p[1] for p in line) >= centre_lat - half_lat
        ]
        per_zoom[str(zoom)] = {
            "build_ms": build_ms,
            "lines": len(lines),
            "points": sum(map(len, lines)),
            "kb_gz": round(size_gz(lines) / 1024, 1),
            "view_kb_gz": round(size_gz(view if zoom >= 10 else lines) / 1024, 1),
        }
        log(f"roads z{zoom}: {per_zoom[str(zoom)]}")
    return {
        "file": osm.name,
        "nodes": graph.node_count,
        "edges": graph.edge_count,
        "unsimplified": peer,
        "per_zoom": per_zoom,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--osm", type=Path, default=DEFAULT_OSM)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        setup_demo(Path(tmp))
        pages, floor = bench_pages(args.repeat)
        html_pages = {k: v for k, v in pages.items() if "js_css_kb_gz" in v}
        summary = {
            "benchmark": "web_member_pages",
            "repeat": args.repeat,
            "max_p95_ms": max(v["p95_ms"] for v in pages.values()),
            "max_js_css_kb_gz": max(v["js_css_kb_gz"] for v in html_pages.values()),
            "floor_healthz_p95_ms": floor["p95_ms"],
            "pages": pages,
            "roads": bench_roads(args.osm),
        }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
