"""The fleet: operators add stations, vehicle types, vehicles and tariffs and edit vehicles
(out of service pre-empts); people report defects."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from mobility.errors import Conflict, Forbidden, NotFound
from mobility.notifications.services import notify
from mobility.timestamps import iso_local

from ..models import DefectReport, Reservation, ReservationStatus, Station, Tariff, Vehicle, VehicleType
from . import _shared as shared
from . import billing

S = ReservationStatus


def station_create(*, name: str, lat: float, lon: float, address: str = "", access_notes: str = "") -> Station:
    """A new station at ``lat``/``lon`` (WGS84 degrees)."""
    return Station.objects.create(name=name, lat=lat, lon=lon, address=address, access_notes=access_notes)


def vehicle_type_create(*, name: str, seats: int, propulsion: str, range_km: int) -> VehicleType:
    """A new vehicle type; its name is unique (``Conflict(duplicate_name)``, also when two
    operators create the same name at the same moment: the unique index decides)."""
    if VehicleType.objects.filter(name=name).exists():
        raise Conflict("A vehicle type with this name exists.", code="duplicate_name")
    try:
        with transaction.atomic():
            return VehicleType.objects.create(name=name, seats=seats, propulsion=propulsion, range_km=range_km)
    except IntegrityError as exc:
        raise Conflict("A vehicle type with this name exists.", code="duplicate_name") from exc


def vehicle_create(*, plate: str, vehicle_type: VehicleType, station: Station, in_service: bool = True) -> Vehicle:
    """A new vehicle; the plate is stored trimmed and upper-case and is unique
    (``Conflict(duplicate_plate)``, decided by the unique index under races)."""
    plate = plate.strip().upper()
    if Vehicle.objects.filter(plate=plate).exists():
        raise Conflict("A vehicle with this plate exists.", code="duplicate_plate")
    try:
        with transaction.atomic():
            return Vehicle.objects.create(
                plate=plate, vehicle_type=vehicle_type, station=station, in_service=in_service
            )
    except IntegrityError as exc:
        raise Conflict("A vehicle with this plate exists.", code="duplicate_plate") from exc


def tariff_set(*, vehicle_type: VehicleType, **prices: int) -> Tariff:
    """Create or replace the tariff of ``vehicle_type`` (prices in gross euro cents, VAT rate in
    basis points); parallel calls end with one tariff, the last one's prices."""
    tariff, _ = Tariff.objects.update_or_create(vehicle_type=vehicle_type, defaults=prices)
    return tariff


def vehicle_defect_report(
    *, user, vehicle_id: int, description: str, blocks_use: bool, now: datetime | None = None
) -> DefectReport:
    """Report a defect. Residents may report for a vehicle they use or used in the last day;
    staff and operators for any. A blocking defect takes the vehicle out of service at once."""
    now = shared.now(now)
    if not (user.is_town_staff or user.is_operator):
        recent = Reservation.objects.filter(
            user=user,
            vehicle_id=vehicle_id,
            status__in=(S.CONFIRMED, S.ACTIVE, S.RETURNED, S.SETTLED),
            start__lte=now + timedelta(hours=1),
            end__gte=now - timedelta(days=1),
        ).exists()
        if not recent:
            raise Forbidden("Report defects of vehicles you are using or have just used.", code="no_recent_use")
    if not Vehicle.objects.filter(pk=vehicle_id).exists():
        raise NotFound("No such vehicle.", code="vehicle_not_found")
    before = Reservation.objects.filter(vehicle_id=vehicle_id, status=S.PREEMPTED).count()
    if blocks_use:
        vehicle_update(vehicle_id=vehicle_id, in_service=False, now=now)
    preempted = Reservation.objects.filter(vehicle_id=vehicle_id, status=S.PREEMPTED).count() - before
    report = DefectReport.objects.create(
        vehicle_id=vehicle_id,
        reported_by=user,
        description=description.strip(),
        blocks_use=blocks_use,
        preempted=preempted,
    )
    return report


def vehicle_update(*, vehicle_id: int, now: datetime | None = None, **changes: Any) -> Vehicle:
    """Operator edits a vehicle. Taking it out of service pre-empts its upcoming reservations:
    they are cancelled, refunded in full and their people told."""
    now = shared.now(now)
    pending: list[int] = []
    with transaction.atomic():
        vehicle = shared.lock_vehicle(vehicle_id)
        for name, value in changes.items():
            setattr(vehicle, name, value)
        vehicle.save()
        if changes.get("in_service") is False:
            upcoming = Reservation.objects.select_for_update().filter(
                vehicle=vehicle, status__in=(S.HELD, S.CONFIRMED), blocked_until__gt=now
            )
            for reservation in upcoming:
                shared.transition(reservation, S.PREEMPTED)
                reservation.cancelled_at = now
                reservation.held_until = None
                reservation.actual_cents = 0
                reservation.save()
                pending += billing.plan_collection(reservation, 0, "preempt")
                notify(
                    reservation.user,
                    "carsharing.reservation_preempted",
                    {"reservation": reservation.pk, "vehicle": vehicle.plate, "start": iso_local(reservation.start)},
                )
    billing.payments_execute(pending)
    return vehicle
