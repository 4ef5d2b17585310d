"""Anonymised report tables: validate the request, aggregate in SQL (per-app selectors),
protect the small cells (``domain.disclosure``) and return one tidy ``pandas`` table.

A table has a ``period`` column (ISO date of the period's first local day, or ``total``),
for a dimension also a column naming the vehicle, station, hour of week, line, trip or zone
pair (or ``total``), then the figures and ``suppressed``. No person's id, name or place is
ever selected; zones are squares (see ``domain.zones``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.conf import settings

from mobility.errors import ValidationFailed

from .. import conf
from ..domain.disclosure import coarsen_mask
from ..domain.heatmap import HOURS_PER_WEEK, booked_minutes_per_hour, hour_of_week_label, local_hour_of_week
from ..domain.periods import PERIODS, count_periods, period_start, periods_between
from ..domain.tables import Ratio, TableSpec, anonymised_table, protection_mask
from . import benches, buergerbus, carsharing, rides, searches

SECTIONS: dict[str, tuple[str, ...]] = {
    "carsharing": ("none", "vehicle", "station", "hour_of_week"),
    "rides": ("none", "hour_of_week"),
    "buergerbus": ("none", "line", "trip"),
    "searches": ("none", "zone_pair"),
    "benches": ("none", "bench"),
}
COLUMN_NAMES = {
    "vehicle": "vehicle",
    "station": "station",
    "hour_of_week": "hour_of_week",
    "line": "line",
    "trip": "trip",
    "zone_pair": "zones",
    "bench": "bench",
}

CARSHARING_SPEC = TableSpec(
    counts=("member_trips", "official_trips", "cancellations", "no_shows"),
    sums=("member_hours", "official_hours", "idle_hours", "km", "revenue_cents", "cost_centre_cents"),
    hidden=("capacity_hours", "booked_hours", "trips"),
    ratios=(
        Ratio("utilisation", "booked_hours", "capacity_hours"),
        Ratio("official_share", "official_hours", "booked_hours"),
    ),
    weight="trips",
)
HEATMAP_SPEC = TableSpec(
    counts=("trips",),
    sums=("member_hours", "official_hours"),
    hidden=("capacity_hours", "booked_hours"),
    ratios=(Ratio("utilisation", "booked_hours", "capacity_hours"),),
    weight="trips",
)
RIDES_SPEC = TableSpec(counts=("offers", "requests", "matches", "seats_booked"), sums=("shared_km",), weight="matches")
BUERGERBUS_SPEC = TableSpec(counts=("bookings", "seats"), weight="bookings")
SEARCHES_SPEC = TableSpec(counts=("searches", "unmet"), weight="searches")
BENCHES_SPEC = TableSpec(counts=("bench_requests", "served"), weight="bench_requests")


@dataclass(frozen=True)
class ReportQuery:
    section: str
    by: str
    period: str
    first: date
    last: date


@dataclass(frozen=True)
class Report:
    query: ReportQuery
    table: pd.DataFrame

    @property
    def suppressed_cells(self) -> int:
        return int(self.table["suppressed"].sum()) if len(self.table) else 0


def report_query(*, section: str, by: str, period: str, first: date, last: date) -> ReportQuery:
    """Validated report parameters; raises ``ValidationFailed`` with a stable code."""
    if section not in SECTIONS:
        raise ValidationFailed(
            "Unknown section; choose one of %(choices)s.",
            params={"choices": ", ".join(SECTIONS)},
            code="invalid_section",
            fields={"section": [section]},
        )
    if by not in SECTIONS[section]:
        raise ValidationFailed(
            "The %(section)s report can be broken down by %(choices)s.",
            params={"section": section, "choices": ", ".join(SECTIONS[section])},
            code="invalid_dimension",
            fields={"by": [by]},
        )
    if period not in PERIODS:
        raise ValidationFailed(
            "Unknown period; choose one of %(choices)s.",
            params={"choices": ", ".join(PERIODS)},
            code="invalid_period",
            fields={"period": [period]},
        )
    if last < first:
        raise ValidationFailed("'to' must not be before 'from'.", code="invalid_range", fields={"to": ["before from"]})
    limit = int(conf.get("STATS_MAX_PERIODS"))
    if count_periods(first, last, period) > limit:
        raise ValidationFailed(
            "At most %(limit)s periods per report; choose a longer period or a shorter range.",
            params={"limit": limit},
            code="range_too_long",
            fields={"to": ["too far from 'from'"]},
        )
    return ReportQuery(section, by, period, first, last)


def _check_size(rows: int, cols: int) -> None:
    """Refuse grids too big to protect quickly (and too fine to publish much anyway)."""
    limit = int(conf.get("STATS_MAX_CELLS"))
    if (rows + 1) * (cols + 1) > limit:
        raise ValidationFailed(
            "The table would have %(cells)s cells (at most %(limit)s); "
            "choose a longer period, a shorter range or a coarser breakdown.",
            params={"cells": (rows + 1) * (cols + 1), "limit": limit},
            code="table_too_large",
        )


def _with_min_cell(spec: TableSpec) -> TableSpec:
    """``spec`` with the configured threshold (``STATS_MIN_CELL``, never below 2)."""
    return replace(spec, min_cell=max(2, int(conf.get("STATS_MIN_CELL"))))


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _unique_labels(mapping: dict) -> dict:
    """Make display labels unique (two stations may share a name)."""
    seen: dict[str, int] = {}
    out = {}
    for key in sorted(mapping, key=lambda k: (str(mapping[k]), str(k))):
        label = str(mapping[key])
        seen[label] = seen.get(label, 0) + 1
        out[key] = label if seen[label] == 1 else f"{label} ({seen[label]})"
    return out


def _finish(frame: pd.DataFrame, col_name: str | None) -> pd.DataFrame:
    frame["period"] = [p.isoformat() if isinstance(p, date) else str(p) for p in frame["period"]]
    if col_name:
        frame[col_name] = frame[col_name].astype(str)
    return frame


def _carsharing_table(q: ReportQuery, progress: Callable[[str], None]) -> pd.DataFrame:
    """Car-sharing by vehicle, station or nothing. All three are cut from ONE vehicle-level
    grid and its suppression pattern (linked tables, ``disclosure.coarsen_mask``), so a
    station or fleet figure never reveals a vehicle cell that the vehicle table hides."""
    tz = _tz()
    periods = periods_between(q.first, q.last, q.period, tz)
    start, end = periods[0].start, periods[-1].end
    if q.by == "hour_of_week":
        return _carsharing_heatmap(q, periods, progress)
    progress("aggregating reservations")
    cells = carsharing.carsharing_cells(start=start, end=end, period=q.period, first=q.first, by="vehicle", tz=tz)
    vehicles = carsharing.vehicles_in_service()
    in_service = set(vehicles.loc[vehicles["in_service"], "id"])
    station_of = dict(zip(vehicles["id"], vehicles["station_id"], strict=True))
    hours = {p.label: p.hours for p in periods}
    ids = in_service | set(cells["key"].dropna().astype(int))
    plates = _unique_labels(carsharing.vehicle_plates(ids))
    vehicle_keys = sorted(ids, key=lambda k: plates[k])
    _check_size(len(hours), len(vehicle_keys))
    grid = pd.DataFrame(
        [(p, k, hours[p] * (k in in_service)) for p in hours for k in vehicle_keys],
        columns=["period", "key", "capacity_hours"],
    )
    additive = [
        c for c in CARSHARING_SPEC.additive if c not in ("capacity_hours", "booked_hours", "trips", "idle_hours")
    ]
    if len(cells):
        cells = cells.assign(key=cells["key"].astype(int))
        summed = cells.groupby(["period", "key"])[additive].sum().reset_index()
        grid = grid.merge(summed, on=["period", "key"], how="left")
    for name in additive:
        grid[name] = pd.to_numeric(grid[name], errors="coerce").fillna(0) if name in grid else 0.0
    grid["booked_hours"] = grid["member_hours"] + grid["official_hours"]
    grid["idle_hours"] = (grid["capacity_hours"] - grid["booked_hours"]).clip(lower=0)
    grid["trips"] = grid["member_trips"] + grid["official_trips"] + grid["cancellations"] + grid["no_shows"]
    progress("suppressing small cells")
    spec = _with_min_cell(CARSHARING_SPEC)
    row_keys = list(hours)
    fine = protection_mask(grid, spec=spec, row_dim="period", row_keys=row_keys, col_dim="key", col_keys=vehicle_keys)
    if q.by == "vehicle":
        grid["vehicle"] = grid["key"].map(plates)
        table = anonymised_table(
            grid,
            spec=spec,
            row_dim="period",
            row_keys=row_keys,
            col_dim="vehicle",
            col_keys=[plates[k] for k in vehicle_keys],
            mask=fine,
        )
        return _finish(table, "vehicle")
    if q.by == "none":
        table = anonymised_table(grid, spec=spec, row_dim="period", row_keys=row_keys, mask=coarsen_mask(fine, None))
        return _finish(table, None)
    names = carsharing.station_names()
    station_labels = _unique_labels(names)
    station_keys = sorted(set(names), key=lambda k: station_labels[k])
    position = {k: n for n, k in enumerate(vehicle_keys)}
    groups = [[position[v] for v in vehicle_keys if station_of.get(v) == st] for st in station_keys]
    grid["station"] = grid["key"].map(lambda v: station_labels.get(station_of.get(v)))
    table = anonymised_table(
        grid,
        spec=spec,
        row_dim="period",
        row_keys=row_keys,
        col_dim="station",
        col_keys=[station_labels[k] for k in station_keys],
        mask=coarsen_mask(fine, groups),
    )
    return _finish(table, "station")


def _carsharing_heatmap(q: ReportQuery, periods, progress: Callable[[str], None]) -> pd.DataFrame:
    tz = _tz()
    _check_size(len(periods), HOURS_PER_WEEK)
    start, end = periods[0].start, periods[-1].end
    frame = None
    for kind in (carsharing.MEMBER, carsharing.OFFICIAL):
        progress(f"aggregating {kind} booking events")
        starts, ends = carsharing.booking_events(start=start, end=end, kind=kind)
        booked, overlapping = booked_minutes_per_hour(starts, ends, start, end)
        part = pd.DataFrame({f"{kind}_hours": booked / 60.0, f"{kind}_trips": overlapping})
        frame = part if frame is None else frame.join(part)
    index = frame.index
    local_dates = index.tz_convert(str(tz)).date
    frame["period"] = [period_start(d, q.period, q.first) for d in local_dates]
    frame["hour_of_week"] = [hour_of_week_label(h) for h in local_hour_of_week(index, str(tz))]
    vehicles = carsharing.vehicles_in_service()
    frame["capacity_hours"] = float(vehicles["in_service"].sum())
    frame["booked_hours"] = frame["member_hours"] + frame["official_hours"]
    frame["trips"] = frame["member_trips"] + frame["official_trips"]
    progress("suppressing small cells")
    table = anonymised_table(
        frame.reset_index(drop=True),
        spec=_with_min_cell(HEATMAP_SPEC),
        row_dim="period",
        row_keys=[p.label for p in periods],
        col_dim="hour_of_week",
        col_keys=[hour_of_week_label(h) for h in range(HOURS_PER_WEEK)],
    )
    return _finish(table, "hour_of_week")


def _rides_table(q: ReportQuery, progress: Callable[[str], None]) -> pd.DataFrame:
    """Rides by hour of week, or per period cut from that table (linked, see ``_linked_table``)."""
    tz = _tz()
    periods = periods_between(q.first, q.last, q.period, tz)
    progress("aggregating rides")
    cells = rides.rides_cells(start=periods[0].start, end=periods[-1].end, period=q.period, first=q.first, tz=tz)
    cells["key"] = cells["how"].astype(int)
    labels = {h: hour_of_week_label(h) for h in range(HOURS_PER_WEEK)}
    progress("suppressing small cells")
    return _linked_table(q, cells, RIDES_SPEC, labels, {}, {}, periods, keep_order=True)


def _linked_table(
    q: ReportQuery,
    cells: pd.DataFrame,
    spec: TableSpec,
    fine_labels: dict,
    coarse_of: dict,
    coarse_labels: dict,
    periods,
    keep_order: bool = False,
) -> pd.DataFrame:
    """A table cut from the finest breakdown (trips, zone pairs) and its suppression pattern.

    ``cells`` are by fine key; ``coarse_of`` maps a fine key to its coarse key (trip -> line).
    ``by=none`` shows the fine table's total column; the coarse breakdown publishes a cell
    only where the fine table publishes all its parts (``disclosure.coarsen_mask``).
    """
    spec = _with_min_cell(spec)
    row_keys = [p.label for p in periods]
    cells, fine_keys, fine = _fine_mask(cells, spec, fine_labels, row_keys, keep_order)
    if q.by == "none":
        table = anonymised_table(cells, spec=spec, row_dim="period", row_keys=row_keys, mask=coarsen_mask(fine, None))
        return _finish(table, None)
    col_dim = COLUMN_NAMES[q.by]
    if not coarse_of:  # the finest breakdown itself
        cells = cells.assign(**{col_dim: cells["fine"]})
        col_keys = [fine_labels[k] for k in fine_keys]
        mask = fine
    else:
        coarse_keys = sorted(coarse_labels, key=lambda k: coarse_labels[k])
        position = {k: n for n, k in enumerate(fine_keys)}
        groups = [[position[f] for f in fine_keys if coarse_of.get(f) == c] for c in coarse_keys]
        cells = cells.assign(**{col_dim: cells["key"].map(lambda k: coarse_labels.get(coarse_of.get(k)))})
        col_keys = [coarse_labels[k] for k in coarse_keys]
        mask = coarsen_mask(fine, groups)
    table = anonymised_table(
        cells, spec=spec, row_dim="period", row_keys=row_keys, col_dim=col_dim, col_keys=col_keys, mask=mask
    )
    return _finish(table, col_dim)


def _fine_mask(
    cells: pd.DataFrame, spec: TableSpec, fine_labels: dict, row_keys: list, keep_order: bool = False
) -> tuple[pd.DataFrame, list, np.ndarray]:
    """The finest breakdown's keys (in column order) and suppression pattern (with margins)."""
    fine_keys = list(fine_labels) if keep_order else sorted(fine_labels, key=lambda k: fine_labels[k])
    _check_size(len(row_keys), len(fine_keys))
    cells = cells.assign(fine=cells["key"].map(fine_labels))
    fine = protection_mask(
        cells,
        spec=spec,
        row_dim="period",
        row_keys=row_keys,
        col_dim="fine",
        col_keys=[fine_labels[k] for k in fine_keys],
    )
    return cells, fine_keys, fine


def _buergerbus_table(q: ReportQuery, progress: Callable[[str], None]) -> pd.DataFrame:
    tz = _tz()
    periods = periods_between(q.first, q.last, q.period, tz)
    progress("aggregating Bürgerbus bookings")
    cells = buergerbus.buergerbus_cells(
        start=periods[0].start, end=periods[-1].end, period=q.period, first=q.first, last=q.last, by="trip", tz=tz
    )
    trips = set(cells["key"].dropna().astype(int))
    trip_labels = _unique_labels(buergerbus.trip_labels(trips))
    coarse_of: dict = {}
    coarse_labels: dict = {}
    if q.by == "line":
        coarse_of = buergerbus.trip_routes(trips)
        coarse_labels = _unique_labels(buergerbus.line_labels(set(coarse_of.values())))
    progress("suppressing small cells")
    return _linked_table(q, cells, BUERGERBUS_SPEC, trip_labels, coarse_of, coarse_labels, periods)


def _search_pair_cells(q: ReportQuery) -> tuple[pd.DataFrame, list]:
    tz = _tz()
    periods = periods_between(q.first, q.last, q.period, tz)
    cells = searches.search_cells(
        start=periods[0].start,
        end=periods[-1].end,
        period=q.period,
        first=q.first,
        by="zone_pair",
        tz=tz,
        periods=periods,
    )
    return cells, periods


def _searches_table(q: ReportQuery, progress: Callable[[str], None]) -> pd.DataFrame:
    progress("aggregating searches")
    cells, periods = _search_pair_cells(q)
    labels = {k: k for k in cells["key"].dropna()}
    progress("suppressing small cells")
    return _linked_table(q, cells, SEARCHES_SPEC, labels, {}, {}, periods)


def searches_pair_totals_mask(
    *, first: date, last: date, pairs: pd.DataFrame | None = None
) -> tuple[list[str], np.ndarray]:
    """What the searches report by zone pair over ``first .. last`` (``period=all``) hides of
    each pair's total: the pair keys (``"origin > destination"``, in the report's column
    order) and the report's suppression pattern with margins, shape ``(2, pairs + 1)`` (the
    range's row, then the totals row; the last column is the grand total). Tables linked to
    that report (the unmet-demand map) are cut from it (``disclosure.coarsen_mask``).

    ``pairs`` (columns ``key``, ``searches``, ``unmet``: all searches and those that found
    nothing per pair over the range) spares the query when the caller has counted them."""
    q = report_query(section="searches", by="zone_pair", period="all", first=first, last=last)
    if pairs is None:
        cells, periods = _search_pair_cells(q)
    else:
        periods = periods_between(q.first, q.last, q.period, _tz())
        cells = pairs.assign(period=periods[0].label)
    labels = {k: k for k in cells["key"].dropna()}
    _cells, keys, fine = _fine_mask(cells, _with_min_cell(SEARCHES_SPEC), labels, [p.label for p in periods])
    return [str(k) for k in keys], fine


def _benches_table(q: ReportQuery, progress: Callable[[str], None]) -> pd.DataFrame:
    """Mitfahrbank requests and how many were served, by bench or in total."""
    tz = _tz()
    periods = periods_between(q.first, q.last, q.period, tz)
    progress("aggregating bench requests")
    cells = benches.bench_cells(start=periods[0].start, end=periods[-1].end, period=q.period, first=q.first, tz=tz)
    labels = _unique_labels(benches.bench_labels(set(cells["key"].dropna().astype(int))))
    progress("suppressing small cells")
    return _linked_table(q, cells, BENCHES_SPEC, labels, {}, {}, periods)


BUILDERS = {
    "carsharing": _carsharing_table,
    "rides": _rides_table,
    "buergerbus": _buergerbus_table,
    "searches": _searches_table,
    "benches": _benches_table,
}


def report_build(query: ReportQuery, *, progress: Callable[[str], None] | None = None) -> Report:
    """The anonymised table for ``query`` (see the module docstring)."""
    table = BUILDERS[query.section](query, progress or (lambda message: None))
    return Report(query=query, table=table)
