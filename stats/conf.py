"""Statistics settings: Django settings, else the environment, else the default; read at call time."""

from __future__ import annotations

from mobility.appsettings import app_setting

_DEFAULTS: dict[str, object] = {
    "STATS_MIN_CELL": 5,  # cells counting 1..4 people or trips are suppressed
    "STATS_ZONE_KM": 2.0,  # edge of the square zones that replace coordinates, km
    "STATS_TIME_BIN_MINUTES": 15,  # search times are floored to this many minutes (local time)
    "STATS_MAX_PERIODS": 1200,  # a report covers at most this many periods (days, weeks or months)
    "STATS_MAX_CELLS": 20000,  # a broken-down table has at most this many cells (periods x columns)
    "STATS_AREA_NAME": "Gemeinde Lindenau",  # "where" in the titles of charts and reports
}


def get(name: str):
    """The setting ``name`` (one of the keys above): Django settings, the environment, the default."""
    return app_setting(name, _DEFAULTS[name])
