"""Bürgerbus reads for the operator's timetable editor: one stop, booking rule, line or trip
of the published Bürgerbus timetable (the active version of the community-bus feed), what
still uses it (so the delete page can say why it is refused before anyone presses the
button), and the departures of one stop on one day for the preview.

Anything outside that version is :class:`~mobility.errors.NotFound`: the editor never
reaches into imported feeds or old versions.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q
from django.utils import timezone

from mobility.errors import NotFound

from . import conf
from .domain.times import gtfs_time_to_datetime
from .models import BookingRule, BuergerbusBooking, Feed, FeedKind, FeedVersion, Route, Stop, StopTime, Trip


def _buergerbus_version_id() -> int | None:
    """The active version of the Bürgerbus feed the editor edits (the services' choice)."""
    feeds = Feed.objects.filter(kind=FeedKind.COMMUNITY_BUS)
    if conf.GTFS_BUERGERBUS_FEED:
        feeds = feeds.filter(name=conf.GTFS_BUERGERBUS_FEED)
    return feeds.order_by("id").values_list("active_version_id", flat=True).first()


def _get(queryset, pk: int, code: str):
    version_id = _buergerbus_version_id()
    obj = queryset.filter(pk=pk, version_id=version_id).first() if version_id else None
    if obj is None:
        raise NotFound("Not in the Bürgerbus timetable.", code=code)
    return obj


def editor_stop(*, stop_id: int) -> Stop:
    return _get(Stop.objects.all(), stop_id, "gtfs_stop_not_found")


def editor_rule(*, rule_id: int) -> BookingRule:
    return _get(BookingRule.objects.all(), rule_id, "gtfs_booking_rule_not_found")


def editor_rules() -> list[BookingRule]:
    """The booking rules of the Bürgerbus timetable, oldest first (for the line form)."""
    version_id = _buergerbus_version_id()
    return list(BookingRule.objects.filter(version_id=version_id).order_by("id")) if version_id else []


def editor_line(*, line_id: int) -> Route:
    return _get(Route.objects.select_related("booking_rule"), line_id, "gtfs_line_not_found")


def editor_trip(*, trip_id: int) -> Trip:
    """A trip with its line, calendar (and exception dates) and calls in order."""
    queryset = Trip.objects.select_related("route", "service", "booking_rule").prefetch_related(
        "service__dates",
        Prefetch("stop_times", queryset=StopTime.objects.select_related("stop").order_by("stop_sequence")),
    )
    return _get(queryset, trip_id, "gtfs_trip_not_found")


def stop_usage(*, stop: Stop) -> dict[str, int]:
    """How many trips call at ``stop`` and how many bookings (any status) name it."""
    return {
        "trips": StopTime.objects.filter(stop=stop).values("trip_id").distinct().count(),
        "bookings": BuergerbusBooking.objects.filter(Q(from_stop=stop) | Q(to_stop=stop)).count(),
    }


def rule_usage(*, rule: BookingRule) -> dict[str, int]:
    """How many lines and trips use ``rule``."""
    return {"lines": Route.objects.filter(booking_rule=rule).count(), "trips": rule.trips.count()}


def line_usage(*, line: Route) -> dict[str, int]:
    return {"trips": line.trips.count()}


def trip_usage(*, trip: Trip) -> dict[str, int]:
    """Confirmed bookings from today on, and bookings of any kind (the history)."""
    bookings = BuergerbusBooking.objects.filter(trip=trip)
    return {
        "upcoming": bookings.filter(
            status=BuergerbusBooking.Status.CONFIRMED, service_date__gte=timezone.localdate()
        ).count(),
        "bookings": bookings.count(),
    }


def preview_departures(*, version: FeedVersion, stop: Stop, day: date) -> list[dict]:
    """The Bürgerbus departures from ``stop`` on service day ``day``, as residents see them:
    only this version's trips (the preview shows the Bürgerbus timetable, not the region's),
    calendar-aware, in departure order; the last call of a trip is no departure.

    Each entry: ``departure`` (aware, the version's time zone), ``route_short_name``,
    ``headsign`` (the trip's or its last stop's name), ``trip_id`` (pk), ``bookable`` (a
    Bürgerbus seat is always booked, as in the residents' departures) and ``booking_rule``
    (or None). Four queries, however large the region's other feeds are.
    """
    from .selectors import active_service_ids

    services = active_service_ids(version_id=version.pk, day=day)
    if not services:
        return []
    tz = ZoneInfo(version.timezone or conf.GTFS_DEFAULT_TIMEZONE)
    calls = list(
        StopTime.objects.filter(version=version, stop=stop, trip__service_id__in=services)
        .exclude(pickup_type=1)
        .select_related("trip__route", "trip__booking_rule")
        .order_by("departure_time", "trip_id")
    )
    if not calls:
        return []
    last = {
        row["trip_id"]: (row["stop_sequence"], row["stop__name"])
        for row in StopTime.objects.filter(version=version, trip_id__in={c.trip_id for c in calls})
        .order_by("trip_id", "stop_sequence")
        .values("trip_id", "stop_sequence", "stop__name")
    }
    departures = []
    for call in calls:
        last_sequence, last_name = last[call.trip_id]
        if call.stop_sequence == last_sequence:
            continue
        departures.append(
            {
                "departure": gtfs_time_to_datetime(day, call.departure_time, tz),
                "route_short_name": call.trip.route.short_name or call.trip.route.long_name,
                "headsign": call.trip.headsign or last_name,
                "trip_id": call.trip_id,
                "bookable": True,
                "booking_rule": call.trip.booking_rule,
            }
        )
    return departures
