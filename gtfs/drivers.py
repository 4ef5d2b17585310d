"""Bürgerbus drivers, their qualifications and the duty roster: writes and reads.

Writes run in transactions; the qualification rule itself is ``gtfs.domain.drivers``. A
roster entry whose driver will not be qualified on the trip's day is allowed (the staff may
still fix the qualification in time) but always comes back with its warnings, and
``roster_warnings`` lists every such entry ahead, for the staff's work list.

``driver_erase`` removes a driver's personal data on request, also for drivers without an
account (whom the account erasure never reaches): the row stays as a pseudonym
("erased driver #<id>") so that the roster and the qualification checks still show, for
every trip driven, that a qualified driver drove it (FeV § 48); duties still to come are
released for re-rostering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from mobility.errors import Conflict, NotFound, ValidationFailed
from mobility.notifications.services import notify
from mobility.privacy.services import personal_data_access_record

from . import conf
from .domain.drivers import Problem, qualification_problems
from .models import BuergerbusDriver, DriverQualification, Feed, FeedKind, QualificationKind, RosterEntry, Trip
from .selectors import service_runs_on


def driver_create(*, name: str, phone: str = "", birth_date: date | None = None, user=None) -> BuergerbusDriver:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the driver's name.", code="name_required", fields={"name": ["Required."]})
    return BuergerbusDriver.objects.create(name=name[:120], phone=(phone or "")[:40], birth_date=birth_date, user=user)


def qualification_record(*, driver_id: int, kind: str, valid_until: date, checked_by) -> DriverQualification:
    """Record a checked qualification (a new row each time, so every check is kept)."""
    if kind not in QualificationKind.values:
        raise ValidationFailed("Unknown qualification.", code="invalid_qualification", fields={"kind": [kind]})
    driver = BuergerbusDriver.objects.filter(pk=driver_id).first()
    if driver is None:
        raise NotFound("No such driver.", code="driver_not_found")
    return DriverQualification.objects.create(driver=driver, kind=kind, valid_until=valid_until, checked_by=checked_by)


def valid_until_by_kind(driver: BuergerbusDriver) -> dict[str, date | None]:
    """The newest check of each kind decides."""
    latest: dict[str, date | None] = {}
    for q in driver.qualifications.order_by("-checked_at", "-id"):
        latest.setdefault(q.kind, q.valid_until)
    return latest


def driver_problems(driver: BuergerbusDriver, day: date) -> list[Problem]:
    return qualification_problems(
        birth_date=driver.birth_date,
        valid_until=valid_until_by_kind(driver),
        trip_day=day,
        medical_from_age=conf.driver_medical_age(),
    )


@dataclass
class RosterResult:
    entry: RosterEntry
    problems: list[Problem]


@transaction.atomic
def roster_assign(*, trip_pk: int, service_date: date, driver_id: int, assigned_by) -> RosterResult:
    """Put a driver on a Bürgerbus trip for one day (replacing whoever was rostered).

    Refused: a trip that is not a Bürgerbus trip, or a day it does not run. Allowed with
    warnings: a driver whose qualifications will not be valid that day.
    """
    trip = Trip.objects.select_related("version__feed", "service").filter(pk=trip_pk).first()
    feed = trip.version.feed if trip is not None else None
    if feed is None or feed.kind != FeedKind.COMMUNITY_BUS:
        raise NotFound("No such Bürgerbus trip.", code="buergerbus_trip_not_found")
    if not service_runs_on(service=trip.service, day=service_date):
        raise ValidationFailed(
            "The trip does not run on this day.", code="buergerbus_trip_not_running", fields={"service_date": []}
        )
    driver = BuergerbusDriver.objects.filter(pk=driver_id, active=True).first()
    if driver is None:
        raise NotFound("No such driver.", code="driver_not_found")
    Feed.objects.select_for_update().filter(pk=feed.pk).first()  # one assignment per feed at a time
    now = timezone.now()
    RosterEntry.objects.filter(
        feed=feed, trip_id=trip.trip_id, service_date=service_date, replaced_at__isnull=True
    ).update(replaced_at=now)
    entry = RosterEntry.objects.create(
        feed=feed, trip_id=trip.trip_id, service_date=service_date, driver=driver, assigned_by=assigned_by
    )
    if driver.user_id:
        notify(driver.user, "buergerbus_duty_assigned", {"trip": trip.trip_id, "date": service_date.isoformat()})
    return RosterResult(entry=entry, problems=driver_problems(driver, service_date))


def roster_for(*, start: date, end: date):
    return RosterEntry.objects.filter(service_date__range=(start, end), replaced_at__isnull=True).select_related(
        "driver", "feed"
    )


def roster_warnings(*, today: date | None = None, days: int | None = None) -> list[RosterResult]:
    """Rostered trips from today on whose driver will not be qualified on the trip's day."""
    today = today or timezone.localdate()
    days = conf.roster_warning_days() if days is None else days
    out = []
    for entry in roster_for(start=today, end=today + timedelta(days=days)).prefetch_related("driver__qualifications"):
        problems = driver_problems(entry.driver, entry.service_date)
        if problems:
            out.append(RosterResult(entry=entry, problems=problems))
    return out


#: The name an erased driver keeps (followed by `` #<id>`` when the operator erases the driver;
#: the account erasure writes it alone): a pseudonym for the roster, no longer a person's name.
ERASED_DRIVER_NAME = "erased driver"


@dataclass(frozen=True)
class DriverErasure:
    driver_id: int
    pseudonym: str
    roster_entries_kept: int  # duties driven (before today), kept under the pseudonym
    duties_released: int  # duties from today on, released (kept as replaced rows)
    qualifications_kept: int


@transaction.atomic
def driver_erase(*, driver_id: int, actor, reason: str, path: str = "") -> DriverErasure:
    """Erase a Bürgerbus driver's personal data on request (the operator; written to the access log).

    Name, phone, birth date and the account link go; the driver is deactivated and renamed to the
    pseudonym ``erased driver #<id>``. Roster entries and qualification checks stay with the
    pseudonym: they prove which trips were driven by a qualified driver (FeV § 48). Duties from
    the local today on are marked replaced, so the trips show as unrostered. A driver already
    erased is refused (409 ``driver_already_erased``).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Please give a reason.", code="reason_required", fields={"reason": ["Required."]})
    driver = BuergerbusDriver.objects.select_for_update().filter(pk=driver_id).first()
    if driver is None:
        raise NotFound("No such driver.", code="driver_not_found")
    if driver.name.startswith(ERASED_DRIVER_NAME) and not (driver.phone or driver.birth_date or driver.user_id):
        raise Conflict("This driver's personal data are already erased.", code="driver_already_erased")
    personal_data_access_record(
        actor=actor,
        subject=driver.user,
        what=f"Bürgerbus driver #{driver.pk}: erasure",
        reason=reason,
        path=path,
    )
    today = timezone.localdate()
    released = RosterEntry.objects.filter(driver=driver, replaced_at__isnull=True, service_date__gte=today).update(
        replaced_at=timezone.now()
    )
    driver.name = f"{ERASED_DRIVER_NAME} #{driver.pk}"
    driver.phone = ""
    driver.birth_date = None
    driver.user = None
    driver.active = False
    driver.save(update_fields=["name", "phone", "birth_date", "user", "active"])
    return DriverErasure(
        driver_id=driver.pk,
        pseudonym=driver.name,
        roster_entries_kept=driver.roster.filter(service_date__lt=today).count(),
        duties_released=released,
        qualifications_kept=driver.qualifications.count(),
    )
