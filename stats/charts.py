"""Charts for the council's slides and the monthly report, drawn with matplotlib (Agg, no network).

Every chart is drawn from an anonymised report table, so suppressed cells are gaps (hatched
bars, grey hours in the heat map) and no hidden value can reach the picture. Texts are in the
active language (German by default): the title says what, where and when, the axis labels
under each month carry the number of trips (or bookings, searches) behind the figure, a month
without any is labelled as such rather than left out, and a plain sentence below the chart
explains suppressed cells. Count axes never go below zero.
"""

from __future__ import annotations

import calendar
import io
import textwrap
from dataclasses import dataclass
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from django.utils.translation import gettext_lazy, ngettext  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from mobility.l10n import format_date, format_month, format_month_short, format_number  # noqa: E402

from . import conf  # noqa: E402
from .selectors.reports import Report, report_build, report_query  # noqa: E402

CHARTS = (
    "utilisation-heatmap",
    "monthly-trend",
    "official-share",
    "buergerbus-lines",
    "ride-matches",
    "unmet-demand",
)
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
WEEKDAYS = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)


def _trips(n: int) -> str:
    return ngettext("%(n)s trip", "%(n)s trips", n) % {"n": format_number(n)}


def _bookings(n: int) -> str:
    return ngettext("%(n)s booking", "%(n)s bookings", n) % {"n": format_number(n)}


def _matches(n: int) -> str:
    return ngettext("%(n)s match", "%(n)s matches", n) % {"n": format_number(n)}


def _searches(n: int) -> str:
    return ngettext("%(n)s search", "%(n)s searches", n) % {"n": format_number(n)}


MEMBER_COLOUR, OFFICIAL_COLOUR, GREY = "#1f5f8b", "#e08a1e", "#bbbbbb"


def area_name() -> str:
    return str(conf.get("STATS_AREA_NAME"))


def suppression_note() -> str:
    """The plain sentence under every chart with suppressed cells."""
    k = int(conf.get("STATS_MIN_CELL"))
    return _("Hatched or grey: fewer than %(k)s trips – hidden for privacy reasons.") % {"k": k}


def range_text(first: date, last: date) -> str:
    """``November 2026``, ``Dezember 2025 – November 2026`` for whole months, else the dates."""
    if first.day == 1 and last.day == calendar.monthrange(last.year, last.month)[1]:
        if (first.year, first.month) == (last.year, last.month):
            return format_month(first)
        return f"{format_month(first)} – {format_month(last)}"
    return f"{format_date(first)} – {format_date(last)}"


def _save(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # SVG: no creation date, so the same data gives the same bytes.
    metadata = {"Date": None} if fmt == "svg" else {}
    # SVG text stays text (editable on slides, and checkable).
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "mobility-stats"}):
        fig.savefig(buffer, format=fmt, dpi=120, bbox_inches="tight", metadata=metadata)
    plt.close(fig)
    return buffer.getvalue()


def _is_na(value) -> bool:
    try:
        return value is None or bool(value != value)  # NaN and <NA>
    except TypeError:
        return True


def _inner(report: Report, column: str | None = None):
    table = report.table
    inner = table[table["period"] != "total"]
    if column:
        inner = inner[inner[column] != "total"]
    return inner


def _series(inner, name: str) -> np.ndarray:
    return np.array([np.nan if _is_na(v) else float(v) for v in inner[name].tolist()], dtype=float)


@dataclass
class Drawn:
    """What a drawing showed: for the report's sentences and the tests."""

    suppressed: int  # periods (or cells) hidden
    empty: int  # periods without any trip
    total: float  # the figure behind the chart over the published periods


def _month_labels(inner, counts: np.ndarray, unit) -> list[str]:
    """Month names with the count behind each (``unit(n)``: "12 Fahrten"), "hidden" or "none"."""
    labels = []
    for period, n in zip(inner["period"].tolist(), counts, strict=True):
        month = format_month_short(date.fromisoformat(period))
        if np.isnan(n):
            labels.append(month + "\n" + _("hidden"))
        elif n == 0:
            labels.append(month + "\n" + _("none"))
        else:
            labels.append(month + "\n" + unit(int(n)).replace(" ", "\n", 1))
    return labels


def _hatch_hidden(ax, x, hidden: np.ndarray, height: float, width: float = 0.8) -> None:
    """Hatched placeholders where a month is hidden (never a value, only 'something is here')."""
    if hidden.any():
        ax.bar(x[hidden], height, width, color="none", edgecolor=GREY, hatch="///", linewidth=0.8)


def axis_number(value: float, _position: int | None = None) -> str:
    """A y-axis tick in the active language: ``1.500``, ``2,5`` (matplotlib would print ``2.5``)."""
    return format_number(value, 0 if float(value).is_integer() else 1)


def _frame(ax, title: str, ylabel: str, labels: list[str]) -> None:
    ax.set_title(title, loc="left", fontsize=11, wrap=True)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(FuncFormatter(axis_number))
    ax.set_xticks(np.arange(len(labels)), labels, fontsize=6.5)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _footnote(ax, lines: list[str]) -> None:
    """Below the month labels, inside the chart's own area (the PDF places charts on a page)."""
    text = "\n".join(textwrap.fill(line, 110) for line in lines if line)
    if text:
        ax.text(0.0, -0.24, text, fontsize=8, va="top", ha="left", transform=ax.transAxes)


def _finish(
    ax, report: Report, title: str, ylabel: str, labels: list[str], *, hidden: bool, legend: bool = True
) -> None:
    """What every monthly chart ends with: the title (``title`` with its ``%(area)s`` and
    ``%(range)s`` filled in), the axes and month labels, the legend beside the chart, and the
    suppression sentence when anything is ``hidden``."""
    q = report.query
    _frame(ax, title % {"area": area_name(), "range": range_text(q.first, q.last)}, ylabel, labels)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    _footnote(ax, [suppression_note() if hidden else ""])


def _members_and_official(ax, inner, member: np.ndarray, official: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Members' and official bars stacked per month; returns (x positions, trips behind each month)."""
    x = np.arange(len(inner))
    ax.bar(x, np.nan_to_num(member), color=MEMBER_COLOUR, label=_("members"))
    ax.bar(x, np.nan_to_num(official), bottom=np.nan_to_num(member), color=OFFICIAL_COLOUR, label=_("official trips"))
    return x, _series(inner, "member_trips") + _series(inner, "official_trips")


def _new_figure(ax):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=(11, 4.6))
    return fig, ax


# --- car-sharing ---------------------------------------------------------------------------------


def heatmap_figure(report: Report, ax=None):
    """7 x 24 utilisation (percent) over the whole range; suppressed hours are grey."""
    fig, ax = _new_figure(ax)
    inner = _inner(report, "hour_of_week")
    grid = np.full((7, 24), np.nan)
    for n, value in enumerate(inner["utilisation"].tolist()[:168]):
        if not _is_na(value):
            grid[n // 24, n % 24] = float(value) * 100.0
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#cccccc")
    image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap=cmap, vmin=0)
    ax.set_yticks(range(7), [str(day) for day in WEEKDAYS])
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel(_("hour of the day (local time)"))
    q = report.query
    totals = report.table[(report.table["period"] == "total") & (report.table["hour_of_week"] == "total")]
    hours = (totals["member_hours"] + totals["official_hours"]).iloc[0] if len(totals) else None
    title = _("Car-sharing utilisation by hour of the week – %(area)s, %(range)s") % {
        "area": area_name(),
        "range": range_text(q.first, q.last),
    }
    if not _is_na(hours):
        title += "\n" + _("(%(n)s booked car hours in total)") % {"n": format_number(float(hours))}
    ax.set_title(title, loc="left", fontsize=11)
    fig.colorbar(image, ax=ax, label=_("utilisation in %"), format=FuncFormatter(axis_number))
    hidden = int(np.isnan(grid).sum())
    _footnote(ax, [suppression_note() if hidden else ""])
    return fig


def trend_figure(report: Report, ax=None):
    """Booked hours per month, members and official trips stacked; n trips under each month."""
    fig, ax = _new_figure(ax)
    inner = _inner(report)
    member, official = _series(inner, "member_hours"), _series(inner, "official_hours")
    hidden = np.isnan(member) | np.isnan(official)
    x, trips = _members_and_official(ax, inner, member, official)
    top = np.nanmax(np.nan_to_num(member + official)) if len(x) else 1
    _hatch_hidden(ax, x, hidden, max(top, 1) * 0.15)
    _finish(
        ax,
        report,
        _("Car-sharing: booked hours per month – %(area)s, %(range)s"),
        _("booked hours"),
        _month_labels(inner, trips, _trips),
        hidden=hidden.any(),
    )
    return fig


def share_figure(report: Report, ax=None):
    """Share of booked hours: official trips vs members, per month (stacked, percent)."""
    fig, ax = _new_figure(ax)
    inner = _inner(report)
    official = _series(inner, "official_share") * 100.0
    hidden = np.isnan(official)
    x, trips = _members_and_official(ax, inner, 100.0 - official, official)
    _hatch_hidden(ax, x, hidden, 100.0)
    _finish(
        ax,
        report,
        _("Car-sharing: share of official trips in the booked hours – %(area)s, %(range)s"),
        _("% of booked hours"),
        _month_labels(inner, trips, _trips),
        hidden=hidden.any(),
    )
    ax.set_ylim(0, 100)
    return fig


# --- Bürgerbus, ride-sharing, searches ------------------------------------------------------------


def buergerbus_figure(report: Report, ax=None):
    """Passengers (booked seats) per line and month, one bar per line."""
    fig, ax = _new_figure(ax)
    table = report.table
    periods = [p for p in dict.fromkeys(table["period"]) if p != "total"]
    lines = [line for line in dict.fromkeys(table["line"]) if line != "total"] if "line" in table else []
    width = 0.8 / max(len(lines), 1)
    x = np.arange(len(periods))
    colours = matplotlib.colormaps["tab10"]
    any_hidden = False
    for n, line in enumerate(lines):
        part = table[table["line"] == line].set_index("period").reindex(periods)
        seats = _series(part.reset_index(), "seats")
        hidden = np.isnan(seats)
        any_hidden |= bool(hidden.any())
        offset = (n - (len(lines) - 1) / 2) * width
        ax.bar(
            x + offset, np.nan_to_num(seats), width, color=colours(n % 10), label=_("line %(line)s") % {"line": line}
        )
        _hatch_hidden(ax, x + offset, hidden, 1, width)
    totals = table[table["line"] == "total"].set_index("period").reindex(periods).reset_index() if lines else None
    bookings = _series(totals, "bookings") if totals is not None else np.zeros(len(periods))
    _finish(
        ax,
        report,
        _("Bürgerbus: passengers per line and month – %(area)s, %(range)s"),
        _("passengers (booked seats)"),
        _month_labels(totals if totals is not None else _inner(report), bookings, _bookings),
        hidden=any_hidden,
        legend=bool(lines),
    )
    return fig


def rides_figure(report: Report, ax=None):
    """Ride-sharing per month: requests and matches (confirmed bookings)."""
    fig, ax = _new_figure(ax)
    inner = _inner(report)
    requests, matches = _series(inner, "requests"), _series(inner, "matches")
    hidden = np.isnan(matches) | np.isnan(requests)
    x = np.arange(len(inner))
    ax.bar(x - 0.2, np.nan_to_num(requests), 0.4, color=GREY, label=_("ride requests"))
    ax.bar(x + 0.2, np.nan_to_num(matches), 0.4, color=MEMBER_COLOUR, label=_("matches (confirmed rides)"))
    _hatch_hidden(ax, x, hidden, 1)
    _finish(
        ax,
        report,
        _("Ride-sharing: requests and matches per month – %(area)s, %(range)s"),
        _("number"),
        _month_labels(inner, matches, _matches),
        hidden=hidden.any(),
    )
    return fig


def unmet_figure(report: Report, ax=None):
    """Journey searches per month and those that found nothing (unmet demand)."""
    fig, ax = _new_figure(ax)
    inner = _inner(report)
    searches, unmet = _series(inner, "searches"), _series(inner, "unmet")
    hidden = np.isnan(searches) | np.isnan(unmet)
    x = np.arange(len(inner))
    ax.bar(x, np.nan_to_num(searches), color=GREY, label=_("searches"))
    ax.bar(x, np.nan_to_num(unmet), color="#b2182b", label=_("found nothing"))
    _hatch_hidden(ax, x, hidden, 1)
    _finish(
        ax,
        report,
        _("Unmet demand: journey searches that found nothing – %(area)s, %(range)s"),
        _("searches"),
        _month_labels(inner, searches, _searches),
        hidden=hidden.any(),
    )
    return fig


CHART_REPORTS = {
    "utilisation-heatmap": ("carsharing", "hour_of_week", "all", heatmap_figure),
    "monthly-trend": ("carsharing", "none", "month", trend_figure),
    "official-share": ("carsharing", "none", "month", share_figure),
    "buergerbus-lines": ("buergerbus", "line", "month", buergerbus_figure),
    "ride-matches": ("rides", "none", "month", rides_figure),
    "unmet-demand": ("searches", "none", "month", unmet_figure),
}


def chart_report(name: str, first: date, last: date) -> Report:
    section, by, period, _draw = CHART_REPORTS[name]
    return report_build(report_query(section=section, by=by, period=period, first=first, last=last))


def chart_figure(name: str, first: date, last: date, ax=None):
    return CHART_REPORTS[name][3](chart_report(name, first, last), ax=ax)


def chart_render(*, name: str, fmt: str, first: date, last: date) -> bytes:
    """The chart ``name`` (see ``CHARTS``) for local dates ``first .. last`` as PNG or SVG bytes."""
    return _save(chart_figure(name, first, last), fmt)
