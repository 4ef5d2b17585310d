"""Car-sharing in export, erasure and retention (see ``mobility.privacy.registry``).

Erasure keeps what bookkeeping (GoBD: invoices and payments are kept ten years) and the
fleet statistics need: reservations with vehicle, times, kilometres and amounts, and every
payment record. What identifies or describes the person goes: the membership with the
driving-licence data, the stored card details and free texts written for or about the trip.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from mobility.privacy.retention import RetentionRule

from .models import (
    BaseLoadBlock,
    DefectReport,
    Membership,
    MembershipStatus,
    PaymentRecord,
    Reservation,
    StripeCustomer,
)

ERASED_TEXT = "[erased]"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_personal_data(user) -> dict[str, Any]:
    membership = Membership.objects.filter(user=user).first()
    reservations = Reservation.objects.filter(user=user).select_related("vehicle", "cost_centre").order_by("start")
    payments = PaymentRecord.objects.filter(reservation__user=user).order_by("created_at", "id")
    by_reservation: dict[int, list[dict[str, Any]]] = {}
    for p in payments:
        by_reservation.setdefault(p.reservation_id, []).append(
            {
                "kind": p.kind,
                "status": p.status,
                "amount_cents": p.amount_cents,
                "captured_cents": p.captured_cents,
                "stripe_payment_intent": p.stripe_payment_intent,
                "stripe_refund": p.stripe_refund,
                "error": p.error,
                "created_at": _iso(p.created_at),
            }
        )
    customer = StripeCustomer.objects.filter(user=user).first()
    return {
        "membership": None
        if membership is None
        else {
            "licence_number": membership.licence_number,
            "licence_expiry": _iso(membership.licence_expiry),
            "status": membership.status,
            "applied_at": _iso(membership.applied_at),
            "checked_at": _iso(membership.checked_at),
            "decided_at": _iso(membership.decided_at),
            "decision_note": membership.decision_note,
            "licence_checks": [
                {"checked_at": _iso(c.checked_at), "licence_expiry": _iso(c.licence_expiry), "result": c.result}
                for c in membership.licence_checks.order_by("checked_at", "pk")
            ],
        },
        "reservations": [
            {
                "id": r.pk,
                "vehicle": r.vehicle.plate,
                "kind": r.kind,
                "status": r.status,
                "billing": r.billing,
                "start": _iso(r.start),
                "end": _iso(r.end),
                "cost_centre": r.cost_centre.code if r.cost_centre else None,
                "purpose": r.purpose,
                "estimate_cents": r.estimate_cents,
                "actual_cents": r.actual_cents,
                "fee_cents": r.fee_cents,
                "checked_in_at": _iso(r.checked_in_at),
                "returned_at": _iso(r.returned_at),
                "odometer_start_km": r.odometer_start_km,
                "odometer_end_km": r.odometer_end_km,
                "energy_level_pct": r.energy_level_pct,
                "damage_report": r.damage_report,
                "cancelled_at": _iso(r.cancelled_at),
                "created_at": _iso(r.created_at),
                "payments": by_reservation.get(r.pk, []),
            }
            for r in reservations
        ],
        "payment_method": None
        if customer is None
        else {"reference": str(customer.reference), "card_last4": customer.card_last4},
        "base_load_blocks_booked": [
            {"vehicle": b.vehicle.plate, "purpose": b.purpose, "created_at": _iso(b.created_at)}
            for b in BaseLoadBlock.objects.filter(booked_by=user).select_related("vehicle").order_by("pk")
        ],
        "defect_reports": [
            {"vehicle": d.vehicle.plate, "description": d.description, "created_at": _iso(d.created_at)}
            for d in DefectReport.objects.filter(reported_by=user).select_related("vehicle").order_by("pk")
        ],
    }


def erase_personal_data(user) -> dict[str, int]:
    """Cancel upcoming member reservations, delete the membership and card details, strip free texts.

    Reservations and payment records stay (amounts, times, kilometres) under the now
    pseudonymous account. Official trips keep their purpose: it is the town's record of why a
    cost centre was charged, not data about the employee.
    """
    from mobility.errors import DomainError

    from . import services

    now = timezone.now()
    cancelled = not_cancelled = 0
    upcoming = Reservation.objects.filter(user=user, kind="member", status__in=["held", "confirmed"], start__gt=now)
    for reservation_id in list(upcoming.values_list("pk", flat=True)):
        try:  # The normal cancel: vehicle freed, policy fee and card release as for any member.
            services.reservation_cancel(user=user, reservation_id=reservation_id, now=now)
            cancelled += 1
        except DomainError:
            not_cancelled += 1
    memberships = Membership.objects.filter(user=user).delete()[0]
    cards = StripeCustomer.objects.filter(user=user).delete()[0]
    own = Reservation.objects.filter(user=user)
    purposes = own.filter(kind="member").exclude(purpose="").update(purpose="")
    damage = own.exclude(damage_report="").update(damage_report=ERASED_TEXT)
    # The defect stays on record for the vehicle; the reporter's own words go.
    defects = (
        DefectReport.objects.filter(reported_by=user).exclude(description=ERASED_TEXT).update(description=ERASED_TEXT)
    )
    kept = own.count()
    payments_kept = PaymentRecord.objects.filter(reservation__user=user).count()
    return {
        "upcoming_reservations_cancelled": cancelled,
        "upcoming_reservations_not_cancellable": not_cancelled,
        "memberships_deleted": memberships,
        "payment_methods_deleted": cards,
        "reservation_purposes_erased": purposes,
        "damage_reports_erased": damage,
        "defect_reports_erased": defects,
        "reservations_kept": kept,
        "payment_records_kept": payments_kept,
    }


def _erase_rejected_licences(cutoff, dry_run: bool) -> int:
    """Licence data of applications rejected before ``cutoff`` is no longer needed."""
    stale = Membership.objects.filter(status=MembershipStatus.REJECTED, decided_at__lt=cutoff).exclude(
        licence_number=""
    )
    if dry_run:
        return stale.count()
    return stale.update(licence_number="", decision_note="")


RETENTION_RULES = [
    RetentionRule(
        "carsharing_rejected_licences",
        "Driving-licence numbers of rejected membership applications are erased",
        90,
        _erase_rejected_licences,
    ),
]
