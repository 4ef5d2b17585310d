"""Write side of the Bürgerbus: timetable maintenance and seat bookings.

The Bürgerbus timetable lives in the same tables as imported feeds, under a feed of kind
``community_bus``. Edits change the rows of its active version directly, inside one
transaction each, and clear the version's content hash (so re-importing the original file
is no longer "unchanged"). Bookings lock the trip row, so concurrent requests for the same
trip are serialised and the capacity check sees every committed booking.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from mobility.accounts.models import User
from mobility.errors import Conflict, Forbidden, NotFound, ValidationFailed
from mobility.notifications.services import notify
from mobility.timestamps import iso_local

from . import conf
from .domain.booking import Occupancy, booking_deadline, max_load
from .domain.names import search_key
from .domain.times import gtfs_time_to_datetime, parse_gtfs_time
from .models import (
    Agency,
    BookingRule,
    BuergerbusBooking,
    CalendarDate,
    Feed,
    FeedKind,
    FeedVersion,
    Route,
    Service,
    Stop,
    StopTime,
    Trip,
)
from .selectors import booking_rule_spec, service_runs_on

DEFAULT_FEED_NAME = "Bürgerbus"


def buergerbus_feed(*, create: bool = False) -> Feed | None:
    """The published community-bus feed (``GTFS_BUERGERBUS_FEED`` or the oldest one)."""
    feeds = Feed.objects.filter(kind=FeedKind.COMMUNITY_BUS)
    if conf.GTFS_BUERGERBUS_FEED:
        feeds = feeds.filter(name=conf.GTFS_BUERGERBUS_FEED)
    feed = feeds.order_by("id").first()
    if feed is None and create:
        feed = Feed.objects.create(name=conf.GTFS_BUERGERBUS_FEED or DEFAULT_FEED_NAME, kind=FeedKind.COMMUNITY_BUS)
    return feed


def _editable_version(*, user: User | None = None) -> FeedVersion:
    """The Bürgerbus feed's active version, locked; created empty (with an agency) if none."""
    created = buergerbus_feed(create=True)
    assert created is not None  # create=True always returns a feed
    feed = Feed.objects.select_for_update().get(pk=created.pk)
    if feed.active_version_id is None:
        version = FeedVersion.objects.create(
            feed=feed, timezone=conf.GTFS_DEFAULT_TIMEZONE, source_name="", created_by=user
        )
        Agency.objects.create(
            version=version,
            agency_id="buergerbus",
            name=feed.name,
            url="https://example.org/",
            timezone=conf.GTFS_DEFAULT_TIMEZONE,
            lang="de",
        )
        feed.active_version = version
        feed.save(update_fields=["active_version"])
        return version
    active = feed.active_version
    assert active is not None  # active_version_id is set
    active.content_sha256 = ""
    active.edited_at = timezone.now()
    active.save(update_fields=["content_sha256", "edited_at"])
    _precompile_timetables()
    return active


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# Whole sentences per kind of object, so that each translates as a sentence.
_NOT_IN_TIMETABLE = {
    "stop": gettext_noop("No such stop in the Bürgerbus timetable."),
    "line": gettext_noop("No such line in the Bürgerbus timetable."),
    "trip": gettext_noop("No such trip in the Bürgerbus timetable."),
    "booking rule": gettext_noop("No such booking rule in the Bürgerbus timetable."),
}


_InVersion = TypeVar("_InVersion", Stop, Route, Trip, BookingRule)


def _get_in_version(model: type[_InVersion], version: FeedVersion, pk: int, code: str, label: str) -> _InVersion:
    obj = model._default_manager.filter(pk=pk, version=version).first()
    if obj is None:
        raise NotFound(_NOT_IN_TIMETABLE[label], code=code)
    return obj


# --- timetable ---------------------------------------------------------------------------


@transaction.atomic
def bb_stop_create(*, name: str, lat: float, lon: float, code: str = "", user: User | None = None) -> Stop:
    """Add a stop to the Bürgerbus timetable."""
    version = _editable_version(user=user)
    return Stop.objects.create(
        version=version, stop_id=_new_id("stop"), name=name, name_search=search_key(name), lat=lat, lon=lon, code=code
    )


@transaction.atomic
def bb_stop_update(*, stop_id: int, user: User | None = None, **changes: Any) -> Stop:
    version = _editable_version(user=user)
    stop = _get_in_version(Stop, version, stop_id, "gtfs_stop_not_found", "stop")
    for key in ("name", "lat", "lon", "code"):
        if key in changes:
            setattr(stop, key, changes[key])
    stop.name_search = search_key(stop.name)
    stop.save()
    return stop


@transaction.atomic
def bb_stop_delete(*, stop_id: int, user: User | None = None) -> None:
    """Remove a stop that no trip serves (and no booking names)."""
    version = _editable_version(user=user)
    stop = _get_in_version(Stop, version, stop_id, "gtfs_stop_not_found", "stop")
    if StopTime.objects.filter(version=version, stop=stop).exists():
        raise Conflict("Trips still serve this stop; change them first.", code="gtfs_stop_in_use")
    if BuergerbusBooking.objects.filter(Q(from_stop=stop) | Q(to_stop=stop)).exists():
        raise Conflict("Bookings name this stop; it is kept.", code="gtfs_stop_in_use")
    stop.delete()


def _booking_rule_values(
    *,
    booking_type: int,
    prior_notice_duration_min: int | None,
    prior_notice_last_day: int | None,
    prior_notice_last_time: str | int | None,
) -> dict[str, Any]:
    """The stored fields of a booking rule, checked: what a rule of ``booking_type`` needs is
    there, the others are cleared (a same-day rule keeps no last day, and so on)."""
    if booking_type not in (0, 1, 2):
        raise ValidationFailed(
            "booking_type is 0, 1 or 2.", code="gtfs_booking_rule_invalid", fields={"booking_type": ["0, 1 or 2"]}
        )
    if booking_type == 1 and prior_notice_duration_min is None:
        raise ValidationFailed(
            "A same-day rule needs prior_notice_duration_min.",
            code="gtfs_booking_rule_invalid",
            fields={"prior_notice_duration_min": ["required for booking_type 1"]},
        )
    if booking_type == 2 and (prior_notice_last_day is None or prior_notice_last_time in (None, "")):
        raise ValidationFailed(
            "A prior-day rule needs prior_notice_last_day and prior_notice_last_time.",
            code="gtfs_booking_rule_invalid",
            fields={"prior_notice_last_day": ["required for booking_type 2"]},
        )
    last_time = prior_notice_last_time if isinstance(prior_notice_last_time, int) else None
    if isinstance(prior_notice_last_time, str) and prior_notice_last_time:
        try:
            last_time = parse_gtfs_time(
                prior_notice_last_time if prior_notice_last_time.count(":") == 2 else prior_notice_last_time + ":00"
            )
        except ValueError as exc:
            raise ValidationFailed(
                str(exc), code="gtfs_invalid_time", fields={"prior_notice_last_time": [str(exc)]}
            ) from exc
    return {
        "booking_type": booking_type,
        "prior_notice_duration_min": prior_notice_duration_min if booking_type == 1 else None,
        "prior_notice_last_day": prior_notice_last_day if booking_type == 2 else None,
        "prior_notice_last_time": last_time if booking_type == 2 else None,
    }


@transaction.atomic
def bb_booking_rule_create(
    *,
    booking_type: int,
    prior_notice_duration_min: int | None = None,
    prior_notice_last_day: int | None = None,
    prior_notice_last_time: str | None = None,
    message: str = "",
    phone_number: str = "",
    info_url: str = "",
    user: User | None = None,
) -> BookingRule:
    """A GTFS-Flex booking rule (e.g. "until 18:00 the day before", or "60 minutes before")."""
    values = _booking_rule_values(
        booking_type=booking_type,
        prior_notice_duration_min=prior_notice_duration_min,
        prior_notice_last_day=prior_notice_last_day,
        prior_notice_last_time=prior_notice_last_time,
    )
    version = _editable_version(user=user)
    return BookingRule.objects.create(
        version=version,
        booking_rule_id=_new_id("rule"),
        message=message,
        phone_number=phone_number,
        info_url=info_url,
        **values,
    )


@transaction.atomic
def bb_booking_rule_update(*, rule_id: int, user: User | None = None, **changes: Any) -> BookingRule:
    """Change a booking rule; every line and trip that uses it follows at once.

    ``changes`` may hold ``booking_type``, ``prior_notice_duration_min``,
    ``prior_notice_last_day``, ``prior_notice_last_time`` ("HH:MM"), ``message``,
    ``phone_number`` and ``info_url``; the fields are checked together as for a new rule.
    Bookings already made keep their seats (the deadline is checked when booking).
    """
    version = _editable_version(user=user)
    rule = _get_in_version(BookingRule, version, rule_id, "gtfs_booking_rule_not_found", "booking rule")
    values = _booking_rule_values(
        booking_type=changes.get("booking_type", rule.booking_type),
        prior_notice_duration_min=changes.get("prior_notice_duration_min", rule.prior_notice_duration_min),
        prior_notice_last_day=changes.get("prior_notice_last_day", rule.prior_notice_last_day),
        prior_notice_last_time=changes.get("prior_notice_last_time", rule.prior_notice_last_time),
    )
    for key, value in values.items():
        setattr(rule, key, value)
    for key in ("message", "phone_number", "info_url"):
        if key in changes:
            setattr(rule, key, changes[key])
    rule.save()
    return rule


@transaction.atomic
def bb_booking_rule_delete(*, rule_id: int, user: User | None = None) -> None:
    """Remove a booking rule that no line and no trip uses (else 409 ``gtfs_booking_rule_in_use``:
    a line without its rule would silently become bookable without notice)."""
    version = _editable_version(user=user)
    rule = _get_in_version(BookingRule, version, rule_id, "gtfs_booking_rule_not_found", "booking rule")
    if Route.objects.filter(booking_rule=rule).exists() or Trip.objects.filter(booking_rule=rule).exists():
        raise Conflict("Lines still use this booking rule; change them first.", code="gtfs_booking_rule_in_use")
    rule.delete()


def _check_line_number_free(version: FeedVersion, short_name: str, *, line_id: int | None = None) -> None:
    """Two lines with one number would be told apart nowhere (search results, departures,
    the editor's lists): refused with 409 ``gtfs_line_number_taken``, compared without case
    and surrounding blanks."""
    taken = Route.objects.filter(version=version, short_name__iexact=short_name.strip())
    if line_id is not None:
        taken = taken.exclude(pk=line_id)
    if short_name.strip() and taken.exists():
        raise Conflict(
            "Another line already has this number.",
            code="gtfs_line_number_taken",
            fields={"short_name": ["Another line already has this number."]},
        )


@transaction.atomic
def bb_line_create(
    *,
    short_name: str,
    long_name: str = "",
    color: str = "",
    booking_rule_id: int | None = None,
    user: User | None = None,
) -> Route:
    """A Bürgerbus line (GTFS route, type 3 bus); ``booking_rule_id`` makes it booking-only."""
    version = _editable_version(user=user)
    rule = (
        _get_in_version(BookingRule, version, booking_rule_id, "gtfs_booking_rule_not_found", "booking rule")
        if booking_rule_id
        else None
    )
    _check_line_number_free(version, short_name)
    agency = version.agencies.order_by("id").first()
    return Route.objects.create(
        version=version,
        route_id=_new_id("line"),
        agency_id=agency.agency_id if agency else "",
        short_name=short_name,
        long_name=long_name,
        color=color,
        route_type=3,
        booking_rule=rule,
    )


@transaction.atomic
def bb_line_update(*, line_id: int, user: User | None = None, **changes: Any) -> Route:
    """Change a line; a new ``booking_rule_id`` (or None) applies to all its trips too."""
    version = _editable_version(user=user)
    route = _get_in_version(Route, version, line_id, "gtfs_line_not_found", "line")
    if "short_name" in changes:
        _check_line_number_free(version, changes["short_name"], line_id=route.pk)
    for key in ("short_name", "long_name", "color"):
        if key in changes:
            setattr(route, key, changes[key])
    if "booking_rule_id" in changes:
        rule_id = changes["booking_rule_id"]
        route.booking_rule = (
            _get_in_version(BookingRule, version, rule_id, "gtfs_booking_rule_not_found", "booking rule")
            if rule_id
            else None
        )
        route.trips.update(booking_rule=route.booking_rule)
    route.save()
    return route


@transaction.atomic
def bb_line_delete(*, line_id: int, user: User | None = None) -> None:
    """Remove a line without trips."""
    version = _editable_version(user=user)
    route = _get_in_version(Route, version, line_id, "gtfs_line_not_found", "line")
    if route.trips.exists():
        raise Conflict("The line still has trips; delete them first.", code="gtfs_line_has_trips")
    route.delete()


def _weekday_flags(weekdays: list[str]) -> dict[str, bool]:
    unknown = set(weekdays) - set(Service.WEEKDAYS)
    if unknown:
        raise ValidationFailed(
            "Unknown weekdays: %(weekdays)s",
            params={"weekdays": sorted(unknown)},
            code="gtfs_invalid_weekday",
            fields={"weekdays": sorted(unknown)},
        )
    return {day: day in weekdays for day in Service.WEEKDAYS}


@transaction.atomic
def bb_trip_create(
    *,
    line_id: int,
    stops: list[dict[str, Any]],
    weekdays: list[str],
    start_date: date,
    end_date: date,
    added_dates: list[date] | None = None,
    removed_dates: list[date] | None = None,
    headsign: str = "",
    capacity: int | None = None,
    user: User | None = None,
) -> Trip:
    """A trip with its own weekday pattern, validity and exception dates.

    ``stops`` is the ordered list of ``{"stop": pk, "arrival": "HH:MM[:SS]", "departure": ...}``
    (times may exceed 24:00 for trips past midnight and must not decrease).
    """
    if end_date < start_date:
        raise ValidationFailed(
            "end_date is before start_date.", code="gtfs_invalid_date_range", fields={"end_date": ["before start_date"]}
        )
    if len(stops) < 2:
        raise ValidationFailed(
            "A trip needs at least two stops.", code="gtfs_trip_too_short", fields={"stops": ["at least two"]}
        )
    added, removed = set(added_dates or []), set(removed_dates or [])
    if added & removed:
        raise ValidationFailed(
            "A date is both added and removed.",
            code="gtfs_calendar_conflict",
            fields={"added_dates": ["overlaps removed_dates"]},
        )
    version = _editable_version(user=user)
    route = _get_in_version(Route, version, line_id, "gtfs_line_not_found", "line")
    rows = _stop_time_rows(version, stops)
    service = Service.objects.create(
        version=version,
        service_id=_new_id("service"),
        has_calendar=True,
        start_date=start_date,
        end_date=end_date,
        **_weekday_flags(weekdays),
    )
    CalendarDate.objects.bulk_create(
        [CalendarDate(service=service, date=d, exception_type=1) for d in sorted(added)]
        + [CalendarDate(service=service, date=d, exception_type=2) for d in sorted(removed)]
    )
    trip = Trip.objects.create(
        version=version,
        trip_id=_new_id("trip"),
        route=route,
        service=service,
        headsign=headsign,
        booking_rule=route.booking_rule,
        capacity=capacity or conf.GTFS_BUERGERBUS_DEFAULT_CAPACITY,
    )
    _stop_times_create(version, trip, rows)
    return trip


def _stop_time_rows(version: FeedVersion, stops: list[dict[str, Any]]) -> list[tuple[Stop, int, int]]:
    """``stops`` (``{"stop": pk, "arrival": "HH:MM", "departure": ...}`` in order) checked:
    at least two, each a stop of ``version``, times valid and never going backwards.
    Returns ``(stop, arrival_s, departure_s)`` per call (seconds after service-day midnight)."""
    if len(stops) < 2:
        raise ValidationFailed(
            "A trip needs at least two stops.", code="gtfs_trip_too_short", fields={"stops": ["at least two"]}
        )
    wanted = {entry["stop"] for entry in stops}
    known = {stop.pk: stop for stop in Stop.objects.filter(version=version, pk__in=wanted)}
    rows = []
    previous = -1
    for index, entry in enumerate(stops):
        stop = known.get(entry["stop"])
        if stop is None:
            raise NotFound(_NOT_IN_TIMETABLE["stop"], code="gtfs_stop_not_found")
        try:
            arrival = parse_gtfs_time(_with_seconds(entry.get("arrival") or entry.get("departure")))
            departure = parse_gtfs_time(_with_seconds(entry.get("departure") or entry.get("arrival")))
        except ValueError as exc:
            raise ValidationFailed(str(exc), code="gtfs_invalid_time", fields={f"stops[{index}]": [str(exc)]}) from exc
        if arrival < previous or departure < arrival:
            raise ValidationFailed(
                "Stop times must not go backwards.",
                code="gtfs_times_not_increasing",
                fields={f"stops[{index}]": ["earlier than the stop before"]},
            )
        previous = departure
        rows.append((stop, arrival, departure))
    return rows


def _stop_times_create(version: FeedVersion, trip: Trip, rows: list[tuple[Stop, int, int]]) -> None:
    StopTime.objects.bulk_create(
        [
            StopTime(
                version=version,
                trip=trip,
                stop=stop,
                stop_sequence=i + 1,
                arrival_time=arrival,
                departure_time=departure,
            )
            for i, (stop, arrival, departure) in enumerate(rows)
        ]
    )


def _with_seconds(value: str | None) -> str:
    value = (value or "").strip()
    return value + ":00" if value.count(":") == 1 else value


@transaction.atomic
def bb_trip_update(*, trip_id: int, user: User | None = None, **changes: Any) -> Trip:
    """Change line, headsign, capacity, stops and times, or the calendar (weekdays, validity,
    exception dates).

    Capacity below the seats already booked is refused. New ``stops`` (as for
    :func:`bb_trip_create`) replace the trip's calls; refused (409 ``gtfs_trip_has_bookings``)
    once the trip has any booking, since bookings name their stops by position on the trip.
    A new ``line_id`` takes that line's booking rule along. A calendar shared with other trips
    (imported feeds share services) is copied first, so only this trip changes. Existing
    bookings stay valid; staff cancel them if the trip no longer runs on their day.
    """
    version = _editable_version(user=user)
    trip = _get_in_version(Trip, version, trip_id, "gtfs_trip_not_found", "trip")
    trip = Trip.objects.select_for_update().select_related("service").get(pk=trip.pk)
    if "line_id" in changes and changes["line_id"] != trip.route_id:
        route = _get_in_version(Route, version, changes["line_id"], "gtfs_line_not_found", "line")
        trip.route = route
        trip.booking_rule = route.booking_rule
    if "stops" in changes:
        rows = _stop_time_rows(version, changes["stops"])
        if BuergerbusBooking.objects.filter(trip=trip).exists():
            raise Conflict(
                "The trip has bookings; its stops and times are kept.",
                code="gtfs_trip_has_bookings",
                fields={"stops": ["trip has bookings"]},
            )
        StopTime.objects.filter(version=version, trip=trip).delete()
        _stop_times_create(version, trip, rows)
    calendar_keys = {"weekdays", "start_date", "end_date", "added_dates", "removed_dates"}
    if calendar_keys & set(changes):
        _trip_calendar_update(trip, version, {k: v for k, v in changes.items() if k in calendar_keys})
    if "headsign" in changes:
        trip.headsign = changes["headsign"]
    if "capacity" in changes:
        booked = _max_booked_per_day(trip)
        if changes["capacity"] < booked:
            raise Conflict(
                "%(booked)s seats are already booked on one day; capacity cannot go below that.",
                params={"booked": booked},
                code="gtfs_capacity_below_bookings",
            )
        trip.capacity = changes["capacity"]
    trip.save()
    return trip


def _trip_calendar_update(trip: Trip, version: FeedVersion, changes: dict[str, Any]) -> None:
    service = trip.service
    if service.trips.exclude(pk=trip.pk).exists():  # copy-on-write for a shared calendar
        dates = list(service.dates.values_list("date", "exception_type"))
        service = Service.objects.create(
            version=version,
            service_id=_new_id("service"),
            has_calendar=service.has_calendar,
            start_date=service.start_date,
            end_date=service.end_date,
            **{day: getattr(service, day) for day in Service.WEEKDAYS},
        )
        CalendarDate.objects.bulk_create([CalendarDate(service=service, date=d, exception_type=t) for d, t in dates])
        trip.service = service
    if "weekdays" in changes:
        for day, flag in _weekday_flags(changes["weekdays"]).items():
            setattr(service, day, flag)
        service.has_calendar = True
    service.start_date = changes.get("start_date", service.start_date)
    service.end_date = changes.get("end_date", service.end_date)
    if service.has_calendar and (service.start_date is None or service.end_date is None):
        raise ValidationFailed(
            "A weekday pattern needs start_date and end_date.",
            code="gtfs_invalid_date_range",
            fields={"start_date": ["required"]},
        )
    if service.start_date and service.end_date and service.end_date < service.start_date:
        raise ValidationFailed(
            "end_date is before start_date.", code="gtfs_invalid_date_range", fields={"end_date": ["before start_date"]}
        )
    service.save()
    if "added_dates" in changes or "removed_dates" in changes:
        # A list that is given replaces the stored one; its dates leave the other list.
        old_added = set(service.dates.filter(exception_type=1).values_list("date", flat=True))
        old_removed = set(service.dates.filter(exception_type=2).values_list("date", flat=True))
        new_added = set(changes["added_dates"]) if "added_dates" in changes else None
        new_removed = set(changes["removed_dates"]) if "removed_dates" in changes else None
        if new_added is not None and new_removed is not None and new_added & new_removed:
            raise ValidationFailed(
                "A date is both added and removed.",
                code="gtfs_calendar_conflict",
                fields={"added_dates": ["overlaps removed_dates"]},
            )
        added = new_added if new_added is not None else old_added - (new_removed or set())
        removed = new_removed if new_removed is not None else old_removed - (new_added or set())
        service.dates.all().delete()
        CalendarDate.objects.bulk_create(
            [CalendarDate(service=service, date=d, exception_type=1) for d in sorted(added)]
            + [CalendarDate(service=service, date=d, exception_type=2) for d in sorted(removed)]
        )


def _max_booked_per_day(trip: Trip) -> int:
    today = timezone.localdate()
    best = 0
    bookings = BuergerbusBooking.objects.filter(trip=trip, status="confirmed", service_date__gte=today)
    by_day: dict[date, list[Occupancy]] = {}
    for b in bookings:
        by_day.setdefault(b.service_date, []).append(Occupancy(b.from_sequence, b.to_sequence, b.seats))
    last = StopTime.objects.filter(trip=trip).aggregate(m=Max("stop_sequence"))["m"] or 0
    for day_bookings in by_day.values():
        best = max(best, max_load(day_bookings, 0, last + 1))
    return best


@transaction.atomic
def bb_trip_delete(*, trip_id: int, user: User | None = None) -> None:
    """Remove a trip; refused while it has confirmed bookings for today or later."""
    version = _editable_version(user=user)
    trip = _get_in_version(Trip, version, trip_id, "gtfs_trip_not_found", "trip")
    trip = Trip.objects.select_for_update().get(pk=trip.pk)
    if BuergerbusBooking.objects.filter(trip=trip, status="confirmed", service_date__gte=timezone.localdate()).exists():
        raise Conflict("The trip has confirmed bookings; cancel them first.", code="gtfs_trip_has_bookings")
    if BuergerbusBooking.objects.filter(trip=trip).exists():
        raise Conflict("The trip has a booking history and is kept.", code="gtfs_trip_has_bookings")
    service = trip.service
    StopTime.objects.filter(version=version, trip=trip).delete()
    trip.delete()
    if not service.trips.exists():
        service.delete()


# --- bookings ----------------------------------------------------------------------------


def booking_payload(booking: BuergerbusBooking) -> dict[str, Any]:
    return {
        "booking_id": booking.pk,
        "trip_id": booking.trip_id,
        "service_date": booking.service_date.isoformat(),
        "from_stop": booking.from_stop.name,
        "to_stop": booking.to_stop.name,
        "departure_at": iso_local(booking.departure_at),
        "seats": booking.seats,
    }


@transaction.atomic
def bb_booking_create(
    *,
    trip_id: int,
    service_date: date,
    from_stop_id: int,
    to_stop_id: int,
    seats: int = 1,
    passenger: User | None = None,
    booked_by: User | None = None,
    assisted: bool = False,
    passenger_name: str = "",
    passenger_phone: str = "",
    now: datetime | None = None,
) -> BuergerbusBooking:
    """Reserve ``seats`` on a Bürgerbus trip from one stop to a later one on ``service_date``.

    Locks the trip row, so parallel requests for the same trip queue up; the capacity is
    checked against the busiest segment between the two stops. Late bookings are refused
    with the line's booking-rule message.
    """
    now = now or timezone.now()
    if seats < 1:
        raise ValidationFailed("Book at least one seat.", code="buergerbus_invalid_seats", fields={"seats": [">= 1"]})
    if passenger is None and not passenger_name:
        raise ValidationFailed(
            "Name the passenger.", code="buergerbus_passenger_required", fields={"passenger_name": ["required"]}
        )
    trip = (
        Trip.objects.select_for_update(of=("self",))
        .select_related("version__feed", "booking_rule", "service")
        .filter(pk=trip_id, version__feed__kind=FeedKind.COMMUNITY_BUS)
        .first()
    )
    if trip is None or trip.version.feed.active_version_id != trip.version_id:
        raise NotFound("No such Bürgerbus trip.", code="buergerbus_trip_not_found")
    # A trip may visit a stop twice (a loop): board at the first visit of the boarding stop,
    # alight at the first visit of the destination after that.
    calls = list(StopTime.objects.filter(trip=trip).select_related("stop").order_by("stop_sequence"))
    board = next((st for st in calls if st.stop_id == from_stop_id), None)
    alight = (
        next((st for st in calls if st.stop_id == to_stop_id and st.stop_sequence > board.stop_sequence), None)
        if board
        else None
    )
    on_trip = {st.stop_id for st in calls}
    if from_stop_id not in on_trip or to_stop_id not in on_trip:
        raise ValidationFailed(
            "Both stops must be on this trip.",
            code="buergerbus_stop_not_on_trip",
            fields={
                "from_stop": [] if from_stop_id in on_trip else ["not on this trip"],
                "to_stop": [] if to_stop_id in on_trip else ["not on this trip"],
            },
        )
    if board is None or alight is None:  # board is on the trip (checked above); alight may not follow it
        raise ValidationFailed("The destination must come after the boarding stop.", code="buergerbus_wrong_direction")
    if board.pickup_type == 1 or alight.drop_off_type == 1:
        raise ValidationFailed("Boarding or alighting is not possible there.", code="buergerbus_stop_not_served")
    if not service_runs_on(service=trip.service, day=service_date):
        raise ValidationFailed(
            "The trip does not run on that date.", code="buergerbus_trip_not_running", fields={"date": ["not running"]}
        )
    tz = ZoneInfo(trip.version.timezone)
    # Bürgerbus trips are written with a time at every call (bb_trip_create); an untimed call in
    # an imported community-bus feed fails here as it always did.
    assert board.departure_time is not None, "untimed boarding call"
    departure = gtfs_time_to_datetime(service_date, board.departure_time, tz)
    if departure <= now:
        raise Conflict("This trip has already left.", code="buergerbus_trip_departed")
    deadline = booking_deadline(
        booking_rule_spec(trip.booking_rule), departure=departure, service_date=service_date, tz=tz
    )
    if now > deadline:
        message = (trip.booking_rule.message if trip.booking_rule else "") or "The booking deadline has passed."
        raise Conflict(message, code="buergerbus_booking_too_late", fields={"deadline": [iso_local(deadline)]})
    existing = [
        Occupancy(from_seq, to_seq, n)
        for from_seq, to_seq, n in BuergerbusBooking.objects.filter(
            trip=trip, service_date=service_date, status=BuergerbusBooking.Status.CONFIRMED
        ).values_list("from_sequence", "to_sequence", "seats")
    ]
    load = max_load(existing, board.stop_sequence, alight.stop_sequence)
    if load + seats > trip.capacity:
        free = max(trip.capacity - load, 0)
        raise Conflict(
            "Only %(free)s seat(s) left between these stops.",
            params={"free": free},
            code="buergerbus_trip_full",
            fields={"seats_left": [str(free)]},
        )
    booking = BuergerbusBooking.objects.create(
        trip=trip,
        service_date=service_date,
        from_stop=board.stop,
        to_stop=alight.stop,
        from_sequence=board.stop_sequence,
        to_sequence=alight.stop_sequence,
        departure_at=departure,
        seats=seats,
        passenger=passenger,
        booked_by=booked_by or passenger,
        assisted=assisted,
        passenger_name=passenger_name if passenger is None else "",
        passenger_phone=passenger_phone if passenger is None else "",
    )
    if passenger is not None:
        notify(passenger, "buergerbus_booking_confirmed", booking_payload(booking))
    return booking


@transaction.atomic
def bb_booking_cancel(
    *, booking_id: int, user: User, reason: str = "", now: datetime | None = None
) -> BuergerbusBooking:
    """Cancel a booking: the passenger until departure, staff at any time."""
    now = now or timezone.now()
    is_staff = bool(user.is_town_staff or user.is_operator)
    qs = BuergerbusBooking.objects.select_for_update().select_related("from_stop", "to_stop")
    booking = qs.filter(pk=booking_id).first()
    if booking is None or (not is_staff and booking.passenger_id != user.pk):
        raise NotFound("No such booking.", code="buergerbus_booking_not_found")
    if booking.status == BuergerbusBooking.Status.CANCELLED:
        raise Conflict("The booking is already cancelled.", code="buergerbus_booking_already_cancelled")
    if not is_staff and booking.departure_at <= now:
        raise Forbidden("The trip has left; only staff can change this booking.", code="buergerbus_booking_departed")
    booking.status = BuergerbusBooking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = (reason or "").strip()[:300]
    booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    if booking.passenger_id:
        notify(
            booking.passenger,
            "buergerbus_booking_cancelled",
            {**booking_payload(booking), "by_staff": is_staff and booking.passenger_id != user.pk},
        )
    return booking


@transaction.atomic
def feed_activate_version(*, feed_id: int, version_id: int | None) -> Feed:
    """Operator: switch a feed to one of its stored versions (a rollback), or off (``None``).

    Journey planning and departures follow at once: they read the active versions.
    """
    feed = Feed.objects.select_for_update().filter(pk=feed_id).first()
    if feed is None:
        raise NotFound("No such feed.", code="feed_not_found")
    if version_id is not None:
        version = FeedVersion.objects.filter(pk=version_id, feed=feed).first()
        if version is None:
            raise ValidationFailed(
                "That version does not belong to this feed (or was pruned).",
                code="feed_version_not_found",
                fields={"version": [str(version_id)]},
            )
    feed.active_version_id = version_id
    feed.save(update_fields=["active_version"])
    _precompile_timetables()
    return feed


def _precompile_timetables() -> None:
    """The journey planner compiles the switched timetables after the commit, not in a first search."""
    from journeys.tasks import schedule_timetables_precompile

    schedule_timetables_precompile()
