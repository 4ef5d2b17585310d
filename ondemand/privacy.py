"""Rufbus bookings in export, erasure and retention (see ``mobility.privacy.registry``).

A door-to-door booking holds the passenger's exact pickup and drop-off, usually their front
door. The passenger's export shows them exactly (their own data). Erasure cancels what is still
to come through the service (the run is re-timed, the riders whose times move are told) and
coarsens every exact place to the centre of its grid cell (``RIDES_PRIVACY_GRID_M``, as for
carpools); the ``ondemand_exact_places`` retention rule does the same for rides that ended.
Bookings stay, with times, seats and status, for the statistics.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from mobility.privacy.retention import RetentionRule
from rides import conf as rides_conf
from rides.domain.privacy import coarse_position

from .models import OnDemandBooking


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_personal_data(user) -> dict[str, Any]:
    bookings = OnDemandBooking.objects.filter(passenger=user).select_related("run").order_by("id")
    return {
        "ondemand_bookings": [
            {
                "id": booking.pk,
                "service_date": booking.run.service_date.isoformat(),
                "seats": booking.seats,
                "pickup": {"lat": booking.pickup_lat, "lon": booking.pickup_lon},
                "dropoff": {"lat": booking.dropoff_lat, "lon": booking.dropoff_lon},
                "earliest_pickup_at": _iso(booking.earliest_pickup_at),
                "latest_pickup_at": _iso(booking.latest_pickup_at),
                "pickup_at": _iso(booking.pickup_at),
                "dropoff_at": _iso(booking.dropoff_at),
                "status": booking.status,
                "created_at": _iso(booking.created_at),
                "cancelled_at": _iso(booking.cancelled_at),
            }
            for booking in bookings
        ]
    }


def _coarsen(bookings: Iterable[OnDemandBooking], dry_run: bool) -> int:
    """Move every exact place to its grid cell's centre; returns the bookings changed."""
    grid = rides_conf.privacy_grid_m()
    changed = 0
    for booking in bookings:
        pickup = coarse_position(float(booking.pickup_lat), float(booking.pickup_lon), grid)
        dropoff = coarse_position(float(booking.dropoff_lat), float(booking.dropoff_lon), grid)
        if (booking.pickup_lat, booking.pickup_lon, booking.dropoff_lat, booking.dropoff_lon) == (*pickup, *dropoff):
            continue
        changed += 1
        if not dry_run:
            booking.pickup_lat, booking.pickup_lon = pickup
            booking.dropoff_lat, booking.dropoff_lon = dropoff
            booking.save(update_fields=["pickup_lat", "pickup_lon", "dropoff_lat", "dropoff_lon"])
    return changed


def erase_personal_data(user) -> dict[str, int]:
    """Cancel coming Rufbus rides through the service, then coarsen every exact place."""
    from .services import ondemand_booking_cancel

    now = timezone.now()
    cancelled = 0
    coming = OnDemandBooking.objects.filter(
        passenger=user, status=OnDemandBooking.Status.CONFIRMED, earliest_pickup_at__gt=now
    ).values_list("pk", flat=True)
    for booking_id in list(coming):
        ondemand_booking_cancel(booking_id=booking_id, user=user, now=now)
        cancelled += 1
    return {
        "ondemand_bookings_cancelled": cancelled,
        "ondemand_bookings_coarsened": _coarsen(OnDemandBooking.objects.filter(passenger=user).iterator(), False),
    }


def _coarsen_past_places(cutoff: datetime, dry_run: bool) -> int:
    return _coarsen(OnDemandBooking.objects.filter(dropoff_at__lt=cutoff).iterator(), dry_run)


RETENTION_RULES = [
    RetentionRule(
        "ondemand_exact_places",
        "Exact pickups and drop-offs of Rufbus rides that ended are coarsened to a ~500 m grid",
        14,
        _coarsen_past_places,
    ),
]
