"""Demo data for car-sharing: the region's fleet and tariffs, Carla's membership, a base-load
block for the town hall, and a few reservations around "now" (deterministic given now)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mobility.accounts.models import User

from . import services
from .models import (
    BaseLoadBlock,
    Billing,
    Membership,
    MembershipStatus,
    PaymentRecord,
    Reservation,
    ReservationKind,
    ReservationStatus,
    Station,
    Tariff,
    Vehicle,
    VehicleType,
)

MEMBER = "carla@demo.lindenau.example"
STAFF = "stefan@demo.lindenau.example"
OPERATOR = "olga@demo.lindenau.example"


def _next_weekday(day: date) -> date:
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def load(files, stdout, now: datetime | None = None) -> None:
    """Load the fleet from ``files.fleet_json`` and book the demo reservations; safe to run again."""
    now = now or timezone.now()
    tz = ZoneInfo(settings.TIME_ZONE)
    fleet = json.loads(files.fleet_json.read_text(encoding="utf-8"))
    carla = User.objects.get(email=MEMBER)
    stefan = User.objects.get(email=STAFF)
    olga = User.objects.get(email=OPERATOR)
    with transaction.atomic():
        stations = {}
        for row in fleet["stations"]:
            stations[row["name"]], _ = Station.objects.update_or_create(
                name=row["name"],
                defaults={
                    "lat": row["lat"],
                    "lon": row["lon"],
                    "address": row.get("address", ""),
                    "access_notes": row.get("access_notes", ""),
                },
            )
        types = {}
        for row in fleet["vehicle_types"]:
            types[row["name"]], _ = VehicleType.objects.update_or_create(
                name=row["name"],
                defaults={"seats": row["seats"], "propulsion": row["propulsion"], "range_km": row["range_km"]},
            )
        vehicles = []
        for row in fleet["vehicles"]:
            vehicle, _ = Vehicle.objects.update_or_create(
                plate=row["plate"],
                defaults={"vehicle_type": types[row["type"]], "station": stations[row["station"]], "in_service": True},
            )
            vehicles.append(vehicle)
        for row in fleet.get("tariffs", []):
            Tariff.objects.update_or_create(
                vehicle_type=types[row["vehicle_type"]],
                defaults={
                    "per_hour_cents": row["per_hour_cents"],
                    "daily_cap_cents": row["daily_cap_cents"],
                    "per_km_cents": row["per_km_cents"],
                    "included_km": row.get("included_km", 0),
                },
            )
        Membership.objects.update_or_create(
            user=carla,
            defaults={
                "licence_number": "B072RRE2I55",
                "licence_expiry": now.date() + timedelta(days=4 * 365),
                "status": MembershipStatus.APPROVED,
                "checked_at": now,
                "checked_by": stefan,
                "decided_at": now,
            },
        )
        carla.is_member = True
        carla.save(update_fields=["is_member"])
        PaymentRecord.objects.filter(reservation__vehicle__in=vehicles).delete()
        Reservation.objects.filter(vehicle__in=vehicles).delete()
        BaseLoadBlock.objects.filter(vehicle__in=vehicles).delete()
    pool_car, member_car, kombi = vehicles[0], vehicles[1], vehicles[2]
    today = timezone.localtime(now, tz).date()
    block = services.base_load_block_create(
        operator=olga,
        vehicle_id=pool_car.pk,
        weekdays=[1, 2, 3, 4, 5],
        start_time=time(8, 0),
        end_time=time(12, 0),
        valid_from=today,
        valid_until=None,
        cost_centre=stefan.cost_centre,
        purpose="Dienstfahrten Rathaus (Grundlast)",
    )
    made = services.base_load_materialise(now=now, weeks=4, block_ids=[block.pk])

    def local(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour, 0)).replace(tzinfo=tz)

    tomorrow = today + timedelta(days=1)
    ride = services.reservation_create(
        user=carla, vehicle_id=member_car.pk, start=local(tomorrow, 14), end=local(tomorrow, 17), now=now
    )
    if ride.billing == Billing.CARD:  # the demo member has no saved card: she pays by invoice
        Reservation.objects.filter(pk=ride.pk).update(billing=Billing.INVOICE)
    services.reservation_confirm(user=carla, reservation_id=ride.pk, now=now)
    services.reservation_create(
        user=stefan,
        vehicle_id=kombi.pk,
        start=local(_next_weekday(today + timedelta(days=2)), 9),
        end=local(_next_weekday(today + timedelta(days=2)), 11),
        kind=ReservationKind.OFFICIAL,
        purpose="Ortstermin Bauamt Birkenfeld",
        now=now,
    )
    # A trip last week, already settled, so the utilisation report has something to show.
    last_week = today - timedelta(days=7)
    start, end = local(last_week, 10), local(last_week, 13)
    Reservation.objects.create(
        vehicle=member_car,
        user=carla,
        kind=ReservationKind.MEMBER,
        status=ReservationStatus.SETTLED,
        billing=Billing.INVOICE,
        start=start,
        end=end,
        blocked_until=end + timedelta(minutes=15),
        estimate_cents=1350,
        actual_cents=1350 + 19 * 22,
        checked_in_at=start,
        returned_at=end,
        odometer_start_km=12000,
        odometer_end_km=12022,
        energy_level_pct=64,
    )
    stdout.write(
        f"  carsharing: {len(stations)} stations, {len(vehicles)} vehicles, "
        f"base load {made['reservations']} official reservations, demo trips for Carla and Stefan"
    )
