"""Car-sharing reads: availability, search near a point, reservations, utilisation."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from mobility.accounts.models import CostCentre
from mobility.errors import NotFound, ValidationFailed
from mobility.geo import haversine_m

from .domain import availability
from .models import (
    BLOCKING_STATUSES,
    BaseLoadBlock,
    DefectReport,
    Membership,
    MembershipStatus,
    Reservation,
    ReservationKind,
    Station,
    StripeCustomer,
    Tariff,
    Vehicle,
    VehicleType,
)

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


def vehicle_next_free(
    *, vehicle: Vehicle, start: datetime, duration: timedelta, now: datetime, latest: datetime
) -> datetime | None:
    """The first grid instant at or after ``start`` from which ``vehicle`` is free for
    ``duration`` (plus the buffer); None if there is none before ``latest``."""
    from . import conf
    from .domain.policy import ceil_to_grid

    grid = conf.get("CARSHARING_GRID_MINUTES")
    buffer = timedelta(minutes=conf.get("CARSHARING_BUFFER_MINUTES"))
    busy = (
        Reservation.objects.filter(vehicle=vehicle, status__in=BLOCKING_STATUSES, blocked_until__gt=start)
        .exclude(status="held", held_until__lt=now)
        .order_by("start")
        .values_list("start", "blocked_until")
    )
    candidate = ceil_to_grid(start, grid)
    for busy_start, busy_until in busy:
        if busy_start >= candidate + duration + buffer:
            break  # the gap before this reservation is long enough
        if busy_until > candidate:
            candidate = ceil_to_grid(busy_until, grid)
    return candidate if candidate <= latest else None


def same_type_free_near(*, vehicle: Vehicle, start: datetime, end: datetime, now: datetime, limit: int = 3):
    """Other vehicles of ``vehicle``'s type free for ``[start, end)``, nearest to its station first."""
    found = vehicles_free_near(
        start=start, end=end, lat=vehicle.station.lat, lon=vehicle.station.lon, radius_km=25.0, now=now
    )
    return [(v, d) for v, d in found if v.pk != vehicle.pk and v.vehicle_type_id == vehicle.vehicle_type_id][:limit]


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
        distance = haversine_m(lat, lon, vehicle.station.lat, vehicle.station.lon) / 1000
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


def utilisation_month(*, year: int, month: int, cost_centre_id: int | None = None) -> list[dict]:
    """Per vehicle: hours used by official trips, by members, idle, and their shares (local month).

    With ``cost_centre_id`` (a staff member's view) ``hours_official`` counts that cost
    centre's official trips only and ``hours_official_other`` the other cost centres' ones.
    """
    tz = ZoneInfo(settings.TIME_ZONE)
    first = datetime(year, month, 1, tzinfo=tz)
    last_day = calendar.monthrange(year, month)[1]
    after = datetime.combine(date(year, month, last_day) + timedelta(days=1), datetime.min.time()).replace(tzinfo=tz)
    total_h = (after - first).total_seconds() / 3600
    rows = Reservation.objects.filter(status__in=USED_STATUSES, start__lt=after, end__gt=first).values_list(
        "vehicle_id", "kind", "start", "end", "cost_centre_id"
    )
    other = "official_other"
    used: dict[int, dict[str, float]] = {}
    for vehicle_id, kind, start, end, row_cost_centre in rows:
        hours = (min(end, after) - max(start, first)).total_seconds() / 3600
        bucket = used.setdefault(vehicle_id, {ReservationKind.OFFICIAL: 0.0, ReservationKind.MEMBER: 0.0, other: 0.0})
        if kind == ReservationKind.OFFICIAL and cost_centre_id is not None and row_cost_centre != cost_centre_id:
            bucket[other] += hours
        else:
            bucket[kind] += hours
    report = []
    for vehicle in Vehicle.objects.order_by("plate"):
        bucket = used.get(vehicle.pk, {ReservationKind.OFFICIAL: 0.0, ReservationKind.MEMBER: 0.0, other: 0.0})
        official = bucket[ReservationKind.OFFICIAL]
        member = bucket[ReservationKind.MEMBER]
        idle = max(0.0, total_h - official - member - bucket[other])
        report.append(
            {
                "vehicle": vehicle.pk,
                "plate": vehicle.plate,
                "hours_total": round(total_h, 2),
                "hours_official": round(official, 2),
                "hours_official_other": round(bucket[other], 2),
                "hours_member": round(member, 2),
                "hours_idle": round(idle, 2),
                "share_official": round(official / total_h, 4),
                "share_member": round(member / total_h, 4),
                "share_idle": round(idle / total_h, 4),
            }
        )
    return report


# -- member pages and the map -------------------------------------------------------------------


def stations_with_vehicles() -> QuerySet[Station]:
    """Stations with their vehicles in service (and each vehicle's type), by name."""
    from django.db.models import Prefetch

    in_service = Vehicle.objects.filter(in_service=True).select_related("vehicle_type__tariff").order_by("plate")
    return Station.objects.prefetch_related(Prefetch("vehicles", queryset=in_service, to_attr="vehicles_in_service"))


def stations_geojson() -> dict:
    """Car-sharing stations as GeoJSON points with how many vehicles are in service there."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f"station-{station.pk}",
                "geometry": {"type": "Point", "coordinates": [station.lon, station.lat]},
                "properties": {
                    "layer": "stations",
                    "name": station.name,
                    "address": station.address,
                    "vehicles": len(station.vehicles_in_service),
                    "url": f"#station-{station.pk}",
                },
            }
            for station in stations_with_vehicles()
        ],
    }


def vehicle_detail(*, vehicle_id: int) -> Vehicle:
    """A vehicle in service with its station, type and tariff (``NotFound`` otherwise)."""
    from mobility.errors import NotFound

    vehicle = (
        Vehicle.objects.filter(pk=vehicle_id, in_service=True)
        .select_related("station", "vehicle_type", "vehicle_type__tariff")
        .first()
    )
    if vehicle is None:
        raise NotFound("No such vehicle.", code="vehicle_not_found")
    return vehicle


SLOT_FREE = "free"
SLOT_BUSY = "busy"
SLOT_PAST = "past"


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, local time zone
    end: datetime
    state: str  # SLOT_FREE, SLOT_BUSY or SLOT_PAST


@dataclass(frozen=True)
class AvailabilityDay:
    day: date
    slots: list[Slot]

    def hours(self) -> list[tuple[datetime, list[Slot]]]:
        """The slots grouped by local hour (a DST day has 23 or 25 rows)."""
        grouped: list[tuple[datetime, list[Slot]]] = []
        for slot in self.slots:
            if (
                grouped
                and grouped[-1][0].hour == slot.start.hour
                and grouped[-1][0].utcoffset() == slot.start.utcoffset()
            ):
                grouped[-1][1].append(slot)
            else:
                grouped.append((slot.start, [slot]))
        return grouped


def availability_grid(*, vehicle: Vehicle, first_day: date, days: int, now: datetime) -> list[AvailabilityDay]:
    """The vehicle's ``days`` local days from ``first_day`` in grid steps (15 minutes by default):
    each step is free, busy (a reservation or its cleaning buffer, or out of service) or past.
    Local midnights are taken in ``TIME_ZONE``, so DST days have 92 or 100 steps."""
    from . import conf

    tz = ZoneInfo(settings.TIME_ZONE)
    step = timedelta(minutes=conf.get("CARSHARING_GRID_MINUTES"))
    window_start = datetime.combine(first_day, datetime.min.time()).replace(tzinfo=tz)
    window_end = datetime.combine(first_day + timedelta(days=days), datetime.min.time()).replace(tzinfo=tz)
    busy = vehicle_availability(vehicle=vehicle, start=window_start, end=window_end, now=now).busy
    result = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        start = datetime.combine(day, datetime.min.time()).replace(tzinfo=tz)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time()).replace(tzinfo=tz)
        slots = []
        cursor = start.astimezone(UTC)
        end_utc = end.astimezone(UTC)
        while cursor < end_utc:
            slot_end = cursor + step
            if any(availability.overlaps(cursor, slot_end, b_start, b_end) for b_start, b_end in busy):
                state = SLOT_BUSY
            elif slot_end <= now:
                state = SLOT_PAST
            else:
                state = SLOT_FREE
            slots.append(Slot(cursor.astimezone(tz), slot_end.astimezone(tz), state))
            cursor = slot_end
        result.append(AvailabilityDay(day, slots))
    return result


def reservation_with_payments(*, reservation_id: int) -> Reservation:
    """A reservation with its cost centre and payment records, for showing it after a service
    changed it (the caller was already allowed to)."""
    return Reservation.objects.select_related("cost_centre").prefetch_related("payments").get(pk=reservation_id)


def membership_of(*, user) -> Membership | None:
    return Membership.objects.filter(user=user).first()


def reservation_detail(*, user, reservation_id: int) -> Reservation:
    """One of the user's own reservations (``NotFound`` for anyone else's: they are invisible).
    Staff and operators see others' reservations through the API and the admin, where such
    views are written to the access log; the member pages show only one's own."""
    from mobility.errors import NotFound

    reservation = (
        Reservation.objects.filter(user=user, pk=reservation_id)
        .select_related("vehicle__station", "vehicle__vehicle_type")
        .first()
    )
    if reservation is None:
        raise NotFound("No such reservation.", code="reservation_not_found")
    return reservation


def saved_card_of(*, user) -> StripeCustomer | None:
    """The member's Stripe customer with the saved card's last four digits, if any."""
    return StripeCustomer.objects.filter(user=user).only("default_payment_method", "card_last4").first()


def member_reservations(*, user) -> QuerySet[Reservation]:
    """The user's own member reservations, newest start first."""
    return (
        Reservation.objects.filter(user=user, kind=ReservationKind.MEMBER)
        .select_related("vehicle__station", "vehicle__vehicle_type")
        .order_by("-start", "-id")
    )


def cancellation_fee_preview(*, reservation: Reservation, now: datetime) -> int:
    """The fee (cents) cancelling ``reservation`` at ``now`` would cost, as the service computes it."""
    from . import conf
    from .domain import pricing

    if reservation.kind != ReservationKind.MEMBER or reservation.status != "confirmed":
        return 0
    return pricing.cancellation_fee_cents(
        reservation.estimate_cents,
        int((reservation.start - now).total_seconds() // 60),
        conf.get("CARSHARING_FREE_CANCEL_HOURS") * 60,
        conf.get("CARSHARING_LATE_CANCEL_PERCENT"),
    )


def licence_key(number: str) -> str:
    """A licence number as compared: without spaces, upper case."""
    return "".join(number.split()).upper()


def approved_licences() -> dict[str, list[int]]:
    """Licence key -> ids of the approved memberships holding it, to flag duplicates in a list."""
    found: dict[str, list[int]] = {}
    for pk, number in Membership.objects.filter(status=MembershipStatus.APPROVED).values_list("pk", "licence_number"):
        found.setdefault(licence_key(number), []).append(pk)
    return found


# --- the fleet and the town hall's records -------------------------------------------------------


def stations() -> QuerySet[Station]:
    return Station.objects.all()


def vehicle_types() -> QuerySet[VehicleType]:
    return VehicleType.objects.all()


def vehicles() -> QuerySet[Vehicle]:
    """Every vehicle (in service or not) with its station and type."""
    return Vehicle.objects.select_related("station", "vehicle_type")


def vehicle_get(*, vehicle_id: int) -> Vehicle:
    """Any vehicle, in service or not, with its station and type (``NotFound`` otherwise)."""
    vehicle = vehicles().filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound("No such vehicle.", code="vehicle_not_found")
    return vehicle


def defect_reports() -> QuerySet[DefectReport]:
    return DefectReport.objects.all()


def tariffs() -> QuerySet[Tariff]:
    return Tariff.objects.order_by("vehicle_type_id")


def memberships(*, status: str | None = None) -> QuerySet[Membership]:
    """Applications and memberships with their people, optionally of one ``status``."""
    qs = Membership.objects.select_related("user")
    return qs.filter(status=status) if status else qs


def visible_cost_centre_id(*, user) -> int | None:
    """Whose official trips ``user`` sees: None for operators (everyone's); a staff member's own
    cost centre id otherwise (-1 when they have none: they see nobody's)."""
    if user.is_operator:
        return None
    return user.cost_centre_id or -1


def base_load_blocks_for(*, user) -> QuerySet[BaseLoadBlock]:
    """The base-load blocks ``user`` may see: all for operators, their cost centre's for staff."""
    blocks = BaseLoadBlock.objects.select_related("cost_centre").order_by("id")
    cost_centre = visible_cost_centre_id(user=user)
    return blocks if cost_centre is None else blocks.filter(cost_centre_id=cost_centre)


def active_cost_centre(*, code: str) -> CostCentre:
    """The active cost centre with ``code`` (``ValidationFailed(cost_centre_unknown)`` otherwise)."""
    cost_centre = CostCentre.objects.filter(code=code, active=True).first()
    if cost_centre is None:
        raise ValidationFailed("Unknown cost centre.", code="cost_centre_unknown", fields={"cost_centre": ["unknown"]})
    return cost_centre


# -- the operator's fleet page ------------------------------------------------------------------


def fleet_vehicles(*, now: datetime) -> list[Vehicle]:
    """Every vehicle (in service or not) with its type, tariff, station, open defects and the
    number of upcoming held or confirmed reservations (``upcoming``), by plate."""
    from django.db.models import Count, Q

    from .models import ReservationStatus

    return list(
        Vehicle.objects.select_related("vehicle_type__tariff", "station")
        .annotate(
            upcoming=Count(
                "reservations",
                filter=Q(
                    reservations__status__in=(ReservationStatus.HELD, ReservationStatus.CONFIRMED),
                    reservations__blocked_until__gt=now,
                ),
                distinct=True,
            ),
            blocking_defects=Count("defects", filter=Q(defects__blocks_use=True), distinct=True),
        )
        .order_by("plate")
    )


def tariff_list() -> QuerySet:
    """Tariffs per vehicle type (gross cents)."""
    from .models import Tariff

    return Tariff.objects.select_related("vehicle_type").order_by("vehicle_type__name")


def defect_list(*, limit: int = 30) -> QuerySet:
    """The latest defect reports with their vehicle (without the reporter: the operator needs
    the car and the defect, not who found it)."""
    from .models import DefectReport

    return DefectReport.objects.select_related("vehicle").defer("reported_by").order_by("-created_at")[:limit]
