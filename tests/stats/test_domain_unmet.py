"""``stats.domain.unmet``: the one definition of a poor option, zone shapes, village names."""

from __future__ import annotations

import pytest

from stats.domain.unmet import (
    CAR_MIN_MIN,
    POOR_MAX_TRANSFERS,
    POOR_MIN_EXTRA_MIN,
    POOR_SLOWER_THAN_CAR,
    car_minutes,
    coarse_minutes,
    distance_km,
    is_poor,
    is_unmet,
    nearest_place,
    parse_zone,
    place_labels,
)
from stats.domain.zones import zone_code


def test_the_documented_thresholds():
    assert (POOR_MAX_TRANSFERS, POOR_SLOWER_THAN_CAR, POOR_MIN_EXTRA_MIN, CAR_MIN_MIN) == (2, 3.0, 20, 5.0)


@pytest.mark.parametrize(
    ("minutes", "transfers", "car", "poor"),
    [
        (10, 2, 10.0, False),  # two transfers are still fine
        (10, 3, 10.0, True),  # three are not
        (None, 3, 10.0, True),
        (30, 0, 10.0, True),  # exactly 3 x and exactly 20 minutes longer
        (29, 0, 10.0, False),  # just under 3 x
        (24, 0, 5.0, False),  # 4.8 x the car, but only 19 minutes longer
        (25, 0, 5.0, True),  # 5 x and 20 minutes longer
        (90, 1, 40.0, False),  # 2.25 x: slow, but not poor
        (120, 1, 40.0, True),
        (None, None, 5.0, False),  # not recorded: not poor
    ],
)
def test_is_poor_at_its_boundaries(minutes, transfers, car, poor):
    assert is_poor(best_minutes=minutes, best_transfers=transfers, car_min=car) is poor


def test_unmet_is_nothing_found_or_only_poor_options():
    same = "Z2-2790-345"
    assert is_unmet(results=0, best_minutes=None, best_transfers=None, origin_zone=same, destination_zone=same)
    # same zone: the car takes the floor of 5 minutes
    assert car_minutes(same, same) == CAR_MIN_MIN
    assert is_unmet(results=2, best_minutes=25, best_transfers=0, origin_zone=same, destination_zone=same)
    assert not is_unmet(results=2, best_minutes=20, best_transfers=0, origin_zone=same, destination_zone=same)


def test_car_minutes_from_the_zone_centres():
    a, b = parse_zone("Z2-2790-345"), parse_zone("Z2-2790-350")
    km = distance_km(*a.centre, *b.centre)
    assert km == pytest.approx(10.0, rel=0.02)  # five squares of about 2 km
    assert car_minutes(a.code, b.code) == pytest.approx(km * 1.3 / 50 * 60)


@pytest.mark.parametrize(("minutes", "coarse"), [(0, 0), (0.4, 5), (5, 5), (5.01, 10), (59.9, 60), (61, 65)])
def test_minutes_are_rounded_up_to_five(minutes, coarse):
    assert coarse_minutes(minutes) == coarse


def test_a_zone_square_holds_the_points_that_gave_its_code():
    lat, lon = 50.1500, 9.9000
    zone = parse_zone(zone_code(lat, lon, 2.0))
    min_lon, min_lat, max_lon, max_lat = zone.bounds
    assert min_lon <= lon < max_lon and min_lat <= lat < max_lat
    assert (max_lat - min_lat) * 111.32 == pytest.approx(2.0)
    ring = zone.ring
    assert ring[0] == ring[-1] and len(ring) == 5
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))
    assert area2 > 0  # counter-clockwise, as RFC 7946 asks of an outer ring
    assert parse_zone("Z0.5--3-7").bounds[1] < 0  # negative rows parse too


@pytest.mark.parametrize("bad", ["", "Z2-1", "A2-1-2", "Z0-1-2", "Z2-1-2-3", "Z2-x-2", None, 5])
def test_foreign_zone_codes_are_refused(bad):
    with pytest.raises(ValueError):
        parse_zone(bad)


def test_village_names_from_stop_names():
    stops = [
        ("Lindenau Rathaus", 9.9000, 50.1500),
        ("Lindenau Bahnhof", 9.9050, 50.1520),
        ("Lindenau, Schule", 9.9080, 50.1490),
        ("Buchwald Dorfplatz", 9.9420, 50.1340),
        ("Buchwald Kirche", 9.9410, 50.1335),
        ("Am Kreuz", 9.9430, 50.1345),  # joins Buchwald, outvoted
        ("", 9.95, 50.2),  # no name, no label
    ]
    labels = place_labels(stops)
    assert [name for name, _lon, _lat in labels] == ["Buchwald", "Lindenau"]
    lindenau = labels[1]
    assert lindenau[1] == pytest.approx((9.9000 + 9.9050 + 9.9080) / 3)
    assert lindenau[2] == pytest.approx((50.1500 + 50.1520 + 50.1490) / 3)
    assert place_labels([]) == []
    zone = parse_zone(zone_code(50.1345, 9.9425, 2.0))
    assert nearest_place(zone, labels) == "Buchwald"
    assert nearest_place(zone, []) is None
