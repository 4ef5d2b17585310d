"""One great-circle distance for the whole platform (mobility/geo.py), and nobody else's."""

import math
import re
from pathlib import Path

import numpy as np
import pytest

from mobility.geo import EARTH_RADIUS_M, haversine_m

ROOT = Path(__file__).resolve().parents[1]


def test_radius_is_the_iugg_mean_radius():
    assert EARTH_RADIUS_M == 6_371_008.8


def test_known_distances():
    # One degree along the equator or a meridian is 2πR/360 = 111,195.08 m on this sphere.
    one_degree = 2 * math.pi * EARTH_RADIUS_M / 360
    assert one_degree == pytest.approx(111_195.08, abs=0.01)
    assert haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(one_degree, abs=1e-6)
    assert haversine_m(0.0, 10.0, 0.0, 9.0) == pytest.approx(one_degree, abs=1e-6)
    assert haversine_m(51.0, 12.0, 52.0, 12.0) == pytest.approx(one_degree, abs=1e-6)
    # A degree of longitude at 60° N is half as long (cos 60° = 1/2), less the chord's bulge.
    assert haversine_m(60.0, 0.0, 60.0, 1.0) == pytest.approx(55_597.0, abs=10)
    # Kassel to Frankfurt: about 145 km great circle.
    assert haversine_m(51.3127, 9.4797, 50.1109, 8.6821) == pytest.approx(144_950, abs=50)
    # Antipodes: half the circumference (a ≥ 1 by rounding must not raise).
    assert haversine_m(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_M, abs=1e-3)


def test_same_point_is_zero_and_order_does_not_matter():
    assert haversine_m(51.1, 12.3, 51.1, 12.3) == 0.0
    assert haversine_m(51.1, 12.3, 50.9, 12.8) == haversine_m(50.9, 12.8, 51.1, 12.3)


def test_numbers_give_a_float_and_arrays_an_array_with_the_same_values():
    lat = np.array([51.0, 51.5, 52.0])
    lon = np.array([12.0, 12.5, 13.0])
    scalar = haversine_m(51.2, 12.1, 51.5, 12.5)
    assert type(scalar) is float
    many = haversine_m(51.2, 12.1, lat, lon)
    assert isinstance(many, np.ndarray) and many.shape == (3,)
    for i in range(3):
        assert many[i] == pytest.approx(haversine_m(51.2, 12.1, float(lat[i]), float(lon[i])), rel=1e-12)
    # broadcasting: a column against a row is the full distance matrix
    matrix = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert matrix.shape == (3, 3)
    assert np.allclose(np.diag(matrix), 0.0)
    assert matrix[0, 2] == pytest.approx(haversine_m(51.0, 12.0, 52.0, 13.0), rel=1e-12)


def test_no_other_module_computes_its_own_haversine():
    """The formula and an Earth radius appear only in mobility/geo.py (tests may keep an
    independent oracle)."""
    pattern = re.compile(r"def haversine|6_?371|EARTH_RADIUS_M\s*=")
    found = []
    for package in ("mobility", "api", "web", "gtfs", "rides", "carsharing", "journeys", "benchmarks"):
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "mobility" / "geo.py" or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
