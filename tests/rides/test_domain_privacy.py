"""Ride privacy grid: how much a coarse position reveals, east–west and north–south (no database)."""

from __future__ import annotations

import math

import pytest

from mobility.geo import haversine_m
from rides.domain.privacy import METRES_PER_DEGREE_LAT, coarse_position

# Places in and around the region, and one far north where the longitude step is wide.
PLACES = [(51.3127, 9.4797), (50.1109, 8.6821), (53.5511, 9.9937), (47.5596, 7.5886), (69.6492, 18.9553)]


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_m(a[0], a[1], b[0], b[1])


@pytest.mark.parametrize(("lat", "lon"), PLACES)
def test_neighbouring_cells_are_500_m_apart_north_south_and_east_west(lat, lon):
    centre = coarse_position(lat, lon)
    step_lat = 500 / METRES_PER_DEGREE_LAT
    step_lon = 500 / (METRES_PER_DEGREE_LAT * math.cos(math.radians(centre[0])))
    north = coarse_position(centre[0] + step_lat, centre[1])
    east = coarse_position(centre[0], centre[1] + step_lon)
    # The next cell north: one grid step (500 m) further north (its columns are a little wider).
    assert (north[0] - centre[0]) * METRES_PER_DEGREE_LAT == pytest.approx(500, abs=1.5)
    assert abs(north[1] - centre[1]) <= step_lon
    # The next cell east: same latitude, 500 m further (not 220 m, not 1 km).
    assert east[0] == centre[0]
    assert _metres(centre, east) == pytest.approx(500, abs=1.5)


@pytest.mark.parametrize(("lat", "lon"), PLACES)
def test_every_point_of_a_cell_gives_its_centre_and_nothing_finer(lat, lon):
    centre = coarse_position(lat, lon, 500)
    step_lat = 500 / METRES_PER_DEGREE_LAT
    step_lon = 500 / (METRES_PER_DEGREE_LAT * math.cos(math.radians(centre[0])))
    # The cell's centre lies within half a cell of the true position in both directions.
    assert abs(centre[0] - lat) <= step_lat / 2 + 1e-5
    assert abs(centre[1] - lon) <= step_lon / 2 + 1e-5
    # Points just inside the cell's four edges all give the same answer ...
    for d_lat, d_lon in ((0.49, 0), (-0.49, 0), (0, 0.49), (0, -0.49), (0.49, 0.49), (-0.49, -0.49)):
        assert coarse_position(centre[0] + d_lat * step_lat, centre[1] + d_lon * step_lon) == centre
    # ... points just beyond them do not.
    for d_lat, d_lon in ((0.51, 0), (-0.51, 0), (0, 0.51), (0, -0.51)):
        assert coarse_position(centre[0] + d_lat * step_lat, centre[1] + d_lon * step_lon) != centre
    # Centres are published with five decimals (about 1 m), no finer.
    assert centre == (round(centre[0], 5), round(centre[1], 5))


def test_the_default_grid_is_500_m_and_other_sizes_scale():
    lat, lon = 51.3127, 9.4797
    assert coarse_position(lat, lon) == coarse_position(lat, lon, 500.0)
    assert coarse_position(lat, lon) != coarse_position(lat, lon, 1000.0)
    big = coarse_position(lat, lon, 1000.0)
    step_lat = 1000 / METRES_PER_DEGREE_LAT
    north = coarse_position(big[0] + step_lat, big[1], 1000.0)
    assert (north[0] - big[0]) * METRES_PER_DEGREE_LAT == pytest.approx(1000, abs=1.5)


def test_exact_cell_centre_for_a_known_point():
    # Kassel city hall: the cell of row floor(51.3127 / step) and column floor(9.4797 / lon step).
    step_lat = 500 / 111_195.0
    row = math.floor(51.3127 / step_lat)
    centre_lat = (row + 0.5) * step_lat
    step_lon = 500 / (111_195.0 * math.cos(math.radians(centre_lat)))
    col = math.floor(9.4797 / step_lon)
    assert coarse_position(51.3127, 9.4797) == (round(centre_lat, 5), round((col + 0.5) * step_lon, 5))
    assert coarse_position(51.3127, 9.4797) == (51.31301, 9.47785)


def test_near_the_pole_the_longitude_step_is_capped():
    # cos(latitude) falls below 0.01 here; the step is 500 m / (111195 m * 0.01), not hundreds of degrees.
    lat, lon = 89.9995, 10.0
    centre = coarse_position(lat, lon)
    step_lon = 500 / (METRES_PER_DEGREE_LAT * 0.01)
    assert centre[1] == round((math.floor(lon / step_lon) + 0.5) * step_lon, 5)
    assert coarse_position(lat, lon + step_lon)[1] == pytest.approx(centre[1] + step_lon, abs=1e-5)
    assert coarse_position(lat, -lon)[1] == round((math.floor(-lon / step_lon) + 0.5) * step_lon, 5)


def test_west_and_south_of_zero_use_the_cell_below_not_towards_zero():
    step_lat = 500 / METRES_PER_DEGREE_LAT
    lat, lon = coarse_position(-0.001, -0.001)
    assert lat == round(-0.5 * step_lat, 5)
    assert lon < 0
