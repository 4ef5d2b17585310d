"""Coarsening places and times before anything is stored (no Django).

Zones are squares of ``edge_km`` on a fixed latitude/longitude grid: the latitude step is
``edge_km / 111.32`` degrees; the longitude step is widened by ``1 / cos(51°)`` (the latitude
of the demo region, central Germany) so squares there are about ``edge_km`` wide. Only the
zone code is kept; no coordinate can be recovered beyond the square.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

KM_PER_DEGREE_LAT = 111.32
REFERENCE_LAT_DEG = 51.0


def zone_code(lat: float, lon: float, edge_km: float = 2.0) -> str:
    """The code of the square containing (``lat``, ``lon``) in WGS84 degrees, e.g. ``Z2-2832-391``."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # also refuses NaN (no comparison holds)
        raise ValueError("coordinates out of range")
    lat_step = edge_km / KM_PER_DEGREE_LAT
    lon_step = lat_step / math.cos(math.radians(REFERENCE_LAT_DEG))
    return f"Z{edge_km:g}-{math.floor(lat / lat_step)}-{math.floor(lon / lon_step)}"


def time_bin(when: datetime, minutes: int = 15) -> datetime:
    """``when`` floored to ``minutes`` (in its own time zone; seconds dropped)."""
    if minutes <= 0 or 60 % minutes and minutes % 60:
        raise ValueError("minutes must divide an hour or be whole hours")
    floored = when.replace(second=0, microsecond=0)
    if minutes < 60:
        return floored - timedelta(minutes=floored.minute % minutes)
    hours = minutes // 60
    floored = floored.replace(minute=0)
    return floored - timedelta(hours=floored.hour % hours)
