"""Settings of the journey planner, each overridable in ``mobility/settings.py`` or the environment."""

from __future__ import annotations

import os

from django.conf import settings

from mobility.appsettings import app_setting


def _value(name: str, default: str) -> str:
    return str(app_setting(name, default))


# Where compiled timetables (one .npz per active feed versions and service day) are kept.
JOURNEYS_TIMETABLE_DIR = _value("JOURNEYS_TIMETABLE_DIR", os.path.join(str(settings.DATA_DIR), "timetables"))
# Minimum transfer time at a stop when transfers.txt gives none (seconds).
JOURNEYS_DEFAULT_TRANSFER_S = int(_value("JOURNEYS_DEFAULT_TRANSFER_S", "120"))
# Walking speed (m/s) and detour factor applied to straight-line distances.
JOURNEYS_WALK_SPEED_MPS = float(_value("JOURNEYS_WALK_SPEED_MPS", "1.2"))
JOURNEYS_DETOUR_FACTOR = float(_value("JOURNEYS_DETOUR_FACTOR", "1.3"))
# Longest walk between two stops for a transfer (walking metres), compiled into the timetable.
JOURNEYS_MAX_TRANSFER_WALK_M = float(_value("JOURNEYS_MAX_TRANSFER_WALK_M", "400"))
# Default and upper limit of the walk to the first / from the last stop (walking metres).
JOURNEYS_MAX_WALK_M = float(_value("JOURNEYS_MAX_WALK_M", "1000"))
JOURNEYS_MAX_WALK_LIMIT_M = float(_value("JOURNEYS_MAX_WALK_LIMIT_M", "3000"))
# Transit journeys longer than this (arrival minus departure, minutes) are left out of the one
# search, and the answer says how many were; a query may ask for up to the upper limit
# (a compiled service day reaches 06:00 the next morning, so a day is the most that makes sense).
JOURNEYS_MAX_DURATION_MIN = int(_value("JOURNEYS_MAX_DURATION_MIN", "360"))
JOURNEYS_MAX_DURATION_LIMIT_MIN = int(_value("JOURNEYS_MAX_DURATION_LIMIT_MIN", "1440"))


def timetable_config():
    """The compile-time ``TimetableConfig`` from these settings."""
    from journeys.domain.timetable import TimetableConfig

    return TimetableConfig(
        default_transfer_s=JOURNEYS_DEFAULT_TRANSFER_S,
        walk_speed_mps=JOURNEYS_WALK_SPEED_MPS,
        detour_factor=JOURNEYS_DETOUR_FACTOR,
        max_transfer_walk_m=JOURNEYS_MAX_TRANSFER_WALK_M,
    )
