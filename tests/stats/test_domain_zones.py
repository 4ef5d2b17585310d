"""Zones and time bins for search statistics (no database): edges, ranges, validation."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from stats.domain.zones import KM_PER_DEGREE_LAT, REFERENCE_LAT_DEG, time_bin, zone_code

LAT_STEP = 2.0 / 111.32
LON_STEP = LAT_STEP / math.cos(math.radians(51.0))


def test_known_zone_codes():
    assert zone_code(51.3127, 9.4797) == "Z2-2856-332"
    assert zone_code(51.3127, 9.4797, 1.0) == "Z1-5712-664"
    assert zone_code(51.3127, 9.4797, 0.5) == "Z0.5-11424-1328"
    assert zone_code(0.0, 0.0) == "Z2-0-0"
    assert zone_code(-33.9, -70.6) == "Z2--1887--2473"
    assert (KM_PER_DEGREE_LAT, REFERENCE_LAT_DEG) == (111.32, 51.0)


def test_zone_edges_north_south_and_east_west():
    row, col = 2856, 332
    inside = ((row + 0.001) * LAT_STEP, (col + 0.001) * LON_STEP)
    assert zone_code(*inside) == f"Z2-{row}-{col}"
    assert zone_code((row + 0.999) * LAT_STEP, (col + 0.999) * LON_STEP) == f"Z2-{row}-{col}"
    assert zone_code((row + 1.001) * LAT_STEP, inside[1]) == f"Z2-{row + 1}-{col}"
    assert zone_code((row - 0.001) * LAT_STEP, inside[1]) == f"Z2-{row - 1}-{col}"
    assert zone_code(inside[0], (col + 1.001) * LON_STEP) == f"Z2-{row}-{col + 1}"
    assert zone_code(inside[0], (col - 0.001) * LON_STEP) == f"Z2-{row}-{col - 1}"


@pytest.mark.parametrize(("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0), (90.0, 0.0), (0.0, -180.0)])
def test_the_edges_of_the_world_are_valid(lat, lon):
    assert zone_code(lat, lon).startswith("Z2-")


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(90.000001, 0.0), (-90.000001, 0.0), (0.0, 180.000001), (0.0, -180.000001), (math.nan, 0.0), (0.0, math.nan)],
)
def test_coordinates_out_of_range_are_refused(lat, lon):
    with pytest.raises(ValueError, match="^coordinates out of range$"):
        zone_code(lat, lon)


WHEN = datetime(2026, 5, 4, 13, 59, 42, 123, tzinfo=UTC)


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (1, datetime(2026, 5, 4, 13, 59, tzinfo=UTC)),
        (15, datetime(2026, 5, 4, 13, 45, tzinfo=UTC)),
        (30, datetime(2026, 5, 4, 13, 30, tzinfo=UTC)),
        (60, datetime(2026, 5, 4, 13, 0, tzinfo=UTC)),
        (120, datetime(2026, 5, 4, 12, 0, tzinfo=UTC)),
        (180, datetime(2026, 5, 4, 12, 0, tzinfo=UTC)),
        (24 * 60, datetime(2026, 5, 4, 0, 0, tzinfo=UTC)),
    ],
)
def test_time_bin_floors(minutes, expected):
    assert time_bin(WHEN, minutes) == expected


def test_time_bin_default_is_15_minutes_and_exact_bins_stay():
    assert time_bin(WHEN) == datetime(2026, 5, 4, 13, 45, tzinfo=UTC)
    exact = datetime(2026, 5, 4, 13, 45, tzinfo=UTC)
    assert time_bin(exact) == exact
    assert time_bin(exact, 60) == datetime(2026, 5, 4, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize("minutes", [0, -15, 7, 45, 90, 100])
def test_time_bin_refuses_odd_sizes(minutes):
    with pytest.raises(ValueError, match="^minutes must divide an hour or be whole hours$"):
        time_bin(WHEN, minutes)
