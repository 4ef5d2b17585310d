"""The report and chart endpoints: formats, errors and what the files contain."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pandas as pd
import pyarrow.parquet as pq
import pytest

from stats.models import SearchLog

QUERY = {"period": "month", "from": "2026-01-01", "to": "2026-02-28"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_json_report_for_the_operator(history, client_for, otto):
    response = client_for(otto).get("/api/v1/stats/report/", {**QUERY, "by": "vehicle"})
    assert response.status_code == 200
    body = response.json()
    assert (body["section"], body["by"], body["from"], body["to"]) == (
        "carsharing",
        "vehicle",
        "2026-01-01",
        "2026-02-28",
    )
    cells = {(r["period"], r["vehicle"]): r for r in body["rows"]}
    assert cells[("2026-01-01", "LD-S 2")]["suppressed"] is True
    assert cells[("2026-01-01", "LD-S 2")]["member_trips"] is None
    assert cells[("2026-01-01", "LD-S 1")]["member_trips"] == 6
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("parquet", "application/vnd.apache.parquet"),
    ],
)
def test_file_downloads_for_staff(history, client_for, stella, fmt, content_type):
    response = client_for(stella).get("/api/v1/stats/report/", {**QUERY, "by": "station", "format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="stats-carsharing-station-month-20260101-20260228.{fmt}"'
    )
    if fmt == "csv":
        table = pd.read_csv(io.BytesIO(response.content))
        assert table.loc[table["station"].eq("Markt") & table["period"].eq("total"), "member_trips"].item() == 20
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(response.content)).to_pandas()
        assert len(table) == 9


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-13-01"}, "invalid_query"),
        ({"format": "pdf"}, "invalid_query"),
        ({"section": "rides", "by": "vehicle"}, "invalid_dimension"),
        ({"from": "2026-03-01"}, "invalid_range"),
        ({"period": "day", "from": "2020-01-01"}, "range_too_long"),
    ],
)
def test_bad_report_queries_are_400_with_codes(db, client_for, otto, params, code):
    response = client_for(otto).get("/api/v1/stats/report/", {**QUERY, **params})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_missing_dates_are_400(db, client_for, otto):
    response = client_for(otto).get("/api/v1/stats/report/", {"period": "month"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"from", "to"}


def test_charts_are_valid_png_and_svg(history, client_for, otto):
    client = client_for(otto)
    for name in ("utilisation-heatmap", "monthly-trend", "official-share"):
        png = client.get(f"/api/v1/stats/charts/{name}.png", QUERY)
        assert png.status_code == 200 and png["Content-Type"] == "image/png"
        assert png.content.startswith(PNG_MAGIC) and len(png.content) > 2000
        svg = client.get(f"/api/v1/stats/charts/{name}.svg", QUERY)
        assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
        root = ET.fromstring(svg.content)
        assert root.tag.endswith("svg")
        texts = " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))
        assert "gebuchte" in texts or "Auslastung" in texts  # German by default
        # No hidden value, plate or person in any label of the drawing.
        for forbidden in ("777", "1554", "333", "LD-S", "@", "Person"):
            assert forbidden not in texts


def test_heatmap_greys_out_suppressed_hours(history):
    from datetime import date

    from stats.charts import heatmap_figure
    from stats.selectors.reports import report_build, report_query

    report = report_build(
        report_query(
            section="carsharing", by="hour_of_week", period="all", first=date(2026, 1, 1), last=date(2026, 1, 31)
        )
    )
    figure = heatmap_figure(report)
    grid = figure.axes[0].images[0].get_array()
    hidden = report.table[(report.table["hour_of_week"] != "total") & (report.table["period"] != "total")]
    mask = hidden["suppressed"].to_numpy().reshape(7, 24)
    assert (grid.mask == mask).all()


def test_unknown_chart_is_404(db, client_for, otto):
    response = client_for(otto).get("/api/v1/stats/charts/pie.png", QUERY)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_chart"
    assert client_for(otto).get("/api/v1/stats/charts/monthly-trend.gif", QUERY).status_code == 404


def test_reports_write_nothing(history, client_for, otto):
    before = SearchLog.objects.count()
    client_for(otto).get("/api/v1/stats/report/", {**QUERY, "format": "xlsx"})
    assert SearchLog.objects.count() == before
