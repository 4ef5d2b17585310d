"""Car-sharing reads for the town-hall staff console: pool cars free for an official trip,
the base-load week calendar, the month's official share per cost centre, membership
applications with duplicate-licence warnings.

Times: every ``datetime`` is timezone-aware; days and weeks are local days (``TIME_ZONE``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from mobility.accounts.models import CostCentre

from . import conf
from .domain import availability
from .models import BLOCKING_STATUSES, Membership, MembershipStatus, Reservation, ReservationKind, Vehicle
from .selectors import USED_STATUSES, approved_licences, licence_key, vehicles_free_near


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def pool_cars_free(*, start: datetime, end: datetime, passengers: int, now: datetime) -> list[Vehicle]:
    """Vehicles in service, free for ``[start, end)`` plus the buffer, with a seat for each
    of ``passengers`` (the driver included); the smallest fitting car first, then by plate,
    so big cars stay free for big groups."""
    free = [
        vehicle for vehicle, _ in vehicles_free_near(start=start, end=end, lat=None, lon=None, radius_km=0, now=now)
    ]
    fitting = [v for v in free if v.vehicle_type.seats >= passengers]
    fitting.sort(key=lambda v: (v.vehicle_type.seats, v.plate))
    return fitting


# --- the base-load week ---------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    """One interval of one vehicle on one local day. ``kind``: ``official``, ``member``,
    ``released`` or ``free``. Member entries carry no name (the calendar is shown to staff,
    who do not need to know which resident drives)."""

    kind: str
    start: datetime
    end: datetime
    reservation_id: int | None = None
    purpose: str = ""
    cost_centre: str = ""
    from_block: bool = False
    releasable: bool = False

    @property
    def start_minute(self) -> int:
        local = self.start.astimezone(_tz())
        return local.hour * 60 + local.minute

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass
class CalendarDay:
    day: date
    entries: list[CalendarEntry] = field(default_factory=list)


@dataclass
class CalendarRow:
    vehicle: Vehicle
    days: list[CalendarDay]


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.isoweekday() - 1)


def release_notice() -> timedelta:
    return timedelta(hours=conf.get("CARSHARING_RELEASE_NOTICE_HOURS"))


def first_releasable_start(*, reservation: Reservation, now: datetime) -> datetime | None:
    """The earliest grid instant from which (part of) an official reservation may still be
    released under the notice rule, or None when none of it can be."""
    from .domain.policy import ceil_to_grid

    grid = conf.get("CARSHARING_GRID_MINUTES")
    earliest = max(reservation.start, ceil_to_grid(now + release_notice(), grid))
    if reservation.kind != ReservationKind.OFFICIAL or reservation.status != "confirmed":
        return None
    if earliest + timedelta(minutes=grid) > reservation.end:
        return None
    return earliest


def base_load_week(*, monday: date, now: datetime) -> list[CalendarRow]:
    """Every vehicle's week from local Monday 00:00 to the next Monday: official blocks,
    member reservations, released hours and the free time between them (buffers count as
    busy, as they do for booking)."""
    tz = _tz()
    first = datetime.combine(monday, time(0), tzinfo=tz)
    days = [monday + timedelta(days=i) for i in range(7)]
    bounds = [
        (datetime.combine(d, time(0), tzinfo=tz), datetime.combine(d + timedelta(days=1), time(0), tzinfo=tz))
        for d in days
    ]
    after = bounds[-1][1]
    vehicles = list(Vehicle.objects.select_related("vehicle_type", "station").order_by("station__name", "plate"))
    rows = (
        Reservation.objects.filter(start__lt=after, blocked_until__gt=first)
        .filter(status__in=(*BLOCKING_STATUSES, "released"))
        .exclude(status="held", held_until__lt=now)
        .select_related("cost_centre")
        .order_by("start")
    )
    by_vehicle: dict[int, list[Reservation]] = {}
    for reservation in rows:
        by_vehicle.setdefault(reservation.vehicle_id, []).append(reservation)
    result = []
    for vehicle in vehicles:
        reservations = by_vehicle.get(vehicle.pk, [])
        busy = [(r.start, r.blocked_until) for r in reservations if r.status != "released"]
        calendar_days = []
        for day, (day_start, day_end) in zip(days, bounds, strict=True):
            entries: list[CalendarEntry] = []
            for r in reservations:
                if not (r.start < day_end and r.end > day_start):
                    continue
                kind = "released" if r.status == "released" else r.kind
                entries.append(
                    CalendarEntry(
                        kind=kind,
                        start=max(r.start, day_start),
                        end=min(r.end, day_end),
                        reservation_id=r.pk if kind != ReservationKind.MEMBER else None,
                        purpose=r.purpose if kind != ReservationKind.MEMBER else "",
                        cost_centre=r.cost_centre.code if r.cost_centre_id else "",
                        from_block=r.base_load_block_id is not None,
                        releasable=kind == ReservationKind.OFFICIAL
                        and first_releasable_start(reservation=r, now=now) is not None,
                    )
                )
            if vehicle.in_service:
                for free_start, free_end in availability.free_within(busy, day_start, day_end):
                    entries.append(CalendarEntry(kind="free", start=free_start, end=free_end))
            entries.sort(key=lambda e: (e.start, e.kind != "free"))
            calendar_days.append(CalendarDay(day=day, entries=entries))
        result.append(CalendarRow(vehicle=vehicle, days=calendar_days))
    return result


# --- official share per cost centre -----------------------------------------------------------


@dataclass(frozen=True)
class CostCentreShare:
    code: str
    name: str
    hours: float
    share_of_fleet: float  # of all vehicle hours of the month (vehicles x hours)
    share_of_official: float  # of all official hours of the month


def official_share_by_cost_centre(*, year: int, month: int) -> tuple[list[CostCentreShare], float]:
    """Per active cost centre: hours of official trips in the local month (cut at the month's
    edges; released hours do not count), as a share of the fleet's hours and of all official
    hours; and the official share of the whole fleet. Fleet hours = vehicles x hours of the
    month (23 or 25-hour days at the clock change counted as they are)."""
    tz = _tz()
    first = datetime(year, month, 1, tzinfo=tz)
    last_day = calendar.monthrange(year, month)[1]
    after = datetime.combine(date(year, month, last_day) + timedelta(days=1), time(0), tzinfo=tz)
    month_hours = (after - first).total_seconds() / 3600
    fleet_hours = month_hours * Vehicle.objects.count()
    hours: dict[int, float] = {}
    rows = Reservation.objects.filter(
        kind=ReservationKind.OFFICIAL, status__in=USED_STATUSES, start__lt=after, end__gt=first
    ).values_list("cost_centre_id", "start", "end")
    for cost_centre_id, start, end in rows:
        hours[cost_centre_id] = (
            hours.get(cost_centre_id, 0.0) + (min(end, after) - max(start, first)).total_seconds() / 3600
        )
    official_total = sum(hours.values())
    shares = []
    for centre in CostCentre.objects.filter(active=True).order_by("code"):
        h = hours.get(centre.pk, 0.0)
        shares.append(
            CostCentreShare(
                code=centre.code,
                name=centre.name,
                hours=round(h, 2),
                share_of_fleet=round(h / fleet_hours, 4) if fleet_hours else 0.0,
                share_of_official=round(h / official_total, 4) if official_total else 0.0,
            )
        )
    return shares, (round(official_total / fleet_hours, 4) if fleet_hours else 0.0)


# --- membership decisions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Application:
    membership: Membership
    expired: bool
    expires_soon: bool  # within 90 days
    duplicate_of: list[int]  # ids of approved memberships with the same licence number


def membership_applications(*, today: date) -> list[Application]:
    """Open applications, oldest first, each with its licence checks: expired, expiring
    within 90 days, and other memberships, approved or applied for, that hold the same
    licence number (spaces and case ignored): ``duplicate_of`` lists their ids."""
    approved = approved_licences()
    applications = list(
        Membership.objects.filter(status=MembershipStatus.APPLIED).select_related("user").order_by("applied_at", "id")
    )
    applied: dict[str, list[int]] = {}
    for membership in applications:
        applied.setdefault(licence_key(membership.licence_number), []).append(membership.pk)
    result = []
    for membership in applications:
        key = licence_key(membership.licence_number)
        others = sorted({*approved.get(key, []), *applied.get(key, [])} - {membership.pk})
        result.append(
            Application(
                membership=membership,
                expired=membership.licence_expiry < today,
                expires_soon=today <= membership.licence_expiry < today + timedelta(days=90),
                duplicate_of=others,
            )
        )
    return result


def memberships_decided_recently(*, limit: int = 20) -> list[Membership]:
    return list(
        Membership.objects.exclude(status=MembershipStatus.APPLIED)
        .select_related("user", "checked_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def active_cost_centres() -> list[CostCentre]:
    return list(CostCentre.objects.filter(active=True).order_by("code"))


def upcoming_official_trips(*, now: datetime, cost_centre_id: int | None, limit: int = 30) -> list[Reservation]:
    """Confirmed official trips that have not ended, soonest first; one cost centre's or all."""
    qs = Reservation.objects.filter(kind=ReservationKind.OFFICIAL, status="confirmed", end__gt=now)
    if cost_centre_id is not None:
        qs = qs.filter(cost_centre_id=cost_centre_id)
    return list(
        qs.select_related("vehicle__vehicle_type", "vehicle__station", "cost_centre").order_by("start", "id")[:limit]
    )


def official_reservation(*, reservation_id: int) -> Reservation:
    """One official reservation (for the release form); NotFound otherwise."""
    from mobility.errors import NotFound

    reservation = (
        Reservation.objects.filter(pk=reservation_id, kind=ReservationKind.OFFICIAL)
        .select_related("vehicle__vehicle_type", "cost_centre")
        .first()
    )
    if reservation is None:
        raise NotFound("No such official reservation.", code="reservation_not_found")
    return reservation


def vehicles_in_service() -> list[Vehicle]:
    return list(Vehicle.objects.filter(in_service=True).select_related("vehicle_type", "station").order_by("plate"))
