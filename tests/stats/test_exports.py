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

from stats.exporters import COLUMNS, MONEY, SHARES, header, render
from stats.selectors.reports import report_build, report_query

SMALL_CENTS = {777, 1554, 333}


def parse(body: bytes, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(body), dtype={"period": str})
    if fmt == "xlsx":
        return xlsx_as_keys(body)
    if fmt == "parquet":
        return pq.read_table(io.BytesIO(body)).to_pandas()
    return pd.DataFrame(json.loads(body)["rows"])


def xlsx_as_keys(body: bytes) -> pd.DataFrame:
    """The XLSX sheet read back into the machine table: German headers with units -> keys,
    euros -> cents, percent -> share, ja/nein -> bool, gesamt -> total."""
    book = load_workbook(io.BytesIO(body), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    keys = {header(key): key for key in COLUMNS}
    assert all(name in keys for name in rows[0]), rows[0]  # every header is a German label
    table = pd.DataFrame(rows[1:], columns=[keys[name] for name in rows[0]])
    for column in table.columns:
        if column in MONEY:
            table[column] = [None if pd.isna(v) else round(v * 100) for v in table[column]]
        elif column in SHARES:
            table[column] = [None if pd.isna(v) else round(v / 100, 6) for v in table[column]]
        elif column == "suppressed":
            table[column] = [{"ja": True, "nein": False}[v] for v in table[column]]
        elif column in ("period", "vehicle", "station", "hour_of_week", "line", "trip", "zones"):
            table[column] = ["total" if v == "gesamt" else v for v in table[column]]
    return table


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


def test_csv_opens_in_german_excel_and_xlsx_has_german_headers_with_units(history):
    report = report_build(
        report_query(section="carsharing", by="none", period="month", first=date(2026, 1, 1), last=date(2026, 2, 28))
    )
    plain = render(report, "csv")
    assert plain.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads umlauts right
    assert plain[3:].decode("utf-8").splitlines()[0].split(",")[:3] == ["period", "member_trips", "official_trips"]
    excel = render(report, "csv", delimiter=";").decode("utf-8")
    assert excel.startswith("\ufeff")
    lines = excel[1:].splitlines()
    headers = lines[0].split(";")
    assert headers[:3] == ["Zeitraum (erster Tag)", "Fahrten von Mitgliedern (Anzahl)", "Dienstfahrten (Anzahl)"]
    assert "Einnahmen (€)" in headers and "Auslastung (%)" in headers
    assert headers[-1] == "aus Datenschutzgründen ausgeblendet"
    january = dict(zip(headers, lines[1].split(";"), strict=True))
    assert january["Zeitraum (erster Tag)"] == "2026-01-01"
    assert january["Einnahmen (€)"] == "235,54"  # 23554 cents, decimal comma
    assert january["Auslastung (%)"] == "1,61"
    assert january["aus Datenschutzgründen ausgeblendet"] == "nein"
    assert lines[-1].startswith("gesamt;")
    book = load_workbook(io.BytesIO(render(report, "xlsx")))
    sheet = book.worksheets[0]
    assert sheet.title == "Tabelle" and book.sheetnames == ["Tabelle", "Über diese Tabelle"]
    assert sheet["A1"].value == "Zeitraum (erster Tag)"
    revenue = [c for c in sheet[1] if c.value == "Einnahmen (€)"][0].column_letter
    assert sheet[f"{revenue}2"].value == 235.54 and sheet[f"{revenue}2"].number_format == "#,##0.00 €"
    about = dict(book["Über diese Tabelle"].iter_rows(min_row=2, values_only=True))
    assert about["Thema"] == "carsharing" and about["Datenschutz"].startswith("Zahlen, die auf 1 bis 4 Fahrten")


def test_report_api_gives_the_german_excel_csv_on_request(history, client_for, otto):
    query = {"section": "carsharing", "by": "none", "period": "month", "from": "2026-01-01", "to": "2026-02-28"}
    client = client_for(otto)
    excel = client.get("/api/v1/stats/report/", {**query, "format": "csv", "delimiter": "semicolon"})
    assert excel.status_code == 200 and excel["Content-Type"] == "text/csv; charset=utf-8"
    assert excel.content.decode("utf-8").startswith("\ufeffZeitraum (erster Tag);Fahrten von Mitgliedern (Anzahl);")
    english = client.get(
        "/api/v1/stats/report/", {**query, "format": "csv", "delimiter": "semicolon"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.content.decode("utf-8").startswith("\ufeffperiod (first day);trips by members (number);")
    plain = client.get("/api/v1/stats/report/", {**query, "format": "csv"})
    assert plain.content.startswith("\ufeffperiod,member_trips,".encode())
    bad = client.get("/api/v1/stats/report/", {**query, "format": "csv", "delimiter": "tab"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_query")
