"""Driving licences are checked again, not once (StVG § 21 Abs. 1 Nr. 2: the keeper who lets
someone drive without a licence is liable; case law asks for repeated checks).

- The membership's ``checked_at`` is the last check. ``CARSHARING_LICENCE_RECHECK_MONTHS``
  (default 6) later the check is due: reservations starting on or after that local day are
  refused (``licence_recheck_due``) and an overdue member cannot start a trip, until staff
  check again (``licence_recheck``).
- An expired licence blocks at once: no reservation ending after the expiry, no check-in.
- Members are reminded ``CARSHARING_LICENCE_REMINDER_DAYS`` (30 and 7) days before the due
  day by the daily task ``carsharing.licence_reminders``; each reminder is sent once.
- Staff see a work list of checks due (``licence_checks_due``); every check is a
  ``LicenceCheck`` row (who, when, the expiry seen, the result).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone

from mobility.accounts.models import User
from mobility.errors import Forbidden, NotFound, ValidationFailed
from mobility.notifications.services import notify

from .. import conf
from ..models import LicenceCheck, LicenceCheckResult, LicenceRecheckReminder, Membership, MembershipStatus
from . import _shared as shared


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def last_check(membership: Membership) -> datetime:
    """When the licence was last checked. Approval through the service always sets
    ``checked_at``; rows made otherwise fall back to the decision or the application."""
    return membership.checked_at or membership.decided_at or membership.applied_at


def recheck_due_on(membership: Membership) -> date:
    """The local day from which a new check is needed: the last check's day + the interval."""
    months = int(conf.get("CARSHARING_LICENCE_RECHECK_MONTHS"))
    due: date = _local_day(last_check(membership)) + relativedelta(months=months)
    return due


def check_may_book(membership: Membership, *, start: datetime, end: datetime) -> None:
    """Refuse a reservation the licence rules do not allow (called with the membership approved)."""
    if membership.licence_expiry < _local_day(end):
        raise Forbidden(
            "Your driving licence has expired (or expires before the end of this booking); "
            "please have the new one checked.",
            code="licence_expired",
        )
    due = recheck_due_on(membership)
    if _local_day(start) >= due:
        raise Forbidden(
            "Your driving licence must be checked again by the town hall (due from %(due)s); "
            "reservations from that day on are possible after the check.",
            code="licence_recheck_due",
            params={"due": due.strftime("%d.%m.%Y")},
        )


def check_may_drive(user: User, *, now: datetime) -> None:
    """At check-in: an expired licence or an overdue re-check blocks the trip at once."""
    membership = Membership.objects.filter(user=user, status=MembershipStatus.APPROVED).first()
    if membership is None:
        return  # official trips by staff: their licences are the town hall's business
    check_may_book(membership, start=now, end=now)


@transaction.atomic
def licence_recheck(
    *, staff: User, membership_id: int, licence_expiry: date, note: str = "", now: datetime | None = None
) -> LicenceCheck:
    """Staff checked the member's licence again: record it (audited) and start a new interval.

    A licence seen as expired is recorded too (result ``expired``) and blocks at once.
    """
    now = shared.now(now)
    membership = Membership.objects.select_for_update().select_related("user").filter(pk=membership_id).first()
    if membership is None or membership.status != MembershipStatus.APPROVED:
        raise NotFound("No such membership.", code="membership_not_found")
    if not isinstance(licence_expiry, date):
        raise ValidationFailed("Give the licence's expiry date.", code="invalid_licence_expiry")
    expired = licence_expiry < _local_day(now)
    check = LicenceCheck.objects.create(
        membership=membership,
        checked_by=staff,
        checked_at=now,
        licence_expiry=licence_expiry,
        result=LicenceCheckResult.EXPIRED if expired else LicenceCheckResult.VALID,
        note=(note or "")[:250],
    )
    membership.licence_expiry = licence_expiry
    if not expired:
        membership.checked_at = now
        membership.checked_by = staff
    membership.save(update_fields=["licence_expiry", "checked_at", "checked_by"])
    notify(
        membership.user,
        "carsharing.licence_checked",
        {"result": check.result, "next_check_due": None if expired else recheck_due_on(membership).isoformat()},
    )
    return check


def record_approval_check(membership: Membership, *, staff: User, now: datetime) -> LicenceCheck:
    """The check at approval is audited like every later one."""
    return LicenceCheck.objects.create(
        membership=membership,
        checked_by=staff,
        checked_at=now,
        licence_expiry=membership.licence_expiry,
        result=LicenceCheckResult.VALID,
        note="approval",
    )


def reminder_days() -> list[int]:
    raw = str(conf.get("CARSHARING_LICENCE_REMINDER_DAYS"))
    return sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True)


def licence_reminders_send(*, now: datetime | None = None) -> int:
    """Remind members whose re-check is coming (30 and 7 days before); each stage once.

    Robust to missed runs: a stage counts from its day until the due day; when several
    stages are due at once only the closest one is sent (and the others marked).
    """
    now = shared.now(now)
    today = _local_day(now)
    stages = reminder_days()
    sent = 0
    for membership in Membership.objects.filter(status=MembershipStatus.APPROVED).select_related("user"):
        due = recheck_due_on(membership)
        open_stages = [d for d in stages if due - timedelta(days=d) <= today < due]
        if not open_stages:
            continue
        closest = min(open_stages)
        done = set(
            LicenceRecheckReminder.objects.filter(membership=membership, due_on=due).values_list(
                "days_before", flat=True
            )
        )
        if closest in done:
            continue
        try:
            with transaction.atomic():
                for stage in open_stages:
                    if stage not in done:
                        LicenceRecheckReminder.objects.create(membership=membership, due_on=due, days_before=stage)
                notify(
                    membership.user,
                    "carsharing.licence_recheck_due",
                    {"due_on": due.isoformat(), "days_before": (due - today).days},
                )
        except IntegrityError:  # a parallel run sent it
            continue
        sent += 1
    return sent


@dataclass
class DueCheck:
    membership: Membership
    due_on: date
    reason: str  # "recheck" or "licence_expires"


def licence_checks_due(*, within_days: int | None = None, now: datetime | None = None) -> list[DueCheck]:
    """The staff's work list: approved members whose re-check is due (or overdue) or whose
    licence expires within ``within_days`` (default ``CARSHARING_LICENCE_WORKLIST_DAYS``),
    soonest first."""
    now = shared.now(now)
    within = int(conf.get("CARSHARING_LICENCE_WORKLIST_DAYS")) if within_days is None else within_days
    horizon = _local_day(now) + timedelta(days=within)
    out = []
    for membership in Membership.objects.filter(status=MembershipStatus.APPROVED).select_related("user"):
        due = recheck_due_on(membership)
        if membership.licence_expiry <= horizon and membership.licence_expiry < due:
            out.append(DueCheck(membership, membership.licence_expiry, "licence_expires"))
        elif due <= horizon:
            out.append(DueCheck(membership, due, "recheck"))
    return sorted(out, key=lambda item: (item.due_on, item.membership.pk))
