"""On-demand settings, each overridable in Django settings or the environment."""

from __future__ import annotations

from mobility.appsettings import app_setting


def _setting(name: str, default: float) -> float:
    return float(app_setting(name, float(default)))


def pickup_window_s() -> float:
    """The promised pickup window: from the wished time this many seconds on (15 minutes)."""
    return _setting("ONDEMAND_PICKUP_WINDOW_MIN", 15) * 60.0


def ride_factor() -> float:
    """A rider is on board at most ``factor`` x the direct drive + ``ride_slack_s``."""
    return _setting("ONDEMAND_RIDE_FACTOR", 1.5)


def ride_slack_s() -> float:
    return _setting("ONDEMAND_RIDE_SLACK_MIN", 10) * 60.0


def dwell_s() -> float:
    """Seconds for boarding or alighting at each stop."""
    return _setting("ONDEMAND_DWELL_S", 60)


def return_s() -> float:
    """After the zone's window closes the bus may still need this long back to its depot."""
    return _setting("ONDEMAND_RETURN_MIN", 30) * 60.0


def group_walk_m() -> float:
    """A stop-group zone serves a place if one of its stops is at most this far (metres)."""
    return _setting("ONDEMAND_GROUP_WALK_M", 500)


def moved_notify_s() -> float:
    """Riders whose planned pickup moves by more than this (seconds) are told."""
    return _setting("ONDEMAND_MOVED_NOTIFY_S", 120)
