"""Render an anonymised report table as CSV, XLSX, Parquet or JSON (bytes).

All formats carry the same table: suppressed figures are empty (CSV, XLSX) or null
(Parquet, JSON), with ``suppressed = true`` on the line. Nothing else is added besides a
short provenance sheet/metadata (section, breakdown, period, range, the suppression rule).
"""

from __future__ import annotations

import io
import json
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .selectors.reports import Report

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "json": ("application/json", "json"),
}


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


def to_csv(report: Report) -> bytes:
    return report.table.to_csv(index=False, na_rep="").encode("utf-8")


def to_xlsx(report: Report, min_cell: int = 5) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table = report.table.astype(object).where(report.table.notna(), None)
        table.to_excel(writer, sheet_name=report.query.section[:31], index=False)
        about = pd.DataFrame(list(_metadata(report, min_cell).items()), columns=["key", "value"])
        about.to_excel(writer, sheet_name="about", index=False)
    return buffer.getvalue()


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


def render(report: Report, fmt: str, min_cell: int = 5) -> bytes:
    if fmt == "csv":
        return to_csv(report)
    if fmt == "xlsx":
        return to_xlsx(report, min_cell)
    if fmt == "parquet":
        return to_parquet(report, min_cell)
    if fmt == "json":
        return to_json(report, min_cell)
    raise ValueError(f"unknown format {fmt!r}")
