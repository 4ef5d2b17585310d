"""Car-sharing reads: availability, search near a point, reservations, utilisation."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from .domain import availability
from .models import BLOCKING_STATUSES, Reservation, ReservationKind, Vehicle

USED_STATUSES = ("confirmed", "active", "returned", "settled")


@dataclass(frozen=True)
class VehicleAvailability:
    vehicle: Vehicle
    busy: list[tuple[datetime, datetime]]
    free: list[tuple[datetime, datetime]]


def vehicle_availability(*, vehicle: Vehicle, start: datetime, end: datetime, now: datetime) -> VehicleAvailability:
    """Busy (occupied, buffers included) and free intervals of one vehicle within ``[start, end)``."""
    if not vehicle.in_service:
        return VehicleAvailability(vehicle, [(start, end)], [])
    rows = (
        Reservation.objects.filter(
            vehicle=vehicle, status__in=BLOCKING_STATUSES, start__lt=end, blocked_until__gt=start
        )
        .exclude(status="held", held_until__lt=now)
        .values_list("start", "blocked_until")
    )
    busy = list(rows)
    return VehicleAvailability(
        vehicle, availability.busy_within(busy, start, end), availability.free_within(busy, start, end)
    )


def vehicles_free_near(
    *, start: datetime, end: datetime, lat: float | None, lon: float | None, radius_km: float, now: datetime
) -> list[tuple[Vehicle, float | None]]:
    """Vehicles in service that are free for ``[start, end)`` plus the buffer, nearest first."""
    from . import conf

    blocked_until = end + timedelta(minutes=conf.get("CARSHARING_BUFFER_MINUTES"))
    taken = (
        Reservation.objects.filter(status__in=BLOCKING_STATUSES, start__lt=blocked_until, blocked_until__gt=start)
        .exclude(status="held", held_until__lt=now)
        .values("vehicle_id")
    )
    vehicles = Vehicle.objects.filter(in_service=True).exclude(pk__in=taken).select_related("station", "vehicle_type")
    result: list[tuple[Vehicle, float | None]] = []
    for vehicle in vehicles:
        if lat is None or lon is None:
            result.append((vehicle, None))
            continue
        distance = availability.haversine_km(lat, lon, vehicle.station.lat, vehicle.station.lon)
        if distance <= radius_km:
            result.append((vehicle, round(distance, 3)))
    result.sort(key=lambda item: (item[1] if item[1] is not None else 0.0, item[0].plate))
    return result


def reservations_for(*, user) -> QuerySet[Reservation]:
    """What a user may see: their own; town staff also official trips; operators everything."""
    qs = Reservation.objects.select_related("vehicle", "cost_centre")
    if user.is_operator:
        return qs
    if user.is_town_staff:
        from django.db.models import Q

        return qs.filter(Q(user=user) | Q(kind=ReservationKind.OFFICIAL))
    return qs.filter(user=user)


def utilisation_month(*, year: int, month: int) -> list[dict]:
    """Per vehicle: hours used by official trips, by members, idle, and their shares (local month)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    first = datetime(year, month, 1, tzinfo=tz)
    last_day = calendar.monthrange(year, month)[1]
    after = datetime.combine(date(year, month, last_day) + timedelta(days=1), datetime.min.time()).replace(tzinfo=tz)
    total_h = (after - first).total_seconds() / 3600
    rows = Reservation.objects.filter(status__in=USED_STATUSES, start__lt=after, end__gt=first).values_list(
        "vehicle_id", "kind", "start", "end"
    )
    used: dict[int, dict[str, float]] = {}
    for vehicle_id, kind, start, end in rows:
        hours = (min(end, after) - max(start, first)).total_seconds() / 3600
        bucket = used.setdefault(vehicle_id, {ReservationKind.OFFICIAL: 0.0, ReservationKind.MEMBER: 0.0})
        bucket[kind] += hours
    report = []
    for vehicle in Vehicle.objects.order_by("plate"):
        bucket = used.get(vehicle.pk, {ReservationKind.OFFICIAL: 0.0, ReservationKind.MEMBER: 0.0})
        official = bucket[ReservationKind.OFFICIAL]
        member = bucket[ReservationKind.MEMBER]
        idle = max(0.0, total_h - official - member)
        report.append(
            {
                "vehicle": vehicle.pk,
                "plate": vehicle.plate,
                "hours_total": round(total_h, 2),
                "hours_official": round(official, 2),
                "hours_member": round(member, 2),
                "hours_idle": round(idle, 2),
                "share_official": round(official / total_h, 4),
                "share_member": round(member / total_h, 4),
                "share_idle": round(idle / total_h, 4),
            }
        )
    return report
