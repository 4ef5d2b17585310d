"""The active ride offers as a GTFS feed, so regional journey planners can show them.

Like Amarillo (MFDZ), every offer becomes a route with one trip, ``route_type`` 1551
(carpool, the extended route type Amarillo uses) and a service listing its ride dates within
the horizon in ``calendar_dates.txt``. Privacy: the feed holds stop-level places only. The
driver's origin and destination are snapped to the nearest public place (a curated meeting
point or a public-transport stop); an offer with no public place within
``RIDES_GTFS_MAX_SNAP_M`` of its origin or destination is left out rather than published
with a private position. No names, no user ids, no exact coordinates, no route polyline.

Times in ``stop_times.txt`` are GTFS times of the service day in ``TIME_ZONE`` (seconds after
"noon minus 12 h"). A recurring offer keeps its local time of day; on the nights the clocks
change that wall-clock time is another GTFS time, so such dates get a trip of their own.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from gtfs.domain.times import datetime_to_gtfs_time
from mobility.appsettings import app_setting
from mobility.geo import haversine_m

from .domain.recurrence import occurrence_dates
from .models import SEAT_HOLDING, MeetingPoint, OfferStatus, RideBooking, RideOffer

#: GTFS extended route type for carpooling used by Amarillo (``RIDESHARING_ROUTE_TYPE``).
CARPOOL_ROUTE_TYPE = 1551
AGENCY_ID = "ridesharing"
#: stop_times pickup/drop-off types: 1 = none, 3 = coordinate with the driver.
NONE, COORDINATE_WITH_DRIVER = 1, 3


def _setting(name: str, default: object) -> object:
    """Django setting ``name``, else the environment variable of that name, else ``default``."""
    return app_setting(name, default)


def horizon_days() -> int:
    """``RIDES_GTFS_HORIZON_DAYS``: how many days ahead recurring offers are published."""
    return int(_setting("RIDES_GTFS_HORIZON_DAYS", 14))


def max_snap_m() -> float:
    """``RIDES_GTFS_MAX_SNAP_M``: farthest public place (metres) an origin/destination snaps to."""
    return float(_setting("RIDES_GTFS_MAX_SNAP_M", 1500.0))


@dataclass(frozen=True)
class PublicPlace:
    """A place anyone may know: a meeting point or a public-transport stop."""

    stop_id: str
    name: str
    lat: float
    lon: float


def public_places() -> list[PublicPlace]:
    """Active meeting points, then the stops of every active timetable (platforms left out)."""
    places = [
        PublicPlace(f"mp-{mp.pk}", mp.name, float(mp.lat), float(mp.lon))
        for mp in MeetingPoint.objects.filter(active=True).order_by("pk")
    ]
    try:  # The timetable app is optional for this feed.
        from gtfs.models import Stop
        from gtfs.selectors import active_version_ids
    except ImportError:  # pragma: no cover - gtfs is an installed app in this project
        return places
    versions = active_version_ids()
    stops = (
        Stop.objects.filter(version_id__in=versions, lat__isnull=False, lon__isnull=False)
        .filter(location_type__in=[0, 1])
        .order_by("pk")
        .values_list("pk", "name", "lat", "lon")
    )
    places.extend(
        PublicPlace(f"stop-{pk}", name or "Haltestelle", float(lat), float(lon)) for pk, name, lat, lon in stops
    )
    return places


class PlaceIndex:
    """Nearest public place to a point, vectorised over all places (numpy)."""

    def __init__(self, places: list[PublicPlace]) -> None:
        self.places = places
        self.lat = np.array([p.lat for p in places], dtype=float)
        self.lon = np.array([p.lon for p in places], dtype=float)

    def nearest(self, lat: float, lon: float, limit_m: float) -> PublicPlace | None:
        """The place nearest to ``(lat, lon)`` (degrees) within ``limit_m`` metres (haversine), or None."""
        if not self.places:
            return None
        distance = haversine_m(lat, lon, self.lat, self.lon)
        best = int(np.argmin(distance))
        return self.places[best] if distance[best] <= limit_m else None


def nearest_place(places: list[PublicPlace], lat: float, lon: float, limit_m: float) -> PublicPlace | None:
    """The public place nearest to ``(lat, lon)`` within ``limit_m`` metres, or None."""
    return PlaceIndex(places).nearest(lat, lon, limit_m)


def _gtfs_time(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _exceptions(values: Iterable) -> list[date]:
    out = []
    for value in values or []:
        try:
            out.append(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            continue
    return out


def _full_dates(offer_ids: list[int]) -> set[tuple[int, date]]:
    """(offer id, date) of ride occurrences whose seats are all held by bookings."""
    held = (
        RideBooking.objects.filter(offer_id__in=offer_ids, status__in=SEAT_HOLDING)
        .values("offer_id", "offer__seats", "occurrence_date")
        .annotate(taken=Sum("seats"))
    )
    return {(row["offer_id"], row["occurrence_date"]) for row in held if row["taken"] >= row["offer__seats"]}


def gtfs_tables(*, now: datetime | None = None, public_url: str = "") -> dict[str, list[dict[str, object]]]:
    """The feed's tables as rows (file name -> list of dicts), for the zip and for tests."""
    now = now or timezone.now()
    tz = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(tz).date()
    last = today + timedelta(days=horizon_days() - 1)
    places = PlaceIndex(public_places())
    limit = max_snap_m()
    offers = list(
        RideOffer.objects.filter(status=OfferStatus.ACTIVE)
        .select_related("origin_meeting_point", "destination_meeting_point")
        .order_by("pk")
    )
    full = _full_dates([o.pk for o in offers])

    stops: dict[str, PublicPlace] = {}
    routes, trips, stop_times, calendar_dates = [], [], [], []
    for offer in offers:
        origin = _snap(offer, "origin", places, limit)
        destination = _snap(offer, "destination", places, limit)
        if origin is None or destination is None or origin.stop_id == destination.stop_id:
            continue
        local_departure = offer.departure.astimezone(tz)
        dates = [
            day
            for day in occurrence_dates(
                local_departure.date(),
                weekdays_mask=int(offer.recurrence_weekdays or 0),
                until=offer.recurrence_until,
                exceptions=_exceptions(offer.recurrence_exceptions),
                start=today,
                end=last,
            )
            if (offer.pk, day) not in full
        ]
        if not dates:
            continue
        stops[origin.stop_id] = origin
        stops[destination.stop_id] = destination
        # GTFS times count from "noon minus 12 h" of the service day: on the nights the clocks
        # change, the same wall-clock departure is another GTFS time (or belongs to the
        # previous service day), so occurrences are grouped by their exact (day, time).
        groups: dict[int, list[date]] = {}
        for day in dates:
            moment = datetime.combine(day, local_departure.timetz().replace(tzinfo=None), tzinfo=tz)
            service_day, departure_s = datetime_to_gtfs_time(moment, tz)
            groups.setdefault(departure_s, []).append(service_day)
        duration_s = max(60, int(round(float(offer.duration_s) / 60.0)) * 60)
        ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
        for rank, (departure_s, service_days) in enumerate(ordered):
            key = f"offer-{offer.pk}" if rank == 0 else f"offer-{offer.pk}-{departure_s}"
            if rank == 0:
                routes.append(
                    {
                        "route_id": key,
                        "agency_id": AGENCY_ID,
                        "route_short_name": "Mitfahren",
                        "route_long_name": f"{origin.name} → {destination.name}",
                        "route_type": CARPOOL_ROUTE_TYPE,
                    }
                )
            trips.append(
                {
                    "route_id": f"offer-{offer.pk}",
                    "service_id": key,
                    "trip_id": key,
                    "trip_headsign": destination.name,
                    "bikes_allowed": 2,
                }
            )
            stop_times.append(
                {
                    "trip_id": key,
                    "arrival_time": _gtfs_time(departure_s),
                    "departure_time": _gtfs_time(departure_s),
                    "stop_id": origin.stop_id,
                    "stop_sequence": 1,
                    "pickup_type": COORDINATE_WITH_DRIVER,
                    "drop_off_type": NONE,
                    "timepoint": 0,
                }
            )
            stop_times.append(
                {
                    "trip_id": key,
                    "arrival_time": _gtfs_time(departure_s + duration_s),
                    "departure_time": _gtfs_time(departure_s + duration_s),
                    "stop_id": destination.stop_id,
                    "stop_sequence": 2,
                    "pickup_type": NONE,
                    "drop_off_type": COORDINATE_WITH_DRIVER,
                    "timepoint": 0,
                }
            )
            calendar_dates.extend(
                {"service_id": key, "date": d.strftime("%Y%m%d"), "exception_type": 1} for d in sorted(service_days)
            )

    site = getattr(settings, "FRONTEND_URL", "") or public_url or "http://127.0.0.1:8000"
    name = str(_setting("RIDES_GTFS_AGENCY_NAME", "Mitfahren Lindenau"))
    stop_rows = [
        {"stop_id": p.stop_id, "stop_name": p.name, "stop_lat": round(p.lat, 6), "stop_lon": round(p.lon, 6)}
        for p in sorted(stops.values(), key=lambda p: p.stop_id)
    ]
    # The version names the content, so an unchanged feed keeps its version (and its ETag).
    content = repr((today, stop_rows, routes, trips, stop_times, calendar_dates)).encode()
    version = hashlib.sha256(content).hexdigest()[:16]
    return {
        "agency.txt": [
            {
                "agency_id": AGENCY_ID,
                "agency_name": name,
                "agency_url": site,
                "agency_timezone": settings.TIME_ZONE,
                "agency_lang": "de",
            }
        ],
        "feed_info.txt": [
            {
                "feed_publisher_name": name,
                "feed_publisher_url": site,
                "feed_lang": "de",
                "feed_start_date": today.strftime("%Y%m%d"),
                "feed_end_date": last.strftime("%Y%m%d"),
                "feed_version": version,
            }
        ],
        "stops.txt": stop_rows,
        "routes.txt": routes,
        "trips.txt": trips,
        "stop_times.txt": stop_times,
        "calendar_dates.txt": calendar_dates,
    }


def _snap(offer: RideOffer, end: str, places: PlaceIndex, limit_m: float) -> PublicPlace | None:
    """The offer's chosen meeting point if it has an active one, else the nearest public place."""
    meeting_point = getattr(offer, f"{end}_meeting_point", None)
    if meeting_point is not None and meeting_point.active:
        return PublicPlace(
            f"mp-{meeting_point.pk}", meeting_point.name, float(meeting_point.lat), float(meeting_point.lon)
        )
    return places.nearest(float(getattr(offer, f"{end}_lat")), float(getattr(offer, f"{end}_lon")), limit_m)


_COLUMNS = {
    "agency.txt": ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
    "feed_info.txt": [
        "feed_publisher_name",
        "feed_publisher_url",
        "feed_lang",
        "feed_start_date",
        "feed_end_date",
        "feed_version",
    ],
    "stops.txt": ["stop_id", "stop_name", "stop_lat", "stop_lon"],
    "routes.txt": ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
    "trips.txt": ["route_id", "service_id", "trip_id", "trip_headsign", "bikes_allowed"],
    "stop_times.txt": [
        "trip_id",
        "arrival_time",
        "departure_time",
        "stop_id",
        "stop_sequence",
        "pickup_type",
        "drop_off_type",
        "timepoint",
    ],
    "calendar_dates.txt": ["service_id", "date", "exception_type"],
}


def gtfs_zip(*, now: datetime | None = None, public_url: str = "") -> bytes:
    """The GTFS feed as zip bytes (CSV, UTF-8, header row even for empty tables); ``public_url``
    is the agency_url when FRONTEND_URL is not configured."""
    tables = gtfs_tables(now=now, public_url=public_url)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for filename, columns in _COLUMNS.items():
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(tables[filename])
            info = zipfile.ZipInfo(filename, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.getvalue().encode("utf-8"))
    return buffer.getvalue()
