"""The unmet-demand map as a picture (matplotlib, Agg, nothing from the internet).

The statistics zones coloured by their searches that found nothing or only poor options
(``selectors.unmet_map``), hidden zones grey and hatched, over the municipality's own roads
(the imported road graph, simplified so only the roads between and through the villages
remain) and village names (from the stop names). North is up; a scale bar in km; a title
with what, where and when; a legend; the privacy sentence and the definition of "poor".
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.patheffects as path_effects  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.patches import Patch, Polygon  # noqa: E402

from mobility.l10n import format_number  # noqa: E402

from .charts import _save, area_name, range_text  # noqa: E402
from .domain.unmet import POOR_MAX_TRANSFERS, POOR_MIN_EXTRA_MIN, POOR_SLOWER_THAN_CAR  # noqa: E402
from .selectors.unmet_map import Backdrop, UnmetMap, map_backdrop, unmet_map  # noqa: E402

HIDDEN_COLOUR, ROAD_COLOUR, EDGE_COLOUR = "#d9d9d9", "#4d4d4d", "#737373"
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


@dataclass(frozen=True)
class MapDrawn:
    """What the map showed (for the report's sentences and the tests)."""

    zones: int
    hidden: int
    roads: int  # road lines drawn
    places: tuple[str, ...]


def map_bounds(data: UnmetMap) -> tuple[float, float, float, float] | None:
    """The zones' extent padded by half a zone on every side, or ``None`` without zones."""
    if not data.zones:
        return None
    boxes = [z.zone.bounds for z in data.zones]
    pad_lon = data.zones[0].zone.lon_step / 2
    pad_lat = data.zones[0].zone.lat_step / 2
    return (
        min(b[0] for b in boxes) - pad_lon,
        min(b[1] for b in boxes) - pad_lat,
        max(b[2] for b in boxes) + pad_lon,
        max(b[3] for b in boxes) + pad_lat,
    )


def poor_definition() -> str:
    return _(
        "Only poor options: more than %(transfers)s transfers, or at least %(factor)s times as long as by car "
        "and %(extra)s minutes longer (waiting included)."
    ) % {
        "transfers": POOR_MAX_TRANSFERS,
        "factor": format_number(POOR_SLOWER_THAN_CAR),
        "extra": POOR_MIN_EXTRA_MIN,
    }


def map_suppression_note(min_cell: int) -> str:
    return _("Grey and hatched: fewer than %(k)s searches – hidden for privacy reasons.") % {"k": min_cell}


def _nice_km(width_km: float) -> float:
    """A round scale-bar length of about a quarter of the map's width."""
    target = max(width_km / 4, 0.1)
    magnitude = 10 ** math.floor(math.log10(target))
    return max(step * magnitude for step in (1, 2, 5) if step * magnitude <= target)


def _scale_bar(ax, bounds: tuple[float, float, float, float]) -> None:
    min_lon, min_lat, max_lon, max_lat = bounds
    mid_lat = (min_lat + max_lat) / 2
    km_per_deg_lon = 111.32 * math.cos(math.radians(mid_lat))
    length_km = _nice_km((max_lon - min_lon) * km_per_deg_lon)
    x0 = min_lon + (max_lon - min_lon) * 0.04
    y0 = min_lat + (max_lat - min_lat) * 0.04
    x1 = x0 + length_km / km_per_deg_lon
    tick = (max_lat - min_lat) * 0.01
    ax.plot([x0, x1], [y0, y0], color="black", linewidth=2.5, solid_capstyle="butt", zorder=6)
    ax.plot([x0, x0], [y0 - tick, y0 + tick], color="black", linewidth=1.2, zorder=6)
    ax.plot([x1, x1], [y0 - tick, y0 + tick], color="black", linewidth=1.2, zorder=6)
    label = ax.text(
        (x0 + x1) / 2,
        y0 + tick * 1.5,
        f"{format_number(length_km, 0 if length_km >= 1 else 1)} km",
        ha="center",
        va="bottom",
        fontsize=9,
        zorder=6,
    )
    label.set_path_effects([path_effects.withStroke(linewidth=3, foreground="white")])


def _north_arrow(ax) -> None:
    ax.annotate(
        "N",
        xy=(0.95, 0.95),
        xytext=(0.95, 0.85),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=12,
        weight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5},
        zorder=7,
    )


def _clearance(lon: float, lat: float, places: list[tuple[str, float, float]], width: float) -> float:
    """Distance (degrees) to the nearest place label, capped at a zone's width; labels run to
    the right of their point, so a place to the left counts as nearer."""
    nearest = width
    for _name, x, y in places:
        shift = x + width * 0.25  # the label's middle
        nearest = min(nearest, math.hypot(lon - shift, (lat - y) * 1.5))
    return nearest


def unmet_map_figure(data: UnmetMap, backdrop: Backdrop, ax=None):
    """Draw ``data`` over ``backdrop``; returns ``(figure, MapDrawn)``."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 9))
    else:
        fig = ax.figure
    edge = data.zones[0].zone.edge_km if data.zones else 2.0
    what = (
        _("Unmet demand: searches that found nothing or only poor options, by destination zone")
        if data.side == "destination"
        else _("Unmet demand: searches that found nothing or only poor options, by starting zone")
    )
    title = what + "\n" + (f"{area_name()}, {range_text(data.first, data.last)}")
    if data.unmet is not None and data.searches is not None:
        title += " " + _("(%(unmet)s of %(searches)s searches)") % {
            "unmet": format_number(data.unmet),
            "searches": format_number(data.searches),
        }
    ax.set_title(title, loc="left", fontsize=12)
    bounds = map_bounds(data)
    if bounds is None:
        ax.text(0.5, 0.5, _("No searches in this period."), ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return fig, MapDrawn(zones=0, hidden=0, roads=0, places=())
    min_lon, min_lat, max_lon, max_lat = bounds
    published = [z.unmet for z in data.zones if z.unmet is not None]
    top = max(published + [1])
    cmap = matplotlib.colormaps["OrRd"]
    norm = matplotlib.colors.Normalize(vmin=0, vmax=top)
    hidden = 0
    for figures in data.zones:
        ring = figures.zone.ring
        if figures.unmet is None:
            hidden += 1
            patch = Polygon(ring, closed=True, facecolor=HIDDEN_COLOUR, edgecolor=EDGE_COLOUR, hatch="///", lw=0.6)
        else:
            patch = Polygon(ring, closed=True, facecolor=cmap(norm(figures.unmet)), edgecolor=EDGE_COLOUR, lw=0.6)
        patch.set_alpha(0.85)
        patch.set_zorder(1)
        ax.add_patch(patch)
    roads = [line for line in backdrop.roads if len(line) >= 2]
    if roads:
        ax.add_collection(LineCollection(roads, colors=ROAD_COLOUR, linewidths=0.9, zorder=3))
    halo = [path_effects.withStroke(linewidth=3, foreground="white")]
    for figures in data.zones:
        # In the corner of the zone farthest from the village names (they are written at the stops).
        min_x, min_y, max_x, max_y = figures.zone.bounds
        dx, dy = (max_x - min_x) * 0.06, (max_y - min_y) * 0.06
        corners = [
            (max_x - dx, min_y + dy, "right", "bottom"),
            (min_x + dx, min_y + dy, "left", "bottom"),
            (max_x - dx, max_y - dy, "right", "top"),
            (min_x + dx, max_y - dy, "left", "top"),
        ]
        lon, lat, ha, va = max(corners, key=lambda c: _clearance(c[0], c[1], backdrop.places, (max_x - min_x)))
        text = "–" if figures.unmet is None else format_number(figures.unmet)
        label = ax.text(lon, lat, text, ha=ha, va=va, fontsize=11, weight="bold", color="#222222", zorder=4)
        label.set_path_effects(halo)
    shown = []
    for name, lon, lat in backdrop.places:
        if min_lon <= lon <= max_lon and min_lat <= lat <= max_lat:
            ax.plot(lon, lat, "o", color="black", markersize=3.5, zorder=5)
            label = ax.text(lon, lat, "  " + name, fontsize=10.5, weight="bold", va="bottom", zorder=5)
            label.set_path_effects(halo)
            shown.append(name)
    ax.set_xlim(min_lon, max_lon)
    ax.set_ylim(min_lat, max_lat)
    ax.set_aspect(1 / math.cos(math.radians((min_lat + max_lat) / 2)))  # north up, true proportions
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, bounds)
    _north_arrow(ax)
    colorbar = fig.colorbar(
        matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6, pad=0.02, fraction=0.04
    )
    colorbar.set_label(_("unmet searches per zone (squares of %(edge)s km)") % {"edge": format_number(edge, 0)})
    handles: list[matplotlib.artist.Artist] = [
        Patch(facecolor=HIDDEN_COLOUR, edgecolor=EDGE_COLOUR, hatch="///", label=_("hidden (privacy)"))
    ]
    if roads:
        handles.append(matplotlib.lines.Line2D([], [], color=ROAD_COLOUR, linewidth=0.9, label=_("roads")))
    if shown:
        handles.append(
            matplotlib.lines.Line2D([], [], marker="o", color="black", linestyle="", markersize=3.5, label=_("village"))
        )
    ax.legend(handles=handles, loc="upper left", fontsize=9, framealpha=0.9)
    notes = [poor_definition()]
    notes.append(map_suppression_note(data.min_cell))
    notes.append(
        _("Roads: the platform's own OpenStreetMap road graph (© OpenStreetMap contributors); names from the stops.")
        if roads
        else _("No road graph has been imported: the map shows the zones only.")
    )
    ax.text(0.0, -0.02, "\n".join(textwrap.fill(n, 110) for n in notes), fontsize=8, va="top", transform=ax.transAxes)
    return fig, MapDrawn(zones=len(data.zones), hidden=hidden, roads=len(roads), places=tuple(shown))


def unmet_map_render(*, first: date, last: date, fmt: str = "png", side: str = "origin") -> bytes:
    """The map for local dates ``first .. last`` by origin or destination zone (``side``) as
    PNG (or SVG) bytes."""
    data = unmet_map(first=first, last=last, side=side)
    bounds = map_bounds(data)
    backdrop = map_backdrop(bounds=bounds) if bounds else Backdrop(roads=[], places=[])
    fig, _drawn = unmet_map_figure(data, backdrop)
    return _save(fig, fmt)
