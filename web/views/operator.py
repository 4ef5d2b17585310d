"""The operator console's start page: the month's key figures against the last month, the
charts, and the anonymised exports one click away.

Every figure comes from the statistics selectors (anonymised tables: a cell counting fewer
than ``STATS_MIN_CELL`` trips or people is suppressed and shown as such, never as a number).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mobility.errors import DomainError
from mobility.l10n import format_number
from stats import conf as stats_conf
from stats.charts import CHARTS, chart_render
from stats.domain import unmet as unmet_rules
from stats.exporters import FORMATS, filename
from stats.exporters import render as export_render
from stats.selectors.reports import SECTIONS, report_build, report_query
from stats.selectors.unmet_map import unmet_map, unmet_map_places
from stats.unmet_exports import FORMATS as MAP_FORMATS
from stats.unmet_exports import render_unmet, unmet_filename
from stats.unmet_map_chart import unmet_map_render

from .operator_base import operator_page

T = TypeVar("T")

#: (section, column, label, kind): kind "share" is a ratio shown in percent, "count" a number.
KEY_FIGURES = (
    ("carsharing", "utilisation", _("Carsharing: Auslastung"), "share"),
    ("carsharing", "official_share", _("Carsharing: Anteil Dienstfahrten"), "share"),
    ("buergerbus", "seats", _("Bürgerbus: Fahrgäste (gebuchte Plätze)"), "count"),
    ("rides", "matches", _("Mitfahren: vermittelte Fahrten"), "count"),
    ("searches", "unmet", _("Unerfüllte Nachfrage: Suchen ohne Ergebnis"), "count"),
)
SECTION_LABELS = {
    "carsharing": _("Carsharing"),
    "buergerbus": _("Bürgerbus"),
    "rides": _("Mitfahren"),
    "searches": _("Suchen und unerfüllte Nachfrage"),
    "benches": _("Mitfahrbänke: Anfragen und vermittelte Mitfahrten"),
}
CHART_LABELS = {
    "monthly-trend": _("Entwicklung je Monat"),
    "official-share": _("Anteil der Dienstfahrten"),
    "utilisation-heatmap": _("Auslastung nach Wochenstunde"),
    "buergerbus-lines": _("Bürgerbus: Fahrgäste je Linie"),
    "ride-matches": _("Mitfahren: Wünsche und Vermittlungen"),
    "unmet-demand": _("Unerfüllte Nachfrage"),
}
EXPORT_FORMATS = ("csv", "xlsx", "parquet")
#: The dashboard's figures are recomputed at most this often (seconds): four anonymised
#: report tables cost about half a second, the month's figures change slowly.
DASHBOARD_CACHE_S = 300


@dataclass(frozen=True)
class KeyFigure:
    section: str
    column: str
    kind: str
    last: float | None  # None: suppressed (too few to publish) or nothing to count
    this: float | None

    @property
    def label(self) -> str:
        """In the language of the request reading it (the figures are cached for everyone)."""
        return next(
            str(label)
            for section, column, label, _kind in KEY_FIGURES
            if (section, column) == (self.section, self.column)
        )

    @property
    def change(self) -> float | None:
        if self.last is None or self.this is None:
            return None
        return self.this - self.last


def month_bounds(today: date) -> tuple[date, date, date]:
    """(first day of last month, first day of this month, last day of this month)."""
    this_first = today.replace(day=1)
    last_first = (this_first - timedelta(days=1)).replace(day=1)
    next_first = (this_first + timedelta(days=32)).replace(day=1)
    return last_first, this_first, next_first - timedelta(days=1)


def _value(table, period: str, column: str) -> float | None:
    rows = table[table["period"] == period]
    if "by" in rows.columns:  # pragma: no cover - "none" reports have no dimension column
        rows = rows[rows["by"] == "total"]
    if not len(rows) or column not in rows.columns:
        return None
    value = rows.iloc[0][column]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def key_figures(today: date) -> list[KeyFigure]:
    """The dashboard's figures for this month (so far) and the whole last month."""
    last_first, this_first, this_last = month_bounds(today)
    tables = {}
    for section in {figure[0] for figure in KEY_FIGURES}:
        query = report_query(section=section, by="none", period="month", first=last_first, last=this_last)
        tables[section] = report_build(query).table
    return [
        KeyFigure(
            section=section,
            column=column,
            kind=kind,
            last=_value(tables[section], last_first.isoformat(), column),
            this=_value(tables[section], this_first.isoformat(), column),
        )
        for section, column, _label, kind in KEY_FIGURES
    ]


def key_figures_cached(today: date) -> tuple[list[KeyFigure], object]:
    """``key_figures`` for today, computed at most every ``DASHBOARD_CACHE_S`` seconds; returns
    the figures and when they were computed (aware datetime)."""
    return _cached(f"operator-dashboard:{today.isoformat()}", lambda: (key_figures(today), timezone.now()))


def _cached(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept in the cache for ``DASHBOARD_CACHE_S`` seconds under ``key``; when the
    cache is down, computed every time."""
    try:
        cached = cache.get(key)
    except Exception:  # the cache is down: compute every time
        cached = None
    if cached is not None:
        return cached
    value = compute()
    with contextlib.suppress(Exception):  # the cache is down: the next request computes again
        cache.set(key, value, DASHBOARD_CACHE_S)
    return value


@dataclass(frozen=True)
class ZoneRow:
    """One line of the map's text alternative."""

    code: str
    place: str | None
    searches: float | None
    unmet: float | None
    share: float | None


def unmet_zone_rows(first: date, last: date) -> tuple[list[ZoneRow], int]:
    """The zones of the unmet-demand map as table lines (and how many are hidden)."""
    data = unmet_map(first=first, last=last)
    places = unmet_map_places(data)
    rows = [
        ZoneRow(
            code=z.zone.code,
            place=place,
            searches=z.searches,
            unmet=z.unmet,
            share=z.unmet_share,
        )
        for z, place in zip(data.zones, places, strict=True)
    ]
    rows.sort(key=lambda r: (r.unmet is None, -(r.unmet or 0), r.code))
    return rows, data.suppressed_zones


def unmet_zone_rows_cached(first: date, last: date) -> tuple[list[ZoneRow], int]:
    """``unmet_zone_rows``, recomputed at most every ``DASHBOARD_CACHE_S`` seconds."""
    return _cached(
        f"operator-dashboard-map:{first.isoformat()}:{last.isoformat()}", lambda: unmet_zone_rows(first, last)
    )


@operator_page
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    last_first, this_first, this_last = month_bounds(today)
    error = None
    computed_at = None
    try:
        figures, computed_at = key_figures_cached(today)
    except DomainError as exc:  # a misconfigured limit (STATS_MAX_CELLS): say so, no 500
        figures, error = [], exc.message
    try:
        zone_rows, hidden_zones = unmet_zone_rows_cached(last_first, this_last)
    except DomainError as exc:
        zone_rows, hidden_zones, error = [], 0, exc.message
    map_query = f"from={last_first:%Y-%m-%d}&to={this_last:%Y-%m-%d}"
    exports = [
        {
            "section": section,
            "label": SECTION_LABELS[section],
            "links": [
                {
                    "format": fmt,
                    "query": f"section={section}&format={fmt}&from={last_first:%Y-%m-%d}&to={this_last:%Y-%m-%d}",
                }
                for fmt in EXPORT_FORMATS
            ],
        }
        for section in SECTIONS
    ]
    charts = [
        {
            "name": name,
            "label": CHART_LABELS[name],
            "query": f"from={last_first:%Y-%m-%d}&to={this_last:%Y-%m-%d}",
        }
        for name in CHARTS
    ]
    return render(
        request,
        "web/operator/dashboard.html",
        {
            "figures": figures,
            "computed_at": computed_at,
            "cache_minutes": DASHBOARD_CACHE_S // 60,
            "error": error,
            "last_month": last_first,
            "report_months": [last_first.strftime("%Y-%m"), this_first.strftime("%Y-%m")],
            "this_month": this_first,
            "today": today,
            "exports": exports,
            "charts": charts,
            "zone_rows": zone_rows,
            "hidden_zones": hidden_zones,
            "map_query": map_query,
            "map_downloads": [("geojson", "GeoJSON"), ("gpkg", "GeoPackage"), ("png", "PNG")],
            "poor_transfers": unmet_rules.POOR_MAX_TRANSFERS,
            "poor_factor": format_number(unmet_rules.POOR_SLOWER_THAN_CAR),
            "poor_extra": unmet_rules.POOR_MIN_EXTRA_MIN,
            "min_cell": int(stats_conf.get("STATS_MIN_CELL")),
        },
    )


def _date_param(request: HttpRequest, name: str) -> date:
    raw = request.GET.get(name, "")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise Http404(f"{name} is not a date") from None
    if not (1900 <= value.year <= 2200):
        raise Http404(f"{name} out of range")
    return value


@operator_page
def export(request: HttpRequest) -> HttpResponse:
    """One anonymised report table as a file (CSV, XLSX or Parquet), monthly, no breakdown."""
    section = request.GET.get("section", "")
    fmt = request.GET.get("format", "")
    if section not in SECTIONS or fmt not in EXPORT_FORMATS:
        raise Http404("no such export")
    first, last = _date_param(request, "from"), _date_param(request, "to")
    try:
        report = report_build(report_query(section=section, by="none", period="month", first=first, last=last))
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    body = export_render(report, fmt, int(stats_conf.get("STATS_MIN_CELL")))
    response = HttpResponse(body, content_type=FORMATS[fmt][0])
    response["Content-Disposition"] = f'attachment; filename="{filename(report, fmt)}"'
    return response


@operator_page
def chart(request: HttpRequest, name: str) -> HttpResponse:
    """A statistics chart as SVG (drawn on this server; no third-party request)."""
    if name not in CHARTS:
        raise Http404("no such chart")
    first, last = _date_param(request, "from"), _date_param(request, "to")
    try:
        report_query(section="carsharing", by="none", period="month", first=first, last=last)
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(chart_render(name=name, fmt="svg", first=first, last=last), content_type="image/svg+xml")


@operator_page
def monthly_report(request: HttpRequest, month: str) -> HttpResponse:
    """The council's monthly report as one PDF (``stats.monthly_report``), e.g. ``2026-11``."""
    from datetime import date

    from stats.monthly_report import monthly_report_pdf

    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Http404("no such month") from None
    if not (date(2000, 1, 1) <= first <= timezone.localdate()):
        raise Http404("no such month")
    response = HttpResponse(monthly_report_pdf(month=first), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="mobilitaetsbericht-{first:%Y-%m}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _unmet_png_cached(first: date, last: date) -> bytes:
    """The map as PNG in the request's language, drawn at most every ``DASHBOARD_CACHE_S``
    seconds (drawing it takes more than a second; the dashboard shows it on every visit)."""
    key = f"operator-unmet-map:{first.isoformat()}:{last.isoformat()}:{get_language()}"
    try:
        cached = cache.get(key)
    except Exception:  # the cache is down: draw every time
        cached = None
    if cached is not None:
        return cached
    body = unmet_map_render(first=first, last=last, fmt="png")
    with contextlib.suppress(Exception):
        cache.set(key, body, DASHBOARD_CACHE_S)
    return body


@operator_page
def unmet_map_file(request: HttpRequest, fmt: str) -> HttpResponse:
    """The unmet-demand map: PNG (drawn on this server from the own road graph), GeoJSON or
    GeoPackage (for QGIS), for ``from``/``to``."""
    if fmt not in MAP_FORMATS and fmt != "png":
        raise Http404("no such format")
    first, last = _date_param(request, "from"), _date_param(request, "to")
    try:
        if fmt == "png":
            body = _unmet_png_cached(first, last)
            name = f"unerfuellte-nachfrage-{first:%Y%m%d}-{last:%Y%m%d}.png"
            content_type = "image/png"
        else:
            data = unmet_map(first=first, last=last)
            body, name, content_type = render_unmet(data, fmt), unmet_filename(data, fmt), MAP_FORMATS[fmt][0]
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(body, content_type=content_type)
    disposition = "inline" if fmt == "png" and "download" not in request.GET else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
