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


#: Trips per page of the editor's overview: a real Bürgerbus has a few hundred trips a
#: timetable; a page of them stays quick to read, to tab through and to render.
TRIPS_PER_PAGE = 50


def editor_overview(*, trip_page: object = None, trips_per_page: int = TRIPS_PER_PAGE) -> dict:
    """What the editor's overview page shows of the Bürgerbus timetable, as plain values (no
    model instances: building objects was most of the page's time).

    ``feed`` (``id``, ``name``, ``active_version_id``) or None; ``rules`` (model instances,
    few); ``stops``, ``lines`` (with ``trip_count``); ``trips``, one page of them (by line
    number, then id) as a :class:`~django.core.paginator.Page` of dicts with the line's short
    name and the calendar's weekdays and validity: ``trip_page`` is the page number as asked
    for (anything that is not one gives the first page, one beyond the last the last page);
    ``calls`` (``trip_id`` → ``[(departure_time, stop name)]`` in order) and ``dates``
    (``service_id`` → ``[(date, exception_type)]``) of that page's trips only.
    Eight queries, however many trips there are (feed, trip count, the page's trips, their
    calls, their exception dates, stops, rules, lines); without a version, one.
    """
    from django.core.paginator import Paginator
    from django.db.models import Count

    feeds = Feed.objects.filter(kind=FeedKind.COMMUNITY_BUS)
    if conf.GTFS_BUERGERBUS_FEED:
        feeds = feeds.filter(name=conf.GTFS_BUERGERBUS_FEED)
    feed = feeds.order_by("id").values("id", "name", "active_version_id").first()
    version_id = feed["active_version_id"] if feed else None
    if version_id is None:
        empty_page = Paginator([], trips_per_page).get_page(1)
        return {"feed": feed, "stops": [], "rules": [], "lines": [], "trips": empty_page, "calls": {}, "dates": {}}
    from .models import CalendarDate

    all_trips = (
        Trip.objects.filter(version_id=version_id)
        .order_by("route__short_name", "id")
        .values(
            "id",
            "headsign",
            "capacity",
            "booking_rule_id",
            "service_id",
            "route__short_name",
            "service__monday",
            "service__tuesday",
            "service__wednesday",
            "service__thursday",
            "service__friday",
            "service__saturday",
            "service__sunday",
            "service__start_date",
            "service__end_date",
        )
    )
    trips = Paginator(all_trips, trips_per_page).get_page(trip_page)
    trips.object_list = list(trips.object_list)
    trip_ids = [trip["id"] for trip in trips.object_list]
    service_ids = {trip["service_id"] for trip in trips.object_list}
    calls: dict[int, list] = {}
    for trip_id, departure, name in (
        StopTime.objects.filter(trip_id__in=trip_ids)
        .order_by("trip_id", "stop_sequence")
        .values_list("trip_id", "departure_time", "stop__name")
    ):
        calls.setdefault(trip_id, []).append((departure, name))
    dates: dict[int, list] = {}
    for service_id, day, kind in (
        CalendarDate.objects.filter(service_id__in=service_ids)
        .order_by("service_id", "date")
        .values_list("service_id", "date", "exception_type")
    ):
        dates.setdefault(service_id, []).append((day, kind))
    return {
        "feed": feed,
        "stops": list(
            Stop.objects.filter(version_id=version_id).order_by("name", "id").values("id", "name", "code", "lat", "lon")
        ),
        "rules": list(BookingRule.objects.filter(version_id=version_id).order_by("id")),
        "lines": list(
            Route.objects.filter(version_id=version_id)
            .annotate(trip_count=Count("trips"))
            .order_by("short_name", "id")
            .values("id", "short_name", "long_name", "booking_rule_id", "trip_count")
        ),
        "trips": trips,
        "calls": calls,
        "dates": dates,
    }


def editor_choices(*, version_id: int | None = None) -> dict:
    """The trip form's choices as plain tuples: ``stops`` ``(id, name)`` by name, ``lines``
    ``(id, short name, long name)`` by number; of ``version_id`` (a trip's, saving the feed
    query) or of the Bürgerbus timetable. Two queries (three without ``version_id``)."""
    if version_id is None:
        version_id = _buergerbus_version_id()
    if version_id is None:
        return {"stops": [], "lines": []}
    return {
        "stops": list(Stop.objects.filter(version_id=version_id).order_by("name", "id").values_list("id", "name")),
        "lines": list(
            Route.objects.filter(version_id=version_id)
            .order_by("short_name", "id")
            .values_list("id", "short_name", "long_name")
        ),
    }
