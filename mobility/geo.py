"""Great-circle distances, once for the whole platform. Pure: no Django.

Every distance between two WGS84 points (stops, stations, meeting points, graph nodes) is the
haversine distance on a sphere of radius ``EARTH_RADIUS_M``: the IUGG mean Earth radius
R1 = (2a + b) / 3 = 6,371,008.8 m. Against the ellipsoid the sphere is off by at most about
0.5 %, which is far below what walking detours and road shapes add; what matters is that
every module measures the same way, so a stop "within 400 m" in one place is within 400 m in
every other.
"""

from __future__ import annotations

import math
from typing import overload

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8
"""The IUGG mean Earth radius R1 in metres."""

FloatArray = npt.NDArray[np.float64]


@overload
def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float: ...


@overload
def haversine_m(
    lat1: float | FloatArray, lon1: float | FloatArray, lat2: float | FloatArray, lon2: float | FloatArray
) -> FloatArray: ...


def haversine_m(
    lat1: float | FloatArray, lon1: float | FloatArray, lat2: float | FloatArray, lon2: float | FloatArray
) -> float | FloatArray:
    """Great-circle distance in metres between points given in degrees (WGS84).

    Plain numbers give a ``float`` (computed with ``math``: fast in loops); numpy arrays (or a
    mix) give an array, broadcast as numpy does.
    """
    if all(isinstance(v, int | float) for v in (lat1, lon1, lat2, lon2)):
        p1, p2 = math.radians(lat1), math.radians(lat2)  # type: ignore[arg-type]
        dphi = p2 - p1
        dlmb = math.radians(lon2) - math.radians(lon1)  # type: ignore[arg-type]
        a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(a, 1.0)))
    p1a, p2a = np.radians(lat1), np.radians(lat2)
    dphia = p2a - p1a
    dlmba = np.radians(lon2) - np.radians(lon1)
    aa = np.sin(dphia / 2) ** 2 + np.cos(p1a) * np.cos(p2a) * np.sin(dlmba / 2) ** 2
    result: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(aa, 1.0)))
    return result
