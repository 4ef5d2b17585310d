"""Booking rules and the reservation state machine. Pure: no Django, raises ``PolicyViolation``.

All datetimes are timezone-aware; grid alignment is checked on UTC epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


class PolicyViolation(Exception):
    """A broken rule. ``code`` is stable and becomes the API error code."""

    def __init__(
        self, message: str, code: str, field: str | None = None, params: dict[str, object] | None = None
    ) -> None:
        self.template = message  # English msgid; translated where it becomes a DomainError
        self.params = params or {}
        self.message = message % self.params if self.params else message
        self.code = code
        self.field = field
        super().__init__(self.message)


@dataclass(frozen=True)
class WindowRules:
    grid_minutes: int
    min_minutes: int
    max_minutes: int
    horizon_days: int


def check_window(start: datetime, end: datetime, now: datetime, rules: WindowRules) -> None:
    """Raise unless ``[start, end)`` is on the grid, long enough, short enough and within the horizon."""
    if start.tzinfo is None or end.tzinfo is None:
        raise PolicyViolation("Times need a timezone.", "naive_datetime", "start")
    for name, value in (("start", start), ("end", end)):
        if _epoch_us(value) % (rules.grid_minutes * 60_000_000) != 0:
            raise PolicyViolation(
                "%(name)s must lie on the %(grid)s-minute grid.",
                "off_grid",
                name,
                {"name": name, "grid": rules.grid_minutes},
            )
    if end <= start:
        raise PolicyViolation("end must be after start.", "invalid_window", "end")
    minutes = int((end - start).total_seconds() // 60)
    if minutes < rules.min_minutes:
        raise PolicyViolation(
            "A reservation lasts at least %(minutes)s minutes.", "too_short", "end", {"minutes": rules.min_minutes}
        )
    if minutes > rules.max_minutes:
        raise PolicyViolation(
            "A reservation lasts at most %(minutes)s minutes.", "too_long", "end", {"minutes": rules.max_minutes}
        )
    if start < now:
        raise PolicyViolation("start lies in the past.", "start_in_past", "start")
    if start > now + timedelta(days=rules.horizon_days):
        raise PolicyViolation(
            "Reservations may start at most %(days)s days ahead.",
            "beyond_horizon",
            "start",
            {"days": rules.horizon_days},
        )


# The state machine: which status may follow which. Time-based moves (expired, no_show) and
# pre-emption are transitions like any other and are checked the same way.
TRANSITIONS: dict[str, frozenset[str]] = {
    "held": frozenset({"confirmed", "cancelled", "expired", "preempted"}),
    "confirmed": frozenset({"active", "cancelled", "no_show", "preempted", "released"}),
    "active": frozenset({"returned"}),
    "returned": frozenset({"settled"}),
    "settled": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset(),
    "no_show": frozenset(),
    "preempted": frozenset(),
    "released": frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str) -> None:
    if not can_transition(current, target):
        raise PolicyViolation(
            "A reservation that is %(current)s cannot become %(target)s.",
            "invalid_transition",
            "status",
            {"current": current, "target": target},
        )


# Memberships: an application is decided once; a rejected resident may apply again, and an
# open application may be re-submitted (new licence data) until it is decided. ``""`` is
# "no membership yet".
MEMBERSHIP_TRANSITIONS: dict[str, frozenset[str]] = {
    "": frozenset({"applied"}),
    "applied": frozenset({"applied", "approved", "rejected"}),
    "rejected": frozenset({"applied"}),
    "approved": frozenset(),
}


def check_membership_transition(current: str, target: str) -> None:
    if target not in MEMBERSHIP_TRANSITIONS.get(current, frozenset()):
        raise PolicyViolation(
            "A membership that is %(current)s cannot become %(target)s.",
            "invalid_transition",
            "status",
            {"current": current or "new", "target": target},
        )


def ceil_to_grid(value: datetime, grid_minutes: int) -> datetime:
    """The first grid instant at or after ``value`` (UTC epoch grid)."""
    step = grid_minutes * 60_000_000
    remainder = _epoch_us(value) % step
    if remainder == 0:
        return value
    return value + timedelta(microseconds=step - remainder)


def floor_to_grid(value: datetime, grid_minutes: int) -> datetime:
    """The last grid instant at or before ``value`` (UTC epoch grid)."""
    return value - timedelta(microseconds=_epoch_us(value) % (grid_minutes * 60_000_000))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_us(value: datetime) -> int:
    """Microseconds since the Unix epoch, exact (no float rounding)."""
    return (value - _EPOCH) // timedelta(microseconds=1)
