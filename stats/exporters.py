"""Render an anonymised report table as CSV, XLSX, Parquet or JSON (bytes).

All formats carry the same table: suppressed figures are empty (CSV, XLSX) or null
(Parquet, JSON), with ``suppressed = true`` on the line. Nothing else is added besides a
short provenance sheet/metadata (section, breakdown, period, range, the suppression rule).

For people's spreadsheets: CSV is UTF-8 with a byte-order mark (so Excel reads the umlauts),
by default comma-separated with the column keys; ``delimiter=";"`` gives what German Excel
opens by double-click: semicolons, decimal commas and German headers with units. XLSX always
has German (or, for an English request, English) headers with units, money in euros and
shares as percentages; JSON and Parquet keep the machine names, cents and shares 0..1.
"""

from __future__ import annotations

import io
import json
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .selectors.reports import Report

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "json": ("application/json", "json"),
}


# Column key -> (header, unit); money columns are shown in euros, shares in percent.
COLUMNS = {
    "period": (gettext_lazy("period (first day)"), None),
    "vehicle": (gettext_lazy("vehicle"), None),
    "station": (gettext_lazy("station"), None),
    "hour_of_week": (gettext_lazy("weekday and hour"), None),
    "line": (gettext_lazy("line"), None),
    "trip": (gettext_lazy("trip"), None),
    "zones": (gettext_lazy("from zone > to zone"), None),
    "member_trips": (gettext_lazy("trips by members"), gettext_lazy("number")),
    "official_trips": (gettext_lazy("official trips"), gettext_lazy("number")),
    "cancellations": (gettext_lazy("cancellations"), gettext_lazy("number")),
    "no_shows": (gettext_lazy("no-shows"), gettext_lazy("number")),
    "trips": (gettext_lazy("trips"), gettext_lazy("number")),
    "member_hours": (gettext_lazy("hours booked by members"), "h"),
    "official_hours": (gettext_lazy("hours of official trips"), "h"),
    "idle_hours": (gettext_lazy("idle hours"), "h"),
    "km": (gettext_lazy("distance driven"), "km"),
    "revenue_cents": (gettext_lazy("revenue"), "€"),
    "cost_centre_cents": (gettext_lazy("charged to cost centres"), "€"),
    "utilisation": (gettext_lazy("utilisation"), "%"),
    "official_share": (gettext_lazy("share of official trips"), "%"),
    "offers": (gettext_lazy("ride offers"), gettext_lazy("number")),
    "requests": (gettext_lazy("ride requests"), gettext_lazy("number")),
    "matches": (gettext_lazy("matches"), gettext_lazy("number")),
    "seats_booked": (gettext_lazy("seats booked"), gettext_lazy("number")),
    "shared_km": (gettext_lazy("kilometres driven together"), "km"),
    "bookings": (gettext_lazy("bookings"), gettext_lazy("number")),
    "seats": (gettext_lazy("passengers (booked seats)"), gettext_lazy("number")),
    "searches": (gettext_lazy("searches"), gettext_lazy("number")),
    "unmet": (gettext_lazy("searches without result"), gettext_lazy("number")),
    "suppressed": (gettext_lazy("hidden for privacy reasons"), None),
}
MONEY = {"revenue_cents", "cost_centre_cents"}
SHARES = {"utilisation", "official_share"}


def header(column: str) -> str:
    """``utilisation (%)`` / ``Auslastung (%)`` in the active language; unknown keys stay."""
    label, unit = COLUMNS.get(column, (column, None))
    return f"{label} ({unit})" if unit else str(label)


def _for_people(report: Report) -> pd.DataFrame:
    """The table with euros instead of cents, percentages instead of shares, readable yes/no."""
    table = report.table.copy()
    for column in table.columns:
        if column in MONEY:
            table[column] = (pd.to_numeric(table[column], errors="coerce") / 100.0).round(2)
        elif column in SHARES:
            table[column] = (pd.to_numeric(table[column], errors="coerce") * 100.0).round(4)
    if "suppressed" in table:
        table["suppressed"] = [_("yes") if hidden else _("no") for hidden in table["suppressed"]]
    if "period" in table:
        table["period"] = [_("total") if p == "total" else p for p in table["period"]]
    for column in ("vehicle", "station", "hour_of_week", "line", "trip", "zones"):
        if column in table:
            table[column] = [_("total") if v == "total" else v for v in table[column]]
    return table.rename(columns={c: header(c) for c in table.columns})


def _metadata(report: Report, min_cell: int) -> dict[str, str]:
    q = report.query
    return {
        "section": q.section,
        "by": q.by,
        "period": q.period,
        "from": q.first.isoformat(),
        "to": q.last.isoformat(),
        "rule": f"cells counting 1 to {min_cell - 1} people or trips are suppressed, with complementary suppression",
    }


def filename(report: Report, fmt: str) -> str:
    q = report.query
    return f"stats-{q.section}-{q.by}-{q.period}-{q.first:%Y%m%d}-{q.last:%Y%m%d}.{FORMATS[fmt][1]}"


BOM = "\ufeff"


def to_csv(report: Report, delimiter: str = ",") -> bytes:
    """UTF-8 with BOM. ``","``: column keys, decimal points (for programs); ``";"``: German
    Excel's own format (headers with units, decimal commas, euros and percentages)."""
    if delimiter == ";":
        text = _for_people(report).to_csv(index=False, na_rep="", sep=";", decimal=",")
    else:
        text = report.table.to_csv(index=False, na_rep="")
    return (BOM + text).encode("utf-8")


def to_xlsx(report: Report, min_cell: int = 5) -> bytes:
    """Headers with units in the active language, euros and percentages with number formats."""
    buffer = io.BytesIO()
    table = _for_people(report)
    table = table.astype(object).where(table.notna(), None)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sheet = _("table")
        table.to_excel(writer, sheet_name=sheet, index=False)
        worksheet = writer.sheets[sheet]
        for n, column in enumerate(report.table.columns, start=1):
            letter = worksheet.cell(row=1, column=n).column_letter
            worksheet.column_dimensions[letter].width = max(12, min(40, len(header(column)) + 2))
            fmt = "#,##0.00 €" if column in MONEY else ("0.0" if column in SHARES else None)
            if column.endswith("_hours") or column in ("km", "shared_km"):
                fmt = "#,##0.0"
            if fmt:
                for row in range(2, len(table) + 2):
                    worksheet.cell(row=row, column=n).number_format = fmt
        worksheet.freeze_panes = "A2"
        about = pd.DataFrame(
            [(str(key), value) for key, value in _metadata_for_people(report, min_cell).items()],
            columns=[_("what"), _("value")],
        )
        about.to_excel(writer, sheet_name=_("about this table"), index=False)
    return buffer.getvalue()


def _metadata_for_people(report: Report, min_cell: int) -> dict[str, str]:
    q = report.query
    return {
        gettext_lazy("topic"): q.section,
        gettext_lazy("breakdown"): q.by,
        gettext_lazy("one line per"): q.period,
        gettext_lazy("from"): q.first.isoformat(),
        gettext_lazy("to"): q.last.isoformat(),
        gettext_lazy("privacy"): _(
            "Figures resting on 1 to %(most)s trips, bookings or searches are hidden, and so are the figures "
            "from which they could be worked out."
        )
        % {"most": min_cell - 1},
    }


def to_parquet(report: Report, min_cell: int = 5) -> bytes:
    table = pa.Table.from_pandas(report.table, preserve_index=False)
    meta = {**(table.schema.metadata or {}), b"mobility.stats": json.dumps(_metadata(report, min_cell)).encode()}
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buffer)
    return buffer.getvalue()


def table_records(report: Report) -> list[dict]:
    """JSON-ready rows: missing values become ``None``, numpy numbers plain Python."""
    records = []
    for row in report.table.astype(object).itertuples(index=False):
        record = {}
        for name, value in zip(report.table.columns, row, strict=True):
            if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                record[name] = None
            elif hasattr(value, "item"):
                record[name] = value.item()
            else:
                record[name] = value
        records.append(record)
    return records


def to_json(report: Report, min_cell: int = 5) -> bytes:
    body = {**_metadata(report, min_cell), "rows": table_records(report)}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def render(report: Report, fmt: str, min_cell: int = 5, delimiter: str = ",") -> bytes:
    if fmt == "csv":
        return to_csv(report, delimiter)
    if fmt == "xlsx":
        return to_xlsx(report, min_cell)
    if fmt == "parquet":
        return to_parquet(report, min_cell)
    if fmt == "json":
        return to_json(report, min_cell)
    raise ValueError(f"unknown format {fmt!r}")
