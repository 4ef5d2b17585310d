"""Bürgerbus bookings in export, erasure and retention (see ``mobility.privacy.registry``).

Timetables hold no personal data. Bürgerbus bookings do: the passenger's account, and for
assisted bookings (made by town-hall staff for a caller without an account) a name and a
phone number for the driver's manifest. The booking itself (trip, day, stops, seats) stays
for the statistics; names and numbers go at erasure or, for callers without an account,
``buergerbus_assisted_contacts`` days after the ride.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from mobility.privacy.retention import RetentionRule

from .models import BuergerbusBooking

#: An assisted booking must name its passenger (check constraint); this replaces the name.
ERASED_NAME = "[erased]"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_personal_data(user) -> dict[str, Any]:
    bookings = (
        BuergerbusBooking.objects.filter(passenger=user)
        .select_related("trip__route", "from_stop", "to_stop")
        .order_by("departure_at", "pk")
    )
    return {
        "buergerbus_bookings": [
            {
                "id": b.pk,
                "line": str(b.trip.route),
                "trip": b.trip.trip_id,
                "service_date": _iso(b.service_date),
                "from_stop": str(b.from_stop),
                "to_stop": str(b.to_stop),
                "departure_at": _iso(b.departure_at),
                "seats": b.seats,
                "passenger_name": b.passenger_name,
                "passenger_phone": b.passenger_phone,
                "assisted": b.assisted,
                "status": b.status,
                "created_at": _iso(b.created_at),
                "cancelled_at": _iso(b.cancelled_at),
                "cancel_reason": b.cancel_reason,
            }
            for b in bookings
        ],
        # Bookings this person made for others (as staff): only how many, not whose.
        "assisted_bookings_made_for_others": BuergerbusBooking.objects.filter(booked_by=user)
        .exclude(passenger=user)
        .count(),
        "buergerbus_driver": _export_driver(user),
    }


def _export_driver(user) -> dict[str, Any] | None:
    from .models import BuergerbusDriver

    driver = BuergerbusDriver.objects.filter(user=user).first()
    if driver is None:
        return None
    return {
        "name": driver.name,
        "phone": driver.phone,
        "birth_date": _iso(driver.birth_date),
        "qualifications": [
            {"kind": q.kind, "valid_until": _iso(q.valid_until), "checked_at": _iso(q.checked_at)}
            for q in driver.qualifications.order_by("checked_at", "pk")
        ],
        "roster": [
            {"trip": e.trip_id, "service_date": _iso(e.service_date), "replaced_at": _iso(e.replaced_at)}
            for e in driver.roster.order_by("service_date", "pk")
        ],
    }


def erase_personal_data(user) -> dict[str, int]:
    """Release seats on future rides, clear names and numbers; the bookings stay for statistics."""
    now = timezone.now()
    own = BuergerbusBooking.objects.filter(passenger=user)
    # Not through bb_booking_cancel: it notifies the passenger, and that notification would be
    # created after the notifications app has already erased this person's messages.
    cancelled = own.filter(status=BuergerbusBooking.Status.CONFIRMED, departure_at__gt=now).update(
        status=BuergerbusBooking.Status.CANCELLED, cancelled_at=now
    )
    cleared = own.filter(~Q(passenger_name="") | ~Q(passenger_phone="")).update(passenger_name="", passenger_phone="")
    # A reason is free text the person wrote: it goes too.
    own.exclude(cancel_reason="").update(cancel_reason="")
    # A driver's roster stays (who drove is kept traceable as "a former driver"), without the person.
    from .models import BuergerbusDriver

    drivers = BuergerbusDriver.objects.filter(user=user).update(
        user=None, name="erased driver", phone="", birth_date=None, active=False
    )
    return {
        "buergerbus_bookings_cancelled": cancelled,
        "buergerbus_contacts_cleared": cleared,
        "buergerbus_drivers_erased": drivers,
    }


def _clear_assisted_contacts(cutoff, dry_run: bool) -> int:
    """Names and phone numbers of assisted bookings whose ride was before ``cutoff``."""
    stale = BuergerbusBooking.objects.filter(departure_at__lt=cutoff).filter(
        (Q(passenger__isnull=True) & ~Q(passenger_name=ERASED_NAME))
        | (Q(passenger__isnull=False) & ~Q(passenger_name=""))
        | ~Q(passenger_phone="")
    )
    if dry_run:
        return stale.count()
    without_account = stale.filter(passenger__isnull=True).update(passenger_name=ERASED_NAME, passenger_phone="")
    with_account = stale.filter(passenger__isnull=False).update(passenger_name="", passenger_phone="")
    return without_account + with_account


def _erased_drivers():
    from .drivers import ERASED_DRIVER_NAME
    from .models import BuergerbusDriver

    return BuergerbusDriver.objects.filter(
        name__startswith=ERASED_DRIVER_NAME, user__isnull=True, active=False, phone="", birth_date__isnull=True
    )


def _drop_erased_drivers_roster(cutoff, dry_run: bool) -> int:
    """Erased drivers (pseudonyms): roster entries whose service day lies before ``cutoff``'s
    local day are deleted, then the pseudonym itself (with its qualification checks) once no
    entry is left. Returns roster entries + drivers deleted."""
    from .models import RosterEntry

    cutoff_day = cutoff.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    erased = _erased_drivers()
    old_entries = RosterEntry.objects.filter(driver__in=erased, service_date__lt=cutoff_day)
    done_drivers = erased.exclude(roster__service_date__gte=cutoff_day)
    if dry_run:
        return old_entries.count() + done_drivers.count()
    entries, _ = old_entries.delete()
    drivers = 0
    for driver in done_drivers.distinct():
        driver.qualifications.all().delete()
        driver.delete()
        drivers += 1
    return entries + drivers


RETENTION_RULES = [
    RetentionRule(
        "buergerbus_assisted_contacts",
        "Names and phone numbers on assisted Bürgerbus bookings are erased after the ride",
        14,
        _clear_assisted_contacts,
    ),
    RetentionRule(
        "buergerbus_erased_driver_roster",
        "Roster entries of erased Bürgerbus drivers (pseudonyms) are deleted after the limitation period, "
        "then the pseudonym with its qualification checks",
        1095,
        _drop_erased_drivers_roster,
    ),
]
