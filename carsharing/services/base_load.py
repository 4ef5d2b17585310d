"""Official trips as the fleet's base load: recurring blocks, booked ahead, released hours."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mobility.accounts.models import User
from mobility.errors import Conflict, NotFound, ValidationFailed

from .. import conf
from ..domain import availability, policy
from ..models import (
    BaseLoadBlock,
    BaseLoadOccurrence,
    Billing,
    Reservation,
    ReservationKind,
    ReservationStatus,
    Vehicle,
)
from . import _shared as shared

S = ReservationStatus


# --- official trips and base load ------------------------------------------------------------


def _local_dt(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=tz)


@transaction.atomic
def base_load_block_create(*, operator: User, **fields: Any) -> BaseLoadBlock:
    """Define a recurring base-load block (local times on the booking grid)."""
    weekdays = fields.pop("weekdays", None) or []
    if not weekdays or any(not isinstance(d, int) or not 1 <= d <= 7 for d in weekdays):
        raise ValidationFailed("weekdays are ISO numbers 1–7.", code="invalid_weekdays", fields={"weekdays": ["1-7"]})
    if fields["end_time"] <= fields["start_time"]:
        raise ValidationFailed(
            "end_time must be after start_time.", code="invalid_window", fields={"end_time": ["after"]}
        )
    grid = shared.grid()
    for name in ("start_time", "end_time"):
        value = fields[name]
        if value.minute % grid or value.second or value.microsecond:
            raise ValidationFailed(
                "%(name)s must lie on the grid.", code="off_grid", fields={name: ["grid"]}, params={"name": name}
            )
    if fields.get("valid_until") and fields["valid_until"] < fields["valid_from"]:
        raise ValidationFailed(
            "valid_until is before valid_from.", code="invalid_window", fields={"valid_until": ["before"]}
        )
    vehicle = Vehicle.objects.filter(pk=fields.pop("vehicle_id")).first()
    if vehicle is None:
        raise NotFound("No such vehicle.", code="vehicle_not_found")
    return BaseLoadBlock.objects.create(vehicle=vehicle, booked_by=operator, weekdays=sorted(set(weekdays)), **fields)


def base_load_block_add(*, operator: User, cost_centre_code: str, vehicle_id: int, **fields: Any) -> BaseLoadBlock:
    """Define a block for the active cost centre ``cost_centre_code`` and book it ahead at once
    (the daily job keeps booking ahead). The block is committed before it is booked, so a
    booking that fails leaves the block for the next run."""
    from ..selectors import active_cost_centre

    cost_centre = active_cost_centre(code=cost_centre_code)
    block = base_load_block_create(operator=operator, vehicle_id=vehicle_id, cost_centre=cost_centre, **fields)
    base_load_materialise(block_ids=[block.pk])
    return block


def base_load_materialise(
    *, now: datetime | None = None, weeks: int | None = None, block_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Book base-load blocks ahead as official reservations, day by day; idempotent.

    A day is done once (``BaseLoadOccurrence``). Where members or others already hold the
    vehicle, only the free parts of the block are booked (never displacing anyone).
    """
    now = shared.now(now)
    weeks = conf.get("CARSHARING_BASE_LOAD_WEEKS") if weeks is None else weeks
    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(now).date()
    buffer = shared.buffer()
    created = skipped_days = days = 0
    blocks = BaseLoadBlock.objects.select_related("vehicle", "cost_centre", "booked_by")
    if block_ids is not None:
        blocks = blocks.filter(pk__in=block_ids)
    for block in blocks:
        for offset in range(weeks * 7):
            day = today + timedelta(days=offset)
            if day < block.valid_from or (block.valid_until and day > block.valid_until):
                continue
            if day.isoweekday() not in block.weekdays:
                continue
            start = _local_dt(day, block.start_time, tz)
            end = _local_dt(day, block.end_time, tz)
            if end <= now:
                continue
            start = max(start, policy.ceil_to_grid(now, shared.grid()))
            with transaction.atomic():
                shared.lock_vehicle(block.vehicle_id)
                _, made = BaseLoadOccurrence.objects.get_or_create(block=block, date=day)
                if not made:
                    continue
                days += 1
                busy = shared.blocking_overlaps(block.vehicle_id, start, end + buffer).values_list(
                    "start", "blocked_until"
                )
                skipped = 0
                cursor = start
                for free_start, free_end in availability.free_within(list(busy), start, end + buffer):
                    piece_end = min(end, free_end - buffer)
                    skipped += max(0, shared.minutes(free_start - cursor))
                    cursor = max(free_end, cursor)
                    if piece_end <= free_start:
                        continue
                    Reservation.objects.create(
                        vehicle=block.vehicle,
                        user=block.booked_by,
                        kind=ReservationKind.OFFICIAL,
                        status=S.CONFIRMED,
                        billing=Billing.COST_CENTRE,
                        start=free_start,
                        end=piece_end,
                        blocked_until=piece_end + buffer,
                        cost_centre=block.cost_centre,
                        purpose=block.purpose,
                        base_load_block=block,
                        estimate_cents=0,
                    )
                    created += 1
                if skipped:
                    skipped_days += 1
                    BaseLoadOccurrence.objects.filter(block=block, date=day).update(skipped_minutes=skipped)
    return {"days": days, "reservations": created, "days_partly_taken": skipped_days}


def reservation_release(
    *, user: User, reservation_id: int, start: datetime, end: datetime, now: datetime | None = None
) -> Reservation:
    """Staff give back ``[start, end)`` of an official reservation so members can book it.

    Allowed at least ``CARSHARING_RELEASE_NOTICE_HOURS`` ahead. The released part is kept as
    a ``released`` row (for the record and the utilisation report); the rest stays booked,
    split in two when the middle is released. Returns the released row.
    """
    now = shared.now(now)
    grid = shared.grid()
    buffer = shared.buffer()
    with transaction.atomic():
        reservation = shared.lock_reservation(reservation_id, user=user, staff_ok=True)
        if reservation.kind != ReservationKind.OFFICIAL or reservation.status != S.CONFIRMED:
            raise Conflict("Only confirmed official reservations can be released.", code="not_releasable")
        try:
            policy.check_window(start, end, start, policy.WindowRules(grid, grid, 10**7, 10**6))
        except policy.PolicyViolation as exc:
            shared.raise_policy(exc)
        if start < reservation.start or end > reservation.end:
            raise ValidationFailed("The released hours must lie within the reservation.", code="outside_reservation")
        notice = timedelta(hours=conf.get("CARSHARING_RELEASE_NOTICE_HOURS"))
        if start < now + notice:
            raise Conflict(
                "Hours can be released at least %(hours)s hours ahead.",
                params={"hours": conf.get("CARSHARING_RELEASE_NOTICE_HOURS")},
                code="release_too_late",
            )
        original_end = reservation.end
        if start > reservation.start and end < original_end and end - start < buffer:
            raise ValidationFailed("Release at least the buffer time.", code="release_too_short")
        common = {
            "vehicle": reservation.vehicle,
            "user": reservation.user,
            "kind": ReservationKind.OFFICIAL,
            "billing": Billing.COST_CENTRE,
            "cost_centre": reservation.cost_centre,
            "purpose": reservation.purpose,
            "base_load_block": reservation.base_load_block,
        }
        if start == reservation.start and end == original_end:
            shared.transition(reservation, S.RELEASED)
            reservation.released = True
            reservation.save()
            released = reservation
        else:
            if start == reservation.start:
                reservation.start = end
            else:
                reservation.end = start
                reservation.blocked_until = start + buffer
            reservation.save()
            if start > reservation.start and end < original_end:
                Reservation.objects.create(
                    status=S.CONFIRMED, start=end, end=original_end, blocked_until=original_end + buffer, **common
                )
            released = Reservation.objects.create(
                status=S.RELEASED, released=True, start=start, end=end, blocked_until=end, **common
            )
    return released
