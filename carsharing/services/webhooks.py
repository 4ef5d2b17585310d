"""Stripe webhooks: verified, processed once, the object re-read from Stripe before acting."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import payments
from ..models import PaymentRecord, WebhookEvent
from . import billing

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
                    billing.payment_sync_from_intent(payments.payment_intent_retrieve(pi_id))
            row.processed_at = timezone.now()
            row.save(update_fields=["processed_at"])
    except IntegrityError:
        return False
    return True
