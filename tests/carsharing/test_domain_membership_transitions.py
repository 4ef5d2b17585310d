"""Membership transitions, pure: every pair of statuses, with the refusal's code, field and message."""

from __future__ import annotations

import itertools

import pytest

from carsharing.domain.policy import MEMBERSHIP_TRANSITIONS, PolicyViolation, check_membership_transition

STATUSES = ["", "applied", "approved", "rejected", "unknown"]
ALLOWED = {
    ("", "applied"),
    ("applied", "applied"),
    ("applied", "approved"),
    ("applied", "rejected"),
    ("rejected", "applied"),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STATUSES, STATUSES)))
def test_every_transition(current, target):
    if (current, target) in ALLOWED:
        assert check_membership_transition(current, target) is None
        return
    with pytest.raises(PolicyViolation) as refused:
        check_membership_transition(current, target)
    shown = current or "new"
    assert (refused.value.code, refused.value.field) == ("invalid_transition", "status")
    assert refused.value.message == str(refused.value) == f"A membership that is {shown} cannot become {target}."


def test_the_table_and_an_example_message():
    assert {(a, b) for a, targets in MEMBERSHIP_TRANSITIONS.items() for b in targets} == ALLOWED
    with pytest.raises(PolicyViolation, match="^A membership that is new cannot become approved.$"):
        check_membership_transition("", "approved")
