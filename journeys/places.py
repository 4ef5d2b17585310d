"""Where a search starts or ends: the ``from``/``to`` text resolved to a point.

Accepted, in this order:

* ``lat,lon`` in WGS84 degrees;
* ``stop:<id>`` (a stop's id as ``/gtfs/stops/`` lists it) or ``meeting_point:<id>``;
* a stop's GTFS ``stop_code`` or ``stop_id`` in an active feed;
* a name: a stop, a village (the stops whose name starts with it) or a meeting point.
  An exact name wins; otherwise the stops and meeting points whose name starts with the
  text, then those with any word starting with it. Stops of several feeds at one place
  (``gtfs.selectors.StopPlace``) count once. More than one place is ambiguous: the error
  lists the candidates, each with the ``ref`` to send instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from gtfs.domain.names import fold
from gtfs.models import Stop
from gtfs.selectors import active_version_ids, stop_places
from mobility.errors import ValidationFailed

MAX_CANDIDATES = 10


@dataclass(frozen=True)
class ResolvedPlace:
    lat: float
    lon: float
    name: str = ""
    kind: str = "point"  # point | stop | meeting_point
    ref: str = ""  # what to send as from/to to name exactly this place

    def as_candidate(self) -> dict:
        return {"ref": self.ref, "name": self.name, "kind": self.kind, "lat": self.lat, "lon": self.lon}


class PlaceNotFound(ValidationFailed):
    default_code = "place_not_found"


class PlaceAmbiguous(ValidationFailed):
    default_code = "place_ambiguous"


def _stop_place(stop: Stop) -> ResolvedPlace:
    return ResolvedPlace(float(stop.lat), float(stop.lon), stop.name, "stop", f"stop:{stop.pk}")  # type: ignore[arg-type]


def _meeting_point_place(point) -> ResolvedPlace:
    return ResolvedPlace(point.lat, point.lon, point.name, "meeting_point", f"meeting_point:{point.pk}")


def _active_stops():
    return Stop.objects.filter(version_id__in=active_version_ids(), lat__isnull=False, lon__isnull=False).exclude(
        location_type__gte=2
    )


def _meeting_points():
    from rides.models import MeetingPoint

    return MeetingPoint.objects.filter(active=True)


def _coordinates(text: str) -> ResolvedPlace | None:
    parts = text.split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PlaceNotFound(_("Coordinates out of range."), code="validation_error")
    return ResolvedPlace(lat, lon, "", "point", f"{lat},{lon}")


def _by_reference(text: str) -> ResolvedPlace | None:
    prefix, _sep, key = text.partition(":")
    if not _sep or prefix not in {"stop", "meeting_point"}:
        return None
    if not key.isdigit():
        raise PlaceNotFound(_("%(ref)s: please give a number after the colon.") % {"ref": text})
    if prefix == "stop":
        stop = _active_stops().filter(pk=int(key)).first()
        if stop is None:
            raise PlaceNotFound(_("No stop %(ref)s in an active timetable.") % {"ref": text})
        return _stop_place(stop)
    point = _meeting_points().filter(pk=int(key)).first()
    if point is None:
        raise PlaceNotFound(_("No active meeting point %(ref)s found.") % {"ref": text})
    return _meeting_point_place(point)


def _one_or_ambiguous(text: str, stops: list[Stop], points: list) -> ResolvedPlace | None:
    places = [_stop_place(place.stop) for place in stop_places(stops)]
    places += [_meeting_point_place(point) for point in points]
    if not places:
        return None
    if len(places) == 1:
        return places[0]
    shown = places[:MAX_CANDIDATES]
    raise PlaceAmbiguous(
        _("“%(text)s” fits %(count)d places; please choose one of the suggestions.")
        % {"text": text, "count": len(places)},
        fields={"candidates": [place.as_candidate() for place in shown]},
    )


def resolve_place(text: str) -> ResolvedPlace:
    """The place ``text`` names (see the module docstring); raises ``PlaceNotFound`` or
    ``PlaceAmbiguous`` (whose ``fields["candidates"]`` lists the places, at most ten)."""
    text = text.strip()
    if not text:
        raise PlaceNotFound(_("Please give coordinates, a stop or a place name."))
    found = _coordinates(text) or _by_reference(text)
    if found is not None:
        return found
    stops = _active_stops()
    by_code = list(stops.filter(code=text)) or list(stops.filter(stop_id=text))
    if by_code:
        result = _one_or_ambiguous(text, by_code, [])
        if result is not None:
            return result
    key = fold(text)
    if not key:
        raise PlaceNotFound(_("Please give coordinates, a stop or a place name."))
    named = list(stops.filter(name_search__contains=f" {key}").order_by("name", "id").select_related("version"))
    points = [point for point in _meeting_points() if f" {key}" in f" {fold(point.name)}"]
    exact_stops = [stop for stop in named if fold(stop.name) == key]
    exact_points = [point for point in points if fold(point.name) == key]
    if exact_stops or exact_points:
        return _one_or_ambiguous(text, exact_stops, exact_points)  # type: ignore[return-value]
    starting_stops = [stop for stop in named if fold(stop.name).startswith(key)]
    starting_points = [point for point in points if fold(point.name).startswith(key)]
    if starting_stops or starting_points:
        return _one_or_ambiguous(text, starting_stops, starting_points)  # type: ignore[return-value]
    result = _one_or_ambiguous(text, named, points)
    if result is None:
        raise PlaceNotFound(
            _("No stop, place or meeting point is called “%(text)s”; please give coordinates.") % {"text": text}
        )
    return result
