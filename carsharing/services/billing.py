"""Money: payment records, the Stripe calls after commit, card setup, refunds, reconciliation.

Stripe calls never run while a row lock is held: a service records the intended operation
(a ``PaymentRecord`` with its idempotency key), commits, and then calls Stripe; a call that
fails stays ``pending`` and ``payments_reconcile`` retries it with the same key. How a
PaymentIntent's status moves our records is the pure table in ``domain/payment_states.py``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from mobility.errors import Conflict, NotFound, Unprocessable, ValidationFailed
from mobility.notifications.services import notify

from .. import conf, payments
from ..domain import payment_states
from ..models import Billing, PaymentKind, PaymentRecord, PaymentStatus, Reservation, ReservationStatus, StripeCustomer
from . import _shared as shared

logger = logging.getLogger("carsharing.services")

S = ReservationStatus


# --- payments bookkeeping --------------------------------------------------------------------


def customer_for(user) -> StripeCustomer:
    customer = StripeCustomer.objects.filter(user=user).first()
    if customer is None or not customer.default_payment_method:
        raise Unprocessable("Please save a payment card first.", code="no_payment_method")
    return customer


def _void_pending_invoices(reservation: Reservation) -> int:
    return PaymentRecord.objects.filter(
        reservation=reservation, kind=PaymentKind.INVOICE, status=PaymentStatus.PENDING
    ).update(status=PaymentStatus.CANCELLED, updated_at=timezone.now())


def reissue_pending_invoice(reservation: Reservation) -> None:
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


def plan_collection(reservation: Reservation, amount_cents: int, reason: str) -> list[int]:
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
        status = payment_states.status_after_refund(refund.status)
        PaymentRecord.objects.filter(pk=record.pk).update(
            stripe_refund=refund.id, status=status, updated_at=timezone.now()
        )
    elif record.kind == PaymentKind.CHARGE:
        customer = customer_for(record.reservation.user)
        intent = payments.payment_intent_charge(
            customer_id=customer.stripe_customer_id,
            payment_method=customer.default_payment_method,
            amount_cents=record.amount_cents,
            idempotency_key=record.idempotency_key,
            metadata={"reservation": str(record.reservation_id), "kind": "charge"},
        )
        PaymentRecord.objects.filter(pk=record.pk).update(stripe_payment_intent=intent.id)
        payment_sync_from_intent(intent)


def authorise(record: PaymentRecord, customer: StripeCustomer, *, purpose: str) -> Any:
    """Authorise an ``authorise`` record's amount on the member's saved card, with the record's
    own idempotency key (a repeated call returns Stripe's first answer), and keep the
    PaymentIntent id on the record. Call it with no row lock held. A declined card marks the
    record failed and raises ``PaymentDeclined``; any other outcome is the caller's to judge
    from the returned intent's status."""
    try:
        intent = payments.payment_intent_authorise(
            customer_id=customer.stripe_customer_id,
            payment_method=customer.default_payment_method,
            amount_cents=record.amount_cents,
            idempotency_key=record.idempotency_key,
            metadata={"reservation": str(record.reservation_id), "kind": purpose},
        )
    except payments.PaymentDeclined as exc:
        PaymentRecord.objects.filter(pk=record.pk).update(status=PaymentStatus.FAILED, error=exc.message[:250])
        raise
    PaymentRecord.objects.filter(pk=record.pk).update(stripe_payment_intent=intent.id)
    return intent


def confirm_if_still_held(reservation: Reservation) -> bool:
    """Confirm a locked reservation whose authorisation came through while its hold still runs,
    and tell its member. Returns False (and changes nothing) otherwise."""
    if reservation.status != S.HELD or not reservation.held_until or reservation.held_until < timezone.now():
        return False
    shared.transition(reservation, S.CONFIRMED)
    reservation.held_until = None
    reservation.save(update_fields=["status", "held_until", "updated_at"])
    notify(reservation.user, "carsharing.reservation_confirmed", {"reservation": reservation.pk})
    return True


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
            shared.lock_reservation(reservation_id)
        records = list(PaymentRecord.objects.select_for_update().filter(stripe_payment_intent=pi_id))
        for record in records:
            update: dict[str, Any] = {}
            new_status = payment_states.status_after_intent(record.kind, record.status, pi_status)
            if new_status != record.status:
                update["status"] = new_status
            if payment_states.captured_on_success(record.kind, record.status, pi_status):
                captured = sum(r.amount_cents for r in records if r.kind == PaymentKind.CAPTURE)
                update["captured_cents"] = min(captured, record.amount_cents)
            if update:
                update["updated_at"] = timezone.now()
                PaymentRecord.objects.filter(pk=record.pk).update(**update)
        # A lost answer to the confirmation call: the authorisation exists, so confirm now.
        auth = next((r for r in records if r.kind == PaymentKind.AUTHORISE), None)
        if auth is not None and pi_status == payment_states.AUTHORISED_INTENT_STATUS:
            reservation = Reservation.objects.select_for_update().get(pk=auth.reservation_id)
            # Confirmed by a webhook or a reconciliation: the member is told as the API does.
            confirm_if_still_held(reservation)


def open_authorisations_reconcile(*, reservation_id: int) -> list[int]:
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
        if not payment_states.intent_is_decided(intent["status"]):
            payments.payment_intent_cancel(
                payment_intent_id=record.stripe_payment_intent, idempotency_key=f"{record.idempotency_key}-abandon"
            )
            PaymentRecord.objects.filter(pk=record.pk, status=PaymentStatus.PENDING).update(
                status=PaymentStatus.FAILED, error=f"abandoned in status {intent['status']}"
            )
    release: list[int] = []
    if records:
        with transaction.atomic():
            reservation = shared.lock_reservation(reservation_id)
            authorised = reservation.payments.filter(kind=PaymentKind.AUTHORISE, status=PaymentStatus.AUTHORISED)
            if reservation.status not in (S.HELD, S.CONFIRMED, S.ACTIVE) and authorised.exists():
                release = plan_collection(reservation, 0, "late-authorisation-retry")
    return release


def reservation_refund(*, reservation_id: int, amount_cents: int, reason: str = "") -> Reservation:
    """The operator refunds money already collected (goodwill, a disputed fee), never more than
    was captured or charged minus earlier refunds. Card money goes back through Stripe."""
    if amount_cents <= 0:
        raise ValidationFailed("The amount must be positive.", code="invalid_amount", fields={"amount_cents": [">0"]})
    with transaction.atomic():
        reservation = shared.lock_reservation(reservation_id)
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


def _authorisation_retry(record: PaymentRecord) -> None:
    """An authorisation call never answered: repeat it with its key, then keep or release it."""
    customer = customer_for(record.reservation.user)
    try:
        intent = authorise(record, customer, purpose="authorise")
    except payments.PaymentDeclined:
        return
    payment_sync_from_intent(intent)  # confirms a reservation still on hold
    release: list[int] = []
    with transaction.atomic():
        reservation = shared.lock_reservation(record.reservation_id)
        if reservation.status not in (S.HELD, S.CONFIRMED, S.ACTIVE):
            release = plan_collection(reservation, 0, f"late-authorisation-{record.pk}")
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
