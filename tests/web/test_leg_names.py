"""A walk in an option's legs is named by where it really starts and ends, not by the whole journey."""

from django.utils import translation

from web.journeys import _leg_views


def _leg(mode, dep, arr, **extra):
    return {"mode": mode, "departure": f"2026-12-04T{dep}:00+01:00", "arrival": f"2026-12-04T{arr}:00+01:00", **extra}


def test_walks_around_a_carpool_end_and_start_at_the_meeting_points():
    legs = [
        _leg("walk", "07:28", "07:30", distance_m=99, **{"from": {"name": ""}, "to": {}}),
        _leg("carpool", "07:30", "07:33", **{"from": {}, "to": {}}),
        _leg("walk", "07:33", "07:35", distance_m=99, **{"from": {}, "to": {}}),
    ]
    with translation.override("de"):
        views = _leg_views(legs, "Mitfahrbank Lindenau", "Mitfahrbank Ahornstadt")
    assert [(v.mode, v.origin, v.destination) for v in views] == [
        ("walk", "Mitfahrbank Lindenau", "Treffpunkt"),
        ("carpool", "Treffpunkt", "Treffpunkt"),
        ("walk", "Treffpunkt", "Mitfahrbank Ahornstadt"),
    ]


def test_walks_to_and_from_stops_take_the_stops_names_and_tiny_walks_are_dropped():
    legs = [
        _leg("walk", "08:00", "08:05", distance_m=300, **{"from": {}, "to": {}}),
        _leg("bus", "08:05", "08:20", line="R10", **{"from": {"name": "Rathaus"}, "to": {"name": "Markt"}}),
        _leg("walk", "08:20", "08:20", distance_m=19, **{"from": {}, "to": {}}),
    ]
    with translation.override("de"):
        views = _leg_views(legs, "Schulweg 3", "Markt")
    assert [(v.mode, v.origin, v.destination) for v in views] == [
        ("walk", "Schulweg 3", "Rathaus"),
        ("bus", "Rathaus", "Markt"),
    ]
