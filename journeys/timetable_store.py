"""Compiled timetables of the active GTFS feed versions, per service day and worker.

Reads the active versions of every feed (the regional feed and the Bürgerbus together)
from the database into one ``TimetableSource``, compiles a service day with
``timetable_for_date`` and keeps it in the ``TimetableCache`` (``.npz`` files shared by the
workers, memoised per process). The cache key is the set of active version tokens plus the
time zones involved (``timetable_cache_key``), so a feed version switch (an import, a
Bürgerbus timetable edit) or another zone is picked up by the next query.

Ids inside the compiled timetable are database primary keys as strings: stop ids are
``Stop.pk``, trip ids ``Trip.pk``, route ids ``Route.pk``, service ids ``Service.pk``.
Times are seconds after the GTFS time zero ("noon minus 12 h") of the searched service day in
the site's ``TIME_ZONE``. Each feed version's trips of service day d are placed at d's time
zero in the version's own zone (``agency_timezone``; ``GTFS_DEFAULT_TIMEZONE`` when blank)
plus their GTFS time, so feeds of several zones are planned together exactly.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from django.conf import settings

from gtfs.domain.times import service_day_reference
from gtfs.models import CalendarDate, FeedKind, FeedVersion, Route, Service, Stop, StopTime, Transfer, Trip
from gtfs.selectors import ActiveVersions, active_versions

from . import conf
from .domain.cache import TimetableCache
from .domain.timetable import (
    ServiceCalendar,
    Timetable,
    TimetableSource,
    TransferInput,
    make_monotone,
    timetable_for_date,
)

logger = logging.getLogger(__name__)

_cache: TimetableCache | None = None
_cache_lock = threading.Lock()


def timetable_cache() -> TimetableCache:
    global _cache
    with _cache_lock:
        if _cache is None:
            _cache = TimetableCache(conf.JOURNEYS_TIMETABLE_DIR)
        return _cache


def active_version_ids() -> list[int]:
    """The active version of every feed, sorted (``gtfs.selectors.active_versions``)."""
    return list(active_versions().ids)


def versions_of(version_ids: list[int]) -> ActiveVersions:
    """These versions (the ones that exist) with their tokens, kinds and zones, read afresh."""
    rows = sorted(
        FeedVersion.objects.filter(pk__in=version_ids).values_list("pk", "edited_at", "feed__kind", "timezone")
    )
    return ActiveVersions(
        ids=tuple(pk for pk, *_ in rows),
        tokens=tuple(
            str(pk) if edited is None else f"{pk}_{int(edited.timestamp() * 1000)}" for pk, edited, *_ in rows
        ),
        kinds={pk: kind for pk, _, kind, _ in rows},
        zones={pk: zone for pk, _, _, zone in rows},
    )


def version_tokens(version_ids: list[int] | None = None) -> tuple[list[int], list[str]]:
    """(version ids, cache tokens) of the active versions (or of ``version_ids``). A token is
    the id, plus the time of the last in-place edit (the Bürgerbus timetable is edited without
    a new version), so an edited timetable is compiled afresh instead of read from the cache."""
    versions = active_versions() if version_ids is None else versions_of(version_ids)
    return list(versions.ids), list(versions.tokens)


@functools.lru_cache(maxsize=64)
def feed_zone(name: str | None) -> str:
    """The zone a feed version's GTFS times count in: its ``agency_timezone``, or
    ``GTFS_DEFAULT_TIMEZONE`` when blank or unknown to this system's zone database."""
    from gtfs import conf as gtfs_conf

    name = (name or "").strip()
    if name:
        try:
            return ZoneInfo(name).key
        except (ZoneInfoNotFoundError, ValueError):
            logger.warning("feed time zone %r unknown; using %s", name, gtfs_conf.GTFS_DEFAULT_TIMEZONE)
    return gtfs_conf.GTFS_DEFAULT_TIMEZONE


def version_zones(versions: ActiveVersions) -> dict[int, str]:
    """The zone of each version (``feed_zone``)."""
    return {pk: feed_zone(versions.zones.get(pk)) for pk in versions.ids}


def version_tz(versions: ActiveVersions, version_id: int) -> ZoneInfo:
    """The zone of one of these versions, e.g. for a Bürgerbus trip's booking deadline."""
    return _zone(feed_zone(versions.zones.get(version_id)))


def _key_tokens(versions: ActiveVersions) -> list[str]:
    """The version tokens plus one for the zones: the site's and every version's, since a
    compiled timetable places each version's days by its zone against the site's."""
    zones = version_zones(versions)
    text = "|".join([settings.TIME_ZONE, *(f"{pk}={zones[pk]}" for pk in versions.ids)])
    return [*versions.tokens, "tz" + hashlib.sha256(text.encode()).hexdigest()[:12]]


def timetable_cache_key(version_ids: list[int] | None = None, *, active: ActiveVersions | None = None) -> str:
    """The ``TimetableCache`` key the timetables of these versions (the active ones) are kept under."""
    if active is None:
        active = active_versions() if version_ids is None else versions_of(version_ids)
    return TimetableCache.version_key(_key_tokens(active))


def source_from_db(
    version_ids: list[int], zones: dict[int, str] | None = None
) -> tuple[TimetableSource, ServiceCalendar]:
    """All stops, trips, stop times, transfers and calendars of these versions, columnar, with
    the zone of every service (``zones``: version id → zone name; read when not given).

    Stop times without times (GTFS allows blanks between timepoints) are left out: a
    rider cannot be promised a boarding or alighting there.
    """
    if zones is None:
        zones = version_zones(versions_of(version_ids))
    stops = list(
        Stop.objects.filter(version_id__in=version_ids, lat__isnull=False, lon__isnull=False)
        .order_by("pk")
        .values_list("pk", "name", "lat", "lon")
    )
    stop_index = {pk: i for i, (pk, _, _, _) in enumerate(stops)}
    trip_route_service = {
        pk: (route, service)
        for pk, route, service in Trip.objects.filter(version_id__in=version_ids).values_list(
            "pk", "route_id", "service_id"
        )
    }
    service_zones = {
        str(pk): zones.get(version, feed_zone(None))
        for pk, version in Service.objects.filter(version_id__in=version_ids).values_list("pk", "version_id")
    }
    rows = (
        StopTime.objects.filter(version_id__in=version_ids, arrival_time__isnull=False, departure_time__isnull=False)
        .order_by("trip_id", "stop_sequence")
        .values_list("trip_id", "stop_id", "arrival_time", "departure_time", "pickup_type", "drop_off_type")
    )
    data = np.array(list(rows), dtype=np.int64).reshape(-1, 6)
    if len(data):
        keep = np.array([stop in stop_index for stop in data[:, 1].tolist()], dtype=bool)
        data = data[keep]
    trip_col = data[:, 0]
    boundaries = np.flatnonzero(np.diff(trip_col)) + 1 if len(data) else np.empty(0, np.int64)
    starts = np.concatenate([[0], boundaries, [len(data)]]).astype(np.int64) if len(data) else np.zeros(1, np.int64)
    trip_pks = trip_col[starts[:-1]].tolist() if len(data) else []
    # A trip needs two calls to be of any use; drop the others with their rows.
    lengths = np.diff(starts)
    if len(lengths) and (lengths < 2).any():
        keep_trip = np.repeat(lengths >= 2, lengths)
        data = data[keep_trip]
        trip_pks = [pk for pk, n in zip(trip_pks, lengths.tolist(), strict=True) if n >= 2]
        lengths = lengths[lengths >= 2]
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    st_stop = np.array([stop_index[s] for s in data[:, 1].tolist()], dtype=np.int32)
    arrivals, departures = make_monotone(starts, data[:, 2].astype(np.int32), data[:, 3].astype(np.int32))
    transfers = [
        TransferInput(str(a), str(b), int(kind), int(seconds) if seconds is not None else None)
        for a, b, kind, seconds in Transfer.objects.filter(version_id__in=version_ids).values_list(
            "from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"
        )
    ]
    source = TimetableSource(
        stop_ids=[str(pk) for pk, _, _, _ in stops],
        stop_names=[name for _, name, _, _ in stops],
        stop_lat=np.array([lat for _, _, lat, _ in stops], dtype=np.float64),
        stop_lon=np.array([lon for _, _, _, lon in stops], dtype=np.float64),
        trip_ids=[str(pk) for pk in trip_pks],
        trip_route_ids=[str(trip_route_service[pk][0]) for pk in trip_pks],
        trip_service_ids=[str(trip_route_service[pk][1]) for pk in trip_pks],
        trip_st_start=starts,
        st_stop=st_stop,
        st_arr=arrivals,
        st_dep=departures,
        st_pickup=data[:, 4] != 1,  # 1 = no pickup; 2/3 (phone, coordinate) are possible
        st_dropoff=data[:, 5] != 1,
        transfers=transfers,
        service_zones=service_zones,
    )
    return source, calendar_from_db(version_ids)


def calendar_from_db(version_ids: list[int]) -> ServiceCalendar:
    calendar = ServiceCalendar()
    for service in Service.objects.filter(version_id__in=version_ids, has_calendar=True):
        if service.start_date and service.end_date:
            days = tuple(bool(getattr(service, day)) for day in Service.WEEKDAYS)
            calendar.weekly[str(service.pk)] = (days, service.start_date, service.end_date)
    for service_id, day, kind in CalendarDate.objects.filter(service__version_id__in=version_ids).values_list(
        "service_id", "date", "exception_type"
    ):
        target = calendar.added if kind == CalendarDate.ExceptionType.ADDED else calendar.removed
        target.setdefault(day, set()).add(str(service_id))
    return calendar


def timetable_for(
    day: dt.date, version_ids: list[int] | None = None, *, active: ActiveVersions | None = None
) -> Timetable | None:
    """The compiled timetable of service day ``day`` (``None`` when no feed is active), of
    ``version_ids``, of the ``active`` versions a caller already read, or of the active ones.
    Its times count from the GTFS time zero of ``day`` in the site's zone; each version's
    trips are placed by the time zeros of its own zone (``timetable_for_date``)."""
    if active is None or version_ids is not None:
        active = active_versions() if version_ids is None else versions_of(version_ids)
    if not active.ids:
        return None
    ids, zones = list(active.ids), version_zones(active)

    def build() -> Timetable:
        source, calendar = source_from_db(ids, zones)
        return timetable_for_date(source, calendar, day, config=conf.timetable_config(), tz=local_tz())

    return timetable_cache().get(_key_tokens(active), day, build)


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_tz() -> ZoneInfo:
    return _zone(settings.TIME_ZONE)


@functools.lru_cache(maxsize=64)
def _time_zero(day: dt.date, zone: str) -> dt.datetime:
    """The GTFS time zero ("noon minus 12 h") of ``day``: a search converts dozens of times of
    the same one or two service days."""
    return service_day_reference(day, _zone(zone))


def to_service_time(moment: dt.datetime) -> tuple[dt.date, int]:
    """(service day, seconds after its GTFS time zero) of an aware datetime."""
    tz = local_tz()
    day = moment.astimezone(tz).date()
    return day, int((moment - _time_zero(day, tz.key)).total_seconds())


def from_service_time(day: dt.date, seconds: int) -> dt.datetime:
    """The aware local datetime of ``seconds`` after the GTFS time zero of ``day``."""
    tz = local_tz()
    return (_time_zero(day, tz.key) + dt.timedelta(seconds=int(seconds))).astimezone(tz)


def stops_by_pk(pks: set[int]) -> dict[int, Stop]:
    return Stop.objects.in_bulk(pks)


# --- What the answer needs besides the timetable, cached per active version ---------------------


@dataclass(frozen=True)
class TripInfo:
    """What a transit leg shows of its trip (``route_type`` as in GTFS routes.txt)."""

    pk: int
    version_id: int
    route_type: int
    line: str
    headsign: str
    capacity: int
    booking_rule_id: int | None


@dataclass(frozen=True)
class BookingRuleInfo:
    pk: int
    booking_type: int
    prior_notice_duration_min: int | None
    prior_notice_last_day: int | None
    prior_notice_last_time: int | None
    message: str
    phone_number: str


@dataclass
class VersionRows:
    """One feed version's trips (with their route's type and name) and booking rules; for a
    Bürgerbus feed also its calls: (trip pk, stop pk) → (first stop_sequence there, pickup_type)."""

    trips: dict[int, TripInfo]
    booking_rules: dict[int, BookingRuleInfo]
    calls: dict[tuple[int, int], tuple[int, int]]


@dataclass
class SearchRows:
    """The merged ``VersionRows`` of the active versions."""

    active: ActiveVersions
    trips: dict[int, TripInfo]
    booking_rules: dict[int, BookingRuleInfo]
    calls: dict[tuple[int, int], tuple[int, int]]

    def __post_init__(self) -> None:
        self._buergerbus = frozenset(pk for pk, kind in self.active.kinds.items() if kind == FeedKind.COMMUNITY_BUS)

    def is_buergerbus(self, trip: TripInfo) -> bool:
        return trip.version_id in self._buergerbus


_rows_lock = threading.Lock()


def _load_version_rows(version_id: int, kind: str) -> VersionRows:
    routes = {
        pk: (route_type, short_name or long_name)
        for pk, route_type, short_name, long_name in Route.objects.filter(version_id=version_id).values_list(
            "pk", "route_type", "short_name", "long_name"
        )
    }
    trips = {}
    for pk, route_id, headsign, capacity, rule_id in Trip.objects.filter(version_id=version_id).values_list(
        "pk", "route_id", "headsign", "capacity", "booking_rule_id"
    ):
        route_type, line = routes[route_id]
        trips[pk] = TripInfo(pk, version_id, route_type, line, headsign, capacity, rule_id)
    rules: dict[int, BookingRuleInfo] = {}
    calls: dict[tuple[int, int], tuple[int, int]] = {}
    if kind == FeedKind.COMMUNITY_BUS:
        from gtfs.models import BookingRule

        for row in BookingRule.objects.filter(version_id=version_id).values_list(
            "pk",
            "booking_type",
            "prior_notice_duration_min",
            "prior_notice_last_day",
            "prior_notice_last_time",
            "message",
            "phone_number",
        ):
            rules[row[0]] = BookingRuleInfo(*row)
        # descending, so the first call of a trip at a stop (its smallest sequence) wins
        for trip_id, stop_id, sequence, pickup_type in (
            StopTime.objects.filter(version_id=version_id)
            .order_by("trip_id", "-stop_sequence")
            .values_list("trip_id", "stop_id", "stop_sequence", "pickup_type")
        ):
            calls[(trip_id, stop_id)] = (sequence, pickup_type)
    return VersionRows(trips, rules, calls)


def search_rows(active: ActiveVersions | None = None) -> SearchRows:
    """Trips, routes, booking rules and Bürgerbus calls of the active versions, read once per
    version token and process (the rows of a version never change; an edit of the Bürgerbus
    timetable gives its version a new token), so a search reads none of them."""
    active = active or active_versions()
    memo = timetable_cache().extras  # forgotten with the timetable cache
    key = ("search_rows", active.tokens)
    with _rows_lock:
        found = memo.get(key)
    if isinstance(found, SearchRows):
        return found
    parts = []
    for pk, token in zip(active.ids, active.tokens, strict=True):
        with _rows_lock:
            part = memo.get(("version_rows", token))
        if not isinstance(part, VersionRows):
            part = _load_version_rows(pk, active.kinds.get(pk, FeedKind.TRANSIT))
        parts.append((("version_rows", token), part))
    rows = SearchRows(active, {}, {}, {})
    for _, part in parts:
        rows.trips.update(part.trips)
        rows.booking_rules.update(part.booking_rules)
        rows.calls.update(part.calls)
    with _rows_lock:
        # keep only what the active versions need (an old version's rows go with it)
        for old in [k for k in memo if isinstance(k, tuple) and k[:1] in {("version_rows",), ("search_rows",)}]:
            del memo[old]
        memo.update(parts)
        memo[key] = rows
    return rows
