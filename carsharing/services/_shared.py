"""What every car-sharing service shares: the lock order, the window rules, the transition check.

Lock order everywhere: the vehicle row first, then the reservation, then its payment records.
``lock_reservation`` and ``lock_vehicle`` are the only ways services lock those rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.accounts.models import User
from mobility.errors import Conflict, NotFound, Unprocessable, ValidationFailed
from mobility.timestamps import iso_local

from .. import conf
from ..domain import policy, pricing
from ..models import BLOCKING_STATUSES, Reservation, ReservationKind, ReservationStatus, Tariff, Vehicle

S = ReservationStatus


# --- helpers ---------------------------------------------------------------------------------


def now(now: datetime | None) -> datetime:
    return now or timezone.now()


def minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def buffer() -> timedelta:
    return timedelta(minutes=conf.get("CARSHARING_BUFFER_MINUTES"))


def grid() -> int:
    return int(conf.get("CARSHARING_GRID_MINUTES"))


def raise_policy(exc: policy.PolicyViolation) -> None:
    """The domain's refusal as a DomainError whose message translates when read."""
    error_class = Conflict if exc.code == "invalid_transition" else ValidationFailed
    error = error_class(exc.template, code=exc.code, params=exc.params)
    if exc.field:
        error.fields = {exc.field: [error.message]}
    raise error from exc


def transition(reservation: Reservation, target: str) -> None:
    try:
        policy.check_transition(reservation.status, target)
    except policy.PolicyViolation as exc:
        raise_policy(exc)
    reservation.status = target


def window_rules(kind: str) -> policy.WindowRules:
    horizon = (
        "CARSHARING_OFFICIAL_HORIZON_DAYS" if kind == ReservationKind.OFFICIAL else "CARSHARING_MEMBER_HORIZON_DAYS"
    )
    return policy.WindowRules(
        grid_minutes=grid(),
        min_minutes=conf.get("CARSHARING_MIN_MINUTES"),
        max_minutes=conf.get("CARSHARING_MAX_MINUTES"),
        horizon_days=conf.get(horizon),
    )


def tariff_terms(vehicle: Vehicle) -> pricing.TariffTerms:
    tariff = Tariff.objects.filter(vehicle_type_id=vehicle.vehicle_type_id).first()
    if tariff is None:
        raise Unprocessable("This vehicle type has no tariff yet.", code="no_tariff")
    return pricing.TariffTerms(
        per_hour_cents=tariff.per_hour_cents,
        daily_cap_cents=tariff.daily_cap_cents,
        per_km_cents=tariff.per_km_cents,
        included_km=tariff.included_km,
        vat_rate_bp=tariff.vat_rate_bp,
    )


def lock_vehicle(vehicle_id: int) -> Vehicle:
    vehicle = Vehicle.objects.select_for_update().filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound("No such vehicle.", code="vehicle_not_found")
    return vehicle


def blocking_overlaps(
    vehicle_id: int, start: datetime, blocked_until: datetime, exclude_id: int | None = None
) -> QuerySet[Reservation]:
    qs = Reservation.objects.filter(
        vehicle_id=vehicle_id, status__in=BLOCKING_STATUSES, start__lt=blocked_until, blocked_until__gt=start
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs


def is_exclusion_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == "23P01" or "carsharing_no_overlap" in str(exc)


def transition_all(queryset: QuerySet[Reservation], current: str, target: str, **fields: Any) -> int:
    """Move every reservation of ``queryset`` that is ``current`` to ``target`` in one UPDATE
    (after checking the move against the transition table); returns how many moved."""
    try:
        policy.check_transition(current, target)
    except policy.PolicyViolation as exc:
        raise_policy(exc)
    return queryset.filter(status=current).update(status=target, **fields)


def expire_stale_holds(vehicle_id: int, now: datetime) -> None:
    """Holds whose time ran out stop blocking the vehicle (the periodic job does the rest)."""
    stale = Reservation.objects.filter(vehicle_id=vehicle_id, held_until__lt=now)
    transition_all(stale, S.HELD, S.EXPIRED, updated_at=now)


def unavailable(
    overlapping: QuerySet[Reservation],
    kind: str,
    *,
    vehicle: Vehicle | None = None,
    window: tuple[datetime, datetime] | None = None,
    now: datetime | None = None,
) -> Conflict:
    """The 409 for a taken window; with ``vehicle`` and ``window`` it says when that vehicle is
    next free for the same length (``next_free_start``) and names free vehicles of the same
    type nearby (``alternatives``), so the member is not left at a dead end."""
    if kind == ReservationKind.OFFICIAL and overlapping.filter(kind=ReservationKind.MEMBER).exists():
        return Conflict(
            "A member has booked this vehicle then; official trips never displace member reservations.",
            code="member_reservation_conflict",
        )
    if vehicle is None or window is None or now is None:
        return Conflict("The vehicle is not available for this window.", code="vehicle_unavailable")
    from .. import selectors

    start, end = window
    latest = now + timedelta(days=window_rules(kind).horizon_days)
    next_free = selectors.vehicle_next_free(vehicle=vehicle, start=start, duration=end - start, now=now, latest=latest)
    alternatives = [
        {
            "vehicle": other.pk,
            "plate": other.plate,
            "station": other.station.name,
            "distance_km": distance,
        }
        for other, distance in selectors.same_type_free_near(vehicle=vehicle, start=start, end=end, now=now)
    ]
    message = _("Das Fahrzeug ist in diesem Zeitraum nicht frei.")
    return Conflict(
        message,
        code="vehicle_unavailable",
        fields={
            "start": [message],
            "next_free_start": iso_local(next_free),
            "alternatives": alternatives,
        },
    )


def lock_reservation(reservation_id: int, *, user: User | None = None, staff_ok: bool = False) -> Reservation:
    """Lock the reservation (after its vehicle). ``user``: only theirs, or official ones for staff."""
    row = Reservation.objects.filter(pk=reservation_id).values("vehicle_id", "user_id", "kind").first()
    if row is None:
        raise NotFound("No such reservation.", code="reservation_not_found")
    if user is not None and row["user_id"] != user.pk:
        allowed = user.is_operator or (staff_ok and user.is_town_staff and row["kind"] == ReservationKind.OFFICIAL)
        if not allowed:
            raise NotFound("No such reservation.", code="reservation_not_found")
    Vehicle.objects.select_for_update().filter(pk=row["vehicle_id"]).first()
    return Reservation.objects.select_for_update(of=("self",)).select_related("vehicle", "user").get(pk=reservation_id)
