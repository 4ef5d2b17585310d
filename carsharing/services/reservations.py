"""Reservations and their life cycle: quote, create, confirm, cancel, extend, check in and out,
settle, and the time-based moves (expired holds, no-shows).

Card money is planned under the row locks (``billing.plan_collection``) and moved at Stripe
after the commit (``billing.payments_execute``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from mobility.accounts.models import CostCentre
from mobility.errors import Conflict, Forbidden, ValidationFailed
from mobility.notifications.services import notify

from .. import conf, payments
from ..domain import payment_states, policy, pricing
from ..models import (
    BaseLoadBlock,
    Billing,
    PaymentKind,
    PaymentRecord,
    PaymentStatus,
    Reservation,
    ReservationKind,
    ReservationStatus,
    Vehicle,
)
from . import _shared as shared
from . import billing, memberships

S = ReservationStatus


def quote(
    *,
    vehicle: Vehicle,
    start: datetime,
    end: datetime,
    km: int = 0,
    kind: str = ReservationKind.MEMBER,
    now: datetime | None = None,
) -> pricing.Price:
    """The price of using ``vehicle`` from ``start`` to ``end`` and driving ``km`` kilometres.

    The window is checked exactly as a reservation's (grid, length, not in the past, horizon):
    a price is only quoted for a window that could be booked.
    """
    try:
        policy.check_window(start, end, shared.now(now), shared.window_rules(kind))
    except policy.PolicyViolation as exc:
        shared.raise_policy(exc)
    return pricing.price(shared.minutes(end - start), km, shared.tariff_terms(vehicle))


# --- creating reservations -------------------------------------------------------------------


def reservation_create(
    *,
    user,
    vehicle_id: int,
    start: datetime,
    end: datetime,
    kind: str = ReservationKind.MEMBER,
    purpose: str = "",
    cost_centre: CostCentre | None = None,
    base_load_block: BaseLoadBlock | None = None,
    now: datetime | None = None,
) -> Reservation:
    """Book ``vehicle_id`` for ``[start, end)``.

    Members get a *held* reservation (confirm it within the hold time); official trips of
    staff are confirmed at once and charged internally to a cost centre. Raises
    ``Conflict(vehicle_unavailable)`` when any blocking reservation overlaps, buffers included.
    """
    now = shared.now(now)
    if kind in (ReservationKind.MEMBER, ReservationKind.OFFICIAL):
        try:  # the window first: a date beyond the horizon is that, not an expired licence
            policy.check_window(start, end, now, shared.window_rules(kind))
        except policy.PolicyViolation as exc:
            shared.raise_policy(exc)
    if kind == ReservationKind.MEMBER:
        memberships.check_member_may_book(user, end)
        if conf.payments_enabled():
            billing = Billing.CARD
        elif conf.payments_fallback() == "refuse":
            from mobility.errors import ServiceUnavailable

            raise ServiceUnavailable(
                "Card payments are not available at the moment, so member bookings are closed.",
                code="payments_unavailable",
            )
        else:
            billing = Billing.INVOICE
    elif kind == ReservationKind.OFFICIAL:
        if not (user.is_town_staff or user.is_operator):
            raise Forbidden("Only town-hall staff book official trips.", code="not_staff")
        cost_centre = cost_centre or user.cost_centre
        if cost_centre is None:
            raise ValidationFailed(
                "An official trip needs a cost centre.",
                code="cost_centre_required",
                fields={"cost_centre": ["required"]},
            )
        if not purpose.strip():
            raise ValidationFailed(
                "An official trip needs a purpose.", code="purpose_required", fields={"purpose": ["required"]}
            )
        billing = Billing.COST_CENTRE
    else:
        raise ValidationFailed("Unknown reservation kind.", code="invalid_kind")
    try:
        policy.check_window(start, end, now, shared.window_rules(kind))
    except policy.PolicyViolation as exc:
        shared.raise_policy(exc)
    blocked_until = end + shared.buffer()
    with transaction.atomic():
        vehicle = shared.lock_vehicle(vehicle_id)
        if not vehicle.in_service:
            raise Conflict("This vehicle is out of service.", code="vehicle_out_of_service")
        estimate = pricing.price(shared.minutes(end - start), 0, shared.tariff_terms(vehicle)).total_cents
        shared.expire_stale_holds(vehicle.pk, now)
        overlapping = shared.blocking_overlaps(vehicle.pk, start, blocked_until)
        if overlapping.exists():
            raise shared.unavailable(overlapping, kind, vehicle=vehicle, window=(start, end), now=now)
        is_member = kind == ReservationKind.MEMBER
        try:
            with transaction.atomic():
                reservation = Reservation.objects.create(
                    vehicle=vehicle,
                    user=user,
                    kind=kind,
                    status=S.HELD if is_member else S.CONFIRMED,
                    billing=billing,
                    start=start,
                    end=end,
                    blocked_until=blocked_until,
                    held_until=now + timedelta(minutes=conf.get("CARSHARING_HOLD_MINUTES")) if is_member else None,
                    cost_centre=None if is_member else cost_centre,
                    purpose=purpose,
                    base_load_block=base_load_block,
                    estimate_cents=estimate,
                )
        except IntegrityError as exc:
            if shared.is_exclusion_violation(exc):
                raise Conflict("The vehicle is not available for this window.", code="vehicle_unavailable") from exc
            raise
    return reservation


# --- the life cycle --------------------------------------------------------------------------


def reservation_confirm(*, user, reservation_id: int, now: datetime | None = None) -> Reservation:
    """Confirm a held reservation: authorise the estimate on the saved card (or record an invoice)."""
    now = shared.now(now)
    owner_id = Reservation.objects.filter(pk=reservation_id).values_list("user_id", flat=True).first()
    if owner_id is not None and (owner_id == user.pk or user.is_operator):
        # A previous attempt may have authorised at Stripe without saving it: reuse that.
        billing.payments_execute(billing.open_authorisations_reconcile(reservation_id=reservation_id))
    release_expired: list[int] = []
    with transaction.atomic():
        reservation = shared.lock_reservation(reservation_id, user=user)
        if reservation.status == S.CONFIRMED:
            return reservation
        if reservation.status == S.HELD and reservation.held_until and reservation.held_until < now:
            shared.transition(reservation, S.EXPIRED)
            reservation.save(update_fields=["status", "updated_at"])
            # An authorisation reused from an earlier attempt is released with the hold.
            release_expired = billing.plan_collection(reservation, 0, "expired-hold")
            expired = True
        else:
            expired = False
            if reservation.status != S.HELD:
                shared.transition(reservation, S.CONFIRMED)  # raises invalid_transition
            if reservation.billing != Billing.CARD:
                shared.transition(reservation, S.CONFIRMED)
                reservation.held_until = None
                reservation.save(update_fields=["status", "held_until", "updated_at"])
                if reservation.billing == Billing.INVOICE:
                    PaymentRecord.objects.create(
                        reservation=reservation,
                        kind=PaymentKind.INVOICE,
                        status=PaymentStatus.PENDING,
                        amount_cents=reservation.estimate_cents,
                        idempotency_key=f"res{reservation.pk}-invoice-estimate",
                    )
                notify(reservation.user, "carsharing.reservation_confirmed", {"reservation": reservation.pk})
                return reservation
            customer = billing.customer_for(reservation.user)
            # An attempt whose answer never came is retried with the same idempotency key, so
            # Stripe returns the authorisation it may already have made instead of a second one.
            record = reservation.payments.filter(
                kind=PaymentKind.AUTHORISE, status=PaymentStatus.PENDING, stripe_payment_intent=""
            ).first()
            if record is None:
                attempt = reservation.payments.filter(kind=PaymentKind.AUTHORISE).count() + 1
                try:
                    with transaction.atomic():
                        record = PaymentRecord.objects.create(
                            reservation=reservation,
                            kind=PaymentKind.AUTHORISE,
                            amount_cents=reservation.estimate_cents,
                            idempotency_key=f"res{reservation.pk}-authorise-{attempt}",
                        )
                except IntegrityError as exc:
                    raise Conflict(
                        "This reservation is being confirmed already.",
                        code="confirmation_in_progress",
                        headers={"Retry-After": "2"},
                    ) from exc
    if expired:
        billing.payments_execute(release_expired)
        raise Conflict("The hold on this reservation has expired; please book again.", code="hold_expired")
    intent = billing.authorise(record, customer, purpose="authorise")
    if intent.status != payment_states.AUTHORISED_INTENT_STATUS:
        PaymentRecord.objects.filter(pk=record.pk).update(status=PaymentStatus.FAILED, error=f"status {intent.status}")
        raise payments.PaymentDeclined("The card could not be authorised.", code="payment_declined")
    release: list[int] = []
    with transaction.atomic():
        reservation = shared.lock_reservation(reservation_id)
        PaymentRecord.objects.filter(pk=record.pk, status=PaymentStatus.PENDING).update(status=PaymentStatus.AUTHORISED)
        if not billing.confirm_if_still_held(reservation) and reservation.status != S.CONFIRMED:
            release = billing.plan_collection(reservation, 0, "late-authorisation")
    if release:
        billing.payments_execute(release)
        raise Conflict("The hold on this reservation has expired; please book again.", code="hold_expired")
    reservation.refresh_from_db()
    return reservation


def reservation_cancel(*, user, reservation_id: int, now: datetime | None = None) -> Reservation:
    """Cancel before check-in. Members pay the policy's fee; everything else is released."""
    now = shared.now(now)
    with transaction.atomic():
        reservation = shared.lock_reservation(reservation_id, user=user, staff_ok=True)
        was = reservation.status
        shared.transition(reservation, S.CANCELLED)
        fee = 0
        if reservation.kind == ReservationKind.MEMBER and was == S.CONFIRMED:
            fee = pricing.cancellation_fee_cents(
                reservation.estimate_cents,
                shared.minutes(reservation.start - now),
                conf.get("CARSHARING_FREE_CANCEL_HOURS") * 60,
                conf.get("CARSHARING_LATE_CANCEL_PERCENT"),
            )
        reservation.fee_cents = fee
        reservation.actual_cents = fee
        reservation.cancelled_at = now
        reservation.held_until = None
        reservation.save()
        pending = billing.plan_collection(reservation, fee, "cancel")
    billing.payments_execute(pending)
    return reservation


def reservation_extend(*, user, reservation_id: int, new_end: datetime, now: datetime | None = None) -> Reservation:
    """Move the end later when the vehicle is free; card members get the extra time authorised separately."""
    now = shared.now(now)
    with transaction.atomic():
        reservation = shared.lock_reservation(reservation_id, user=user, staff_ok=True)
        if reservation.status not in (S.CONFIRMED, S.ACTIVE):
            raise Conflict("Only confirmed or active reservations can be extended.", code="invalid_transition")
        if new_end <= reservation.end:
            raise ValidationFailed("The new end must be later.", code="invalid_window", fields={"end": ["not later"]})
        if new_end <= now:
            raise ValidationFailed("The new end lies in the past.", code="end_in_past", fields={"end": ["past"]})
        try:
            rules = shared.window_rules(reservation.kind)
            policy.check_window(
                reservation.start,
                new_end,
                reservation.start,
                policy.WindowRules(rules.grid_minutes, 0, rules.max_minutes, 10**6),
            )
        except policy.PolicyViolation as exc:
            shared.raise_policy(exc)
        blocked_until = new_end + shared.buffer()
        shared.expire_stale_holds(reservation.vehicle_id, now)
        overlapping = shared.blocking_overlaps(
            reservation.vehicle_id, reservation.start, blocked_until, exclude_id=reservation.pk
        )
        if overlapping.exists():
            raise shared.unavailable(overlapping, reservation.kind)
        terms = shared.tariff_terms(reservation.vehicle)
        old_end = reservation.end
        new_estimate = pricing.price(shared.minutes(new_end - reservation.start), 0, terms).total_cents
        delta = max(0, new_estimate - reservation.estimate_cents)
        reservation.end = new_end
        reservation.blocked_until = blocked_until
        reservation.estimate_cents = new_estimate
        try:
            with transaction.atomic():
                reservation.save(update_fields=["end", "blocked_until", "estimate_cents", "updated_at"])
        except IntegrityError as exc:
            if shared.is_exclusion_violation(exc):
                raise Conflict("The vehicle is not available for this window.", code="vehicle_unavailable") from exc
            raise
        record = None
        if reservation.billing == Billing.INVOICE:
            billing.reissue_pending_invoice(reservation)
        if reservation.billing == Billing.CARD and delta > 0:
            customer = billing.customer_for(reservation.user)
            record = PaymentRecord.objects.create(
                reservation=reservation,
                kind=PaymentKind.AUTHORISE,
                amount_cents=delta,
                idempotency_key=f"res{reservation.pk}-extend-{int(new_end.timestamp())}",
            )
    if record is None:
        return reservation
    try:
        intent = billing.authorise(record, customer, purpose="extension")
        if intent.status != payment_states.AUTHORISED_INTENT_STATUS:
            raise payments.PaymentDeclined("The card could not be authorised.", code="payment_declined")
    except payments.PaymentDeclined:
        with transaction.atomic():
            reservation = shared.lock_reservation(reservation_id)
            PaymentRecord.objects.filter(pk=record.pk).update(status=PaymentStatus.FAILED, error="declined")
            if reservation.end == new_end and reservation.status in (S.CONFIRMED, S.ACTIVE):
                reservation.end = old_end
                reservation.blocked_until = old_end + shared.buffer()
                reservation.estimate_cents -= delta
                reservation.save(update_fields=["end", "blocked_until", "estimate_cents", "updated_at"])
        raise
    PaymentRecord.objects.filter(pk=record.pk).update(
        stripe_payment_intent=intent.id, status=PaymentStatus.AUTHORISED, updated_at=timezone.now()
    )
    return reservation


def reservation_check_in(
    *, user, reservation_id: int, odometer_km: int | None = None, now: datetime | None = None
) -> Reservation:
    """Pick the car up: allowed from one buffer before the start until the end."""
    now = shared.now(now)
    with transaction.atomic():
        reservation = shared.lock_reservation(reservation_id, user=user, staff_ok=True)
        shared.transition(reservation, S.ACTIVE)
        if now < reservation.start - shared.buffer():
            raise Conflict("Too early to check in.", code="too_early")
        if now >= reservation.end:
            raise Conflict("The reservation is over.", code="reservation_over")
        reservation.checked_in_at = now
        reservation.odometer_start_km = odometer_km if odometer_km is not None else reservation.vehicle.odometer_km
        reservation.save()
    return reservation


def reservation_check_out(
    *,
    user,
    reservation_id: int,
    odometer_km: int,
    energy_level_pct: int,
    damage_report: str = "",
    now: datetime | None = None,
) -> Reservation:
    """Return the car. Early returns free the vehicle; late returns pay a fee. Settles at once
    unless damage was reported (then the operator settles after looking at it)."""
    now = shared.now(now)
    with transaction.atomic():
        reservation = shared.lock_reservation(reservation_id, user=user, staff_ok=True)
        shared.transition(reservation, S.RETURNED)
        start_km = reservation.odometer_start_km or 0
        if odometer_km < start_km:
            raise ValidationFailed(
                "The odometer reading is lower than at check-in.",
                code="odometer_invalid",
                fields={"odometer_km": [f"at least {start_km}"]},
            )
        if not 0 <= energy_level_pct <= 100:
            raise ValidationFailed(
                "Level is a percentage.", code="energy_level_invalid", fields={"energy_level_pct": ["0-100"]}
            )
        terms = shared.tariff_terms(reservation.vehicle)
        booked_minutes = shared.minutes(reservation.end - reservation.start)
        late_minutes = max(0, shared.minutes(now - reservation.end))
        fee = pricing.late_return_fee_cents(late_minutes, terms, conf.get("CARSHARING_LATE_RETURN_FEE_CENTS"))
        km = odometer_km - start_km
        reservation.actual_cents = pricing.price(booked_minutes, km, terms, fee).total_cents
        reservation.fee_cents = fee
        reservation.returned_at = now
        reservation.odometer_end_km = odometer_km
        reservation.energy_level_pct = energy_level_pct
        reservation.damage_report = damage_report.strip()
        if now < reservation.end:
            # The booked time is paid; the rest of the slot goes back to others.
            new_end = max(policy.ceil_to_grid(now, shared.grid()), reservation.start + timedelta(minutes=shared.grid()))
            if new_end < reservation.end:
                reservation.end = new_end
                reservation.blocked_until = new_end + shared.buffer()
        reservation.save()
        vehicle = reservation.vehicle
        vehicle.odometer_km = max(vehicle.odometer_km, odometer_km)
        vehicle.save(update_fields=["odometer_km"])
        pending: list[int] = []
        if not reservation.damage_report:
            pending = _settle_locked(reservation)
    billing.payments_execute(pending)
    return reservation


def _settle_locked(reservation: Reservation) -> list[int]:
    shared.transition(reservation, S.SETTLED)
    reservation.save(update_fields=["status", "updated_at"])
    return billing.plan_collection(reservation, reservation.actual_cents or 0, "settle")


def reservation_settle(*, reservation_id: int, extra_cents: int = 0, note: str = "") -> Reservation:
    """The operator settles a returned reservation (e.g. after looking at a damage report)."""
    with transaction.atomic():
        reservation = shared.lock_reservation(reservation_id)
        if extra_cents:
            reservation.actual_cents = (reservation.actual_cents or 0) + extra_cents
            reservation.fee_cents += extra_cents
            reservation.save(update_fields=["actual_cents", "fee_cents", "updated_at"])
        pending = _settle_locked(reservation)
    billing.payments_execute(pending)
    return reservation


def reservations_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Time-based moves: held past its hold → expired; confirmed without check-in past the
    grace period → no-show (members pay the estimate). Returns counts."""
    now = shared.now(now)
    expired = shared.transition_all(Reservation.objects.filter(held_until__lt=now), S.HELD, S.EXPIRED, updated_at=now)
    grace = timedelta(minutes=conf.get("CARSHARING_NO_SHOW_GRACE_MINUTES"))
    no_shows = 0
    pending: list[int] = []
    for reservation_id in Reservation.objects.filter(status=S.CONFIRMED, start__lt=now - grace).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            reservation = shared.lock_reservation(reservation_id)
            if reservation.status != S.CONFIRMED:
                continue
            shared.transition(reservation, S.NO_SHOW)
            fee = reservation.estimate_cents if reservation.kind == ReservationKind.MEMBER else 0
            reservation.fee_cents = fee
            reservation.actual_cents = fee
            reservation.save()
            pending += billing.plan_collection(reservation, fee, "no-show")
            no_shows += 1
    billing.payments_execute(pending)
    return {"expired": expired, "no_show": no_shows}
