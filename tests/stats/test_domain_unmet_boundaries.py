"""``stats.domain.unmet``: exact distances and the grouping radius of village names at its edge."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mobility.geo import haversine_m
from stats.domain.unmet import MAX_LABELLED_STOPS, distance_km, is_unmet, nearest_place, parse_zone, place_labels

EARTH_KM = 6371.0088


def test_haversine_north_south_and_east_west_exactly():
    # one degree of latitude is R * pi / 180, in either direction
    assert distance_km(9.9, 50.0, 9.9, 51.0) == pytest.approx(EARTH_KM * math.pi / 180, rel=1e-12)
    assert distance_km(9.9, 51.0, 9.9, 50.0) == pytest.approx(EARTH_KM * math.pi / 180, rel=1e-12)
    # one degree of longitude on the equator, the same length
    assert distance_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(EARTH_KM * math.pi / 180, rel=1e-12)
    # a diagonal: the closed form with both terms
    lat1, lat2, dlon = math.radians(50.0), math.radians(50.3), math.radians(0.4)
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    assert distance_km(9.9, 50.0, 10.3, 50.3) == pytest.approx(2 * EARTH_KM * math.asin(math.sqrt(a)), rel=1e-12)
    assert distance_km(9.9, 50.0, 9.9, 50.0) == 0.0


def _pair_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The distance ``place_labels`` computes for two points (same operations: the array haversine)."""
    one = np.array([[lat1, lon1]], dtype=np.float64)
    two = np.array([[lat2, lon2]], dtype=np.float64)
    return float(haversine_m(one[:, 0], one[:, 1], two[:, 0], two[:, 1])[0] / 1000.0)


@pytest.mark.parametrize(("factor", "together"), [(1.0, True), (1.0 - 1e-9, False), (1.0 + 1e-9, True)])
def test_stops_exactly_at_the_radius_form_one_place(factor, together):
    stops = [("Adorf Nord", 9.90, 50.15), ("Bdorf Süd", 9.92, 50.15)]
    d = _pair_km(9.90, 50.15, 9.92, 50.15)
    labels = place_labels(stops, radius_km=d * factor)
    if together:
        # one place; the tie of one vote each goes to the first name
        assert labels == [("Adorf", pytest.approx(9.91), pytest.approx(50.15))]
    else:
        assert labels == [("Adorf", 9.90, 50.15), ("Bdorf", 9.92, 50.15)]


@pytest.mark.parametrize(("lon2", "together"), [(9.9138, True), (9.9142, False)])
def test_the_default_radius_is_one_kilometre(lon2, together):
    # at 50.15 N one degree of longitude is about 71.4 km: 0.0138 deg ~ 0.985 km, 0.0142 deg ~ 1.014 km
    labels = place_labels([("Adorf A", 9.90, 50.15), ("Bdorf B", lon2, 50.15)])
    assert [name for name, _lon, _lat in labels] == (["Adorf"] if together else ["Adorf", "Bdorf"])


def test_the_most_common_first_word_names_the_place_and_ties_go_by_name():
    stops = [
        ("Cdorf Kirche", 9.900, 50.150),
        ("Bdorf/Ost", 9.901, 50.150),
        ("Bdorf(Schule)", 9.902, 50.150),
        ("Cdorf,Markt", 9.903, 50.150),
        ("  Adorf  ", 9.904, 50.150),
        ("   ", 9.905, 50.150),  # blank: no label, not in the mean
    ]
    [(name, lon, lat)] = place_labels(stops)
    assert name == "Bdorf"  # two votes each for Bdorf and Cdorf; Bdorf sorts first
    assert lon == pytest.approx((9.900 + 9.901 + 9.902 + 9.903 + 9.904) / 5)
    assert lat == pytest.approx(50.150)
    stops.append(("Cdorf Bahnhof", 9.9035, 50.150))
    assert place_labels(stops)[0][0] == "Cdorf"  # three votes win


def test_at_most_max_labelled_stops_are_grouped():
    assert MAX_LABELLED_STOPS == 2000
    far = [(f"Ort{i:05d} Mitte", 9.0 + i * 0.1, 50.0) for i in range(MAX_LABELLED_STOPS + 1)]
    labels = place_labels(far)
    assert len(labels) == MAX_LABELLED_STOPS
    assert labels[-1][0] == f"Ort{MAX_LABELLED_STOPS - 1:05d}"  # the last by name is left out


@pytest.mark.parametrize(("results", "unmet"), [(-1, True), (0, True), (1, False), (2, False)])
def test_a_search_with_one_good_result_is_met(results, unmet):
    same = "Z2-2790-345"  # the car's floor of 5 minutes; 20 minutes is fine
    got = is_unmet(results=results, best_minutes=20, best_transfers=0, origin_zone=same, destination_zone=same)
    assert got is unmet


def test_too_many_transfers_make_a_search_unmet_even_when_fast():
    same = "Z2-2790-345"
    assert is_unmet(results=1, best_minutes=5, best_transfers=3, origin_zone=same, destination_zone=same) is True
    assert is_unmet(results=1, best_minutes=5, best_transfers=2, origin_zone=same, destination_zone=same) is False


@pytest.mark.parametrize("bad", ["Z0-1-2", "Zx"])
def test_a_foreign_zone_code_is_named_in_the_error(bad):
    with pytest.raises(ValueError, match=f"^not a zone code: '{bad}'$"):
        parse_zone(bad)


def test_the_nearest_place_by_distance_then_by_name():
    zone = parse_zone("Z2-2790-345")
    lon, lat = zone.centre
    # east-west distance decides (not the latitude alone), whatever the names
    places = [("Adorf", lon + 0.05, lat), ("Bdorf", lon + 0.01, lat)]
    assert nearest_place(zone, places) == "Bdorf"
    # equal distances (one position): the first name, not the list order or the longitude
    assert nearest_place(zone, [("Bdorf", lon + 0.01, lat), ("Adorf", lon + 0.01, lat)]) == "Adorf"


@pytest.mark.parametrize(("factor", "together"), [(1.0, True), (1.0 - 1e-9, False)])
def test_north_south_distances_at_the_radius(factor, together):
    stops = [("Adorf Nord", 9.90, 50.150), ("Bdorf Süd", 9.90, 50.155)]
    labels = place_labels(stops, radius_km=_pair_km(9.90, 50.150, 9.90, 50.155) * factor)
    assert [name for name, _lon, _lat in labels] == (["Adorf"] if together else ["Adorf", "Bdorf"])
    # 1.1 km apart north-south: two places with the default radius
    assert len(place_labels([("Adorf A", 9.90, 50.150), ("Bdorf B", 9.90, 50.160)])) == 2
