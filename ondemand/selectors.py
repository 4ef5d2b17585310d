"""Reads for the on-demand Bürgerbus: which zone serves a place when, and the driver's run."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import QuerySet
from shapely.geometry import Point, shape

from gtfs.domain.times import gtfs_time_to_datetime
from gtfs.models import FlexLocation, FlexStopTime, Stop
from gtfs.selectors import active_service_ids, active_version_ids, active_versions
from mobility.geo import haversine_m

from . import conf
from .models import OnDemandBooking, OnDemandRun


@dataclass(frozen=True)
class ZoneWindow:
    """A Flex trip serving a zone on a day: its window as aware datetimes."""

    flex_stop_time: FlexStopTime
    zone: FlexLocation
    service_date: date
    opens_at: datetime
    closes_at: datetime

    @property
    def booking_rule(self):
        return self.flex_stop_time.pickup_booking_rule


# --- The Flex rows of the active versions, cached per version token -----------------------------
#
# A search asks for the zone windows up to three times (the day before and the day of the
# departure for door to door, the day again for "Rufbus, then the bus"). The Flex stop times,
# their zones and booking rules and the calendars only change with a new feed version or an
# edit of the Bürgerbus timetable (which gives its version a new token), so they are read once
# per set of active tokens and process. Inside a transaction nothing is cached (what it reads
# may still be rolled back); ``flex_cache_forget`` empties the cache (the tests do).

#: Service days kept per set of tokens (the days searched around now, and a few more).
FLEX_DAYS_KEPT = 16
_flex_lock = threading.Lock()
_flex: dict[str, Any] = {"tokens": None, "rows": None, "days": {}}


def flex_cache_forget() -> None:
    global _flex
    with _flex_lock:
        _flex = {"tokens": None, "rows": None, "days": {}}


def _read_flex_rows(versions: list[int]) -> list[FlexStopTime]:
    return list(
        FlexStopTime.objects.filter(version_id__in=versions, pickup_type__in=(0, 2))
        .select_related("location", "trip__version", "trip__route", "pickup_booking_rule")
        .order_by("start_window", "id")
    )


def _windows_of_day(rows: list[FlexStopTime], day: date) -> list[tuple[FlexStopTime, datetime, datetime]]:
    """The rows whose trip runs on ``day``, with their windows as aware datetimes."""
    running: dict[int, set[int]] = {}
    found = []
    for row in rows:
        vid = row.version_id
        if vid not in running:
            running[vid] = active_service_ids(version_id=vid, day=day)
        if row.trip.service_id not in running[vid]:
            continue
        tz = ZoneInfo(row.trip.version.timezone)
        found.append(
            (row, gtfs_time_to_datetime(day, row.start_window, tz), gtfs_time_to_datetime(day, row.end_window, tz))
        )
    return found


def _flex_windows(day: date) -> list[tuple[FlexStopTime, datetime, datetime]]:
    """``_windows_of_day`` of the active versions: from the cache outside transactions."""
    if connection.in_atomic_block:
        return _windows_of_day(_read_flex_rows(active_version_ids()), day)
    active = active_versions()
    with _flex_lock:
        memo = _flex if _flex["tokens"] == active.tokens else None
        rows = None if memo is None else memo["rows"]
        found = None if memo is None else memo["days"].get(day)
    if found is not None:
        return found
    if rows is None:
        rows = _read_flex_rows(list(active.ids))
    found = _windows_of_day(rows, day)
    with _flex_lock:
        if _flex["tokens"] != active.tokens:
            _flex.update(tokens=active.tokens, rows=rows, days={})
        days = _flex["days"]
        if len(days) >= FLEX_DAYS_KEPT:
            days.clear()
        days[day] = found
    return found


def _zone_shape(zone: FlexLocation):
    """The zone's polygon, parsed once per zone instance (the cached zones keep theirs)."""
    parsed = zone.__dict__.get("_shape")
    if parsed is None:
        parsed = zone.__dict__["_shape"] = shape(zone.geometry)
    return parsed


def _group_stops(zone: FlexLocation) -> list[tuple[float, float]]:
    """(lat, lon) of a stop group's stops, read once per zone instance."""
    found = zone.__dict__.get("_stops")
    if found is None:
        found = zone.__dict__["_stops"] = list(
            Stop.objects.filter(version_id=zone.version_id, stop_id__in=zone.stop_ids, lat__isnull=False).values_list(
                "lat", "lon"
            )
        )
    return found


def zone_place(*, zone: FlexLocation, lat: float, lon: float) -> tuple[float, float] | None:
    """Where the zone serves a place: the door inside a polygon zone; the nearest stop of a
    stop group within ``ONDEMAND_GROUP_WALK_M``; ``None`` if the zone does not serve it."""
    if zone.min_lat is None or zone.geometry is None:
        return None
    margin = 0.0 if zone.kind == FlexLocation.Kind.AREA else conf.group_walk_m() / 111_000.0
    margin_lon = margin / max(math.cos(math.radians(lat)), 0.1)
    if not (zone.min_lat - margin <= lat <= zone.max_lat + margin):
        return None
    if not (zone.min_lon - margin_lon <= lon <= zone.max_lon + margin_lon):
        return None
    if zone.kind == FlexLocation.Kind.AREA:
        return (lat, lon) if _zone_shape(zone).covers(Point(lon, lat)) else None
    best: tuple[float, float, float] | None = None
    for stop_lat, stop_lon in _group_stops(zone):
        metres = haversine_m(lat, lon, stop_lat, stop_lon)
        if metres <= conf.group_walk_m() and (best is None or metres < best[0]):
            best = (metres, stop_lat, stop_lon)
    return None if best is None else (best[1], best[2])


def zone_windows(*, day: date, lat: float | None = None, lon: float | None = None) -> list[ZoneWindow]:
    """The Flex trips of the active feeds running on ``day`` (optionally: whose zone serves the
    place), with their windows, earliest first. Reads nothing when the active versions' Flex
    rows and that day's calendar are cached (see above)."""
    found: list[ZoneWindow] = []
    for row, opens_at, closes_at in _flex_windows(day):
        if lat is not None and lon is not None and zone_place(zone=row.location, lat=lat, lon=lon) is None:
            continue
        found.append(
            ZoneWindow(flex_stop_time=row, zone=row.location, service_date=day, opens_at=opens_at, closes_at=closes_at)
        )
    return found


def zone_list() -> QuerySet[FlexLocation]:
    return FlexLocation.objects.filter(version_id__in=active_version_ids()).order_by("name", "id")


def booking_list_for(*, user) -> QuerySet[OnDemandBooking]:
    return OnDemandBooking.objects.filter(passenger=user).select_related("run").order_by("-pickup_at", "-id")


def run_list(*, day: date | None = None) -> QuerySet[OnDemandRun]:
    runs = OnDemandRun.objects.select_related("flex_stop_time__location", "flex_stop_time__trip__route")
    if day is not None:
        runs = runs.filter(service_date=day)
    return runs.order_by("service_date", "start_at", "id")


@dataclass(frozen=True)
class RunStopView:
    """One stop of the driver's run."""

    order: int
    at: datetime
    pickup: bool
    booking_id: int
    passenger: str
    seats: int
    lat: float
    lon: float
    window_from: datetime | None
    window_to: datetime | None


def run_stops(*, run: OnDemandRun) -> list[RunStopView]:
    """The driver's run: the stops in driving order with their planned times."""
    confirmed = run.bookings.filter(status=OnDemandBooking.Status.CONFIRMED).select_related("passenger")
    bookings = {b.pk: b for b in confirmed}
    stops: list[RunStopView] = []
    for order, entry in enumerate(run.plan, start=1):
        booking = bookings.get(entry["booking"])
        if booking is None:
            continue
        person = booking.passenger
        name = person.display_name or f"#{person.pk}"
        pickup = bool(entry["pickup"])
        stops.append(
            RunStopView(
                order=order,
                at=booking.pickup_at if pickup else booking.dropoff_at,
                pickup=pickup,
                booking_id=booking.pk,
                passenger=name,
                seats=booking.seats,
                lat=booking.pickup_lat if pickup else booking.dropoff_lat,
                lon=booking.pickup_lon if pickup else booking.dropoff_lon,
                window_from=booking.earliest_pickup_at if pickup else None,
                window_to=booking.latest_pickup_at if pickup else None,
            )
        )
    return stops


def run_passengers(*, run: OnDemandRun) -> list:
    """The people the driver's run names: passengers of its confirmed bookings that are in the
    plan (for the access log when staff read the run)."""
    planned = {entry["booking"] for entry in run.plan}
    confirmed = run.bookings.filter(status=OnDemandBooking.Status.CONFIRMED, pk__in=planned)
    return [booking.passenger for booking in confirmed.select_related("passenger").order_by("pk")]


def booking_visible_to(*, user, booking_id: int) -> OnDemandBooking:
    """One Rufbus booking: staff and operators see any, residents only their own
    (``NotFound`` for anyone else's: they are invisible)."""
    from mobility.errors import NotFound

    booking = OnDemandBooking.objects.filter(pk=booking_id).first()
    if booking is None or (booking.passenger_id != user.pk and not (user.is_town_staff or user.is_operator)):
        raise NotFound("No such booking.", code="ondemand_booking_not_found")
    return booking


def osm_place_list(*, status: str | None = None):
    """Places suggested from the OSM extract for staff, optionally of one status."""
    from .models import OsmPlaceSuggestion

    places = OsmPlaceSuggestion.objects.all()
    return places.filter(status=status) if status else places
