"""The unmet-demand map: exact figures per zone on a hand-made log (k = 4 vs 5, complementary
suppression), GeoJSON and GeoPackage, the PNG drawn over the road graph, the API and command."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import pytest
from django.core.management import call_command
from matplotlib.collections import LineCollection

from stats.domain.unmet import car_minutes
from stats.models import SearchLog
from stats.selectors.unmet_map import Backdrop, map_backdrop, unmet_map
from stats.unmet_exports import to_geojson, to_gpkg, unmet_geojson
from stats.unmet_map_chart import map_bounds, unmet_map_figure, unmet_map_render
from tests.demo_region import demo  # noqa: F401  (fixture)

BERLIN = ZoneInfo("Europe/Berlin")
JANUARY = (date(2026, 1, 1), date(2026, 1, 31))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
A, B, C, FAR = "Z2-2790-345", "Z2-2790-348", "Z2-2793-348", "Z2-2790-352"


def log(origin: str, n: int, *, results: int = 2, minutes=None, transfers=None, dest: str | None = None, day=10):
    SearchLog.objects.bulk_create(
        SearchLog(
            origin_zone=origin,
            destination_zone=dest or origin,
            time_bin=datetime(2026, 1, day, 8, 0, tzinfo=BERLIN),
            modes="bus",
            results=results,
            best_minutes=minutes,
            best_transfers=transfers,
        )
        for _ in range(n)
    )


def unmet(origin: str, n: int, **kw):
    """``n`` unmet searches from ``origin``: options with three transfers. (Searches that found
    nothing are the searches report's own ``unmet`` column: 1 to 4 of them hide the zone pair
    there, and so the zone's total on the map, see ``test_linked_*``.)"""
    log(origin, n, minutes=20, transfers=3)


def met(origin: str, n: int):
    log(origin, n, minutes=20, transfers=1)


def figures(data):
    return {z.zone.code: (z.searches, z.unmet, z.met) for z in data.zones}


def test_exact_counts_and_what_counts_as_poor(db):
    # Same-zone trips: the car takes 5 minutes; 25 minutes is poor, 20 is not.
    log(A, 3, minutes=25, transfers=0)
    log(A, 2, minutes=20, transfers=0)
    log(A, 5, results=0)  # (4 would hide the pair A > A in the searches report, and so A's total)
    log(A, 3, minutes=10, transfers=2)  # two transfers: fine
    log(A, 2, minutes=10, transfers=3)  # three: poor
    # To a zone 14 km away the car takes about 22 minutes: 60 minutes is not 3 x, 70 is.
    assert 20 < car_minutes(A, FAR) < 23
    log(A, 5, minutes=60, transfers=0, dest=FAR)
    log(A, 5, minutes=70, transfers=0, dest=FAR)
    # A code that is not a zone (an old or hand-made entry): not on the map.
    log("Z2-foreign", 6, results=0)
    # Outside January (local time): not counted.
    SearchLog.objects.create(
        origin_zone=A, destination_zone=A, time_bin=datetime(2026, 2, 1, 0, 0, tzinfo=BERLIN), modes="bus", results=0
    )
    data = unmet_map(first=JANUARY[0], last=JANUARY[1])
    assert figures(data) == {A: (25, 3 + 5 + 2 + 5, 2 + 3 + 5)}
    assert (data.searches, data.unmet, data.suppressed_zones) == (25, 15, 0)
    assert data.zones[0].unmet_share == round(15 / 25, 4)


def test_five_unmet_searches_are_shown_four_are_not(db):
    unmet(A, 7)
    met(A, 10)
    unmet(B, 5)
    met(B, 6)
    data = unmet_map(first=JANUARY[0], last=JANUARY[1])
    assert figures(data) == {A: (17, 7, 10), B: (11, 5, 6)}
    assert (data.searches, data.unmet, data.suppressed_zones) == (28, 12, 0)

    SearchLog.objects.filter(origin_zone=B, best_transfers=3).first().delete()  # B: 4 unmet
    data = unmet_map(first=JANUARY[0], last=JANUARY[1])
    # B's 4 is hidden, and so is its complement in the row (met = total - unmet); the column
    # unmet = total - A - B needs a second hidden entry too: A's, and then A's met.
    assert figures(data) == {A: (17, None, None), B: (10, None, None)}
    assert (data.searches, data.unmet, data.suppressed_zones) == (27, 11, 2)


def test_complementary_suppression_hides_what_could_be_worked_out(db):
    unmet(A, 7)
    met(A, 10)
    unmet(B, 5)
    met(B, 6)
    unmet(C, 4)  # too few
    met(C, 8)
    data = unmet_map(first=JANUARY[0], last=JANUARY[1])
    # C is hidden (4), its row complement C.met, the cheapest other unmet entry (B's 5) and
    # then B's met; A stays published and no hidden figure follows from the published ones.
    assert figures(data) == {A: (17, 7, 10), B: (11, None, None), C: (12, None, None)}
    assert (data.searches, data.unmet) == (40, 16)
    published_unmet = sum(z.unmet for z in data.zones if z.unmet is not None)
    assert data.unmet - published_unmet == 9  # B + C together, not either alone


def test_bad_ranges_are_refused_with_codes(db):
    from mobility.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        unmet_map(first=date(2026, 2, 1), last=date(2026, 1, 1))
    assert error.value.code == "invalid_range"


def test_geojson_is_rfc7946_and_the_geopackage_holds_the_same(db, tmp_path):
    unmet(A, 7)
    met(A, 10)
    unmet(B, 5)
    met(B, 6)
    unmet(C, 4)
    met(C, 8)
    data = unmet_map(first=JANUARY[0], last=JANUARY[1])
    body = json.loads(to_geojson(data))
    assert body == unmet_geojson(data)
    assert body["type"] == "FeatureCollection" and body["from"] == "2026-01-01" and body["to"] == "2026-01-31"
    features = {f["id"]: f for f in body["features"]}
    assert list(features) == [A, B, C]
    a = features[A]
    assert a["geometry"]["type"] == "Polygon"
    ring = a["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    lon, lat = ring[0]
    assert 9.8 < lon < 9.9 and 50.1 < lat < 50.2  # [lon, lat], WGS84
    assert a["properties"] == {
        "zone": A,
        "searches": 17,
        "unmet": 7,
        "met": 10,
        "unmet_share": round(7 / 17, 4),
        "suppressed": False,
    }
    assert features[C]["properties"] == {
        "zone": C,
        "searches": 12,
        "unmet": None,
        "met": None,
        "unmet_share": None,
        "suppressed": True,
    }

    path = tmp_path / "nachfrage.gpkg"
    path.write_bytes(to_gpkg(data))
    frame = gpd.read_file(path, layer="unmet_demand")
    assert frame.crs.to_epsg() == 4326
    assert list(frame["zone"]) == [A, B, C]
    for row, feature in zip(frame.itertuples(), body["features"], strict=True):
        props = feature["properties"]
        for name in ("searches", "unmet", "met", "unmet_share"):
            value = getattr(row, name)
            assert (None if value != value else value) == props[name], name  # NaN = null
        assert bool(row.suppressed) is props["suppressed"]
        assert [list(p) for p in row.geometry.exterior.coords] == feature["geometry"]["coordinates"][0]


def test_the_png_draws_the_roads_it_is_given(db):
    unmet(A, 7)
    met(A, 10)
    unmet(B, 5)
    met(B, 6)
    unmet(C, 4)
    met(C, 8)
    data = unmet_map(first=JANUARY[0], last=JANUARY[1])
    roads = [[(9.85, 50.13), (9.90, 50.15)], [(9.90, 50.15), (9.93, 50.19), (9.94, 50.19)]]
    places = [("Lindenau", 9.90, 50.15), ("Irgendwo", 12.0, 52.0)]  # the second is off the map
    fig, drawn = unmet_map_figure(data, Backdrop(roads=roads, places=places))
    ax = fig.axes[0]
    collections = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(collections) == 1
    assert [seg.tolist() for seg in collections[0].get_segments()] == [[list(p) for p in line] for line in roads]
    assert (drawn.zones, drawn.hidden, drawn.roads, drawn.places) == (3, 2, 2, ("Lindenau",))
    texts = [t.get_text() for t in ax.texts]
    assert "7" in texts and texts.count("–") == 2  # A's figure; B and C hidden
    assert "1 km" in texts or "2 km" in texts  # the scale bar
    assert "N" in texts  # north arrow
    min_lon, min_lat, max_lon, max_lat = map_bounds(data)
    assert ax.get_xlim() == (min_lon, max_lon) and ax.get_ylim() == (min_lat, max_lat)


def test_the_png_uses_the_imported_road_graph(db):
    from tests.rides.helpers import herrenberg_graph, herrenberg_row

    herrenberg_row()
    bbox = herrenberg_graph().bbox()  # (min_lon, min_lat, max_lon, max_lat) of the real Herrenberg extract
    lon, lat = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    from stats.domain.zones import zone_code

    zone = zone_code(lat, lon, 2.0)
    log(zone, 6, results=0)
    data = unmet_map(first=JANUARY[0], last=JANUARY[1])
    backdrop = map_backdrop(bounds=map_bounds(data))
    assert len(backdrop.roads) > 20  # the town's roads, simplified
    min_lon, min_lat, max_lon, max_lat = map_bounds(data)
    assert all(any(min_lon <= x <= max_lon and min_lat <= y <= max_lat for x, y in line) for line in backdrop.roads)
    _fig, drawn = unmet_map_figure(data, backdrop)
    assert drawn.roads == len(backdrop.roads)
    png = unmet_map_render(first=JANUARY[0], last=JANUARY[1])
    assert png.startswith(PNG_MAGIC) and len(png) > 20_000


def test_without_searches_or_road_graph_the_map_says_so(db):
    data = unmet_map(first=JANUARY[0], last=JANUARY[1])
    assert data.zones == [] and (data.searches, data.unmet) == (0, 0)
    fig, drawn = unmet_map_figure(data, Backdrop(roads=[], places=[]))
    assert drawn.zones == 0
    assert unmet_map_render(first=JANUARY[0], last=JANUARY[1]).startswith(PNG_MAGIC)
    log(A, 6, results=0)
    assert map_backdrop(bounds=map_bounds(unmet_map(first=JANUARY[0], last=JANUARY[1]))).roads == []


def test_api_serves_geojson_gpkg_and_png_to_staff_only(db, client_for, otto, stella, alice, tmp_path):
    unmet(A, 7)
    met(A, 10)
    query = {"from": "2026-01-01", "to": "2026-01-31"}
    response = client_for(otto).get("/api/v1/stats/unmet-map.geojson", query)
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    assert response.json()["features"][0]["properties"]["unmet"] == 7
    gpkg = client_for(stella).get("/api/v1/stats/unmet-map.gpkg", query)
    assert gpkg.status_code == 200 and gpkg["Content-Type"] == "application/geopackage+sqlite3"
    assert gpkg["Content-Disposition"] == 'attachment; filename="unerfuellte-nachfrage-20260101-20260131.gpkg"'
    path = tmp_path / "a.gpkg"
    path.write_bytes(gpkg.content)
    assert list(gpd.read_file(path)["unmet"]) == [7]
    png = client_for(otto).get("/api/v1/stats/unmet-map.png", query)
    assert png.status_code == 200 and png.content.startswith(PNG_MAGIC)
    resident = client_for(alice).get("/api/v1/stats/unmet-map.geojson", query)
    assert resident.status_code == 403
    bad = client_for(otto).get("/api/v1/stats/unmet-map.shp", query)
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "unknown_format"
    backwards = client_for(otto).get("/api/v1/stats/unmet-map.geojson", {"from": "2026-02-01", "to": "2026-01-01"})
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "invalid_range"
    missing = client_for(otto).get("/api/v1/stats/unmet-map.geojson")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid_query"
    assert SearchLog.objects.count() == 17  # reading wrote nothing


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "png"])
def test_stats_export_command_writes_the_map(db, tmp_path, fmt):
    unmet(A, 7)
    met(A, 10)
    out = tmp_path / f"karte.{fmt}"
    call_command(
        "stats_export", "--kind", "unmet-map", "--from", "2026-01-01", "--to", "2026-01-31", "--out", str(out),
        "--no-progress", stderr=io.StringIO(),
    )  # fmt: skip
    body = out.read_bytes()
    if fmt == "geojson":
        assert json.loads(body)["features"][0]["properties"]["unmet"] == 7
    elif fmt == "gpkg":
        assert list(gpd.read_file(out)["searches"]) == [17]
    else:
        assert body.startswith(PNG_MAGIC)


def test_stats_export_command_refuses_a_table_format_for_the_map(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="geojson, gpkg, png or svg"):
        call_command(
            "stats_export", "--kind", "unmet-map", "--from", "2026-01-01", "--to", "2026-01-31",
            "--out", str(tmp_path / "x.xlsx"), "--no-progress",
        )  # fmt: skip


@pytest.mark.slow
def test_the_demo_region_shows_a_full_map(demo):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone, translation

    today = timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    data = unmet_map(first=last.replace(day=1), last=last)
    backdrop = map_backdrop(bounds=map_bounds(data))
    with translation.override("de"):
        fig, drawn = unmet_map_figure(data, backdrop)
        title = fig.axes[0].get_title(loc="left")
    assert (drawn.zones, drawn.hidden) == (6, 0) and drawn.roads >= 7  # at least the country roads
    assert set(drawn.places) >= {"Lindenau", "Birkenfeld", "Eichenrode", "Tannhausen", "Buchwald", "Ahornstadt"}
    assert title.startswith("Ungedeckter Bedarf: Suchen ohne oder nur mit schlechten Verbindungen")
    assert "Gemeinde Lindenau" in title
