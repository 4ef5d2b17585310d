"""Read side: feeds, stops, routes, trips and calendar-aware departures.

Only active versions are visible. Times in results are aware datetimes in the agency's
time zone; stop times are converted with ``domain.times`` (service day "noon minus 12 h").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max, QuerySet

from mobility.errors import NotFound, ValidationFailed
from mobility.geo import haversine_m

from .domain.booking import BookingRuleSpec
from .domain.names import fold
from .domain.times import gtfs_time_to_datetime, service_day_reference
from .models import BookingRule, CalendarDate, Feed, FeedKind, FeedVersion, Route, Service, Stop, StopTime, Trip

WEEKDAY_FIELDS = Service.WEEKDAYS


@dataclass(frozen=True)
class ActiveVersions:
    """The active version of every feed: ``ids`` sorted; ``tokens`` the ids plus the time of
    the last in-place edit (``<id>_<ms>``; the Bürgerbus timetable is edited without a new
    version), so anything compiled or cached from a version's rows is keyed by its token;
    ``kinds`` the feed kind of each version, ``zones`` its time zone (``agency_timezone``)."""

    ids: tuple[int, ...]
    tokens: tuple[str, ...]
    kinds: dict[int, str] = field(default_factory=dict)
    zones: dict[int, str] = field(default_factory=dict)

    def ids_of_kind(self, kind: str) -> list[int]:
        return [pk for pk in self.ids if self.kinds.get(pk) == kind]


#: Cache key and lifetime (seconds) of the active versions. Every save of a feed or version
#: (import, rollback, an edit of the Bürgerbus timetable, the admin) deletes the key at once
#: (``gtfs.apps``), and the switches in ``gtfs.services``/``gtfs.feed_import`` again when they
#: commit (``journeys.tasks.schedule_timetables_precompile``); the lifetime bounds what a reader
#: that read the old state just before a commit and stored it just after can keep.
ACTIVE_VERSIONS_KEY = "gtfs:active-versions:v2"
ACTIVE_VERSIONS_TTL_S = 10
#: Each process also keeps what it read for this long (seconds), so the several look-ups of
#: one search cost no round trip; a switch in this process forgets it at once, one in another
#: process is seen here within this delay.
ACTIVE_VERSIONS_LOCAL_TTL_S = 1.0
_local: tuple[float, ActiveVersions | None] = (0.0, None)


def active_versions() -> ActiveVersions:
    """The active feed versions (one small query, or none: cached in this process for a second
    and in Django's cache for a few).

    Inside a transaction nothing is cached: what it reads may still be rolled back.
    """
    global _local
    import time

    from django.core.cache import cache
    from django.db import connection

    cacheable = not connection.in_atomic_block
    if cacheable:
        until, known = _local
        if known is not None and time.monotonic() < until:
            return known
        found = cache.get(ACTIVE_VERSIONS_KEY)
        if isinstance(found, ActiveVersions):
            _local = (time.monotonic() + ACTIVE_VERSIONS_LOCAL_TTL_S, found)
            return found
    rows = sorted(
        FeedVersion.objects.filter(
            pk__in=Feed.objects.filter(active_version__isnull=False).values("active_version")
        ).values_list("pk", "edited_at", "feed__kind", "timezone")
    )
    active = ActiveVersions(
        ids=tuple(pk for pk, *_ in rows),
        tokens=tuple(
            str(pk) if edited is None else f"{pk}_{int(edited.timestamp() * 1000)}" for pk, edited, *_ in rows
        ),
        kinds={pk: kind for pk, _, kind, _ in rows},
        zones={pk: zone for pk, _, _, zone in rows},
    )
    if cacheable:
        cache.set(ACTIVE_VERSIONS_KEY, active, ACTIVE_VERSIONS_TTL_S)
        _local = (time.monotonic() + ACTIVE_VERSIONS_LOCAL_TTL_S, active)
    return active


def active_versions_forget() -> None:
    """Drop the cached active versions (the next reader reads them again)."""
    global _local
    from django.core.cache import cache

    _local = (0.0, None)
    cache.delete(ACTIVE_VERSIONS_KEY)


def active_version_ids(*, kind: str | None = None) -> list[int]:
    """Ids of the active version of every feed (of feeds of ``kind``), sorted."""
    active = active_versions()
    return active.ids_of_kind(kind) if kind else list(active.ids)


def feed_list() -> QuerySet[Feed]:
    return Feed.objects.select_related("active_version").order_by("id")


def feed_versions(*, feed_id: int) -> QuerySet[FeedVersion]:
    if not Feed.objects.filter(pk=feed_id).exists():
        raise NotFound("No such feed.", code="gtfs_feed_not_found")
    return FeedVersion.objects.filter(feed_id=feed_id).order_by("-id")


def stop_search(*, query: str) -> QuerySet[Stop]:
    """Stops of active versions whose name has a word starting with ``query``.

    Case-, accent- and umlaut-insensitive ("Muehl", "mühl" and "Muhl" are the same).
    """
    key = fold(query)
    if not key:
        raise ValidationFailed("Give at least one letter or digit.", code="gtfs_query_empty", fields={"q": ["empty"]})
    return (
        Stop.objects.filter(version_id__in=active_version_ids(), name_search__contains=f" {key}")
        .exclude(location_type__gte=2)
        .order_by("name", "id")
    )


def stop_list() -> QuerySet[Stop]:
    """Every stop of the active versions (not entrances or nodes), by name."""
    return Stop.objects.filter(version_id__in=active_version_ids()).exclude(location_type__gte=2).order_by("name", "id")


def stops_near(*, lat: float, lon: float, radius_m: float, limit: int = 50) -> list[tuple[Stop, float]]:
    """Stops of active versions within ``radius_m`` metres, nearest first, with distances."""
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    candidates = Stop.objects.filter(
        version_id__in=active_version_ids(),
        lat__range=(lat - dlat, lat + dlat),
        lon__range=(lon - dlon, lon + dlon),
    ).exclude(location_type__gte=2)
    found = [(stop, haversine_m(lat, lon, stop.lat, stop.lon)) for stop in candidates]
    found = [(stop, distance) for stop, distance in found if distance <= radius_m]
    found.sort(key=lambda item: (item[1], item[0].pk))
    return found[:limit]


# Stops of different feeds with the same name this close together are one place to a user.
SAME_PLACE_M = 100.0


@dataclass
class StopPlace:
    """One place to the user: the stops of every active feed that share a name within
    ``SAME_PLACE_M`` metres. ``stop`` is the representative (lowest id); ``stops`` all of them."""

    stop: Stop
    stops: list[Stop]

    @property
    def pk(self) -> int:
        return self.stop.pk

    @property
    def name(self) -> str:
        return self.stop.name

    @property
    def lat(self) -> float | None:
        return self.stop.lat

    @property
    def lon(self) -> float | None:
        return self.stop.lon


def _same_place(a: Stop, b: Stop) -> bool:
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        return False
    return fold(a.name) == fold(b.name) and haversine_m(a.lat, a.lon, b.lat, b.lon) <= SAME_PLACE_M


def stop_places(stops: list[Stop]) -> list[StopPlace]:
    """Group ``stops`` into places (see ``StopPlace``), in the order of each place's first stop.

    Only stops of *different* versions merge: two stops of one feed are two places even
    when they share a name (platforms on both sides of a road).
    """
    places: list[StopPlace] = []
    by_name: dict[str, list[StopPlace]] = {}
    for stop in stops:
        same_name = by_name.setdefault(fold(stop.name), [])
        for place in same_name:
            if stop.version_id not in {s.version_id for s in place.stops} and _same_place(place.stop, stop):
                place.stops.append(stop)
                if stop.pk < place.stop.pk:
                    place.stop = stop
                break
        else:
            place = StopPlace(stop=stop, stops=[stop])
            same_name.append(place)
            places.append(place)
    return places


def stop_place_of(*, stop: Stop) -> StopPlace:
    """The place ``stop`` belongs to: it and the stops of other active feeds sharing it."""
    if stop.lat is None or stop.lon is None:
        return StopPlace(stop=stop, stops=[stop])
    near = [s for s, _ in stops_near(lat=stop.lat, lon=stop.lon, radius_m=SAME_PLACE_M, limit=50)]
    siblings = [s for s in near if s.pk != stop.pk and s.version_id != stop.version_id and _same_place(stop, s)]
    place = StopPlace(stop=stop, stops=[stop])
    seen_versions = {stop.version_id}
    for sibling in siblings:
        if sibling.version_id not in seen_versions:
            seen_versions.add(sibling.version_id)
            place.stops.append(sibling)
            if sibling.pk < place.stop.pk:
                place.stop = sibling
    return place


def active_service_ids(*, version_id: int, day: date) -> set[int]:
    """Service pks running on ``day``: calendar weekday and range, plus/minus calendar_dates."""
    weekday = WEEKDAY_FIELDS[day.weekday()]
    running = set(
        Service.objects.filter(
            version_id=version_id, has_calendar=True, start_date__lte=day, end_date__gte=day, **{weekday: True}
        ).values_list("id", flat=True)
    )
    for service_id, exception_type in CalendarDate.objects.filter(service__version_id=version_id, date=day).values_list(
        "service_id", "exception_type"
    ):
        if exception_type == CalendarDate.ExceptionType.ADDED:
            running.add(service_id)
        else:
            running.discard(service_id)
    return running


def booking_rule_spec(rule: BookingRule | None) -> BookingRuleSpec | None:
    """A line's or trip's booking rule as the pure booking domain takes it (None: no rule)."""
    if rule is None:
        return None
    return BookingRuleSpec(
        booking_type=rule.booking_type,
        prior_notice_duration_min=rule.prior_notice_duration_min,
        prior_notice_last_day=rule.prior_notice_last_day,
        prior_notice_last_time=rule.prior_notice_last_time,
    )


def service_runs_on(*, service: Service, day: date) -> bool:
    exception = service.dates.filter(date=day).values_list("exception_type", flat=True).first()
    if exception is not None:
        return exception == CalendarDate.ExceptionType.ADDED
    return bool(
        service.has_calendar
        and service.start_date <= day <= service.end_date
        and getattr(service, WEEKDAY_FIELDS[day.weekday()])
    )


@dataclass
class CallAt:
    stop_id: int  # the platform's id (``stop`` in the API)
    stop_name: str
    stop_sequence: int
    arrival: datetime | None
    departure: datetime | None
    gtfs_stop_id: str = ""


@dataclass
class Departure:
    stop_id: int  # the platform's id (``stop`` in the API)
    stop_name: str
    stop_sequence: int
    service_date: date
    departure: datetime
    trip_id: int
    gtfs_trip_id: str
    headsign: str
    route_id: int
    route_short_name: str
    route_long_name: str
    route_type: int
    feed_id: int
    feed_kind: str
    bookable: bool
    remaining_stops: list[CallAt] = field(default_factory=list)
    gtfs_stop_id: str = ""


def departures_from_stops(
    *, stop_ids: list[int], start: datetime, window_minutes: int = 60, limit: int = 100
) -> list[Departure]:
    """Departures from ``stop_ids`` (one stop or a group) in ``[start, start + window)``.

    A station (location_type 1) stands for all its child stops; a stop stands for its place
    (the stops of other feeds sharing its name within ``SAME_PLACE_M``).
    Calendar-aware per service day (calendar + calendar_dates), including trips of the
    previous service day whose times exceed 24:00:00. ``start`` must be aware. A stop time
    that does not allow boarding (pickup_type 1) or ends the trip is not a departure.
    """
    if start.tzinfo is None:
        raise ValidationFailed("start must carry a time zone.", code="gtfs_naive_datetime")
    end = start + timedelta(minutes=window_minutes)
    stops = {
        stop.pk: stop
        for stop in Stop.objects.filter(pk__in=stop_ids, version_id__in=active_version_ids()).select_related(
            "version", "version__feed"
        )
    }
    if not stops:
        raise NotFound("No such stop in an active feed.", code="gtfs_stop_not_found")
    for stop in list(stops.values()):  # the same place served by another feed
        for sibling in stop_place_of(stop=stop).stops:
            stops.setdefault(sibling.pk, sibling)
    stations = [stop for stop in stops.values() if stop.location_type == 1]
    for station in stations:  # a station stands for the group of its platforms
        for child in Stop.objects.filter(version_id=station.version_id, parent_station=station.stop_id).select_related(
            "version", "version__feed"
        ):
            stops.setdefault(child.pk, child)
    by_version: dict[int, list[int]] = {}
    for stop in stops.values():
        by_version.setdefault(stop.version_id, []).append(stop.pk)
    found: list[tuple[dict, date, ZoneInfo]] = []
    for version_id, version_stop_ids in by_version.items():
        version = stops[version_stop_ids[0]].version
        tz = ZoneInfo(version.timezone)
        # A trip of a service day N days back still departs today when its times exceed
        # N x 24:00:00: look back as many days as these stops' largest departure time needs.
        latest = (
            StopTime.objects.filter(version_id=version_id, stop_id__in=version_stop_ids)
            .exclude(pickup_type=1)
            .aggregate(latest=Max("departure_time"))["latest"]
            or 0
        )
        lookback = max(1, math.ceil(latest / 86_400))
        first_day = start.astimezone(tz).date() - timedelta(days=lookback)
        last_day = end.astimezone(tz).date()
        day = first_day
        while day <= last_day:
            reference = service_day_reference(day, tz)
            low = (start - reference).total_seconds()
            high = (end - reference).total_seconds()
            services = active_service_ids(version_id=version_id, day=day) if high > 0 else set()
            if services:
                rows = (
                    StopTime.objects.filter(
                        version_id=version_id,  # lets PostgreSQL prune to the version's partition
                        stop_id__in=version_stop_ids,
                        departure_time__gte=math.ceil(low),
                        departure_time__lt=math.ceil(high),
                        trip__service_id__in=services,
                    )
                    .exclude(pickup_type=1)
                    .values("trip_id", "stop_id", "stop_sequence", "departure_time")
                )
                found.extend((row, day, tz) for row in rows)
            day += timedelta(days=1)
    if not found:
        return []
    trip_ids = {row["trip_id"] for row, _, _ in found}
    trips = {trip.pk: trip for trip in Trip.objects.filter(pk__in=trip_ids).select_related("route", "version__feed")}
    calls: dict[int, list[tuple]] = {}
    for values in (
        StopTime.objects.filter(version_id__in=list(by_version), trip_id__in=trip_ids)
        .order_by("trip_id", "stop_sequence")
        .values_list(
            "trip_id",
            "stop_sequence",
            "stop_id",
            "stop__name",
            "arrival_time",
            "departure_time",
            "drop_off_type",
            "stop__stop_id",
        )
    ):
        calls.setdefault(values[0], []).append(values)
    result: list[Departure] = []
    for row, day, tz in found:
        trip = trips[row["trip_id"]]
        remaining = [
            CallAt(
                stop_id=stop_id,
                stop_name=name,
                stop_sequence=seq,
                arrival=gtfs_time_to_datetime(day, arr, tz) if arr is not None else None,
                departure=gtfs_time_to_datetime(day, dep, tz) if dep is not None else None,
                gtfs_stop_id=gtfs_stop_id,
            )
            for _, seq, stop_id, name, arr, dep, _drop, gtfs_stop_id in calls.get(trip.pk, [])
            if seq > row["stop_sequence"]
        ]
        if not remaining:
            continue
        stop = stops[row["stop_id"]]
        result.append(
            Departure(
                stop_id=stop.pk,
                gtfs_stop_id=stop.stop_id,
                stop_name=stop.name,
                stop_sequence=row["stop_sequence"],
                service_date=day,
                departure=gtfs_time_to_datetime(day, row["departure_time"], tz),
                trip_id=trip.pk,
                gtfs_trip_id=trip.trip_id,
                headsign=trip.headsign or (remaining[-1].stop_name if remaining else ""),
                route_id=trip.route_id,
                route_short_name=trip.route.short_name,
                route_long_name=trip.route.long_name,
                route_type=trip.route.route_type,
                feed_id=trip.version.feed_id,
                feed_kind=trip.version.feed.kind,
                bookable=trip.version.feed.kind == FeedKind.COMMUNITY_BUS,
                remaining_stops=remaining,
            )
        )
    result.sort(key=lambda d: (d.departure, d.route_short_name, d.trip_id))
    return result[:limit]


def route_list(*, feed_id: int | None = None) -> QuerySet[Route]:
    routes = Route.objects.filter(version_id__in=active_version_ids()).select_related("version", "booking_rule")
    if feed_id is not None:
        routes = routes.filter(version__feed_id=feed_id)
    return routes.order_by("version__feed_id", "short_name", "id")


def trip_get(*, trip_id: int) -> Trip:
    trip = (
        Trip.objects.filter(pk=trip_id, version_id__in=active_version_ids())
        .select_related("route", "service", "booking_rule", "version__feed")
        .first()
    )
    if trip is None:
        raise NotFound("No such trip in an active feed.", code="gtfs_trip_not_found")
    return trip


def trip_stop_times(*, trip: Trip) -> QuerySet[StopTime]:
    return (
        StopTime.objects.filter(version_id=trip.version_id, trip=trip).select_related("stop").order_by("stop_sequence")
    )


def booking_list_for(*, user) -> QuerySet:
    from .models import BuergerbusBooking

    return (
        BuergerbusBooking.objects.filter(passenger=user)
        .select_related("trip__route", "from_stop", "to_stop")
        .order_by("-service_date", "-id")
    )


def booking_list_staff() -> QuerySet:
    from .models import BuergerbusBooking

    return BuergerbusBooking.objects.select_related("trip__route", "from_stop", "to_stop", "passenger").order_by("-id")


def buergerbus_trip_get(*, trip_id: int) -> Trip:
    """A Bürgerbus trip of any version (route and version loaded), for its manifests;
    ``NotFound`` (``buergerbus_trip_not_found``) for any other id."""
    trip = (
        Trip.objects.filter(pk=trip_id, version__feed__kind=FeedKind.COMMUNITY_BUS)
        .select_related("route", "version")
        .first()
    )
    if trip is None:
        raise NotFound("No such Bürgerbus trip.", code="buergerbus_trip_not_found")
    return trip


def trip_manifest(*, trip_id: int, service_date: date) -> dict:
    """The driver's list for one trip and day: who boards and alights at each stop.

    Contains names and phone numbers; staff only.
    """
    from .models import BuergerbusBooking

    trip = buergerbus_trip_get(trip_id=trip_id)
    tz = ZoneInfo(trip.version.timezone)
    bookings = list(
        BuergerbusBooking.objects.filter(
            trip=trip, service_date=service_date, status=BuergerbusBooking.Status.CONFIRMED
        )
        .select_related("passenger")
        .order_by("id")
    )

    def person(b) -> dict:
        if b.passenger_id:
            return {
                "booking_id": b.pk,
                "name": b.passenger.display_name or b.passenger.email,
                "phone": b.passenger.phone,
                "seats": b.seats,
                "assisted": b.assisted,
            }
        return {
            "booking_id": b.pk,
            "name": b.passenger_name,
            "phone": b.passenger_phone,
            "seats": b.seats,
            "assisted": b.assisted,
        }

    stops = []
    onboard = 0
    for st in trip_stop_times(trip=trip):
        boarding = [person(b) for b in bookings if b.from_sequence == st.stop_sequence]
        alighting = [person(b) for b in bookings if b.to_sequence == st.stop_sequence]
        onboard += sum(p["seats"] for p in boarding) - sum(p["seats"] for p in alighting)
        stops.append(
            {
                "stop_sequence": st.stop_sequence,
                "stop_id": st.stop_id,
                "stop_name": st.stop.name,
                "departure": gtfs_time_to_datetime(service_date, st.departure_time, tz)
                if st.departure_time is not None
                else None,
                "boarding": boarding,
                "alighting": alighting,
                "onboard_after": onboard,
            }
        )
    return {
        "trip_id": trip.pk,
        "route_short_name": trip.route.short_name,
        "headsign": trip.headsign,
        "service_date": service_date,
        "capacity": trip.capacity,
        "seats_booked": sum(b.seats for b in bookings),
        "stops": stops,
    }


# -- the map ----------------------------------------------------------------------------------


def stops_geojson() -> dict:
    """Stops (and stations) of the active feed versions as GeoJSON points; entrances, nodes
    and boarding areas (``location_type`` ≥ 2) and stops without coordinates are left out."""
    stops = (
        Stop.objects.filter(version_id__in=active_version_ids(), lat__isnull=False, lon__isnull=False)
        .exclude(location_type__gte=2)
        .select_related("version__feed")
        .order_by("name", "id")
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f"stop-{stop.pk}",
                "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                "properties": {
                    "layer": "stops",
                    "name": stop.name or stop.stop_id,
                    "feed": stop.version.feed.name,
                    "buergerbus": stop.version.feed.kind == FeedKind.COMMUNITY_BUS,
                },
            }
            for stop in stops
        ],
    }


def lines_geojson() -> dict:
    """The lines of the active feed versions as GeoJSON: per route and direction, the stop
    sequence of its longest trip drawn stop to stop (the feeds carry no shapes here)."""
    from django.db.models import Count

    versions = active_version_ids()
    trips = (
        Trip.objects.filter(version_id__in=versions)
        .annotate(calls=Count("stop_times"))
        .values_list("id", "route_id", "direction_id", "calls")
        .order_by("route_id", "direction_id", "-calls", "id")
    )
    chosen: dict[tuple[int, int | None], int] = {}
    for trip_id, route_id, direction_id, _calls in trips:
        chosen.setdefault((route_id, direction_id), trip_id)
    coords: dict[int, list[list[float]]] = {trip_id: [] for trip_id in chosen.values()}
    rows = (
        StopTime.objects.filter(trip_id__in=list(coords))
        .order_by("trip_id", "stop_sequence")
        .values_list("trip_id", "stop__lon", "stop__lat")
    )
    for trip_id, lon, lat in rows:
        if lon is not None and lat is not None:
            coords[trip_id].append([lon, lat])
    routes = {route.pk: route for route in Route.objects.filter(pk__in={key[0] for key in chosen})}
    features = []
    for (route_id, direction_id), trip_id in sorted(chosen.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        if len(coords[trip_id]) < 2:
            continue
        route = routes[route_id]
        features.append(
            {
                "type": "Feature",
                "id": f"line-{route_id}-{direction_id if direction_id is not None else 0}",
                "geometry": {"type": "LineString", "coordinates": coords[trip_id]},
                "properties": {
                    "layer": "lines",
                    "name": route.short_name or route.long_name or route.route_id,
                    "long_name": route.long_name,
                    "color": f"#{route.color}" if len(route.color) == 6 else "",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# -- what the API shows (visibility rules live here, not in the views) -------------------------


def booking_visible_to(*, user, booking_id: int):
    """One Bürgerbus booking: staff and operators see any, residents only their own
    (``NotFound`` for anyone else's: they are invisible)."""
    from .models import BuergerbusBooking

    qs = BuergerbusBooking.objects.select_related("trip__route", "from_stop", "to_stop")
    if not (user.is_town_staff or user.is_operator):
        qs = qs.filter(passenger=user)
    booking = qs.filter(pk=booking_id).first()
    if booking is None:
        raise NotFound("No such booking.", code="buergerbus_booking_not_found")
    return booking


def manifest_passengers(*, trip_id: int, service_date: date) -> list:
    """The registered residents on a trip's manifest that day (whose data the manifest shows)."""
    from .models import BuergerbusBooking

    return [
        booking.passenger
        for booking in BuergerbusBooking.objects.filter(
            trip_id=trip_id,
            service_date=service_date,
            status=BuergerbusBooking.Status.CONFIRMED,
            passenger__isnull=False,
        ).select_related("passenger")
    ]


def gtfs_imports() -> QuerySet:
    from .models import GtfsImport

    return GtfsImport.objects.all()


def import_list(*, limit: int = 50) -> QuerySet:
    """The latest uploaded feeds with their import's outcome, newest first."""
    from .models import GtfsImport

    return GtfsImport.objects.select_related("version", "created_by").order_by("-id")[:limit]


def import_get(*, import_id: int):
    """One uploaded feed's import record; ``NotFound`` (``gtfs_import_not_found``) otherwise."""
    from .models import GtfsImport

    record = GtfsImport.objects.select_related("version", "created_by").filter(pk=import_id).first()
    if record is None:
        raise NotFound("No such import.", code="gtfs_import_not_found")
    return record


def buergerbus_stops_and_lines(*, version_id: int) -> dict:
    """Only the stops and lines of a Bürgerbus version (for the trip form and the preview)."""
    return {
        "stops": list(Stop.objects.filter(version_id=version_id).order_by("name", "id")),
        "lines": list(Route.objects.filter(version_id=version_id).order_by("short_name", "id")),
    }


def driver_list_active():
    """The active Bürgerbus drivers with their qualifications (for staff; views are logged)."""
    from .models import BuergerbusDriver

    return BuergerbusDriver.objects.filter(active=True).prefetch_related("qualifications")
