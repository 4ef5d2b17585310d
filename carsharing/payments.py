"""The one module that talks to Stripe.

Every call carries an idempotency key chosen by the caller (stored on the ``PaymentRecord``
before the call), so a retried call after a lost answer never charges twice. Settings are
read at call time: ``STRIPE_SECRET_KEY``, ``STRIPE_API_BASE`` (a localstripe server in
tests), ``STRIPE_WEBHOOK_SECRET``. Stripe only ever receives the member's pseudonymous
reference (a UUID), never a name, e-mail or address.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import stripe
from django.conf import settings

from mobility.errors import DomainError, ServiceUnavailable, ValidationFailed

from . import conf

logger = logging.getLogger(__name__)


class PaymentDeclined(DomainError):
    """The card was declined or needs the member's action (402)."""

    status_code = 402
    default_code = "payment_declined"


def _client() -> stripe.StripeClient:
    if not conf.payments_enabled():
        raise ServiceUnavailable("Card payments are not configured.", code="payments_unavailable")
    base = settings.STRIPE_API_BASE
    kwargs: dict[str, Any] = {"max_network_retries": 2}
    if base:
        kwargs["base_addresses"] = {"api": base}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **kwargs)


def _call(fn, *args, **kwargs):
    """Run one Stripe call, turning Stripe's errors into domain errors with stable codes."""
    try:
        return fn(*args, **kwargs)
    except stripe.CardError as exc:
        raise PaymentDeclined(exc.user_message or "The card was declined.", code="payment_declined") from exc
    except stripe.InvalidRequestError as exc:
        logger.warning("stripe refused a request: %s", exc)
        raise DomainError(
            "The payment provider refused the request.", code="payment_rejected", status_code=402
        ) from exc
    except stripe.StripeError as exc:
        logger.warning("stripe call failed: %s", exc)
        raise ServiceUnavailable(
            "The payment provider is not reachable; please try again.", code="payment_provider_unavailable"
        ) from exc


def customer_create(*, reference: str, idempotency_key: str) -> str:
    """Create a Stripe customer that knows only the pseudonymous ``reference``; returns its id."""
    client = _client()
    customer = _call(
        client.v1.customers.create,
        params={"metadata": {"reference": reference}},
        options={"idempotency_key": idempotency_key},
    )
    return customer.id


def setup_intent_create(*, customer_id: str, idempotency_key: str) -> tuple[str, str]:
    """A SetupIntent to save a card for off-session use; returns (id, client_secret)."""
    client = _client()
    intent = _call(
        client.v1.setup_intents.create,
        params={"customer": customer_id, "usage": "off_session", "payment_method_types": ["card"]},
        options={"idempotency_key": idempotency_key},
    )
    return intent.id, intent.client_secret


def setup_intent_retrieve(setup_intent_id: str):
    return _call(_client().v1.setup_intents.retrieve, setup_intent_id)


def payment_method_retrieve(payment_method_id: str):
    return _call(_client().v1.payment_methods.retrieve, payment_method_id)


def payment_intent_authorise(
    *, customer_id: str, payment_method: str, amount_cents: int, idempotency_key: str, metadata: dict[str, str]
):
    """Authorise ``amount_cents`` on the saved card (manual capture, off session)."""
    return _payment_intent_confirm(
        customer_id=customer_id,
        payment_method=payment_method,
        amount_cents=amount_cents,
        idempotency_key=idempotency_key,
        metadata=metadata,
        manual_capture=True,
    )


def payment_intent_charge(
    *, customer_id: str, payment_method: str, amount_cents: int, idempotency_key: str, metadata: dict[str, str]
):
    """Charge ``amount_cents`` at once (automatic capture, off session): extensions, extra km."""
    return _payment_intent_confirm(
        customer_id=customer_id,
        payment_method=payment_method,
        amount_cents=amount_cents,
        idempotency_key=idempotency_key,
        metadata=metadata,
        manual_capture=False,
    )


def _payment_intent_confirm(
    *,
    customer_id: str,
    payment_method: str,
    amount_cents: int,
    idempotency_key: str,
    metadata: dict[str, str],
    manual_capture: bool,
):
    """One confirmed off-session PaymentIntent on the saved card; held for capture when asked."""
    params: dict = {
        "amount": amount_cents,
        "currency": conf.get("CARSHARING_CURRENCY"),
        "customer": customer_id,
        "payment_method": payment_method,
    }
    if manual_capture:
        params["capture_method"] = "manual"
    params.update({"confirm": True, "off_session": True, "metadata": metadata})
    return _call(_client().v1.payment_intents.create, params=params, options={"idempotency_key": idempotency_key})


def payment_intent_capture(*, payment_intent_id: str, amount_cents: int, idempotency_key: str):
    """Capture ``amount_cents`` (at most the authorised amount); Stripe releases the rest."""
    client = _client()
    return _call(
        client.v1.payment_intents.capture,
        payment_intent_id,
        params={"amount_to_capture": amount_cents},
        options={"idempotency_key": idempotency_key},
    )


def payment_intent_cancel(*, payment_intent_id: str, idempotency_key: str):
    """Cancel an uncaptured authorisation: the whole hold on the card is released."""
    client = _client()
    return _call(client.v1.payment_intents.cancel, payment_intent_id, options={"idempotency_key": idempotency_key})


def payment_intent_retrieve(payment_intent_id: str):
    return _call(_client().v1.payment_intents.retrieve, payment_intent_id)


def refund_create(*, payment_intent_id: str, amount_cents: int, idempotency_key: str):
    client = _client()
    return _call(
        client.v1.refunds.create,
        params={"payment_intent": payment_intent_id, "amount": amount_cents},
        options={"idempotency_key": idempotency_key},
    )


def event_retrieve(event_id: str):
    return _call(_client().v1.events.retrieve, event_id)


def _is_stripe_identifier(value: Any) -> bool:
    """Event ids (``evt_…``) and types (``payment_intent.succeeded``): short and printable."""
    return isinstance(value, str) and 0 < len(value) <= 100 and value.isprintable()


def webhook_event_construct(*, payload: bytes, signature: str | None, tolerance_s: int = 300) -> dict[str, Any]:
    """Verify the ``Stripe-Signature`` header and return the event as a dict.

    A missing or wrong signature, or one dated more than ``tolerance_s`` seconds in the past
    or in the future, raises ``ValidationFailed``; so does an event whose id or type is not a
    plain Stripe identifier (at most 100 printable characters).
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise ServiceUnavailable("Stripe webhooks are not configured.", code="webhooks_unavailable")
    if not signature:
        raise ValidationFailed("The Stripe-Signature header is missing.", code="invalid_signature")
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature, secret, tolerance_s)
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        raise ValidationFailed("The webhook signature is not valid.", code="invalid_signature") from exc
    # Stripe's check refuses only old timestamps; a signature dated in the future (a clock
    # far off, or a replay prepared ahead) is refused as well.
    timestamps = [part[2:] for part in signature.split(",") if part.strip().startswith("t=")]
    try:
        signed_at = int(timestamps[0].strip())
    except (IndexError, ValueError):
        raise ValidationFailed("The webhook signature is not valid.", code="invalid_signature") from None
    if signed_at > time.time() + tolerance_s:
        raise ValidationFailed("The webhook signature is dated in the future.", code="invalid_signature")
    import json

    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise ValidationFailed("The webhook body is not JSON.", code="malformed_request") from exc
    if not isinstance(event, dict) or not all(_is_stripe_identifier(event.get(key)) for key in ("id", "type")):
        raise ValidationFailed("The webhook body is not a Stripe event.", code="malformed_request")
    return event
