"""Ride-sharing settings, each overridable in Django settings or the environment."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from mobility.appsettings import app_setting


def graph_dir() -> Path:
    """Where road-graph caches are written: ``RIDES_GRAPH_DIR`` or ``DATA_DIR/roadgraphs``."""
    configured = app_setting("RIDES_GRAPH_DIR", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "roadgraphs"


def _setting(name: str, default: float) -> float:
    return float(app_setting(name, float(default)))


def max_snap_m() -> float:
    """A place farther than this (metres) from any road of the graph is refused."""
    return _setting("RIDES_MAX_SNAP_M", 1000.0)


def match_horizon_days() -> int:
    """How many days ahead recurring offers are expanded into rides to match."""
    return int(_setting("RIDES_MATCH_HORIZON_DAYS", 14))


def booking_horizon_days() -> int:
    """How far ahead (days) a ride may be offered or asked for; farther is a clear 400."""
    return int(_setting("RIDES_BOOKING_HORIZON_DAYS", 90))


def promise_tolerance_s() -> float:
    """How much later than promised a confirmed rider may be picked up or dropped off."""
    return _setting("RIDES_PROMISE_TOLERANCE_MIN", 5.0) * 60.0


def walk_speed_mps() -> float:
    return _setting("RIDES_WALK_SPEED_MPS", 1.2)


def privacy_grid_m() -> float:
    """Others see exact positions only rounded to a grid of this size (metres)."""
    return _setting("RIDES_PRIVACY_GRID_M", 500.0)


def max_matches() -> int:
    return int(_setting("RIDES_MAX_MATCHES", 50))


def pending_hold_hours() -> float:
    """How long a rider's unanswered seat request holds the seats before it lapses."""
    return _setting("RIDES_PENDING_HOLD_HOURS", 24.0)


def cost_rate_cents_per_km() -> float:
    """Running costs per km of a ride (cents) for the cap on cost shares (PBefG § 1 Abs. 2 Nr. 1).

    Default: the federal travel-expense rate for a private car, 20 cent/km (BRKG § 5 Abs. 1).
    """
    return _setting("RIDES_COST_RATE_CENTS_PER_KM", 20.0)


def max_tolls_cents() -> int:
    """The most a driver may state as tolls for one ride (cents)."""
    return int(_setting("RIDES_MAX_TOLLS_CENTS", 10_000))


def rating_min_count() -> int:
    """Others see a person's ratings only as an average over at least this many."""
    return int(_setting("RIDES_RATING_MIN_COUNT", 3))


def rating_window_days() -> int:
    """How many days after a ride its two sides may rate each other or report a no-show."""
    return int(_setting("RIDES_RATING_WINDOW_DAYS", 30))


def late_cancel_hours() -> float:
    """A rider cancelling a confirmed seat less than this many hours before pickup cancels late."""
    return _setting("RIDES_LATE_CANCEL_HOURS", 2.0)


def bench_window_minutes() -> int:
    """Drivers whose rides pass a Mitfahrbank within this many minutes are told about a
    person waiting there; a waiting request lapses after this long."""
    return int(_setting("RIDES_BENCH_WINDOW_MIN", 30))


def bench_max_waiting() -> int:
    """At most this many waiting requests per bench at once (a bench is public: limits spam)."""
    return int(_setting("RIDES_BENCH_MAX_WAITING", 3))
