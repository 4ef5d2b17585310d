"""Coarse positions for people who must not learn an exact address. No Django here."""

from __future__ import annotations

import math

METRES_PER_DEGREE_LAT = 111_195.0


def coarse_position(lat: float, lon: float, grid_m: float = 500.0) -> tuple[float, float]:
    """Snap a position to the centre of its cell in a grid of about ``grid_m`` metres.

    The longitude step widens with latitude so cells stay roughly square; the result is
    the same for every point in the cell, so it tells nothing finer than the grid.
    """
    step_lat = grid_m / METRES_PER_DEGREE_LAT
    row = math.floor(lat / step_lat)
    centre_lat = (row + 0.5) * step_lat
    step_lon = grid_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(centre_lat)), 0.01))
    col = math.floor(lon / step_lon)
    return round(centre_lat, 5), round((col + 0.5) * step_lon, 5)
