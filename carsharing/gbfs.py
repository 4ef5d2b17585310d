"""GBFS v3.0 documents for the car-sharing (open data, no personal data).

Published feeds: ``gbfs``, ``system_information``, ``vehicle_types``, ``station_information``,
``station_status`` and ``system_pricing_plans``. ``vehicle_status`` is deliberately not
published: for a station-based system it adds nothing a journey planner needs, and stable
vehicle ids with positions would let anyone follow one car (and so one driver) over time.

Availability is computed from the reservations at ``now`` only as counts per station and
vehicle type; nothing about who holds a reservation leaves this module. Times are RFC 3339
strings (GBFS v3.0 changed ``last_updated`` from POSIX seconds to RFC 3339). Money is in
euros (the models store integer cents, gross, VAT included).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from mobility.l10n import format_number

from . import conf
from .models import BLOCKING_STATUSES, Reservation, Station, Tariff, Vehicle, VehicleType

GBFS_VERSION = "3.0"

#: Feed name -> time to live in seconds. Status changes with every booking; the rest rarely.
FEED_TTL: dict[str, int] = {
    "gbfs": 3600,
    "system_information": 3600,
    "vehicle_types": 3600,
    "station_information": 3600,
    "station_status": 60,
    "system_pricing_plans": 3600,
}

FEEDS: tuple[str, ...] = tuple(FEED_TTL)


def system_id() -> str:
    """``GBFS_SYSTEM_ID``: globally unique id of this car-sharing system."""
    return str(conf.get("GBFS_SYSTEM_ID"))


def language() -> str:
    """``GBFS_LANGUAGE``: the language of every text in the feeds (IETF BCP 47)."""
    return str(conf.get("GBFS_LANGUAGE"))


def _text(value: str) -> list[dict[str, str]]:
    return [{"text": value, "language": language()}]


def rfc3339(moment: datetime) -> str:
    """A UTC instant as RFC 3339 with a ``Z`` suffix and whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _envelope(feed: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"last_updated": rfc3339(now), "ttl": FEED_TTL[feed], "version": GBFS_VERSION, "data": data}


def _station_id(pk: int) -> str:
    return f"station-{pk}"


def _vehicle_type_id(pk: int) -> str:
    return f"type-{pk}"


def _plan_id(vehicle_type_pk: int) -> str:
    return f"tariff-{vehicle_type_pk}"


def _euros(cents: int) -> float:
    return round(cents / 100, 2)


def _german_euros(cents: int) -> str:
    """An amount in the plans' German description: ``4,50 EUR`` (German decimals in German text)."""
    return format_number(_euros(cents), 2, "de") + " EUR"


# --- documents ---------------------------------------------------------------------------------


def gbfs_discovery(*, feed_url: Callable[[str], str], now: datetime | None = None) -> dict[str, Any]:
    """``gbfs.json``: links to every published feed; ``feed_url(name)`` gives an absolute URL."""
    now = now or timezone.now()
    feeds = [{"name": name, "url": feed_url(name)} for name in FEEDS]
    return _envelope("gbfs", {"feeds": feeds}, now)


def system_information(*, now: datetime | None = None, public_url: str = "") -> dict[str, Any]:
    """``public_url``: the served base URL, used when neither GBFS_SYSTEM_URL nor FRONTEND_URL is set."""
    now = now or timezone.now()
    data: dict[str, Any] = {
        "system_id": system_id(),
        "languages": [language()],
        "name": _text(conf.get("GBFS_SYSTEM_NAME")),
        "operator": _text(conf.get("GBFS_OPERATOR_NAME")),
        "opening_hours": conf.get("GBFS_OPENING_HOURS"),
        "feed_contact_email": conf.get("GBFS_FEED_CONTACT_EMAIL") or settings.DEFAULT_FROM_EMAIL,
        "timezone": settings.TIME_ZONE,
    }
    url = conf.get("GBFS_SYSTEM_URL") or settings.FRONTEND_URL or public_url
    if url:
        data["url"] = url
    licence = conf.get("GBFS_LICENSE_ID")
    if licence and licence != "-":
        data["license_id"] = licence
    return _envelope("system_information", data, now)


_PROPULSION = {"electric": "electric", "combustion": "combustion"}


def vehicle_types(*, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    with_tariff = set(Tariff.objects.values_list("vehicle_type_id", flat=True))
    rows = []
    for vt in VehicleType.objects.order_by("pk"):
        row: dict[str, Any] = {
            "vehicle_type_id": _vehicle_type_id(vt.pk),
            "form_factor": "car",
            "propulsion_type": _PROPULSION.get(vt.propulsion, "combustion"),
            "name": _text(vt.name),
            "rider_capacity": int(vt.seats),
            "max_range_meters": int(vt.range_km) * 1000,
            "return_constraint": "roundtrip_station",
            "wheel_count": 4,
        }
        if vt.pk in with_tariff:
            row["default_pricing_plan_id"] = _plan_id(vt.pk)
            row["pricing_plan_ids"] = [_plan_id(vt.pk)]
        rows.append(row)
    return _envelope("vehicle_types", {"vehicle_types": rows}, now)


def _vehicles_by_station() -> dict[int, list[Vehicle]]:
    by_station: dict[int, list[Vehicle]] = {}
    for vehicle in Vehicle.objects.order_by("pk"):
        by_station.setdefault(vehicle.station_id, []).append(vehicle)
    return by_station


def station_information(*, now: datetime | None = None) -> dict[str, Any]:
    """Stations with their position; ``capacity`` is the number of cars based there."""
    now = now or timezone.now()
    by_station = _vehicles_by_station()
    rows = []
    for station in Station.objects.order_by("pk"):
        cars = by_station.get(station.pk, [])
        row: dict[str, Any] = {
            "station_id": _station_id(station.pk),
            "name": _text(station.name),
            "lat": round(float(station.lat), 6),
            "lon": round(float(station.lon), 6),
            "capacity": len(cars),
            "is_virtual_station": False,
            "parking_type": "parking_lot",
        }
        if station.address:
            row["address"] = station.address
        counts: dict[int, int] = {}
        for car in cars:
            counts[car.vehicle_type_id] = counts.get(car.vehicle_type_id, 0) + 1
        if counts:
            row["vehicle_docks_capacity"] = [
                {"vehicle_type_ids": [_vehicle_type_id(pk)], "count": n} for pk, n in sorted(counts.items())
            ]
        rows.append(row)
    return _envelope("station_information", {"stations": rows}, now)


def _occupied_now(now: datetime) -> tuple[set[int], set[int]]:
    """(vehicles occupied by a reservation at ``now``, vehicles out on a trip at ``now``).

    Occupied means a blocking reservation whose ``[start, blocked_until)`` contains ``now``
    (a hold that ran out no longer counts); out on a trip means checked in and not returned.
    """
    current = (
        Reservation.objects.filter(status__in=BLOCKING_STATUSES, start__lte=now, blocked_until__gt=now)
        .exclude(Q(status="held") & Q(held_until__lt=now))
        .values_list("vehicle_id", "status")
    )
    occupied: set[int] = set()
    away: set[int] = set()
    for vehicle_id, status in current:
        occupied.add(vehicle_id)
        if status == "active":
            away.add(vehicle_id)
    away |= set(Reservation.objects.filter(status="active").values_list("vehicle_id", flat=True))
    return occupied, away


def station_status(*, now: datetime | None = None) -> dict[str, Any]:
    """Per station: cars available for rental now (in service, at the station, not reserved now).

    Cars out on a trip are not at the station; cars out of service are ``num_vehicles_disabled``.
    Each car has its own parking space, so free spaces are the cars that are away.
    """
    now = now or timezone.now()
    occupied, away = _occupied_now(now)
    by_station = _vehicles_by_station()
    type_ids = list(VehicleType.objects.order_by("pk").values_list("pk", flat=True))
    rows = []
    for station in Station.objects.order_by("pk"):
        cars = by_station.get(station.pk, [])
        present = [car for car in cars if car.pk not in away]
        available = [car for car in present if car.in_service and car.pk not in occupied]
        disabled = [car for car in present if not car.in_service]
        per_type = {pk: 0 for pk in type_ids if any(car.vehicle_type_id == pk for car in cars)}
        for car in available:
            per_type[car.vehicle_type_id] = per_type.get(car.vehicle_type_id, 0) + 1
        rows.append(
            {
                "station_id": _station_id(station.pk),
                "num_vehicles_available": len(available),
                "vehicle_types_available": [
                    {"vehicle_type_id": _vehicle_type_id(pk), "count": n} for pk, n in sorted(per_type.items())
                ],
                "num_vehicles_disabled": len(disabled),
                "num_docks_available": len(cars) - len(present),
                # Required when station_information lists vehicle_docks_capacity: free spaces per type.
                "vehicle_docks_available": [
                    {
                        "vehicle_type_ids": [_vehicle_type_id(pk)],
                        "count": sum(1 for car in cars if car.vehicle_type_id == pk and car.pk in away),
                    }
                    for pk in sorted({car.vehicle_type_id for car in cars})
                ],
                "is_installed": True,
                "is_renting": bool(cars) and any(car.in_service for car in cars),
                "is_returning": True,
                "last_reported": rfc3339(now),
            }
        )
    return _envelope("station_status", {"stations": rows}, now)


def system_pricing_plans(*, now: datetime | None = None) -> dict[str, Any]:
    """One plan per tariff: no base price, time by the hour (pro rata), kilometres after the free ones.

    Prices are gross (VAT included), so ``is_taxable`` is false. The daily cap cannot be
    expressed in GBFS segments; it is stated in the description.
    """
    now = now or timezone.now()
    plans = []
    for tariff in Tariff.objects.select_related("vehicle_type").order_by("vehicle_type_id"):
        vat = format_number(tariff.vat_rate_bp / 100, 2, "de").rstrip("0").rstrip(",")  # 19,00 -> 19; 7,50 -> 7,5
        description = (
            f"{_german_euros(tariff.per_hour_cents)} pro Stunde (minutengenau), "
            f"höchstens {_german_euros(tariff.daily_cap_cents)} pro 24 Stunden; "
            f"{tariff.included_km} km frei, danach {_german_euros(tariff.per_km_cents)} pro km; "
            f"inkl. {vat} % MwSt."
        )
        plans.append(
            {
                "plan_id": _plan_id(tariff.vehicle_type_id),
                "name": _text(f"Tarif {tariff.vehicle_type.name}"),
                "currency": "EUR",
                "price": 0.0,
                "is_taxable": False,
                "description": _text(description),
                "per_min_pricing": [{"start": 0, "rate": round(tariff.per_hour_cents / 6000, 4), "interval": 1}],
                "per_km_pricing": [
                    {"start": int(tariff.included_km), "rate": _euros(tariff.per_km_cents), "interval": 1}
                ],
                "surge_pricing": False,
            }
        )
    return _envelope("system_pricing_plans", {"plans": plans}, now)


BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "system_information": system_information,
    "vehicle_types": vehicle_types,
    "station_information": station_information,
    "station_status": station_status,
    "system_pricing_plans": system_pricing_plans,
}


def gbfs_document(
    name: str, *, feed_url: Callable[[str], str], now: datetime | None = None, public_url: str = ""
) -> dict[str, Any]:
    """The document of feed ``name`` (one of :data:`FEEDS`); ``KeyError`` for any other name."""
    if name == "gbfs":
        return gbfs_discovery(feed_url=feed_url, now=now)
    if name == "system_information":
        return system_information(now=now, public_url=public_url)
    return BUILDERS[name](now=now)
