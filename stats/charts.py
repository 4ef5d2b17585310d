"""Charts for the council's slides, drawn with matplotlib (Agg backend, no network).

Every chart is drawn from an anonymised report table, so suppressed cells are gaps (grey in
the heat map) and no hidden value can reach the picture. No figures are printed into the
cells; axes show only periods, hours and shares.
"""

from __future__ import annotations

import io
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .domain.heatmap import WEEKDAYS  # noqa: E402
from .selectors.reports import Report, report_build, report_query  # noqa: E402

CHARTS = ("utilisation-heatmap", "monthly-trend", "official-share")
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def _save(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # SVG: no creation date, so the same data gives the same bytes.
    metadata = {"Date": None} if fmt == "svg" else {}
    # SVG text stays text (editable on slides, and checkable).
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "mobility-stats"}):
        fig.savefig(buffer, format=fmt, dpi=120, bbox_inches="tight", metadata=metadata)
    plt.close(fig)
    return buffer.getvalue()


def _inner(report: Report, column: str | None = None):
    table = report.table
    inner = table[table["period"] != "total"]
    if column:
        inner = inner[inner[column] != "total"]
    return inner


def heatmap_figure(report: Report):
    """7 x 24 utilisation (percent) over the whole range; suppressed hours are grey."""
    inner = _inner(report, "hour_of_week")
    grid = np.full((7, 24), np.nan)
    for n, value in enumerate(inner["utilisation"].tolist()[:168]):
        if value is not None and value is not np.nan and not _is_na(value):
            grid[n // 24, n % 24] = float(value) * 100.0
    fig, ax = plt.subplots(figsize=(10, 3.6))
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#cccccc")
    image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap=cmap, vmin=0)
    ax.set_yticks(range(7), WEEKDAYS)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel("hour of day (local time)")
    q = report.query
    ax.set_title(f"Car-sharing utilisation by hour of week, {q.first:%d.%m.%Y}–{q.last:%d.%m.%Y} (grey: suppressed)")
    fig.colorbar(image, ax=ax, label="utilisation %")
    return fig


def _is_na(value) -> bool:
    try:
        return bool(value != value) or value is None  # NaN and <NA>
    except TypeError:
        return True


def _series(inner, name: str) -> list[float]:
    return [np.nan if _is_na(v) else float(v) for v in inner[name].tolist()]


def trend_figure(report: Report):
    """Booked hours per month, members and official trips (gaps where suppressed)."""
    inner = _inner(report)
    labels = [date.fromisoformat(p).strftime("%m/%Y") for p in inner["period"]]
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(x, _series(inner, "member_hours"), marker="o", label="members")
    ax.plot(x, _series(inner, "official_hours"), marker="s", label="official trips")
    ax.set_xticks(x, labels, rotation=45)
    ax.set_ylabel("booked hours")
    ax.set_title("Car-sharing booked hours per month")
    ax.legend()
    return fig


def share_figure(report: Report):
    """Share of booked hours: official trips vs members, per month (stacked, percent)."""
    inner = _inner(report)
    labels = [date.fromisoformat(p).strftime("%m/%Y") for p in inner["period"]]
    official = np.array(_series(inner, "official_share")) * 100.0
    member = 100.0 - official
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.bar(x, np.nan_to_num(member), label="members")
    ax.bar(x, np.nan_to_num(official), bottom=np.nan_to_num(member), label="official trips")
    ax.set_xticks(x, labels, rotation=45)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of booked hours")
    ax.set_title("Official vs member share of booked car-sharing hours")
    ax.legend()
    return fig


def chart_render(*, name: str, fmt: str, first: date, last: date) -> bytes:
    """The chart ``name`` (see ``CHARTS``) for local dates ``first .. last`` as PNG or SVG bytes."""
    if name == "utilisation-heatmap":
        report = report_build(
            report_query(section="carsharing", by="hour_of_week", period="all", first=first, last=last)
        )
        fig = heatmap_figure(report)
    else:
        report = report_build(report_query(section="carsharing", by="none", period="month", first=first, last=last))
        fig = trend_figure(report) if name == "monthly-trend" else share_figure(report)
    return _save(fig, fmt)
