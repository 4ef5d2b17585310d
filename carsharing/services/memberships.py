"""Car-sharing memberships: a resident applies, staff decide; only approved members book."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from mobility.errors import Conflict, Forbidden, NotFound, ValidationFailed
from mobility.notifications.services import notify

from ..domain import policy
from ..models import Membership, MembershipStatus
from . import _shared as shared

# --- memberships -----------------------------------------------------------------------------


def _transition(membership: Membership, target: str) -> None:
    """Set ``membership.status`` after checking the move against the membership table."""
    try:
        policy.check_membership_transition(membership.status if membership.pk else "", target)
    except policy.PolicyViolation as exc:
        shared.raise_policy(exc)
    membership.status = target


def _local_today(now: datetime) -> date:
    return timezone.localtime(now).date()


@transaction.atomic
def membership_apply(*, user, licence_number: str, licence_expiry: date, now: datetime | None = None) -> Membership:
    """A resident applies (or re-applies after a rejection) for car-sharing membership."""
    now = shared.now(now)
    if licence_expiry < _local_today(now):
        raise ValidationFailed(
            "The driving licence has expired.", code="licence_expired", fields={"licence_expiry": ["in the past"]}
        )
    membership = Membership.objects.select_for_update().filter(user=user).first()
    if membership is not None and membership.status == MembershipStatus.APPROVED:
        raise Conflict("You are already a member.", code="already_member")
    if membership is None:
        membership = Membership(user=user)
    membership.licence_number = licence_number
    membership.licence_expiry = licence_expiry
    _transition(membership, MembershipStatus.APPLIED)
    membership.checked_at = membership.checked_by = membership.decided_at = None
    membership.decision_note = ""
    membership.save()
    return membership


@transaction.atomic
def membership_decide(
    *, staff, membership_id: int, approve: bool, note: str = "", now: datetime | None = None
) -> Membership:
    """Staff approve (after checking the licence) or reject an application; sets ``user.is_member``."""
    now = shared.now(now)
    membership = Membership.objects.select_for_update().select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise NotFound("No such membership application.", code="membership_not_found")
    if membership.status != MembershipStatus.APPLIED:
        raise Conflict("This application has already been decided.", code="membership_already_decided")
    if approve and membership.licence_expiry < _local_today(now):
        raise Conflict("The driving licence has expired; it cannot be approved.", code="licence_expired")
    _transition(membership, MembershipStatus.APPROVED if approve else MembershipStatus.REJECTED)
    membership.checked_at = now
    membership.checked_by = staff
    membership.decided_at = now
    membership.decision_note = note
    membership.save()
    user = membership.user
    user.is_member = approve
    user.save(update_fields=["is_member"])
    notify(user, "carsharing.membership_decided", {"status": membership.status})
    return membership


def check_member_may_book(user, end: datetime) -> None:
    membership = Membership.objects.filter(user=user).first()
    if not user.is_member or membership is None or membership.status != MembershipStatus.APPROVED:
        raise Forbidden("Only approved car-sharing members may book.", code="not_a_member")
    if membership.licence_expiry < timezone.localtime(end).date():
        raise Forbidden(
            "Your driving licence has expired (or expires before the end of this booking); "
            "please have the new one checked.",
            code="licence_expired",
        )
