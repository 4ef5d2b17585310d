"""Car-sharing writes: memberships, reservations and their life cycle, base load, payments.

Every service loads and locks what it changes (the vehicle row first, then the reservation,
always in that order), applies the pure rules in ``domain/``, and saves. The PostgreSQL
exclusion constraint is the last word on overlaps; on SQLite the IMMEDIATE write
transactions serialise writers. Stripe calls never run while a row lock is held: the
service first records the intended operation (a ``PaymentRecord`` with its idempotency key),
commits, and then calls Stripe; a call that fails stays ``pending`` and
``manage.py carsharing_reconcile`` retries it with the same key.

``now`` parameters exist for tests and periodic jobs; they default to the current time.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.accounts.models import CostCentre
from mobility.errors import Conflict, Forbidden, NotFound, Unprocessable, ValidationFailed
from mobility.notifications.services import notify
from mobility.timestamps import iso_local

from . import conf, payments
from .domain import availability, policy, pricing
from .models import (
    BLOCKING_STATUSES,
    BaseLoadBlock,
    BaseLoadOccurrence,
    Billing,
    DefectReport,
    Membership,
    MembershipStatus,
    PaymentKind,
    PaymentRecord,
    PaymentStatus,
    Reservation,
    ReservationKind,
    ReservationStatus,
    StripeCustomer,
    Tariff,
    Vehicle,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

S = ReservationStatus


# --- helpers ---------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _buffer() -> timedelta:
    return timedelta(minutes=conf.get("CARSHARING_BUFFER_MINUTES"))


def _grid() -> int:
    return conf.get("CARSHARING_GRID_MINUTES")


def _raise_policy(exc: policy.PolicyViolation) -> None:
    error_class = Conflict if exc.code == "invalid_transition" else ValidationFailed
    error = error_class(exc.template, code=exc.code, params=exc.params)
    if exc.field:
        error.fields = {exc.field: [error.message]}
    raise error from exc


def _transition(reservation: Reservation, target: str) -> None:
    try:
        policy.check_transition(reservation.status, target)
    except policy.PolicyViolation as exc:
        _raise_policy(exc)
    reservation.status = target


def window_rules(kind: str) -> policy.WindowRules:
    horizon = (
        "CARSHARING_OFFICIAL_HORIZON_DAYS" if kind == ReservationKind.OFFICIAL else "CARSHARING_MEMBER_HORIZON_DAYS"
    )
    return policy.WindowRules(
        grid_minutes=_grid(),
        min_minutes=conf.get("CARSHARING_MIN_MINUTES"),
        max_minutes=conf.get("CARSHARING_MAX_MINUTES"),
        horizon_days=conf.get(horizon),
    )


def tariff_terms(vehicle: Vehicle) -> pricing.TariffTerms:
    tariff = Tariff.objects.filter(vehicle_type_id=vehicle.vehicle_type_id).first()
    if tariff is None:
        raise Unprocessable("This vehicle type has no tariff yet.", code="no_tariff")
    return pricing.TariffTerms(
        per_hour_cents=tariff.per_hour_cents,
        daily_cap_cents=tariff.daily_cap_cents,
        per_km_cents=tariff.per_km_cents,
        included_km=tariff.included_km,
        vat_rate_bp=tariff.vat_rate_bp,
    )


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
        policy.check_window(start, end, _now(now), window_rules(kind))
    except policy.PolicyViolation as exc:
        _raise_policy(exc)
    return pricing.price(_minutes(end - start), km, tariff_terms(vehicle))


def _lock_vehicle(vehicle_id: int) -> Vehicle:
    vehicle = Vehicle.objects.select_for_update().filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound("No such vehicle.", code="vehicle_not_found")
    return vehicle


def _blocking_overlaps(vehicle_id: int, start: datetime, blocked_until: datetime, exclude_id: int | None = None):
    qs = Reservation.objects.filter(
        vehicle_id=vehicle_id, status__in=BLOCKING_STATUSES, start__lt=blocked_until, blocked_until__gt=start
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs


def _is_exclusion_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == "23P01" or "carsharing_no_overlap" in str(exc)


def _expire_stale_holds(vehicle_id: int, now: datetime) -> None:
    """Holds whose time ran out stop blocking the vehicle (the periodic job does the rest)."""
    Reservation.objects.filter(vehicle_id=vehicle_id, status=S.HELD, held_until__lt=now).update(
        status=S.EXPIRED, updated_at=now
    )


def _unavailable(overlapping, kind: str, *, vehicle: Vehicle | None = None, window=None, now=None) -> Conflict:
    """The 409 for a taken window; with ``vehicle`` and ``window`` it says when that vehicle is
    next free for the same length (``next_free_start``) and names free vehicles of the same
    type nearby (``alternatives``), so the member is not left at a dead end."""
    if kind == ReservationKind.OFFICIAL and overlapping.filter(kind=ReservationKind.MEMBER).exists():
        return Conflict(
            "A member has booked this vehicle then; official trips never displace member reservations.",
            code="member_reservation_conflict",
        )
    if vehicle is None or window is None:
        return Conflict("The vehicle is not available for this window.", code="vehicle_unavailable")
    from . import selectors

    start, end = window
    latest = now + timedelta(days=window_rules(kind).horizon_days)
    next_free = selectors.vehicle_next_free(vehicle=vehicle, start=start, duration=end - start, now=now, latest=latest)
    alternatives = [
        {
            "vehicle": other.pk,
            "plate": other.plate,
            "station": other.station.name,
            "distance_km": distance,
        }
        for other, distance in selectors.same_type_free_near(vehicle=vehicle, start=start, end=end, now=now)
    ]
    message = _("Das Fahrzeug ist in diesem Zeitraum nicht frei.")
    return Conflict(
        message,
        code="vehicle_unavailable",
        fields={
            "start": [message],
            "next_free_start": iso_local(next_free),
            "alternatives": alternatives,
        },
    )


# --- memberships -----------------------------------------------------------------------------


def _local_today(now: datetime) -> date:
    return timezone.localtime(now).date()


@transaction.atomic
def membership_apply(*, user, licence_number: str, licence_expiry: date, now: datetime | None = None) -> Membership:
    """A resident applies (or re-applies after a rejection) for car-sharing membership."""
    now = _now(now)
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
    membership.status = MembershipStatus.APPLIED
    membership.checked_at = membership.checked_by = membership.decided_at = None
    membership.decision_note = ""
    membership.save()
    return membership


@transaction.atomic
def membership_decide(
    *, staff, membership_id: int, approve: bool, note: str = "", now: datetime | None = None
) -> Membership:
    """Staff approve (after checking the licence) or reject an application; sets ``user.is_member``."""
    now = _now(now)
    membership = Membership.objects.select_for_update().select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise NotFound("No such membership application.", code="membership_not_found")
    if membership.status != MembershipStatus.APPLIED:
        raise Conflict("This application has already been decided.", code="membership_already_decided")
    if approve and membership.licence_expiry < _local_today(now):
        raise Conflict("The driving licence has expired; it cannot be approved.", code="licence_expired")
    membership.status = MembershipStatus.APPROVED if approve else MembershipStatus.REJECTED
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


def _check_member_may_book(user, end: datetime) -> None:
    membership = Membership.objects.filter(user=user).first()
    if not user.is_member or membership is None or membership.status != MembershipStatus.APPROVED:
        raise Forbidden("Only approved car-sharing members may book.", code="not_a_member")
    if membership.licence_expiry < timezone.localtime(end).date():
        raise Forbidden(
            "Your driving licence has expired (or expires before the end of this booking); "
            "please have the new one checked.",
            code="licence_expired",
        )


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
    now = _now(now)
    if kind in (ReservationKind.MEMBER, ReservationKind.OFFICIAL):
        try:  # the window first: a date beyond the horizon is that, not an expired licence
            policy.check_window(start, end, now, window_rules(kind))
        except policy.PolicyViolation as exc:
            _raise_policy(exc)
    if kind == ReservationKind.MEMBER:
        _check_member_may_book(user, end)
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
        policy.check_window(start, end, now, window_rules(kind))
    except policy.PolicyViolation as exc:
        _raise_policy(exc)
    blocked_until = end + _buffer()
    with transaction.atomic():
        vehicle = _lock_vehicle(vehicle_id)
        if not vehicle.in_service:
            raise Conflict("This vehicle is out of service.", code="vehicle_out_of_service")
        estimate = pricing.price(_minutes(end - start), 0, tariff_terms(vehicle)).total_cents
        _expire_stale_holds(vehicle.pk, now)
        overlapping = _blocking_overlaps(vehicle.pk, start, blocked_until)
        if overlapping.exists():
            raise _unavailable(overlapping, kind, vehicle=vehicle, window=(start, end), now=now)
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
            if _is_exclusion_violation(exc):
                raise Conflict("The vehicle is not available for this window.", code="vehicle_unavailable") from exc
            raise
    return reservation


def _get_for_update(reservation_id: int, *, user=None, staff_ok: bool = False) -> Reservation:
    """Lock the reservation (after its vehicle). ``user``: only theirs, or official ones for staff."""
    row = Reservation.objects.filter(pk=reservation_id).values("vehicle_id", "user_id", "kind").first()
    if row is None:
        raise NotFound("No such reservation.", code="reservation_not_found")
    if user is not None and row["user_id"] != user.pk:
        allowed = user.is_operator or (staff_ok and user.is_town_staff and row["kind"] == ReservationKind.OFFICIAL)
        if not allowed:
            raise NotFound("No such reservation.", code="reservation_not_found")
    Vehicle.objects.select_for_update().filter(pk=row["vehicle_id"]).first()
    return Reservation.objects.select_for_update(of=("self",)).select_related("vehicle", "user").get(pk=reservation_id)


# --- payments bookkeeping --------------------------------------------------------------------


def _customer_for(user) -> StripeCustomer:
    customer = StripeCustomer.objects.filter(user=user).first()
    if customer is None or not customer.default_payment_method:
        raise Unprocessable("Please save a payment card first.", code="no_payment_method")
    return customer


def _void_pending_invoices(reservation: Reservation) -> int:
    return PaymentRecord.objects.filter(
        reservation=reservation, kind=PaymentKind.INVOICE, status=PaymentStatus.PENDING
    ).update(status=PaymentStatus.CANCELLED, updated_at=timezone.now())


def _reissue_pending_invoice(reservation: Reservation) -> None:
    """After the estimate changed (an extension): the open invoice is the new estimate."""
    _void_pending_invoices(reservation)
    issued = reservation.payments.filter(kind=PaymentKind.INVOICE).count()
    PaymentRecord.objects.create(
        reservation=reservation,
        kind=PaymentKind.INVOICE,
        status=PaymentStatus.PENDING,
        amount_cents=reservation.estimate_cents,
        idempotency_key=f"res{reservation.pk}-invoice-estimate-{issued + 1}",
    )


def _plan_collection(reservation: Reservation, amount_cents: int, reason: str) -> list[int]:
    """Record how ``amount_cents`` is collected; returns pending record ids to execute after commit.

    Card: capture from the authorisations in order (never more than each authorised), release
    the untouched ones, charge any rest separately. Invoice and cost-centre billing record the
    amount as invoiced or internally charged.
    """
    if reservation.billing in (Billing.INVOICE, Billing.COST_CENTRE):
        # The final amount replaces the estimate: the pending invoice is void from now on, so
        # open plus settled records always add up to what is owed.
        _void_pending_invoices(reservation)
        if amount_cents > 0:
            PaymentRecord.objects.create(
                reservation=reservation,
                kind=PaymentKind.INVOICE if reservation.billing == Billing.INVOICE else PaymentKind.INTERNAL,
                status=PaymentStatus.SUCCEEDED,
                amount_cents=amount_cents,
                idempotency_key=f"res{reservation.pk}-{reason}-{uuid.uuid4().hex[:12]}",
            )
        return []
    pending: list[int] = []
    remaining = amount_cents
    authorisations = PaymentRecord.objects.select_for_update().filter(
        reservation=reservation, kind=PaymentKind.AUTHORISE, status=PaymentStatus.AUTHORISED
    )
    for auth in authorisations:
        take = min(remaining, auth.amount_cents)
        remaining -= take
        record = PaymentRecord.objects.create(
            reservation=reservation,
            kind=PaymentKind.CAPTURE if take > 0 else PaymentKind.RELEASE,
            amount_cents=take if take > 0 else auth.amount_cents,
            stripe_payment_intent=auth.stripe_payment_intent,
            idempotency_key=f"res{reservation.pk}-{'capture' if take > 0 else 'release'}-{auth.pk}",
        )
        pending.append(record.pk)
    if remaining > 0:
        record = PaymentRecord.objects.create(
            reservation=reservation,
            kind=PaymentKind.CHARGE,
            amount_cents=remaining,
            idempotency_key=f"res{reservation.pk}-charge-{reason}",
        )
        pending.append(record.pk)
    return pending


def payments_execute(record_ids: Iterable[int]) -> None:
    """Make the Stripe calls for pending records (capture, release, charge); safe to repeat."""
    for record_id in record_ids:
        try:
            _payment_execute_one(record_id)
        except payments.PaymentDeclined as exc:
            PaymentRecord.objects.filter(pk=record_id).update(
                status=PaymentStatus.FAILED, error=exc.message[:250], updated_at=timezone.now()
            )
        except Exception as exc:  # provider unreachable: stays pending for the reconciliation
            logger.warning("payment record %s not executed yet: %s", record_id, exc)
            PaymentRecord.objects.filter(pk=record_id).update(error=str(exc)[:250], updated_at=timezone.now())


def _payment_execute_one(record_id: int) -> None:
    record = PaymentRecord.objects.select_related("reservation").get(pk=record_id)
    if record.status != PaymentStatus.PENDING:
        return
    if record.kind == PaymentKind.CAPTURE:
        intent = payments.payment_intent_capture(
            payment_intent_id=record.stripe_payment_intent,
            amount_cents=record.amount_cents,
            idempotency_key=record.idempotency_key,
        )
        payment_sync_from_intent(intent)
    elif record.kind == PaymentKind.RELEASE:
        intent = payments.payment_intent_cancel(
            payment_intent_id=record.stripe_payment_intent, idempotency_key=record.idempotency_key
        )
        payment_sync_from_intent(intent)
    elif record.kind == PaymentKind.REFUND:
        refund = payments.refund_create(
            payment_intent_id=record.stripe_payment_intent,
            amount_cents=record.amount_cents,
            idempotency_key=record.idempotency_key,
        )
        status = PaymentStatus.SUCCEEDED if refund.status in ("succeeded", "pending") else PaymentStatus.FAILED
        PaymentRecord.objects.filter(pk=record.pk).update(
            stripe_refund=refund.id, status=status, updated_at=timezone.now()
        )
    elif record.kind == PaymentKind.CHARGE:
        customer = _customer_for(record.reservation.user)
        intent = payments.payment_intent_charge(
            customer_id=customer.stripe_customer_id,
            payment_method=customer.default_payment_method,
            amount_cents=record.amount_cents,
            idempotency_key=record.idempotency_key,
            metadata={"reservation": str(record.reservation_id), "kind": "charge"},
        )
        PaymentRecord.objects.filter(pk=record.pk).update(stripe_payment_intent=intent.id)
        payment_sync_from_intent(intent)


_FINAL = {PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED, PaymentStatus.FAILED}


def payment_sync_from_intent(intent: Any) -> None:
    """Bring our records for one PaymentIntent in line with its current state at Stripe.

    Always driven by the object as Stripe reports it now, so events that arrive late, twice
    or out of order end in the same state. Final statuses are never left again.
    """
    pi_id = intent["id"]
    pi_status = intent["status"]
    reservation_ids = sorted(
        set(PaymentRecord.objects.filter(stripe_payment_intent=pi_id).values_list("reservation_id", flat=True))
    )
    with transaction.atomic():
        # Same lock order as every service (vehicle, reservation, payments): no deadlocks.
        for reservation_id in reservation_ids:
            _get_for_update(reservation_id)
        records = list(PaymentRecord.objects.select_for_update().filter(stripe_payment_intent=pi_id))
        for record in records:
            new_status = None
            update: dict[str, Any] = {}
            if record.kind == PaymentKind.AUTHORISE:
                if pi_status == "requires_capture" and record.status == PaymentStatus.PENDING:
                    new_status = PaymentStatus.AUTHORISED
                elif pi_status == "succeeded" and record.status in (PaymentStatus.PENDING, PaymentStatus.AUTHORISED):
                    new_status = PaymentStatus.SUCCEEDED
                    captured = sum(r.amount_cents for r in records if r.kind == PaymentKind.CAPTURE)
                    update["captured_cents"] = min(captured, record.amount_cents)
                elif pi_status == "canceled" and record.status in (PaymentStatus.PENDING, PaymentStatus.AUTHORISED):
                    new_status = PaymentStatus.CANCELLED
                elif pi_status == "requires_payment_method" and record.status == PaymentStatus.PENDING:
                    new_status = PaymentStatus.FAILED
            elif (record.kind == PaymentKind.CAPTURE and pi_status == "succeeded") or (
                record.kind == PaymentKind.RELEASE and pi_status == "canceled"
            ):
                new_status = PaymentStatus.SUCCEEDED
            elif record.kind == PaymentKind.CHARGE:
                if pi_status == "succeeded":
                    new_status = PaymentStatus.SUCCEEDED
                elif pi_status in ("requires_payment_method", "canceled"):
                    new_status = PaymentStatus.FAILED
            if new_status and new_status != record.status and record.status not in _FINAL:
                update["status"] = new_status
            if update:
                update["updated_at"] = timezone.now()
                PaymentRecord.objects.filter(pk=record.pk).update(**update)
        # A lost answer to the confirmation call: the authorisation exists, so confirm now.
        auth = next((r for r in records if r.kind == PaymentKind.AUTHORISE), None)
        if auth is not None and pi_status == "requires_capture":
            reservation = Reservation.objects.select_for_update().get(pk=auth.reservation_id)
            if reservation.status == S.HELD and reservation.held_until and reservation.held_until >= timezone.now():
                reservation.status = S.CONFIRMED
                reservation.held_until = None
                reservation.save(update_fields=["status", "held_until", "updated_at"])
                # Confirmed by a webhook or a reconciliation: tell the member as the API does.
                notify(reservation.user, "carsharing.reservation_confirmed", {"reservation": reservation.pk})


def _open_authorisations_reconcile(*, reservation_id: int) -> list[int]:
    """Bring authorisations that reached Stripe but whose outcome was never saved in line.

    A confirm whose database write failed after Stripe answered leaves a ``pending``
    authorisation with a PaymentIntent id. Before a retry authorises anything, that intent is
    re-read from Stripe and synced (which confirms the reservation if the hold is still
    valid), so the retry reuses it instead of putting a second hold on the card. An intent
    Stripe left undecided (e.g. ``requires_action``) is cancelled and the attempt recorded as
    failed, so that at most one hold is ever live. Returns release records to execute.
    """
    records = list(
        PaymentRecord.objects.filter(
            reservation_id=reservation_id, kind=PaymentKind.AUTHORISE, status=PaymentStatus.PENDING
        ).exclude(stripe_payment_intent="")
    )
    for record in records:
        intent = payments.payment_intent_retrieve(record.stripe_payment_intent)
        payment_sync_from_intent(intent)
        if intent["status"] not in ("requires_capture", "succeeded", "canceled", "requires_payment_method"):
            payments.payment_intent_cancel(
                payment_intent_id=record.stripe_payment_intent, idempotency_key=f"{record.idempotency_key}-abandon"
            )
            PaymentRecord.objects.filter(pk=record.pk, status=PaymentStatus.PENDING).update(
                status=PaymentStatus.FAILED, error=f"abandoned in status {intent['status']}"
            )
    release: list[int] = []
    if records:
        with transaction.atomic():
            reservation = _get_for_update(reservation_id)
            authorised = reservation.payments.filter(kind=PaymentKind.AUTHORISE, status=PaymentStatus.AUTHORISED)
            if reservation.status not in (S.HELD, S.CONFIRMED, S.ACTIVE) and authorised.exists():
                release = _plan_collection(reservation, 0, "late-authorisation-retry")
    return release


# --- the life cycle --------------------------------------------------------------------------


def reservation_confirm(*, user, reservation_id: int, now: datetime | None = None) -> Reservation:
    """Confirm a held reservation: authorise the estimate on the saved card (or record an invoice)."""
    now = _now(now)
    owner_id = Reservation.objects.filter(pk=reservation_id).values_list("user_id", flat=True).first()
    if owner_id is not None and (owner_id == user.pk or user.is_operator):
        # A previous attempt may have authorised at Stripe without saving it: reuse that.
        payments_execute(_open_authorisations_reconcile(reservation_id=reservation_id))
    release_expired: list[int] = []
    with transaction.atomic():
        reservation = _get_for_update(reservation_id, user=user)
        if reservation.status == S.CONFIRMED:
            return reservation
        if reservation.status == S.HELD and reservation.held_until and reservation.held_until < now:
            _transition(reservation, S.EXPIRED)
            reservation.save(update_fields=["status", "updated_at"])
            # An authorisation reused from an earlier attempt is released with the hold.
            release_expired = _plan_collection(reservation, 0, "expired-hold")
            expired = True
        else:
            expired = False
            if reservation.status != S.HELD:
                _transition(reservation, S.CONFIRMED)  # raises invalid_transition
            if reservation.billing != Billing.CARD:
                reservation.status = S.CONFIRMED
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
            customer = _customer_for(reservation.user)
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
        payments_execute(release_expired)
        raise Conflict("The hold on this reservation has expired; please book again.", code="hold_expired")
    try:
        intent = payments.payment_intent_authorise(
            customer_id=customer.stripe_customer_id,
            payment_method=customer.default_payment_method,
            amount_cents=record.amount_cents,
            idempotency_key=record.idempotency_key,
            metadata={"reservation": str(reservation.pk), "kind": "authorise"},
        )
    except payments.PaymentDeclined as exc:
        PaymentRecord.objects.filter(pk=record.pk).update(status=PaymentStatus.FAILED, error=exc.message[:250])
        raise
    PaymentRecord.objects.filter(pk=record.pk).update(stripe_payment_intent=intent.id)
    if intent.status != "requires_capture":
        PaymentRecord.objects.filter(pk=record.pk).update(status=PaymentStatus.FAILED, error=f"status {intent.status}")
        raise payments.PaymentDeclined("The card could not be authorised.", code="payment_declined")
    release: list[int] = []
    with transaction.atomic():
        reservation = _get_for_update(reservation_id)
        PaymentRecord.objects.filter(pk=record.pk, status=PaymentStatus.PENDING).update(status=PaymentStatus.AUTHORISED)
        if reservation.status == S.HELD and reservation.held_until and reservation.held_until >= _now(None):
            reservation.status = S.CONFIRMED
            reservation.held_until = None
            reservation.save(update_fields=["status", "held_until", "updated_at"])
            notify(reservation.user, "carsharing.reservation_confirmed", {"reservation": reservation.pk})
        elif reservation.status != S.CONFIRMED:
            release = _plan_collection(reservation, 0, "late-authorisation")
    if release:
        payments_execute(release)
        raise Conflict("The hold on this reservation has expired; please book again.", code="hold_expired")
    reservation.refresh_from_db()
    return reservation


def reservation_cancel(*, user, reservation_id: int, now: datetime | None = None) -> Reservation:
    """Cancel before check-in. Members pay the policy's fee; everything else is released."""
    now = _now(now)
    with transaction.atomic():
        reservation = _get_for_update(reservation_id, user=user, staff_ok=True)
        was = reservation.status
        _transition(reservation, S.CANCELLED)
        fee = 0
        if reservation.kind == ReservationKind.MEMBER and was == S.CONFIRMED:
            fee = pricing.cancellation_fee_cents(
                reservation.estimate_cents,
                _minutes(reservation.start - now),
                conf.get("CARSHARING_FREE_CANCEL_HOURS") * 60,
                conf.get("CARSHARING_LATE_CANCEL_PERCENT"),
            )
        reservation.fee_cents = fee
        reservation.actual_cents = fee
        reservation.cancelled_at = now
        reservation.held_until = None
        reservation.save()
        pending = _plan_collection(reservation, fee, "cancel")
    payments_execute(pending)
    return reservation


def reservation_extend(*, user, reservation_id: int, new_end: datetime, now: datetime | None = None) -> Reservation:
    """Move the end later when the vehicle is free; card members get the extra time authorised separately."""
    now = _now(now)
    with transaction.atomic():
        reservation = _get_for_update(reservation_id, user=user, staff_ok=True)
        if reservation.status not in (S.CONFIRMED, S.ACTIVE):
            raise Conflict("Only confirmed or active reservations can be extended.", code="invalid_transition")
        if new_end <= reservation.end:
            raise ValidationFailed("The new end must be later.", code="invalid_window", fields={"end": ["not later"]})
        if new_end <= now:
            raise ValidationFailed("The new end lies in the past.", code="end_in_past", fields={"end": ["past"]})
        try:
            rules = window_rules(reservation.kind)
            policy.check_window(
                reservation.start,
                new_end,
                reservation.start,
                policy.WindowRules(rules.grid_minutes, 0, rules.max_minutes, 10**6),
            )
        except policy.PolicyViolation as exc:
            _raise_policy(exc)
        blocked_until = new_end + _buffer()
        _expire_stale_holds(reservation.vehicle_id, now)
        overlapping = _blocking_overlaps(
            reservation.vehicle_id, reservation.start, blocked_until, exclude_id=reservation.pk
        )
        if overlapping.exists():
            raise _unavailable(overlapping, reservation.kind)
        terms = tariff_terms(reservation.vehicle)
        old_end = reservation.end
        new_estimate = pricing.price(_minutes(new_end - reservation.start), 0, terms).total_cents
        delta = max(0, new_estimate - reservation.estimate_cents)
        reservation.end = new_end
        reservation.blocked_until = blocked_until
        reservation.estimate_cents = new_estimate
        try:
            with transaction.atomic():
                reservation.save(update_fields=["end", "blocked_until", "estimate_cents", "updated_at"])
        except IntegrityError as exc:
            if _is_exclusion_violation(exc):
                raise Conflict("The vehicle is not available for this window.", code="vehicle_unavailable") from exc
            raise
        record = None
        if reservation.billing == Billing.INVOICE:
            _reissue_pending_invoice(reservation)
        if reservation.billing == Billing.CARD and delta > 0:
            customer = _customer_for(reservation.user)
            record = PaymentRecord.objects.create(
                reservation=reservation,
                kind=PaymentKind.AUTHORISE,
                amount_cents=delta,
                idempotency_key=f"res{reservation.pk}-extend-{int(new_end.timestamp())}",
            )
    if record is None:
        return reservation
    try:
        intent = payments.payment_intent_authorise(
            customer_id=customer.stripe_customer_id,
            payment_method=customer.default_payment_method,
            amount_cents=delta,
            idempotency_key=record.idempotency_key,
            metadata={"reservation": str(reservation.pk), "kind": "extension"},
        )
        if intent.status != "requires_capture":
            raise payments.PaymentDeclined("The card could not be authorised.", code="payment_declined")
    except payments.PaymentDeclined:
        with transaction.atomic():
            reservation = _get_for_update(reservation_id)
            PaymentRecord.objects.filter(pk=record.pk).update(status=PaymentStatus.FAILED, error="declined")
            if reservation.end == new_end and reservation.status in (S.CONFIRMED, S.ACTIVE):
                reservation.end = old_end
                reservation.blocked_until = old_end + _buffer()
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
    now = _now(now)
    with transaction.atomic():
        reservation = _get_for_update(reservation_id, user=user, staff_ok=True)
        _transition(reservation, S.ACTIVE)
        if now < reservation.start - _buffer():
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
    now = _now(now)
    with transaction.atomic():
        reservation = _get_for_update(reservation_id, user=user, staff_ok=True)
        _transition(reservation, S.RETURNED)
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
        terms = tariff_terms(reservation.vehicle)
        booked_minutes = _minutes(reservation.end - reservation.start)
        late_minutes = max(0, _minutes(now - reservation.end))
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
            new_end = max(policy.ceil_to_grid(now, _grid()), reservation.start + timedelta(minutes=_grid()))
            if new_end < reservation.end:
                reservation.end = new_end
                reservation.blocked_until = new_end + _buffer()
        reservation.save()
        vehicle = reservation.vehicle
        vehicle.odometer_km = max(vehicle.odometer_km, odometer_km)
        vehicle.save(update_fields=["odometer_km"])
        pending: list[int] = []
        if not reservation.damage_report:
            pending = _settle_locked(reservation)
    payments_execute(pending)
    return reservation


def _settle_locked(reservation: Reservation) -> list[int]:
    _transition(reservation, S.SETTLED)
    reservation.save(update_fields=["status", "updated_at"])
    return _plan_collection(reservation, reservation.actual_cents or 0, "settle")


def reservation_settle(*, reservation_id: int, extra_cents: int = 0, note: str = "") -> Reservation:
    """The operator settles a returned reservation (e.g. after looking at a damage report)."""
    with transaction.atomic():
        reservation = _get_for_update(reservation_id)
        if extra_cents:
            reservation.actual_cents = (reservation.actual_cents or 0) + extra_cents
            reservation.fee_cents += extra_cents
            reservation.save(update_fields=["actual_cents", "fee_cents", "updated_at"])
        pending = _settle_locked(reservation)
    payments_execute(pending)
    return reservation


def reservation_refund(*, reservation_id: int, amount_cents: int, reason: str = "") -> Reservation:
    """The operator refunds money already collected (goodwill, a disputed fee), never more than
    was captured or charged minus earlier refunds. Card money goes back through Stripe."""
    if amount_cents <= 0:
        raise ValidationFailed("The amount must be positive.", code="invalid_amount", fields={"amount_cents": [">0"]})
    with transaction.atomic():
        reservation = _get_for_update(reservation_id)
        if reservation.status not in (S.SETTLED, S.CANCELLED, S.NO_SHOW):
            raise Conflict("Only settled, cancelled or no-show reservations are refunded.", code="not_refundable")
        records = list(PaymentRecord.objects.select_for_update().filter(reservation=reservation))
        refunded: dict[str, int] = {}
        for r in records:
            if r.kind == PaymentKind.REFUND and r.status != PaymentStatus.FAILED:
                refunded[r.stripe_payment_intent] = refunded.get(r.stripe_payment_intent, 0) + r.amount_cents
        if reservation.billing != Billing.CARD:
            collected = sum(
                r.amount_cents
                for r in records
                if r.kind in (PaymentKind.INVOICE, PaymentKind.INTERNAL) and r.status == PaymentStatus.SUCCEEDED
            )
            collected -= sum(refunded.values())
            if amount_cents > collected:
                raise Conflict("That is more than was charged.", code="refund_exceeds_collected")
            PaymentRecord.objects.create(
                reservation=reservation,
                kind=PaymentKind.REFUND,
                status=PaymentStatus.SUCCEEDED,
                amount_cents=amount_cents,
                idempotency_key=f"res{reservation.pk}-refund-{uuid.uuid4().hex[:12]}",
                error=reason[:250],
            )
            return reservation
        sources = [
            (r.stripe_payment_intent, r.captured_cents)
            for r in records
            if r.kind == PaymentKind.AUTHORISE and r.captured_cents > 0
        ] + [
            (r.stripe_payment_intent, r.amount_cents)
            for r in records
            if r.kind == PaymentKind.CHARGE and r.status == PaymentStatus.SUCCEEDED
        ]
        available = [(pi, collected - refunded.get(pi, 0)) for pi, collected in sources]
        if amount_cents > sum(max(0, left) for _, left in available):
            raise Conflict("That is more than was captured or charged.", code="refund_exceeds_collected")
        pending: list[int] = []
        remaining = amount_cents
        attempt = sum(1 for r in records if r.kind == PaymentKind.REFUND) + 1
        for pi, left in available:
            take = min(remaining, max(0, left))
            if take <= 0:
                continue
            record = PaymentRecord.objects.create(
                reservation=reservation,
                kind=PaymentKind.REFUND,
                amount_cents=take,
                stripe_payment_intent=pi,
                idempotency_key=f"res{reservation.pk}-refund-{attempt}-{pi}",
                error=reason[:250],
            )
            pending.append(record.pk)
            remaining -= take
            if remaining == 0:
                break
    payments_execute(pending)
    return reservation


def vehicle_defect_report(
    *, user, vehicle_id: int, description: str, blocks_use: bool, now: datetime | None = None
) -> DefectReport:
    """Report a defect. Residents may report for a vehicle they use or used in the last day;
    staff and operators for any. A blocking defect takes the vehicle out of service at once."""
    now = _now(now)
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
    now = _now(now)
    pending: list[int] = []
    with transaction.atomic():
        vehicle = _lock_vehicle(vehicle_id)
        for name, value in changes.items():
            setattr(vehicle, name, value)
        vehicle.save()
        if changes.get("in_service") is False:
            upcoming = Reservation.objects.select_for_update().filter(
                vehicle=vehicle, status__in=(S.HELD, S.CONFIRMED), blocked_until__gt=now
            )
            for reservation in upcoming:
                _transition(reservation, S.PREEMPTED)
                reservation.cancelled_at = now
                reservation.held_until = None
                reservation.actual_cents = 0
                reservation.save()
                pending += _plan_collection(reservation, 0, "preempt")
                notify(
                    reservation.user,
                    "carsharing.reservation_preempted",
                    {"reservation": reservation.pk, "vehicle": vehicle.plate, "start": iso_local(reservation.start)},
                )
    payments_execute(pending)
    return vehicle


def reservations_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Time-based moves: held past its hold → expired; confirmed without check-in past the
    grace period → no-show (members pay the estimate). Returns counts."""
    now = _now(now)
    expired = Reservation.objects.filter(status=S.HELD, held_until__lt=now).update(status=S.EXPIRED, updated_at=now)
    grace = timedelta(minutes=conf.get("CARSHARING_NO_SHOW_GRACE_MINUTES"))
    no_shows = 0
    pending: list[int] = []
    for reservation_id in Reservation.objects.filter(status=S.CONFIRMED, start__lt=now - grace).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            reservation = _get_for_update(reservation_id)
            if reservation.status != S.CONFIRMED:
                continue
            _transition(reservation, S.NO_SHOW)
            fee = reservation.estimate_cents if reservation.kind == ReservationKind.MEMBER else 0
            reservation.fee_cents = fee
            reservation.actual_cents = fee
            reservation.save()
            pending += _plan_collection(reservation, fee, "no-show")
            no_shows += 1
    payments_execute(pending)
    return {"expired": expired, "no_show": no_shows}


# --- official trips and base load ------------------------------------------------------------


def _local_dt(day: date, at, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=tz)


@transaction.atomic
def base_load_block_create(*, operator, **fields: Any) -> BaseLoadBlock:
    """Define a recurring base-load block (local times on the booking grid)."""
    weekdays = fields.pop("weekdays", None) or []
    if not weekdays or any(not isinstance(d, int) or not 1 <= d <= 7 for d in weekdays):
        raise ValidationFailed("weekdays are ISO numbers 1–7.", code="invalid_weekdays", fields={"weekdays": ["1-7"]})
    if fields["end_time"] <= fields["start_time"]:
        raise ValidationFailed(
            "end_time must be after start_time.", code="invalid_window", fields={"end_time": ["after"]}
        )
    grid = _grid()
    for name in ("start_time", "end_time"):
        value = fields[name]
        if value.minute % grid or value.second or value.microsecond:
            raise ValidationFailed(
                "%(name)s must lie on the grid.", code="off_grid", fields={name: ["grid"]}, params={"name": name}
            )
    if fields.get("valid_until") and fields["valid_until"] < fields["valid_from"]:
        raise ValidationFailed(
            "valid_until is before valid_from.", code="invalid_window", fields={"valid_until": ["before"]}
        )
    vehicle = Vehicle.objects.filter(pk=fields.pop("vehicle_id")).first()
    if vehicle is None:
        raise NotFound("No such vehicle.", code="vehicle_not_found")
    return BaseLoadBlock.objects.create(vehicle=vehicle, booked_by=operator, weekdays=sorted(set(weekdays)), **fields)


def base_load_materialise(*, now: datetime | None = None, weeks: int | None = None, block_ids=None) -> dict[str, int]:
    """Book base-load blocks ahead as official reservations, day by day; idempotent.

    A day is done once (``BaseLoadOccurrence``). Where members or others already hold the
    vehicle, only the free parts of the block are booked (never displacing anyone).
    """
    now = _now(now)
    weeks = conf.get("CARSHARING_BASE_LOAD_WEEKS") if weeks is None else weeks
    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(now).date()
    buffer = _buffer()
    created = skipped_days = days = 0
    blocks = BaseLoadBlock.objects.select_related("vehicle", "cost_centre", "booked_by")
    if block_ids is not None:
        blocks = blocks.filter(pk__in=block_ids)
    for block in blocks:
        for offset in range(weeks * 7):
            day = today + timedelta(days=offset)
            if day < block.valid_from or (block.valid_until and day > block.valid_until):
                continue
            if day.isoweekday() not in block.weekdays:
                continue
            start = _local_dt(day, block.start_time, tz)
            end = _local_dt(day, block.end_time, tz)
            if end <= now:
                continue
            start = max(start, policy.ceil_to_grid(now, _grid()))
            with transaction.atomic():
                _lock_vehicle(block.vehicle_id)
                _, made = BaseLoadOccurrence.objects.get_or_create(block=block, date=day)
                if not made:
                    continue
                days += 1
                busy = _blocking_overlaps(block.vehicle_id, start, end + buffer).values_list("start", "blocked_until")
                skipped = 0
                cursor = start
                for free_start, free_end in availability.free_within(list(busy), start, end + buffer):
                    piece_end = min(end, free_end - buffer)
                    skipped += max(0, _minutes(free_start - cursor))
                    cursor = max(free_end, cursor)
                    if piece_end <= free_start:
                        continue
                    Reservation.objects.create(
                        vehicle=block.vehicle,
                        user=block.booked_by,
                        kind=ReservationKind.OFFICIAL,
                        status=S.CONFIRMED,
                        billing=Billing.COST_CENTRE,
                        start=free_start,
                        end=piece_end,
                        blocked_until=piece_end + buffer,
                        cost_centre=block.cost_centre,
                        purpose=block.purpose,
                        base_load_block=block,
                        estimate_cents=0,
                    )
                    created += 1
                if skipped:
                    skipped_days += 1
                    BaseLoadOccurrence.objects.filter(block=block, date=day).update(skipped_minutes=skipped)
    return {"days": days, "reservations": created, "days_partly_taken": skipped_days}


def reservation_release(
    *, user, reservation_id: int, start: datetime, end: datetime, now: datetime | None = None
) -> Reservation:
    """Staff give back ``[start, end)`` of an official reservation so members can book it.

    Allowed at least ``CARSHARING_RELEASE_NOTICE_HOURS`` ahead. The released part is kept as
    a ``released`` row (for the record and the utilisation report); the rest stays booked,
    split in two when the middle is released. Returns the released row.
    """
    now = _now(now)
    grid = _grid()
    buffer = _buffer()
    with transaction.atomic():
        reservation = _get_for_update(reservation_id, user=user, staff_ok=True)
        if reservation.kind != ReservationKind.OFFICIAL or reservation.status != S.CONFIRMED:
            raise Conflict("Only confirmed official reservations can be released.", code="not_releasable")
        try:
            policy.check_window(start, end, start, policy.WindowRules(grid, grid, 10**7, 10**6))
        except policy.PolicyViolation as exc:
            _raise_policy(exc)
        if start < reservation.start or end > reservation.end:
            raise ValidationFailed("The released hours must lie within the reservation.", code="outside_reservation")
        notice = timedelta(hours=conf.get("CARSHARING_RELEASE_NOTICE_HOURS"))
        if start < now + notice:
            raise Conflict(
                "Hours can be released at least %(hours)s hours ahead.",
                params={"hours": conf.get("CARSHARING_RELEASE_NOTICE_HOURS")},
                code="release_too_late",
            )
        original_end = reservation.end
        if start > reservation.start and end < original_end and end - start < buffer:
            raise ValidationFailed("Release at least the buffer time.", code="release_too_short")
        common = {
            "vehicle": reservation.vehicle,
            "user": reservation.user,
            "kind": ReservationKind.OFFICIAL,
            "billing": Billing.COST_CENTRE,
            "cost_centre": reservation.cost_centre,
            "purpose": reservation.purpose,
            "base_load_block": reservation.base_load_block,
        }
        if start == reservation.start and end == original_end:
            _transition(reservation, S.RELEASED)
            reservation.released = True
            reservation.save()
            released = reservation
        else:
            if start == reservation.start:
                reservation.start = end
            else:
                reservation.end = start
                reservation.blocked_until = start + buffer
            reservation.save()
            if start > reservation.start and end < original_end:
                Reservation.objects.create(
                    status=S.CONFIRMED, start=end, end=original_end, blocked_until=original_end + buffer, **common
                )
            released = Reservation.objects.create(
                status=S.RELEASED, released=True, start=start, end=end, blocked_until=end, **common
            )
    return released


# --- card setup ------------------------------------------------------------------------------


def payment_setup_start(*, user) -> dict[str, str]:
    """Create (once) the member's pseudonymous Stripe customer and a SetupIntent for a card."""
    if not conf.payments_enabled():
        from mobility.errors import ServiceUnavailable

        raise ServiceUnavailable("Card payments are not configured.", code="payments_unavailable")
    customer = StripeCustomer.objects.filter(user=user).first()
    if customer is None:
        reference = uuid.uuid4()
        customer_id = payments.customer_create(reference=str(reference), idempotency_key=f"customer-{reference}")
        try:
            with transaction.atomic():
                customer = StripeCustomer.objects.create(user=user, reference=reference, stripe_customer_id=customer_id)
        except IntegrityError:
            customer = StripeCustomer.objects.get(user=user)
    intent_id, client_secret = payments.setup_intent_create(
        customer_id=customer.stripe_customer_id, idempotency_key=f"setup-{customer.reference}-{uuid.uuid4().hex}"
    )
    return {"setup_intent": intent_id, "client_secret": client_secret, "customer_reference": str(customer.reference)}


def payment_method_save(*, user, setup_intent_id: str) -> StripeCustomer:
    """Keep the card of a succeeded SetupIntent (re-read from Stripe) as the member's default."""
    customer = StripeCustomer.objects.filter(user=user).first()
    if customer is None:
        raise NotFound("Start the card setup first.", code="setup_not_started")
    intent = payments.setup_intent_retrieve(setup_intent_id)
    if intent.customer != customer.stripe_customer_id:
        raise NotFound("No such setup.", code="setup_not_found")
    if intent.status != "succeeded" or not intent.payment_method:
        raise Conflict("The card has not been confirmed yet.", code="setup_not_succeeded")
    method = payments.payment_method_retrieve(intent.payment_method)
    customer.default_payment_method = method.id
    card = method.to_dict().get("card") or {}
    customer.card_last4 = (card.get("last4") or "")[:4]
    customer.save(update_fields=["default_payment_method", "card_last4"])
    return customer


# --- webhooks and reconciliation ---------------------------------------------------------------

_PI_EVENTS = ("payment_intent.", "charge.")


def webhook_receive(*, payload: bytes, signature: str | None) -> bool:
    """Verify and process one Stripe event once. Returns False for a repeated delivery.

    The event id is inserted under a unique constraint in the same transaction as the
    processing, so parallel deliveries of one id wait for the first and then see it done.
    The object is re-read from Stripe before acting: the payload is only a hint.
    """
    event = payments.webhook_event_construct(payload=payload, signature=signature)
    try:
        with transaction.atomic():
            row = WebhookEvent.objects.create(event_id=event["id"], type=event["type"])
            data = event.get("data")
            obj = data.get("object") if isinstance(data, dict) else None
            obj = obj if isinstance(obj, dict) else {}
            if event["type"].startswith(_PI_EVENTS):
                pi_id = obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
                if isinstance(pi_id, str) and PaymentRecord.objects.filter(stripe_payment_intent=pi_id).exists():
                    payment_sync_from_intent(payments.payment_intent_retrieve(pi_id))
            row.processed_at = timezone.now()
            row.save(update_fields=["processed_at"])
    except IntegrityError:
        return False
    return True


def _authorisation_retry(record: PaymentRecord) -> None:
    """An authorisation call never answered: repeat it with its key, then keep or release it."""
    customer = _customer_for(record.reservation.user)
    try:
        intent = payments.payment_intent_authorise(
            customer_id=customer.stripe_customer_id,
            payment_method=customer.default_payment_method,
            amount_cents=record.amount_cents,
            idempotency_key=record.idempotency_key,
            metadata={"reservation": str(record.reservation_id), "kind": "authorise"},
        )
    except payments.PaymentDeclined as exc:
        PaymentRecord.objects.filter(pk=record.pk).update(status=PaymentStatus.FAILED, error=exc.message[:250])
        return
    PaymentRecord.objects.filter(pk=record.pk).update(stripe_payment_intent=intent.id)
    payment_sync_from_intent(intent)  # confirms a reservation still on hold
    release: list[int] = []
    with transaction.atomic():
        reservation = _get_for_update(record.reservation_id)
        if reservation.status not in (S.HELD, S.CONFIRMED, S.ACTIVE):
            release = _plan_collection(reservation, 0, f"late-authorisation-{record.pk}")
    payments_execute(release)


def payments_reconcile(*, records: Iterable[PaymentRecord] | None = None) -> dict[str, int]:
    """Catch up with Stripe: re-read every open PaymentIntent and retry unanswered calls."""
    if records is None:
        records = PaymentRecord.objects.filter(
            status__in=(PaymentStatus.PENDING, PaymentStatus.AUTHORISED),
            kind__in=(PaymentKind.AUTHORISE, PaymentKind.CAPTURE, PaymentKind.RELEASE, PaymentKind.CHARGE),
        ).order_by("pk")
    synced = retried = 0
    for record in records:
        if (
            record.kind == PaymentKind.AUTHORISE
            and record.status == PaymentStatus.PENDING
            and not record.stripe_payment_intent
        ):
            _authorisation_retry(record)
            retried += 1
            continue
        if (
            record.kind in (PaymentKind.CAPTURE, PaymentKind.RELEASE, PaymentKind.CHARGE)
            and record.status == PaymentStatus.PENDING
        ):
            payments_execute([record.pk])
            retried += 1
        elif record.stripe_payment_intent:
            payment_sync_from_intent(payments.payment_intent_retrieve(record.stripe_payment_intent))
            synced += 1
    return {"synced": synced, "retried": retried}
