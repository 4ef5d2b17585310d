"""How Stripe's statuses move our payment records. Pure: no Django, plain strings.

A ``PaymentRecord`` is one attempt of one operation (``kind``: authorise, capture, release,
charge, refund, …) with our own ``status`` (pending, authorised, succeeded, cancelled,
failed). Stripe reports a PaymentIntent's ``status`` (``requires_capture``, ``succeeded``,
``canceled``, ``requires_payment_method``, ``requires_action``, …) and a Refund's status
(``pending``, ``succeeded``, ``failed``, ``canceled``). The tables below are the whole
mapping; the services only look them up. Final statuses are never left again, so a late,
repeated or out-of-order event always ends in the same state.
"""

from __future__ import annotations

from typing import Final

PENDING: Final = "pending"
AUTHORISED: Final = "authorised"
SUCCEEDED: Final = "succeeded"
CANCELLED: Final = "cancelled"
FAILED: Final = "failed"

FINAL_STATUSES: Final[frozenset[str]] = frozenset({SUCCEEDED, CANCELLED, FAILED})

# (record kind, PaymentIntent status) -> {our status now: our status after}. A pair that is
# not listed changes nothing.
INTENT_TABLE: Final[dict[tuple[str, str], dict[str, str]]] = {
    ("authorise", "requires_capture"): {PENDING: AUTHORISED},
    ("authorise", "succeeded"): {PENDING: SUCCEEDED, AUTHORISED: SUCCEEDED},
    ("authorise", "canceled"): {PENDING: CANCELLED, AUTHORISED: CANCELLED},
    ("authorise", "requires_payment_method"): {PENDING: FAILED},
    ("capture", "succeeded"): {PENDING: SUCCEEDED, AUTHORISED: SUCCEEDED},
    ("release", "canceled"): {PENDING: SUCCEEDED, AUTHORISED: SUCCEEDED},
    ("charge", "succeeded"): {PENDING: SUCCEEDED, AUTHORISED: SUCCEEDED},
    ("charge", "requires_payment_method"): {PENDING: FAILED, AUTHORISED: FAILED},
    ("charge", "canceled"): {PENDING: FAILED, AUTHORISED: FAILED},
}

# PaymentIntent statuses in which Stripe has decided (no action of the member can follow).
# An authorisation left in any other status (``requires_action``, ``processing``, …) is
# abandoned by the services, so that at most one hold is ever live.
DECIDED_INTENT_STATUSES: Final[frozenset[str]] = frozenset(
    {"requires_capture", "succeeded", "canceled", "requires_payment_method"}
)

# The one PaymentIntent status in which an authorisation holds money on the card.
AUTHORISED_INTENT_STATUS: Final = "requires_capture"

# Refund status at Stripe -> our record's status. A pending refund is on its way: the money
# is no longer ours to refund twice.
REFUND_TABLE: Final[dict[str, str]] = {"succeeded": SUCCEEDED, "pending": SUCCEEDED}


def status_after_intent(kind: str, current: str, intent_status: str) -> str:
    """Our record's status once Stripe reports ``intent_status`` for its PaymentIntent."""
    if current in FINAL_STATUSES:
        return current
    return INTENT_TABLE.get((kind, intent_status), {}).get(current, current)


def captured_on_success(kind: str, current: str, intent_status: str) -> bool:
    """True when this update completes an authorisation by capture (its captured amount is then
    the sum of its capture records, at most the authorised amount)."""
    if kind != "authorise" or current in FINAL_STATUSES:
        return False
    return status_after_intent(kind, current, intent_status) == SUCCEEDED


def status_after_refund(refund_status: str) -> str:
    """Our refund record's status for a Refund Stripe reports in ``refund_status``."""
    return REFUND_TABLE.get(refund_status, FAILED)


def intent_is_decided(intent_status: str) -> bool:
    return intent_status in DECIDED_INTENT_STATUSES
