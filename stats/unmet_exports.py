"""The unmet-demand map as files for QGIS: GeoJSON (RFC 7946: WGS84, ``[lon, lat]``,
counter-clockwise outer rings) and GeoPackage (one layer ``unmet_demand``, EPSG:4326, written
with geopandas/pyogrio). Both carry the same features: one square per origin zone with its
published figures; a hidden figure is ``null``, with ``suppressed`` true.
"""

from __future__ import annotations

import io
import json

from .selectors.unmet_map import UnmetMap

FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
}
LAYER = "unmet_demand"
#: Property columns in their order (GeoPackage fields, GeoJSON properties).
PROPERTIES = ("zone", "searches", "unmet", "met", "unmet_share", "suppressed")


def rule_text(min_cell: int) -> str:
    return (
        f"searches that found nothing or only poor options, by origin zone; figures counting 1 to {min_cell - 1} "
        "searches are hidden, with complementary suppression"
    )


def unmet_features(data: UnmetMap) -> list[dict]:
    """One GeoJSON feature per zone (ordered by zone code)."""
    features = []
    for figures in data.zones:
        features.append(
            {
                "type": "Feature",
                "id": figures.zone.code,
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[round(lon, 6), round(lat, 6)] for lon, lat in figures.zone.ring]],
                },
                "properties": {
                    "zone": figures.zone.code,
                    "searches": figures.searches,
                    "unmet": figures.unmet,
                    "met": figures.met,
                    "unmet_share": figures.unmet_share,
                    "suppressed": figures.suppressed,
                },
            }
        )
    return features


def unmet_geojson(data: UnmetMap) -> dict:
    """The FeatureCollection, with the range and the privacy rule as foreign members."""
    return {
        "type": "FeatureCollection",
        "name": LAYER,
        "from": data.first.isoformat(),
        "to": data.last.isoformat(),
        "side": data.side,
        "rule": rule_text(data.min_cell),
        "features": unmet_features(data),
    }


def to_geojson(data: UnmetMap) -> bytes:
    return json.dumps(unmet_geojson(data), ensure_ascii=False).encode("utf-8")


def unmet_frame(data: UnmetMap):
    """The zones as a ``GeoDataFrame`` in EPSG:4326 (nullable integer figures)."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Polygon

    features = unmet_features(data)
    columns = {name: [f["properties"][name] for f in features] for name in PROPERTIES}
    frame = pd.DataFrame(
        {
            "zone": pd.array(columns["zone"], dtype="string"),
            "searches": pd.array(columns["searches"], dtype="Int64"),
            "unmet": pd.array(columns["unmet"], dtype="Int64"),
            "met": pd.array(columns["met"], dtype="Int64"),
            "unmet_share": pd.array(columns["unmet_share"], dtype="Float64"),
            "suppressed": pd.array(columns["suppressed"], dtype="bool"),
        }
    )
    geometry = [Polygon(f["geometry"]["coordinates"][0]) for f in features]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def to_gpkg(data: UnmetMap) -> bytes:
    """A GeoPackage with the layer ``unmet_demand`` (pyogrio writes it in memory)."""
    buffer = io.BytesIO()
    unmet_frame(data).to_file(buffer, driver="GPKG", layer=LAYER, engine="pyogrio")
    return buffer.getvalue()


def render_unmet(data: UnmetMap, fmt: str) -> bytes:
    if fmt == "geojson":
        return to_geojson(data)
    if fmt == "gpkg":
        return to_gpkg(data)
    raise ValueError(f"unknown format {fmt!r}")


def unmet_filename(data: UnmetMap, fmt: str) -> str:
    ext = FORMATS[fmt][1] if fmt in FORMATS else fmt
    side = "-ziele" if data.side == "destination" else ""
    return f"unerfuellte-nachfrage{side}-{data.first:%Y%m%d}-{data.last:%Y%m%d}.{ext}"
