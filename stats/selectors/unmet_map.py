"""Unmet demand per statistics zone for a map: searches that found nothing or only poor
options (``domain.unmet``), by origin zone (or, ``side="destination"``, by destination zone),
anonymised like every other table.

One table: a row per zone, the columns ``unmet`` and ``met`` (searches), the row total
``searches``, with margins; ``domain.disclosure.protect`` hides every entry counting 1 to
``STATS_MIN_CELL - 1`` searches and the complementary entries from which a hidden one could be
worked out. A zone is drawn grey when its ``unmet`` figure is hidden.

The table is linked to the searches report by zone pair of the same range: a zone's
``searches`` is the sum of its pairs' totals there. So a zone's total is published only where
the report's published pair totals give it anyway (``linked_totals_mask``); the other totals
are hidden and protected like small entries (their ``unmet`` or ``met`` hidden too). Together
the two tables reveal no pair the report hides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Count, Q

from .. import conf
from ..domain.disclosure import coarsen_mask
from ..domain.periods import periods_between
from ..domain.tables import TOTAL, TableSpec, anonymised_table, protection_mask
from ..domain.unmet import Zone, car_minutes, is_poor, parse_zone
from ..models import SearchLog
from .reports import _check_size, report_query, searches_pair_totals_mask

UNMET, MET = "unmet", "met"
#: The map counts a search in the zone it started from (``origin``, the dashboard's map) or in
#: the zone it went to (``destination``).
SIDES = ("origin", "destination")
SPEC = TableSpec(counts=("searches",), weight="searches")


@dataclass(frozen=True)
class ZoneFigures:
    """One zone's published figures; ``None`` = hidden for privacy reasons."""

    zone: Zone
    searches: int | None
    unmet: int | None
    met: int | None

    @property
    def suppressed(self) -> bool:
        return self.unmet is None

    @property
    def unmet_share(self) -> float | None:
        if self.unmet is None or not self.searches:
            return None
        return round(self.unmet / self.searches, 4)


@dataclass(frozen=True)
class UnmetMap:
    first: date
    last: date
    min_cell: int
    zones: list[ZoneFigures]  # ordered by zone code
    searches: int | None  # all zones together (None: hidden)
    unmet: int | None
    side: str = "origin"  # one of SIDES

    @property
    def suppressed_zones(self) -> int:
        return sum(1 for z in self.zones if z.suppressed)


def _check_side(side: str) -> None:
    if side not in SIDES:
        raise ValueError(f"side is one of {SIDES}, not {side!r}")


def unmet_cells(*, first: date, last: date, side: str = "origin") -> pd.DataFrame:
    """Searches per (zone, unmet or met) for local dates ``first .. last``, the zone being the
    search's origin or destination (``side``): grouped in SQL by what ``domain.unmet.is_unmet``
    needs, classified in Python (a few hundred groups)."""
    _check_side(side)
    return _classified(_grouped_searches(first=first, last=last), side)


def _grouped_searches(*, first: date, last: date) -> list[dict]:
    """Searches that found nothing and that found something per (origin zone, destination
    zone, best minutes, best transfers), local dates ``first .. last``."""
    tz = ZoneInfo(settings.TIME_ZONE)
    period = periods_between(first, last, "all", tz)[0]
    return [
        dict(row)
        for row in SearchLog.objects.filter(time_bin__gte=period.start, time_bin__lt=period.end)
        .order_by()
        .values("origin_zone", "destination_zone", "best_minutes", "best_transfers")
        .annotate(found_nothing=Count("id", filter=Q(results=0)), found=Count("id", filter=Q(results__gt=0)))
    ]


def _pair_counts(rows: list[dict]) -> pd.DataFrame:
    """All searches and those that found nothing per zone pair (``key`` ``"origin > destination"``,
    every code, as the searches report counts them) from ``_grouped_searches``."""
    pairs: dict[str, list[int]] = {}
    for row in rows:
        figures = pairs.setdefault(f"{row['origin_zone']} > {row['destination_zone']}", [0, 0])
        figures[0] += row["found_nothing"] + row["found"]
        figures[1] += row["found_nothing"]
    return pd.DataFrame([(k, s, u) for k, (s, u) in sorted(pairs.items())], columns=["key", "searches", "unmet"])


def _classified(rows: list[dict], side: str) -> pd.DataFrame:
    counts: dict[tuple[str, str], int] = {}
    car: dict[tuple[str, str], float | None] = {}
    for row in rows:
        origin, dest = row["origin_zone"], row["destination_zone"]
        if (origin, dest) not in car:
            try:
                car[(origin, dest)] = car_minutes(origin, dest)
            except ValueError:  # a hand-made entry with a foreign code: not on the map
                car[(origin, dest)] = None
        car_min = car[(origin, dest)]
        if car_min is None:
            continue
        poor = is_poor(best_minutes=row["best_minutes"], best_transfers=row["best_transfers"], car_min=car_min)
        zone = origin if side == "origin" else dest
        counts[(zone, UNMET)] = counts.get((zone, UNMET), 0) + row["found_nothing"] + (row["found"] if poor else 0)
        counts[(zone, MET)] = counts.get((zone, MET), 0) + (0 if poor else row["found"])
    return pd.DataFrame(
        [(zone, kind, n) for (zone, kind), n in sorted(counts.items())], columns=["zone", "kind", "searches"]
    )


def unmet_map(*, first: date, last: date, side: str = "origin") -> UnmetMap:
    """The anonymised unmet demand per origin (or destination, ``side``) zone for local dates
    ``first .. last`` (validated like a report: ``invalid_range``, ``range_too_long``)."""
    _check_side(side)
    report_query(section="searches", by="none", period="all", first=first, last=last)
    min_cell = max(2, int(conf.get("STATS_MIN_CELL")))
    rows = _grouped_searches(first=first, last=last)  # one query for the map and the linked pairs
    cells = _classified(rows, side)
    zones = sorted(set(cells["zone"]))
    _check_size(len(zones), 2)
    spec = TableSpec(counts=SPEC.counts, weight=SPEC.weight, min_cell=min_cell)
    kinds = [UNMET, MET]
    forced = linked_totals_mask(
        zones, *searches_pair_totals_mask(first=first, last=last, pairs=_pair_counts(rows)), side=side
    )
    mask = protection_mask(
        cells, spec=spec, row_dim="zone", row_keys=zones, col_dim="kind", col_keys=kinds, forced=forced
    )
    table = anonymised_table(
        cells, spec=spec, row_dim="zone", row_keys=zones, col_dim="kind", col_keys=kinds, mask=mask
    )
    figure = {(r.zone, r.kind): (None if pd.isna(r.searches) else int(r.searches)) for r in table.itertuples()}
    return UnmetMap(
        first=first,
        last=last,
        min_cell=min_cell,
        zones=[
            ZoneFigures(
                zone=parse_zone(code),
                searches=figure[(code, TOTAL)],
                unmet=figure[(code, UNMET)],
                met=figure[(code, MET)],
            )
            for code in zones
        ],
        searches=figure.get((TOTAL, TOTAL)),
        unmet=figure.get((TOTAL, UNMET)),
        side=side,
    )


def linked_totals_mask(
    zones: list[str], pair_keys: list[str], pair_mask: np.ndarray, *, side: str = "origin"
) -> np.ndarray:
    """Which zone totals the searches report by zone pair of the same range does not let
    publish (linked tables): shape ``(len(zones) + 1, 3)`` like the map's table with margins,
    True in the ``searches`` column (the last) for a zone whose total the report's published
    pair totals do not give (``disclosure.coarsen_mask`` of the report's totals row), and in
    the bottom-right corner for the grand total likewise.

    A zone's total is the sum of its pairs' totals; published next to them it would let a
    reader subtract the shown pairs and recover a hidden one. ``pair_keys`` are
    ``"origin > destination"``; pairs the map leaves off (a code that is no zone) are in no
    group, as they are in none of the map's totals. With ``side="destination"`` a zone's
    pairs are those ending there."""
    index = {code: n for n, code in enumerate(zones)}
    groups: list[list[int]] = [[] for _ in zones]
    on_map: list[int] = []
    for position, key in enumerate(pair_keys):
        origin, _, destination = key.partition(" > ")
        zone, other = (origin, destination) if side == "origin" else (destination, origin)
        if zone in index and _is_zone(other):
            groups[index[zone]].append(position)
            on_map.append(position)
    totals_row = coarsen_mask(pair_mask, [*groups, on_map])[-1]
    forced = np.zeros((len(zones) + 1, 3), dtype=bool)
    forced[: len(zones), 2] = totals_row[: len(zones)]
    forced[len(zones), 2] = totals_row[len(zones)]
    return forced


def _is_zone(code: str) -> bool:
    try:
        parse_zone(code)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Backdrop:
    """What the map draws under the zones, all from the platform's own data: road lines
    (``[(lon, lat), ...]`` from the active road graph, simplified so short town streets drop
    out) and village names (``(name, lon, lat)`` from the stop names)."""

    roads: list[list[tuple[float, float]]]
    places: list[tuple[str, float, float]]


#: The road graph is simplified as for a web map at this zoom: a village is a few pixels,
#: town streets shorter than that are left out, the roads between the villages stay.
BACKDROP_ZOOM = 12


def map_backdrop(*, bounds: tuple[float, float, float, float]) -> Backdrop:
    """Roads and village names inside ``bounds`` (``min_lon, min_lat, max_lon, max_lat``);
    without an imported road graph the map has no roads (it says so)."""
    from mobility.errors import ServiceUnavailable
    from rides.selectors import road_network_geojson

    from ..domain.unmet import place_labels

    try:
        feature = road_network_geojson(zoom=BACKDROP_ZOOM, bbox=bounds)["features"][0]
        roads = [[(float(p[0]), float(p[1])) for p in line] for line in feature["geometry"]["coordinates"]]
    except ServiceUnavailable:
        roads = []
    return Backdrop(roads=roads, places=place_labels(_stops_inside(bounds)))


def _stops_inside(bounds: tuple[float, float, float, float]) -> list[tuple[str, float, float]]:
    """``(name, lon, lat)`` of the active stops inside ``bounds``."""
    from gtfs.selectors import stop_list

    min_lon, min_lat, max_lon, max_lat = bounds
    inside = stop_list().filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)
    return [(s.name, float(s.lon or 0.0), float(s.lat or 0.0)) for s in inside.only("name", "lat", "lon")]


def unmet_map_places(data: UnmetMap) -> list[str | None]:
    """The nearest village name of each zone of ``data`` (in its order), from the stop names."""
    from ..domain.unmet import nearest_place, place_labels

    if not data.zones:
        return []
    boxes = [z.zone.bounds for z in data.zones]
    bounds = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    places = place_labels(_stops_inside(bounds))
    return [nearest_place(z.zone, places) for z in data.zones]
