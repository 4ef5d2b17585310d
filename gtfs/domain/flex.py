"""GTFS-Flex zones and windows: read ``locations.geojson``, check it, build the zone table.

No Django here. GTFS-Flex (v2, adopted 2024) lets a stop time target

* a ``locations.geojson`` feature (a polygon zone: door to door inside it),
* a ``location_groups.txt`` group of stops (the rider boards or leaves at any of them),

with a pickup/drop-off window (``start_pickup_drop_off_window`` ..
``end_pickup_drop_off_window``) instead of arrival and departure times, and booking rules
per stop time. Older draft feeds (like bbnavi's) spell the window columns
``start_pickup_dropoff_window``, list a group's stops in ``location_groups.txt`` itself
(``location_id`` column) and put the group id in ``stop_times.stop_id``: both spellings
are read. Times are seconds after "noon minus 12 h" like every GTFS time.

geopandas reads and validates the geometries (shapely ``is_valid``) and places stops in
zones with a spatial join.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.errors import ShapelyError
from shapely.geometry import MultiPoint, mapping, shape

from .times import parse_gtfs_times
from .validation import ERROR, ProblemList

#: (final, draft) spellings of the window columns.
START_WINDOW = ("start_pickup_drop_off_window", "start_pickup_dropoff_window")
END_WINDOW = ("end_pickup_drop_off_window", "end_pickup_dropoff_window")
AREA, GROUP = "area", "group"
LOCATIONS_FILE = "locations.geojson"


class LocationsUnreadable(ValueError):
    """``locations.geojson`` is not a GeoJSON FeatureCollection geopandas can read."""


def _rings_closed(geometry: dict[str, Any]) -> bool:
    """GeoJSON (RFC 7946 3.1.6): every polygon ring has four or more positions and ends where
    it starts. shapely would close an open ring silently; a feed must not rely on that."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else None
    if polygons is None:
        return True  # not a polygon: the validation reports the wrong type
    for rings in polygons:
        for ring in rings:
            if len(ring) < 4 or list(ring[0]) != list(ring[-1]):
                return False
    return True


def read_locations(data: bytes) -> gpd.GeoDataFrame:
    """``locations.geojson`` as a GeoDataFrame with an ``id`` column (the feature ids) in WGS84.

    Read feature by feature (not with GDAL's ``read_file``, which refuses the whole file for
    one unclosed ring): a feature whose geometry cannot be built gets none and is reported
    by ``validate_flex`` with its id."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LocationsUnreadable(f"locations.geojson is not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise LocationsUnreadable("locations.geojson must be a GeoJSON FeatureCollection.")
    features = document.get("features") or []
    if not isinstance(features, list):
        raise LocationsUnreadable("locations.geojson: features must be a list.")
    rows: list[dict[str, Any]] = []
    geometries = []
    for feature in features:
        if not isinstance(feature, dict):
            raise LocationsUnreadable("locations.geojson: every feature must be an object.")
        properties = feature.get("properties") or {}
        rows.append(
            {
                "id": None if feature.get("id") is None else str(feature.get("id")).strip(),
                "stop_name": str(properties.get("stop_name") or "").strip(),
                "stop_desc": str(properties.get("stop_desc") or "").strip(),
            }
        )
        try:
            raw = feature.get("geometry")
            geometries.append(shape(raw) if raw and _rings_closed(raw) else None)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, ShapelyError):
            geometries.append(None)  # e.g. an unclosed ring: reported as an invalid geometry
    frame = pd.DataFrame(rows, columns=["id", "stop_name", "stop_desc"])
    return gpd.GeoDataFrame(frame, geometry=geometries, crs="EPSG:4326")


def _column(df: pd.DataFrame, names: tuple[str, ...]) -> pd.Series | None:
    for name in names:
        if name in df:
            return df[name]
    return None


def _blank(series: pd.Series) -> np.ndarray:
    return (series.isna() | (series.astype("string").str.strip() == "")).to_numpy(dtype=bool, na_value=True)


def group_members(tables: dict[str, Any]) -> pd.DataFrame:
    """Rows (location_group_id, stop_id) from ``location_group_stops.txt`` (final spec) or the
    draft's ``location_groups.txt`` with a ``location_id`` column."""
    stops_table = tables.get("location_group_stops")
    if stops_table is not None and {"location_group_id", "stop_id"} <= set(stops_table.columns):
        frame = stops_table[["location_group_id", "stop_id"]]
    else:
        groups = tables.get("location_groups")
        if groups is None or not {"location_group_id", "location_id"} <= set(groups.columns):
            return pd.DataFrame({"location_group_id": [], "stop_id": []}, dtype="string")
        frame = groups[["location_group_id", "location_id"]].rename(columns={"location_id": "stop_id"})
    frame = frame.astype("string").apply(lambda s: s.str.strip())
    return frame.dropna().reset_index(drop=True)


def flex_targets(stop_times: pd.DataFrame, location_ids: set[str], group_ids: set[str]) -> pd.Series:
    """Per stop time the Flex location or group it targets (``<NA>`` for a fixed stop)."""
    target = pd.Series(pd.NA, index=stop_times.index, dtype="string")
    for column in ("location_group_id", "location_id"):
        if column in stop_times:
            values = stop_times[column].astype("string").str.strip()
            target = target.fillna(values.where(values != ""))
    if "stop_id" in stop_times:  # the draft puts group ids into stop_id
        values = stop_times["stop_id"].astype("string").str.strip()
        target = target.fillna(values.where(values.isin(location_ids | group_ids)))
    return target


@dataclass
class FlexTables:
    """What the import stores: zones and the stop times that target them."""

    zones: list[dict[str, Any]] = field(default_factory=list)
    stop_times: pd.DataFrame = field(default_factory=pd.DataFrame)


def _windows(stop_times: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(start seconds, end seconds, start unparsable, end unparsable); NaN where blank."""
    result = []
    for names in (START_WINDOW, END_WINDOW):
        column = _column(stop_times, names)
        if column is None:
            result.append((np.full(len(stop_times), np.nan), np.zeros(len(stop_times), dtype=bool)))
        else:
            seconds, bad = parse_gtfs_times(column)
            result.append((np.asarray(seconds, dtype="float64"), np.asarray(bad, dtype=bool)))
    (start, start_bad), (end, end_bad) = result
    return start, end, start_bad, end_bad


def validate_flex(tables: dict[str, Any], problems: ProblemList) -> None:
    """Problems of the Flex parts: geometries, groups, zones without trips, windows, rules."""
    stops, stop_times, trips = tables.get("stops"), tables.get("stop_times"), tables.get("trips")
    if stops is None or stop_times is None or trips is None:
        return
    locations: gpd.GeoDataFrame | None = tables.get("locations")
    stop_ids = set(stops["stop_id"].dropna().astype(str).str.strip())
    location_ids: set[str] = set()
    if locations is not None:
        ids = locations["id"].astype("string")
        missing = _blank(ids)
        problems.add_rows(
            ERROR, "missing_value", LOCATIONS_FILE, missing, locations, "A location has no id.", "stop_name"
        )
        duplicate = ids.duplicated(keep="first").to_numpy() & ~missing
        problems.add_rows(ERROR, "duplicate_id", LOCATIONS_FILE, duplicate, locations, "Duplicate id {value}.", "id")
        geometry = locations.geometry
        empty = geometry.isna().to_numpy() | geometry.is_empty.to_numpy(dtype=bool, na_value=True)
        polygon = geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy(dtype=bool, na_value=False)
        valid = geometry.is_valid.to_numpy(dtype=bool, na_value=False)
        bad = empty | ~polygon | ~valid
        problems.add_rows(
            ERROR,
            "flex_invalid_geometry",
            LOCATIONS_FILE,
            bad,
            locations,
            "Location {value} needs a valid Polygon or MultiPolygon (no self-intersections, closed rings).",
            "id",
        )
        location_ids = set(ids[~missing].str.strip())
        clash = location_ids & stop_ids
        for location_id in sorted(clash)[: problems.max_per_code]:
            problems.add(ERROR, "duplicate_id", LOCATIONS_FILE, None, f"Location id {location_id} is also a stop_id.")
    members = group_members(tables)
    groups = tables.get("location_groups")
    group_ids = set(members["location_group_id"])
    if groups is not None and "location_group_id" in groups:
        group_ids |= set(groups["location_group_id"].dropna().astype(str).str.strip())
    if len(members):
        unknown = ~members["stop_id"].isin(stop_ids).to_numpy(dtype=bool, na_value=True)
        file = "location_group_stops.txt" if tables.get("location_group_stops") is not None else "location_groups.txt"
        problems.add_rows(
            ERROR,
            "unknown_stop",
            file,
            unknown,
            members,
            "Location group member {value} is not a stop in stops.txt.",
            "stop_id",
        )
    if not location_ids and not group_ids:
        return
    targets = flex_targets(stop_times, location_ids, group_ids)
    is_flex = targets.notna().to_numpy()
    used = set(targets.dropna())
    for zone_id in sorted((location_ids | group_ids) - used)[: problems.max_per_code]:
        file = LOCATIONS_FILE if zone_id in location_ids else "location_groups.txt"
        problems.add(ERROR, "flex_zone_without_trips", file, None, f"Zone {zone_id} is served by no trip.")
    start, end, start_bad, end_bad = _windows(stop_times)
    problems.add_rows(
        ERROR,
        "invalid_time",
        "stop_times.txt",
        is_flex & (start_bad | end_bad),
        stop_times,
        "The pickup/drop-off window of trip {value} is not a GTFS time (HH:MM:SS).",
        "trip_id",
    )
    missing_window = is_flex & (np.isnan(start) | np.isnan(end)) & ~(start_bad | end_bad)
    problems.add_rows(
        ERROR,
        "flex_window_missing",
        "stop_times.txt",
        missing_window,
        stop_times,
        "Trip {value} serves a GTFS-Flex zone without start and end of its pickup/drop-off window.",
        "trip_id",
    )
    reversed_window = is_flex & (end < start)  # NaN compares False
    problems.add_rows(
        ERROR,
        "flex_window_reversed",
        "stop_times.txt",
        reversed_window,
        stop_times,
        "The pickup/drop-off window of trip {value} ends before it starts.",
        "trip_id",
    )
    rules = tables.get("booking_rules")
    rule_ids = set(rules["booking_rule_id"].dropna().astype(str).str.strip()) if rules is not None else set()
    for column in ("pickup_booking_rule_id", "drop_off_booking_rule_id"):
        if column not in stop_times:
            continue
        values = stop_times[column].astype("string").str.strip()
        unknown = (~_blank(values)) & ~values.isin(rule_ids).to_numpy(dtype=bool, na_value=False)
        problems.add_rows(
            ERROR,
            "unknown_booking_rule",
            "stop_times.txt",
            unknown,
            stop_times,
            f"{column} {{value}} is not defined in booking_rules.txt.",
            column,
        )


def _bbox(geometry) -> tuple[float, float, float, float]:
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    return float(min_lat), float(min_lon), float(max_lat), float(max_lon)


def build_flex(tables: dict[str, Any]) -> FlexTables:
    """Zones (with geometry, bounding box and the stops they hold) and Flex stop times of a
    validated feed. A group's geometry is the convex hull of its stops; a polygon zone's
    stops are the feed's stops inside it (geopandas spatial join)."""
    stops, stop_times = tables["stops"], tables["stop_times"]
    locations: gpd.GeoDataFrame | None = tables.get("locations")
    members = group_members(tables)
    groups = tables.get("location_groups")
    names: dict[str, str] = {}
    if groups is not None and "location_group_name" in groups:
        for group_id, name in groups[["location_group_id", "location_group_name"]].dropna().itertuples(index=False):
            names.setdefault(str(group_id).strip(), str(name).strip())
    positions = stops[["stop_id", "stop_lat", "stop_lon"]].copy()
    positions["stop_id"] = positions["stop_id"].astype(str).str.strip()
    positions["stop_lat"] = pd.to_numeric(positions["stop_lat"], errors="coerce")
    positions["stop_lon"] = pd.to_numeric(positions["stop_lon"], errors="coerce")
    positions = positions.dropna()
    stop_points = gpd.GeoDataFrame(
        positions, geometry=gpd.points_from_xy(positions["stop_lon"], positions["stop_lat"]), crs="EPSG:4326"
    )
    zones: list[dict[str, Any]] = []
    if locations is not None and len(locations):
        areas = locations[["id", "stop_name", "geometry"]].copy()
        inside = gpd.sjoin(stop_points, areas, how="inner", predicate="within")
        held = inside.groupby("id")["stop_id"].apply(lambda s: sorted(set(s))).to_dict()
        for row in areas.itertuples(index=False):
            min_lat, min_lon, max_lat, max_lon = _bbox(row.geometry)
            zones.append(
                {
                    "location_id": str(row.id),
                    "kind": AREA,
                    "name": row.stop_name,
                    "geometry": mapping(row.geometry),
                    "stop_ids": held.get(row.id, []),
                    "min_lat": min_lat,
                    "min_lon": min_lon,
                    "max_lat": max_lat,
                    "max_lon": max_lon,
                }
            )
    group_ids = list(dict.fromkeys(members["location_group_id"].tolist()))
    located = stop_points.set_index("stop_id")
    for group_id in group_ids:
        ids = sorted(set(members.loc[members["location_group_id"] == group_id, "stop_id"]))
        points = located.geometry[located.index.isin(ids)]
        hull = MultiPoint(list(points)).convex_hull if len(points) else None
        bbox = _bbox(hull) if hull is not None else (None, None, None, None)
        zones.append(
            {
                "location_id": group_id,
                "kind": GROUP,
                "name": names.get(group_id, ""),
                "geometry": mapping(hull) if hull is not None else None,
                "stop_ids": ids,
                "min_lat": bbox[0],
                "min_lon": bbox[1],
                "max_lat": bbox[2],
                "max_lon": bbox[3],
            }
        )
    zone_ids = {z["location_id"] for z in zones}
    targets = flex_targets(
        stop_times, {z["location_id"] for z in zones if z["kind"] == AREA}, set(group_ids) & zone_ids
    )
    flex = targets.notna().to_numpy()
    start, end, _, _ = _windows(stop_times)
    rows = stop_times[flex]

    def text(column: str) -> pd.Series:
        if column not in rows:
            return pd.Series([""] * len(rows), index=rows.index, dtype="string")
        return rows[column].astype("string").str.strip().fillna("")

    def number(column: str, default: int) -> list[int]:
        if column not in rows:
            return [default] * len(rows)
        return pd.to_numeric(rows[column], errors="coerce").fillna(default).astype(int).tolist()

    frame = pd.DataFrame(
        {
            "trip_id": text("trip_id").tolist(),
            "stop_sequence": pd.to_numeric(rows["stop_sequence"]).astype(int).tolist(),
            "location_id": targets[flex].tolist(),
            "start_window": start[flex].astype(int).tolist(),
            "end_window": end[flex].astype(int).tolist(),
            "pickup_type": number("pickup_type", 2),
            "drop_off_type": number("drop_off_type", 2),
            "pickup_booking_rule_id": text("pickup_booking_rule_id").tolist(),
            "drop_off_booking_rule_id": text("drop_off_booking_rule_id").tolist(),
        }
    )
    return FlexTables(zones=zones, stop_times=frame)


def flex_stop_times_csv_columns() -> list[str]:
    """Column order of the Flex stop times the export writes (final GTFS-Flex spelling)."""
    return [
        "trip_id",
        "stop_sequence",
        "stop_id",
        "location_group_id",
        "location_id",
        "arrival_time",
        "departure_time",
        START_WINDOW[0],
        END_WINDOW[0],
        "pickup_type",
        "drop_off_type",
        "pickup_booking_rule_id",
        "drop_off_booking_rule_id",
    ]
