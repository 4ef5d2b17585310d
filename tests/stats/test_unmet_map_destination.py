"""The unmet-demand map by destination zone (``side=destination``): exact figures, linked to
the searches report by zone pair like the origin map, in the API, the files and the command;
the origin map stays the default."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from django.core.management import call_command
from django.utils import translation

from stats.models import SearchLog
from stats.selectors.unmet_map import Backdrop, unmet_map
from stats.unmet_exports import to_geojson, unmet_filename
from stats.unmet_map_chart import unmet_map_figure

from .test_unmet_map_linked import BERLIN, FIRST, LAST, A, B, C, determined_jointly, report_totals, searches


def poor(origin: str, dest: str, n: int) -> None:
    """``n`` searches whose best option needed three transfers (unmet, but found something)."""
    SearchLog.objects.bulk_create(
        SearchLog(
            origin_zone=origin,
            destination_zone=dest,
            time_bin=datetime(2026, 1, 10, 8, 0, tzinfo=BERLIN),
            modes="bus",
            results=2,
            best_minutes=20,
            best_transfers=3,
        )
        for _ in range(n)
    )


def figures(data):
    return {z.zone.code: (z.searches, z.unmet, z.met) for z in data.zones}


def busy_log():
    poor(A, B, 7)
    searches(A, C, 6)
    searches(C, B, 5)


def test_destination_counts_each_search_where_it_went(db):
    busy_log()
    origin = unmet_map(first=FIRST, last=LAST)
    assert (origin.side, figures(origin)) == ("origin", {A: (13, 7, 6), C: (5, 0, 5)})
    data = unmet_map(first=FIRST, last=LAST, side="destination")
    assert (data.side, figures(data)) == ("destination", {B: (12, 7, 5), C: (6, 0, 6)})
    assert (data.searches, data.unmet) == (18, 7) == (origin.searches, origin.unmet)
    with pytest.raises(ValueError, match="side"):
        unmet_map(first=FIRST, last=LAST, side="both")


def test_destination_totals_are_linked_to_the_pairs_ending_there(db):
    searches(A, B, 3)  # hidden in the report
    searches(C, B, 10)
    searches(A, A, 10)
    searches(C, A, 3)  # hidden in the report
    report = report_totals()
    assert report[f"{A} > {B}"] is None and report[f"{C} > {B}"] == 10
    data = unmet_map(first=FIRST, last=LAST, side="destination")
    # B's 13 minus the shown C > B would be A > B: hidden, like A's (10 + the hidden C > A).
    assert figures(data) == {A: (None, 0, None), B: (None, 0, None)}
    assert data.searches == 26
    assert determined_jointly(report, data, side="destination") == []


def test_destination_title_files_api_and_command(db, client_for, otto, tmp_path):
    busy_log()
    data = unmet_map(first=FIRST, last=LAST, side="destination")
    with translation.override("de"):
        fig, _drawn = unmet_map_figure(data, Backdrop(roads=[], places=[]))
        title = fig.axes[0].get_title(loc="left")
    assert title.startswith("Ungedeckter Bedarf: Suchen ohne oder nur mit schlechten Verbindungen, nach Zielzone\n")
    body = json.loads(to_geojson(data))
    assert body["side"] == "destination" and [f["id"] for f in body["features"]] == [B, C]
    assert unmet_filename(data, "gpkg") == "unerfuellte-nachfrage-ziele-20260101-20260131.gpkg"

    query = {"from": "2026-01-01", "to": "2026-01-31"}
    default = client_for(otto).get("/api/v1/stats/unmet-map.geojson", query)
    assert default.status_code == 200 and default.json()["side"] == "origin"
    assert [f["id"] for f in default.json()["features"]] == [A, C]
    response = client_for(otto).get("/api/v1/stats/unmet-map.geojson", {**query, "side": "destination"})
    assert response.status_code == 200
    assert {f["id"]: f["properties"]["searches"] for f in response.json()["features"]} == {B: 12, C: 6}
    png = client_for(otto).get("/api/v1/stats/unmet-map.png", {**query, "side": "destination"})
    assert png.status_code == 200
    assert png["Content-Disposition"] == 'inline; filename="unerfuellte-nachfrage-ziele-20260101-20260131.png"'
    bad = client_for(otto).get("/api/v1/stats/unmet-map.geojson", {**query, "side": "both"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_query" and "side" in bad.json()["error"]["fields"]

    out = tmp_path / "ziele.geojson"
    call_command(
        "stats_export", "--kind", "unmet-map", "--side", "destination", "--from", "2026-01-01", "--to",
        "2026-01-31", "--out", str(out), "--no-progress", stderr=io.StringIO(),
    )  # fmt: skip
    written = json.loads(out.read_bytes())
    assert written["side"] == "destination" and [f["id"] for f in written["features"]] == [B, C]
