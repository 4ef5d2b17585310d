"""Places a person can search from or to: stops, meeting points and car-sharing stations.

One list over the apps' own places, for the suggestions on the search form and to turn a
chosen name back into coordinates. Names are matched word by word from the start, without
case, accents or umlauts ("muehl", "Mühl" and "Muhl" are the same), as ``stop_search`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

from carsharing.models import Station
from gtfs.domain.names import fold
from gtfs.models import Stop
from gtfs.selectors import active_version_ids
from rides.models import MeetingPoint

KIND_ORDER = {"stop": 0, "meeting_point": 1, "station": 2}


@dataclass(frozen=True)
class PlaceChoice:
    """A named place. ``kind`` is ``stop``, ``meeting_point`` or ``station``; WGS84 degrees."""

    kind: str
    pk: int
    name: str
    lat: float
    lon: float

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.pk}"


def _words_match(name: str, key: str) -> bool:
    return f" {key}" in f" {fold(name)}"


def place_search(*, query: str, limit: int = 10) -> list[PlaceChoice]:
    """Places whose name has a word starting with ``query``; a stop served by several feeds once.

    Stops first (the usual answer), then meeting points, then car-sharing stations; each
    group by name. An empty or punctuation-only query gives no places.
    """
    key = fold(query or "")
    if not key:
        return []
    found: list[PlaceChoice] = []
    seen: set[tuple[str, str]] = set()
    stops = (
        Stop.objects.filter(version_id__in=active_version_ids(), name_search__contains=f" {key}", lat__isnull=False)
        .exclude(location_type__gte=2)
        .order_by("name", "id")
        .values_list("pk", "name", "lat", "lon")
    )
    for pk, name, lat, lon in stops[: limit * 3]:
        if ("stop", name) in seen:
            continue
        seen.add(("stop", name))
        found.append(PlaceChoice("stop", pk, name, lat, lon))
    for pk, name, lat, lon in MeetingPoint.objects.filter(active=True).values_list("pk", "name", "lat", "lon"):
        if _words_match(name, key) and ("meeting_point", name) not in seen:
            seen.add(("meeting_point", name))
            found.append(PlaceChoice("meeting_point", pk, name, lat, lon))
    for pk, name, lat, lon in Station.objects.values_list("pk", "name", "lat", "lon"):
        if _words_match(name, key):
            found.append(PlaceChoice("station", pk, name, lat, lon))
    found.sort(key=lambda p: (KIND_ORDER[p.kind], p.name))
    return found[:limit]


def place_get(*, ref: str) -> PlaceChoice | None:
    """The place named by ``kind:pk`` (as ``PlaceChoice.ref`` gives it), or None."""
    kind, _, pk_text = (ref or "").partition(":")
    if not pk_text.isdigit():
        return None
    pk = int(pk_text)
    if kind == "stop":
        row = (
            Stop.objects.filter(pk=pk, version_id__in=active_version_ids(), lat__isnull=False)
            .values_list("name", "lat", "lon")
            .first()
        )
    elif kind == "meeting_point":
        row = MeetingPoint.objects.filter(pk=pk, active=True).values_list("name", "lat", "lon").first()
    elif kind == "station":
        row = Station.objects.filter(pk=pk).values_list("name", "lat", "lon").first()
    else:
        return None
    return PlaceChoice(kind, pk, *row) if row else None


def place_resolve(*, text: str) -> tuple[PlaceChoice | None, list[PlaceChoice]]:
    """Turn what a person typed into one place: ``(place, [])`` when the name is clear,
    ``(None, candidates)`` when it is not (none or several fit).

    A name typed in full (ignoring case and umlaut spelling) is clear even when a longer
    name starts with it; so is a query that fits exactly one place.
    """
    candidates = place_search(query=text, limit=10)
    key = fold(text or "")
    exact = [p for p in candidates if fold(p.name) == key]
    if exact:
        return exact[0], []
    if len(candidates) == 1:
        return candidates[0], []
    return None, candidates


def places_all(*, limit: int = 300) -> list[PlaceChoice]:
    """Every named place (a stop served by several feeds once), for a suggestion list that
    works without JavaScript; at most ``limit`` (a large region gets suggestions as one types)."""
    found: list[PlaceChoice] = []
    seen: set[str] = set()
    stops = (
        Stop.objects.filter(version_id__in=active_version_ids(), lat__isnull=False)
        .exclude(location_type__gte=2)
        .order_by("name", "id")
        .values_list("pk", "name", "lat", "lon")
    )
    for pk, name, lat, lon in stops[: limit * 3]:
        if name not in seen:
            seen.add(name)
            found.append(PlaceChoice("stop", pk, name, lat, lon))
    for pk, name, lat, lon in MeetingPoint.objects.filter(active=True).values_list("pk", "name", "lat", "lon"):
        if name not in seen:
            seen.add(name)
            found.append(PlaceChoice("meeting_point", pk, name, lat, lon))
    for pk, name, lat, lon in Station.objects.values_list("pk", "name", "lat", "lon"):
        if name not in seen:
            seen.add(name)
            found.append(PlaceChoice("station", pk, name, lat, lon))
    found.sort(key=lambda p: p.name)
    return found[:limit]


def place_nearest(*, lat: float, lon: float) -> tuple[PlaceChoice, float] | None:
    """The named place closest to a position and its straight-line distance in metres, to
    describe a position in words ("near Buchwald Feuerwehr")."""
    from mobility.geo import haversine_m

    best: tuple[PlaceChoice, float] | None = None
    for place in places_all(limit=2000):
        distance = haversine_m(lat, lon, place.lat, place.lon)
        if best is None or distance < best[1]:
            best = (place, distance)
    return best
