"""The pure table of how Stripe's statuses move our payment records (carsharing/domain/payment_states.py),
the membership transition table, and the rule that car-sharing services change a status only
through the transition tables in carsharing/domain/policy.py."""

import ast
import itertools
from pathlib import Path

import pytest

from carsharing.domain import payment_states, policy
from carsharing.models import MembershipStatus, PaymentKind, PaymentStatus

KINDS = [k.value for k in PaymentKind]
STATUSES = [s.value for s in PaymentStatus]
INTENT_STATUSES = [
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "processing",
    "requires_capture",
    "canceled",
    "succeeded",
]

# Every change the table makes, written out once more by hand: anything else keeps the status.
EXPECTED_CHANGES = {
    ("authorise", "pending", "requires_capture"): "authorised",
    ("authorise", "pending", "succeeded"): "succeeded",
    ("authorise", "authorised", "succeeded"): "succeeded",
    ("authorise", "pending", "canceled"): "cancelled",
    ("authorise", "authorised", "canceled"): "cancelled",
    ("authorise", "pending", "requires_payment_method"): "failed",
    ("capture", "pending", "succeeded"): "succeeded",
    ("capture", "authorised", "succeeded"): "succeeded",
    ("release", "pending", "canceled"): "succeeded",
    ("release", "authorised", "canceled"): "succeeded",
    ("charge", "pending", "succeeded"): "succeeded",
    ("charge", "authorised", "succeeded"): "succeeded",
    ("charge", "pending", "requires_payment_method"): "failed",
    ("charge", "authorised", "requires_payment_method"): "failed",
    ("charge", "pending", "canceled"): "failed",
    ("charge", "authorised", "canceled"): "failed",
}


def test_the_table_uses_the_models_vocabulary():
    assert {payment_states.PENDING, payment_states.AUTHORISED} | payment_states.FINAL_STATUSES == set(STATUSES)
    for (kind, _intent), moves in payment_states.INTENT_TABLE.items():
        assert kind in KINDS
        assert set(moves) | set(moves.values()) <= set(STATUSES)


@pytest.mark.parametrize(
    ("kind", "current", "intent_status"), list(itertools.product(KINDS, STATUSES, INTENT_STATUSES))
)
def test_status_after_intent_for_every_combination(kind, current, intent_status):
    expected = EXPECTED_CHANGES.get((kind, current, intent_status), current)
    assert payment_states.status_after_intent(kind, current, intent_status) == expected


@pytest.mark.parametrize("final", ["succeeded", "cancelled", "failed"])
def test_final_statuses_are_never_left(final):
    for kind, intent_status in itertools.product(KINDS, INTENT_STATUSES):
        assert payment_states.status_after_intent(kind, final, intent_status) == final
        assert payment_states.captured_on_success(kind, final, intent_status) is False


def test_captured_amount_is_set_exactly_when_an_authorisation_completes():
    completing = {
        (kind, current, intent_status)
        for kind, current, intent_status in itertools.product(KINDS, STATUSES, INTENT_STATUSES)
        if payment_states.captured_on_success(kind, current, intent_status)
    }
    assert completing == {("authorise", "pending", "succeeded"), ("authorise", "authorised", "succeeded")}


def test_refund_status():
    assert payment_states.status_after_refund("succeeded") == "succeeded"
    assert payment_states.status_after_refund("pending") == "succeeded"
    assert payment_states.status_after_refund("failed") == "failed"
    assert payment_states.status_after_refund("canceled") == "failed"
    assert payment_states.status_after_refund("requires_action") == "failed"


def test_decided_intent_statuses():
    decided = [s for s in INTENT_STATUSES if payment_states.intent_is_decided(s)]
    assert decided == ["requires_payment_method", "requires_capture", "canceled", "succeeded"]


def test_membership_transition_table():
    statuses = [""] + [s.value for s in MembershipStatus]
    allowed = set()
    for current, target in itertools.product(statuses, statuses):
        try:
            policy.check_membership_transition(current, target)
        except policy.PolicyViolation as exc:
            assert (exc.code, exc.field) == ("invalid_transition", "status")
        else:
            allowed.add((current, target))
    assert allowed == {
        ("", "applied"),
        ("applied", "applied"),
        ("applied", "approved"),
        ("applied", "rejected"),
        ("rejected", "applied"),
    }


SERVICES = Path(__file__).resolve().parents[2] / "carsharing" / "services"


def _status_writes(tree: ast.AST):
    """Assignments ``x.status = …`` and ``.update(status=…)`` calls."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    yield node.lineno
        is_update = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update"
        if is_update and any(kw.arg == "status" for kw in node.keywords):
            yield node.lineno


def test_reservation_and_membership_status_changes_go_through_the_transition_tables():
    """Only the transition helpers assign a status; bulk updates of reservations use
    ``transition_all``. Payment records move by ``domain/payment_states`` (their own
    ``.update(status=…)`` calls are in billing and set values looked up there or failures)."""
    offenders = []
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text())
        allowed_functions = {"transition", "transition_all", "_transition"}
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef) or func.name in allowed_functions:
                continue
            for lineno in _status_writes(func):
                line = path.read_text().splitlines()[lineno - 1]
                if "PaymentRecord" in line or "update(**update)" in line:
                    continue
                offenders.append(f"{path.name}:{lineno}: {line.strip()}")
    assert offenders == []
