"""Meeting points and Bürgerbus stop positions suggested from an OpenStreetMap extract.

No Django here. osmnx reads the features (``features_from_xml``); it reads OSM XML
(``.osm``, ``.osm.gz``, ``.osm.bz2``) but not ``.pbf``, so a ``.pbf`` is first converted with
pyosmium into a small XML file holding only the tagged objects asked for (and the nodes
their ways need). Areas (a park-and-ride lot drawn as a polygon) are placed at a point
inside them (``representative_point``). Coordinates are WGS84 degrees.

What is suggested (OSM tagging as documented on the OSM wiki):

* ``mitfahrbank``: a bench or stop named "Mitfahrbank"/"Mitfahrerbank" (the German custom
  has no tag of its own), or tagged ``ride_sharing=yes``;
* ``parking``: park and ride, ``park_ride`` = anything but ``no``;
* ``stop``: bus stops and platforms (``highway=bus_stop``; ``public_transport=platform`` or
  ``stop_position`` with ``bus=yes``).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MITFAHRBANK, PARKING, STOP = "mitfahrbank", "parking", "stop"
_BANK_NAME = re.compile(r"mitfahr(er)?bank", re.IGNORECASE)
#: The tags osmnx is asked for (any value; ``kind_of`` decides).
QUERY_TAGS: dict[str, bool | str | list[str]] = {
    "highway": True,
    "public_transport": True,
    "park_ride": True,
    "amenity": True,
    "ride_sharing": True,
}


@dataclass(frozen=True)
class PlaceFound:
    osm_type: str  #: "node" or "way"
    osm_id: int
    kind: str
    name: str
    lat: float
    lon: float


def kind_of(tags: dict[str, str]) -> str | None:
    """Which suggestion an OSM object's tags make, or ``None``."""
    name = tags.get("name") or ""
    if _BANK_NAME.search(name) or tags.get("ride_sharing") == "yes":
        return MITFAHRBANK
    if tags.get("park_ride") not in (None, "", "no"):
        return PARKING
    if tags.get("highway") == "bus_stop":
        return STOP
    if tags.get("public_transport") in ("platform", "stop_position") and tags.get("bus") == "yes":
        return STOP
    return None


def _pbf_to_xml(path: Path, target: Path) -> Path:
    """The objects ``kind_of`` wants (and the nodes of such ways) as OSM XML (two passes)."""
    import osmium

    wanted_ways: set[int] = set()
    needed_nodes: set[int] = set()
    way: Any
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        obj = way
        if kind_of(dict(obj.tags)) is not None:
            wanted_ways.add(obj.id)
            needed_nodes.update(n.ref for n in obj.nodes)
    with osmium.SimpleWriter(str(target)) as writer:
        item: Any
        for item in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
            obj = item
            if obj.is_node():
                if obj.id in needed_nodes or kind_of(dict(obj.tags)) is not None:
                    writer.add_node(obj)
            elif obj.id in wanted_ways:
                writer.add_way(obj)
    return target


def places_from_osm(path: str | Path) -> list[PlaceFound]:
    """Every suggestion in the extract, ordered by kind, name and OSM id."""
    import osmnx as ox

    path = Path(path)
    with tempfile.TemporaryDirectory() as scratch:
        source = path
        if path.suffix == ".pbf":
            source = _pbf_to_xml(path, Path(scratch) / "places.osm")
        try:
            features = ox.features_from_xml(source, tags=QUERY_TAGS)
        except Exception as exc:  # osmnx raises InsufficientResponseError (and others) for "nothing found"
            if type(exc).__name__ in ("InsufficientResponseError", "EmptyOverpassResponse"):
                return []
            raise
    found: list[PlaceFound] = []
    for (element, osm_id), row in features.iterrows():
        tags = {k: str(v) for k, v in row.items() if k != "geometry" and isinstance(v, str)}
        kind = kind_of(tags)
        if kind is None or row.geometry is None or row.geometry.is_empty:
            continue
        point = row.geometry if row.geometry.geom_type == "Point" else row.geometry.representative_point()
        found.append(
            PlaceFound(
                osm_type=str(element),
                osm_id=int(osm_id),
                kind=kind,
                name=tags.get("name", ""),
                lat=round(float(point.y), 7),
                lon=round(float(point.x), 7),
            )
        )
    found.sort(key=lambda p: (p.kind, p.name, p.osm_type, p.osm_id))
    return found
