"""The map's GeoJSON layers: the platform's own data, served by this server.

Each layer comes from a selector of the app that owns the data (roads and meeting points:
``rides``; stops and lines: ``gtfs``; stations: ``carsharing``). The layers are public
(no personal data) and may be cached by the browser for a few minutes. Bad parameters get
a 400 with a stable ``code``; no imported road graph is a 503 ``road_graph_missing``.
"""

from __future__ import annotations

import json
import math

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carsharing import selectors as carsharing_selectors
from gtfs import selectors as gtfs_selectors
from mobility.errors import DomainError
from rides import selectors as rides_selectors

GEOJSON = "application/geo+json"
PUBLIC_MAX_AGE_S = 300


def _geojson(data: dict, *, max_age: int = PUBLIC_MAX_AGE_S) -> HttpResponse:
    response = HttpResponse(json.dumps(data, separators=(",", ":"), ensure_ascii=False), content_type=GEOJSON)
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _error(status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "fields": {field: [message]} if field else {}}}
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def _domain_error(exc: DomainError) -> HttpResponse:
    return _error(exc.status_code, exc.code, str(exc.message))


@require_GET
def roads(request: HttpRequest) -> HttpResponse:
    """``?z=<zoom>`` (required, 0–22) and optional ``bbox=min_lon,min_lat,max_lon,max_lat``."""
    raw_zoom = request.GET.get("z", "")
    try:
        zoom = int(raw_zoom)
    except ValueError:
        return _error(400, "invalid_zoom", _("Die Zoomstufe muss eine ganze Zahl von 0 bis 22 sein."), "z")
    if not 0 <= zoom <= 22:
        return _error(400, "invalid_zoom", _("Die Zoomstufe muss eine ganze Zahl von 0 bis 22 sein."), "z")
    bbox = None
    if request.GET.get("bbox"):
        try:
            parts = [float(part) for part in request.GET["bbox"].split(",")]
        except ValueError:
            parts = []
        valid = (
            len(parts) == 4
            and all(math.isfinite(p) for p in parts)
            and -180 <= parts[0] <= parts[2] <= 180
            and -90 <= parts[1] <= parts[3] <= 90
        )
        if not valid:
            return _error(
                400,
                "invalid_bbox",
                _("bbox ist „min_lon,min_lat,max_lon,max_lat“ in Grad, mit min ≤ max."),
                "bbox",
            )
        bbox = (parts[0], parts[1], parts[2], parts[3])
    try:
        data = rides_selectors.road_network_geojson(zoom=zoom, bbox=bbox)
    except DomainError as exc:
        return _domain_error(exc)
    return _geojson(data)


@require_GET
def stops(request: HttpRequest) -> HttpResponse:
    return _geojson(gtfs_selectors.stops_geojson())


@require_GET
def lines(request: HttpRequest) -> HttpResponse:
    return _geojson(gtfs_selectors.lines_geojson())


@require_GET
def meeting_points(request: HttpRequest) -> HttpResponse:
    return _geojson(rides_selectors.meeting_points_geojson())


@require_GET
def stations(request: HttpRequest) -> HttpResponse:
    return _geojson(carsharing_selectors.stations_geojson())


def _distinct_lines(features: list[dict]) -> list[dict]:
    """One list entry per line (the map draws each direction; the list names each line once)."""
    seen: set[tuple[str, str]] = set()
    result = []
    for feature in features:
        key = (feature["properties"]["name"], feature["properties"]["long_name"])
        if key not in seen:
            seen.add(key)
            result.append(feature)
    return result


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """The whole region on one map, with every feature also listed as text below it."""
    context = {
        "stops": gtfs_selectors.stops_geojson()["features"],
        "lines": _distinct_lines(gtfs_selectors.lines_geojson()["features"]),
        "meeting_points": rides_selectors.meeting_points_geojson()["features"],
        "stations": carsharing_selectors.stations_with_vehicles(),
        "nav": "map",
    }
    return render(request, "web/map/map.html", context)
