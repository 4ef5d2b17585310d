"""Every export format carries the same anonymised table: parse each back and check that
no small cell, id, name, e-mail or coordinate is in it."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from stats.exporters import render
from stats.selectors.reports import report_build, report_query

SMALL_CENTS = {777, 1554, 333}


def parse(body: bytes, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(body), dtype={"period": str})
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(body), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        return pd.DataFrame(rows[1:], columns=rows[0])
    if fmt == "parquet":
        return pq.read_table(io.BytesIO(body)).to_pandas()
    return pd.DataFrame(json.loads(body)["rows"])


def all_text(body: bytes, fmt: str) -> str:
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(str(v) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r)
    if fmt == "parquet":
        return parse(body, fmt).to_csv() + str(pq.read_schema(io.BytesIO(body)).metadata)
    return body.decode("utf-8")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "json"])
@pytest.mark.parametrize("by", ["vehicle", "station", "hour_of_week"])
def test_small_cells_never_appear_in_any_format(history, fmt, by):
    report = report_build(
        report_query(section="carsharing", by=by, period="month", first=date(2026, 1, 1), last=date(2026, 2, 28))
    )
    body = render(report, fmt)
    table = parse(body, fmt)
    assert len(table) == len(report.table)
    assert list(table.columns) == list(report.table.columns)
    visible = table[~table["suppressed"].astype(bool)]
    count_columns = (
        ["trips"] if by == "hour_of_week" else ["member_trips", "official_trips", "cancellations", "no_shows"]
    )
    for column in count_columns:
        values = pd.to_numeric(visible[column], errors="coerce").dropna()
        assert not ((values > 0) & (values < 5)).any(), column
    hidden = table[table["suppressed"].astype(bool)]
    assert hidden.drop(columns=["period", by, "suppressed"]).isna().all().all()
    if by != "hour_of_week":
        revenue = set(pd.to_numeric(visible["revenue_cents"], errors="coerce").dropna().astype(int))
        assert not revenue & SMALL_CENTS
    text = all_text(body, fmt)
    for forbidden in ("@", "Person", "Clerk", "KST-2000", "Bauamt", "51.0", "12.0", "member0"):
        assert forbidden not in text, forbidden


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "json"])
def test_formats_agree_on_the_published_figures(history, fmt):
    report = report_build(
        report_query(section="carsharing", by="none", period="month", first=date(2026, 1, 1), last=date(2026, 2, 28))
    )
    table = parse(render(report, fmt), fmt)
    assert table["period"].astype(str).tolist() == ["2026-01-01", "2026-02-01", "total"]
    assert [int(v) for v in table["member_trips"]] == [15, 13, 28]
    assert [int(v) for v in table["revenue_cents"]] == [23554, 15333, 38887]
    assert [float(v) for v in table["utilisation"]] == [0.0161, 0.0094, 0.0129]


def test_rides_and_buergerbus_exports_carry_no_people(ride_history, buergerbus_history):
    for section, by in (("rides", "none"), ("buergerbus", "trip")):
        report = report_build(
            report_query(section=section, by=by, period="month", first=date(2026, 1, 1), last=date(2026, 2, 28))
        )
        for fmt in ("csv", "json"):
            text = render(report, fmt).decode()
            for forbidden in ("@", "Rider", "Person", "51.02", "12.02", "Halt"):
                assert forbidden not in text
