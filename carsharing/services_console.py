"""Car-sharing writes for the town-hall staff console: booking an official trip for a group
(the car must seat everyone), and recurring official trips.

A recurring official trip is a base-load block (weekdays, local times, valid from/until)
that is booked ahead at once: :func:`official_trip_series_create` defines the block and
materialises it with the existing base-load machinery, so a day on which the car is already
taken is booked only where it is free, and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from mobility.accounts.models import CostCentre
from mobility.errors import Forbidden, NotFound, ValidationFailed

from . import conf
from . import services as carsharing_services
from .models import BaseLoadBlock, Reservation, ReservationKind, Vehicle

MAX_PASSENGERS = 9  # a car-sharing car seats at most nine (driving licence class B)


def _staff(user) -> None:
    if not (user.is_town_staff or user.is_operator):
        raise Forbidden("Only town-hall staff book official trips.", code="not_staff")


def _cost_centre(cost_centre_id: int | None, user) -> CostCentre:
    if cost_centre_id is None:
        if user.cost_centre_id is None:
            raise ValidationFailed(
                "An official trip needs a cost centre.",
                code="cost_centre_required",
                fields={"cost_centre": ["required"]},
            )
        return user.cost_centre
    centre = CostCentre.objects.filter(pk=cost_centre_id, active=True).first()
    if centre is None:
        raise ValidationFailed(
            "No such active cost centre.", code="cost_centre_not_found", fields={"cost_centre": ["unknown"]}
        )
    return centre


def _check_seats(vehicle_id: int, passengers: int) -> None:
    if not 1 <= passengers <= MAX_PASSENGERS:
        raise ValidationFailed(
            "Between 1 and %(most)s people (the driver included).",
            params={"most": MAX_PASSENGERS},
            code="invalid_passengers",
            fields={"passengers": [f"1-{MAX_PASSENGERS}"]},
        )
    vehicle = Vehicle.objects.select_related("vehicle_type").filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound("No such vehicle.", code="vehicle_not_found")
    if vehicle.vehicle_type.seats < passengers:
        raise ValidationFailed(
            "This car has %(seats)s seats for %(passengers)s people.",
            params={"seats": vehicle.vehicle_type.seats, "passengers": passengers},
            code="too_few_seats",
            fields={"vehicle": [str(vehicle.vehicle_type.seats)]},
        )


def official_trip_book(
    *,
    staff,
    vehicle_id: int,
    start: datetime,
    end: datetime,
    purpose: str,
    passengers: int,
    cost_centre_id: int | None = None,
    now: datetime | None = None,
) -> Reservation:
    """Book one official trip for ``passengers`` people (the driver included) on a car that
    seats them all, charged to ``cost_centre_id`` (default: the staff member's own). Confirmed
    at once; the overlap and window rules are those of :func:`carsharing.services.reservation_create`."""
    _staff(staff)
    centre = _cost_centre(cost_centre_id, staff)
    _check_seats(vehicle_id, passengers)
    return carsharing_services.reservation_create(
        user=staff,
        vehicle_id=vehicle_id,
        start=start,
        end=end,
        kind=ReservationKind.OFFICIAL,
        purpose=purpose.strip(),
        cost_centre=centre,
        now=now,
    )


@dataclass(frozen=True)
class SeriesOutcome:
    block: BaseLoadBlock
    days: int  # days booked (wholly or in part)
    reservations: int
    days_partly_taken: int  # days on which the car was already taken for part of the time


def official_trip_series_create(
    *,
    staff,
    vehicle_id: int,
    weekdays: list[int],
    start_time: time,
    end_time: time,
    valid_from: date,
    valid_until: date,
    purpose: str,
    passengers: int,
    cost_centre_id: int | None = None,
    now: datetime | None = None,
) -> SeriesOutcome:
    """A recurring official trip: every ``weekdays`` (ISO 1-7) from ``valid_from`` to
    ``valid_until`` (both included, local dates) at ``start_time``-``end_time`` (local).

    Booked ahead up to the official horizon (``CARSHARING_OFFICIAL_HORIZON_DAYS``); the end
    date may not lie beyond it. Days on which the car is already taken are booked only where
    it is free (nobody is displaced) and counted in ``days_partly_taken``.
    """
    _staff(staff)
    now = now or timezone.now()
    if not purpose.strip():
        raise ValidationFailed(
            "An official trip needs a purpose.", code="purpose_required", fields={"purpose": ["required"]}
        )
    centre = _cost_centre(cost_centre_id, staff)
    _check_seats(vehicle_id, passengers)
    today = timezone.localtime(now).date()
    if valid_from < today:
        raise ValidationFailed("The first day is in the past.", code="start_in_past", fields={"valid_from": ["past"]})
    horizon_days = conf.get("CARSHARING_OFFICIAL_HORIZON_DAYS")
    if (valid_until - today).days > horizon_days:
        raise ValidationFailed(
            "Recurring trips can be booked at most %(days)s days ahead.",
            params={"days": horizon_days},
            code="beyond_horizon",
            fields={"valid_until": [str(horizon_days)]},
        )
    with transaction.atomic():
        block = carsharing_services.base_load_block_create(
            operator=staff,
            vehicle_id=vehicle_id,
            weekdays=weekdays,
            start_time=start_time,
            end_time=end_time,
            valid_from=valid_from,
            valid_until=valid_until,
            cost_centre=centre,
            purpose=purpose.strip(),
        )
        weeks = (valid_until - today).days // 7 + 1
        made = carsharing_services.base_load_materialise(now=now, weeks=weeks, block_ids=[block.pk])
        if made["days"] == 0:  # not a single day in range: the transaction keeps nothing
            raise ValidationFailed(
                "None of the chosen weekdays lies in this period.",
                code="no_days",
                fields={"weekdays": ["none in range"]},
            )
    return SeriesOutcome(
        block=block, days=made["days"], reservations=made["reservations"], days_partly_taken=made["days_partly_taken"]
    )
