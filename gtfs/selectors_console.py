"""Bürgerbus reads for the town-hall staff console: the phone desk (lines, stops, the day's
trips with free seats per segment and the booking deadline, finding a caller) and the
driver's manifest with only what the volunteer driver needs.

Times are aware datetimes in the feed's time zone; a booking from stop sequence ``a`` to
``b`` occupies the segments ``[a, b)`` (see :mod:`gtfs.domain.booking`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import F, Q, Sum

from mobility.errors import NotFound

from .domain.booking import Occupancy, booking_deadline, max_load
from .domain.times import gtfs_time_to_datetime
from .models import BuergerbusBooking, Feed, FeedKind, Route, StopTime, Trip
from .selectors import active_service_ids, booking_rule_spec, buergerbus_trip_get

CONFIRMED = BuergerbusBooking.Status.CONFIRMED


def _active_buergerbus_versions() -> list[int]:
    return list(
        Feed.objects.filter(kind=FeedKind.COMMUNITY_BUS, active_version__isnull=False).values_list(
            "active_version_id", flat=True
        )
    )


def _buergerbus_route(route_id: int) -> Route:
    """A line of the active version of a Bürgerbus feed (one query); NotFound otherwise."""
    route = (
        Route.objects.filter(
            pk=route_id, version__feed__kind=FeedKind.COMMUNITY_BUS, version__feed__active_version=F("version")
        )
        .select_related("version")
        .first()
    )
    if route is None:
        raise NotFound("No such Bürgerbus line.", code="buergerbus_line_not_found")
    return route


def buergerbus_lines() -> list[Route]:
    """The lines of every active Bürgerbus feed, by line number (one query)."""
    return list(
        Route.objects.filter(version__feed__kind=FeedKind.COMMUNITY_BUS, version__feed__active_version=F("version"))
        .select_related("version")
        .order_by("short_name", "long_name", "id")
    )


def line_stops(*, route_id: int | None = None, route: Route | None = None) -> list:
    """The stops of a line in travel order (the longest trip's order, other trips' extra
    stops after it), each once. ``route``: a line from :func:`buergerbus_lines` (saves a query)."""
    route = route or _buergerbus_route(route_id)
    calls = StopTime.objects.filter(version_id=route.version_id, trip__route=route).select_related("stop")
    by_trip: dict[int, list] = {}
    for call in calls.order_by("trip_id", "stop_sequence"):
        by_trip.setdefault(call.trip_id, []).append(call.stop)
    ordered: list = []
    seen: set[int] = set()
    for stops in sorted(by_trip.values(), key=len, reverse=True):
        for stop in stops:
            if stop.pk not in seen:
                seen.add(stop.pk)
                ordered.append(stop)
    return ordered


@dataclass
class Segment:
    from_name: str
    to_name: str
    departure: datetime | None
    free: int


@dataclass
class DeskTrip:
    """One trip on one day as the phone desk shows it."""

    trip: Trip
    first_departure: datetime
    segments: list[Segment]
    deadline: datetime | None = None  # for the chosen boarding stop
    board_at: datetime | None = None
    alight_at: datetime | None = None
    free_for_journey: int | None = None  # free seats over every segment of the caller's journey
    serves_journey: bool = False
    bookable: bool = False
    why_not: str = ""  # "departed", "too_late", "full" when not bookable
    calls: list = field(default_factory=list)


def phone_desk_trips(
    *,
    route_id: int | None = None,
    route: Route | None = None,
    service_date: date,
    now: datetime,
    from_stop_id: int | None = None,
    to_stop_id: int | None = None,
) -> list[DeskTrip]:
    """The trips of a Bürgerbus line running on ``service_date``, by departure, each with the
    free seats on every segment; with both stops given also the times, the free seats over
    the caller's journey, the booking deadline at the boarding stop and whether it can still
    be booked (the rules of :func:`gtfs.services.bb_booking_create`). ``route``: a line from
    :func:`buergerbus_lines` (saves a query)."""
    route = route or _buergerbus_route(route_id)
    tz = ZoneInfo(route.version.timezone)
    running = active_service_ids(version_id=route.version_id, day=service_date)
    trips = list(Trip.objects.filter(route=route, service_id__in=running).select_related("booking_rule"))
    calls_by_trip: dict[int, list[StopTime]] = {}
    for call in (
        StopTime.objects.filter(version_id=route.version_id, trip__in=trips)
        .select_related("stop")
        .order_by("trip_id", "stop_sequence")
    ):
        calls_by_trip.setdefault(call.trip_id, []).append(call)
    loads: dict[int, list[Occupancy]] = {}
    for trip_id, a, b, n in BuergerbusBooking.objects.filter(
        trip__in=trips, service_date=service_date, status=CONFIRMED
    ).values_list("trip_id", "from_sequence", "to_sequence", "seats"):
        loads.setdefault(trip_id, []).append(Occupancy(a, b, n))
    result = []
    for trip in trips:
        calls = calls_by_trip.get(trip.pk, [])
        if len(calls) < 2:
            continue
        booked = loads.get(trip.pk, [])

        def at(call: StopTime) -> datetime | None:
            seconds = call.departure_time if call.departure_time is not None else call.arrival_time
            return gtfs_time_to_datetime(service_date, seconds, tz) if seconds is not None else None

        segments = [
            Segment(
                from_name=a.stop.name,
                to_name=b.stop.name,
                departure=at(a),
                free=max(0, trip.capacity - max_load(booked, a.stop_sequence, b.stop_sequence)),
            )
            for a, b in zip(calls, calls[1:], strict=False)
        ]
        desk = DeskTrip(trip=trip, first_departure=at(calls[0]), segments=segments, calls=calls)
        if from_stop_id and to_stop_id:
            board = next((c for c in calls if c.stop_id == from_stop_id and c.pickup_type != 1), None)
            alight = (
                next(
                    (
                        c
                        for c in calls
                        if c.stop_id == to_stop_id and c.stop_sequence > board.stop_sequence and c.drop_off_type != 1
                    ),
                    None,
                )
                if board
                else None
            )
            if board and alight:
                desk.serves_journey = True
                desk.board_at = gtfs_time_to_datetime(service_date, board.departure_time, tz)
                desk.alight_at = (
                    at(alight)
                    if alight.arrival_time is None
                    else gtfs_time_to_datetime(service_date, alight.arrival_time, tz)
                )
                desk.free_for_journey = max(
                    0, trip.capacity - max_load(booked, board.stop_sequence, alight.stop_sequence)
                )
                desk.deadline = booking_deadline(
                    booking_rule_spec(trip.booking_rule), departure=desk.board_at, service_date=service_date, tz=tz
                )
                if desk.board_at <= now:
                    desk.why_not = "departed"
                elif now > desk.deadline:
                    desk.why_not = "too_late"
                elif desk.free_for_journey < 1:
                    desk.why_not = "full"
                else:
                    desk.bookable = True
        result.append(desk)
    result.sort(key=lambda d: (d.first_departure, d.trip.pk))
    return result


# --- callers ----------------------------------------------------------------------------------


def caller_search(*, query: str, limit: int = 10) -> list:
    """Active accounts whose name, e-mail address or phone number contains ``query`` (phone
    numbers compared by their digits, so "0171 23" finds "+49 171 234…" only if the digits
    match in order). At most ``limit``, by name. An empty query finds nobody."""
    query = " ".join(query.split())
    if len(query) < 2:
        return []
    User = get_user_model()
    condition = Q(display_name__icontains=query) | Q(email__icontains=query)
    digits = "".join(ch for ch in query if ch.isdigit())
    users = list(User.objects.filter(condition, is_active=True).order_by("display_name", "id")[:limit])
    if len(digits) >= 4 and len(users) < limit:
        tail = digits.lstrip("0")
        for user in User.objects.filter(is_active=True).exclude(phone="").exclude(pk__in=[u.pk for u in users]):
            if tail and tail in "".join(ch for ch in user.phone if ch.isdigit()):
                users.append(user)
                if len(users) >= limit:
                    break
    return users


def caller_bookings(*, user, now: datetime) -> list[BuergerbusBooking]:
    """A caller's confirmed Bürgerbus bookings that have not departed yet, soonest first."""
    return list(
        BuergerbusBooking.objects.filter(passenger=user, status=CONFIRMED, departure_at__gt=now)
        .select_related("trip__route", "from_stop", "to_stop")
        .order_by("departure_at", "id")
    )


def desk_bookings_today(*, booked_by, now: datetime, limit: int = 10) -> list[BuergerbusBooking]:
    """The bookings this staff member took at the desk, latest first (to cancel a mistake)."""
    return list(
        BuergerbusBooking.objects.filter(booked_by=booked_by, assisted=True, status=CONFIRMED, departure_at__gt=now)
        .select_related("trip__route", "from_stop", "to_stop", "passenger")
        .order_by("-created_at", "-id")[:limit]
    )


# --- the driver's manifest -------------------------------------------------------------------------


def first_name(name: str) -> str:
    """The first word of a name ("Stefan (Rathaus)" -> "Stefan")."""
    parts = name.split()
    return parts[0] if parts else ""


@dataclass
class ManifestContact:
    first_name: str
    phone: str
    seats: int
    passenger: object | None  # the account, for the access log (None: a caller without one)


@dataclass
class ManifestStop:
    stop_name: str
    time: datetime | None
    boarding: int
    alighting: int
    onboard_after: int
    contacts: list[ManifestContact]


@dataclass
class Manifest:
    trip: Trip
    service_date: date
    capacity: int
    seats_booked: int
    stops: list[ManifestStop]

    @property
    def contact_passengers(self) -> list:
        """The accounts whose first name and phone the manifest shows (for the access log)."""
        found = {c.passenger.pk: c.passenger for s in self.stops for c in s.contacts if c.passenger is not None}
        return [found[pk] for pk in sorted(found)]


def driver_manifest(*, trip_id: int, service_date: date) -> Manifest:
    """What the volunteer driver needs for one trip on one day: per stop the time and how many
    board and alight, the seats taken after it, and a first name and phone number only for
    bookings taken by phone (``assisted``: the passenger may have no app, so the driver may
    need to call them). No surnames, no e-mail addresses, nothing about other trips."""
    trip = buergerbus_trip_get(trip_id=trip_id)
    tz = ZoneInfo(trip.version.timezone)
    bookings = list(
        BuergerbusBooking.objects.filter(trip=trip, service_date=service_date, status=CONFIRMED)
        .select_related("passenger")
        .order_by("departure_at", "id")
    )
    stops = []
    onboard = 0
    for call in (
        StopTime.objects.filter(version_id=trip.version_id, trip=trip).select_related("stop").order_by("stop_sequence")
    ):
        boarding = [b for b in bookings if b.from_sequence == call.stop_sequence]
        alighting = [b for b in bookings if b.to_sequence == call.stop_sequence]
        onboard += sum(b.seats for b in boarding) - sum(b.seats for b in alighting)
        contacts = []
        for b in boarding:
            if not b.assisted:
                continue
            if b.passenger_id:
                contacts.append(
                    ManifestContact(
                        first_name(b.passenger.display_name) or "—", b.passenger.phone, b.seats, b.passenger
                    )
                )
            else:
                contacts.append(ManifestContact(first_name(b.passenger_name), b.passenger_phone, b.seats, None))
        seconds = call.departure_time if call.departure_time is not None else call.arrival_time
        stops.append(
            ManifestStop(
                stop_name=call.stop.name,
                time=gtfs_time_to_datetime(service_date, seconds, tz) if seconds is not None else None,
                boarding=sum(b.seats for b in boarding),
                alighting=sum(b.seats for b in alighting),
                onboard_after=onboard,
                contacts=contacts,
            )
        )
    return Manifest(
        trip=trip,
        service_date=service_date,
        capacity=trip.capacity,
        seats_booked=sum(b.seats for b in bookings),
        stops=stops,
    )


@dataclass
class ManifestTrip:
    trip: Trip
    first_departure: datetime | None
    seats_booked: int


def manifest_trips(*, service_date: date) -> list[ManifestTrip]:
    """Every active Bürgerbus trip running on ``service_date`` with the seats booked on it."""
    result = []
    for version_id in _active_buergerbus_versions():
        running = active_service_ids(version_id=version_id, day=service_date)
        trips = list(
            Trip.objects.filter(version_id=version_id, service_id__in=running).select_related("route", "version")
        )
        booked = dict(
            BuergerbusBooking.objects.filter(trip__in=trips, service_date=service_date, status=CONFIRMED)
            .values("trip_id")
            .annotate(n=Sum("seats"))
            .values_list("trip_id", "n")
        )
        first_calls = {}
        for call in StopTime.objects.filter(version_id=version_id, trip__in=trips).order_by("trip_id", "stop_sequence"):
            first_calls.setdefault(call.trip_id, call)
        for trip in trips:
            call = first_calls.get(trip.pk)
            seconds = (
                None
                if call is None
                else (call.departure_time if call.departure_time is not None else call.arrival_time)
            )
            first = (
                gtfs_time_to_datetime(service_date, seconds, ZoneInfo(trip.version.timezone))
                if seconds is not None
                else None
            )
            result.append(ManifestTrip(trip=trip, first_departure=first, seats_booked=booked.get(trip.pk, 0)))
    result.sort(key=lambda m: (m.first_departure is None, m.first_departure, m.trip.pk))
    return result


def caller_get(*, user_id: int):
    """An active account picked at the phone desk; NotFound otherwise."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("No such resident.", code="user_not_found")
    return user
