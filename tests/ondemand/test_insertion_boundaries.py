"""Boundaries of the on-demand insertion, exact (pure): every time limit at the limit, one
second below and one second above, and at the float slack ``EPS_S`` itself (accepted) and the
next float beyond it (refused); which legs the lower bound saves asking for."""

from __future__ import annotations

import math

import pytest

from ondemand.domain.insertion import (
    EPS_S,
    Request,
    Run,
    RunStop,
    best_insertion,
    brute_force_insertion,
    schedule,
)

LINE = lambda a, b: 60.0 * abs(a - b)  # noqa: E731  nodes 0-1-2-3-4, 60 s per step


def _run(**changes) -> Run:
    values = {"key": "bus", "capacity": 2, "start_node": 0, "end_node": 0, "start_s": 0.0, "end_s": 3600.0}
    values.update(changes)
    return Run(**values)


def _at_the_slack(limit: float) -> tuple[float, float]:
    """``(at, beyond)``: the promised time whose slack ``+ EPS_S`` is exactly ``limit`` (still
    kept), and the next float below it (its slack ends before ``limit``: broken)."""
    at = limit - EPS_S
    while at + EPS_S < limit:
        at = math.nextafter(at, math.inf)
    while at + EPS_S > limit:
        at = math.nextafter(at, -math.inf)
    beyond = math.nextafter(at, -math.inf)
    assert at + EPS_S == limit and beyond + EPS_S < limit
    return at, beyond


def _where(found):
    return None if found is None else (found.i, found.j, found.pickup_s, found.dropoff_s, found.added_s)


# -- the new rider's drop-off deadline --------------------------------------------------------
# Picked up at 1 (the run starts there at 0), dropped at 3 at 120; the run ends at 3.
DIRECT = _run(start_node=1, end_node=3)


@pytest.mark.parametrize(
    ("latest_dropoff_s", "expected"),
    [(119.0, None), (120.0, (0, 0, 0.0, 120.0, 0.0)), (121.0, (0, 0, 0.0, 120.0, 0.0))],
)
def test_dropoff_deadline_next_to_the_pickup(latest_dropoff_s, expected):
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, latest_dropoff_s=latest_dropoff_s)
    assert _where(best_insertion([DIRECT], request, LINE)) == expected
    assert _where(brute_force_insertion([DIRECT], request, LINE)) == expected


def test_dropoff_deadline_next_to_the_pickup_keeps_exactly_the_slack():
    at, beyond = _at_the_slack(120.0)
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, latest_dropoff_s=at)
    assert _where(best_insertion([DIRECT], request, LINE)) == (0, 0, 0.0, 120.0, 0.0)
    late = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, latest_dropoff_s=beyond)
    assert best_insertion([DIRECT], late, LINE) is None


# A run 0 -> 2 (a boards at 120) -> 4 (a alights at 240), ending at 4. A rider 1 -> 3 rides
# along without a detour: picked up at 60 before a's pickup, dropped at 180 after it (j > i).
ALONG = _run(
    end_node=4,
    stops=(RunStop(2, "a", True, 1), RunStop(4, "a", False, 1)),
)


@pytest.mark.parametrize(
    ("latest_dropoff_s", "expected"),
    [(179.0, None), (180.0, (0, 1, 60.0, 180.0, 0.0)), (181.0, (0, 1, 60.0, 180.0, 0.0))],
)
def test_dropoff_deadline_after_an_old_stop(latest_dropoff_s, expected):
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, latest_dropoff_s=latest_dropoff_s)
    for lower_bound in (None, LINE):  # the bound's reach to q is exact here: at the limit too
        assert _where(best_insertion([ALONG], request, LINE, lower_bound=lower_bound)) == expected
    assert _where(brute_force_insertion([ALONG], request, LINE)) == expected


def test_dropoff_deadline_after_an_old_stop_keeps_exactly_the_slack():
    at, beyond = _at_the_slack(180.0)
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, latest_dropoff_s=at)
    late = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, latest_dropoff_s=beyond)
    for lower_bound in (None, LINE):
        assert _where(best_insertion([ALONG], request, LINE, lower_bound=lower_bound)) == (0, 1, 60.0, 180.0, 0.0)
        assert best_insertion([ALONG], late, LINE, lower_bound=lower_bound) is None


# -- the new rider's longest ride ----------------------------------------------------------------
@pytest.mark.parametrize(("max_ride_s", "expected"), [(119.0, None), (120.0, (0, 0, 0.0, 120.0, 0.0))])
def test_max_ride_next_to_the_pickup(max_ride_s, expected):
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, max_ride_s=max_ride_s)
    assert _where(best_insertion([DIRECT], request, LINE)) == expected
    assert _where(brute_force_insertion([DIRECT], request, LINE)) == expected


@pytest.mark.parametrize(("max_ride_s", "expected"), [(119.0, None), (120.0, (0, 1, 60.0, 180.0, 0.0))])
def test_max_ride_after_an_old_stop(max_ride_s, expected):
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, max_ride_s=max_ride_s)
    for lower_bound in (None, LINE):  # the bound's reach to q is exact here: at the limit too
        assert _where(best_insertion([ALONG], request, LINE, lower_bound=lower_bound)) == expected
    assert _where(brute_force_insertion([ALONG], request, LINE)) == expected


def test_max_ride_keeps_exactly_the_slack():
    # the ride 1 -> 3 takes 120 s, the direct leg too: slack at the leg, the pickup's own
    # leg and after an old stop
    at, beyond = _at_the_slack(120.0)
    for run, expected in ((DIRECT, (0, 0, 0.0, 120.0, 0.0)), (ALONG, (0, 1, 60.0, 180.0, 0.0))):
        request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, max_ride_s=at)
        assert _where(best_insertion([run], request, LINE, lower_bound=LINE)) == expected
        assert _where(brute_force_insertion([run], request, LINE)) == expected
        tight = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, max_ride_s=beyond)
        assert best_insertion([run], tight, LINE, lower_bound=LINE) is None
        assert brute_force_insertion([run], tight, LINE) is None


# -- a rider already on board keeps the longest ride promised ----------------------------------
def _on_board(max_ride_s: float) -> Run:
    """a boards at 1 (60) and alights at 3 (180): 120 s on board, allowed ``max_ride_s``."""
    return _run(stops=(RunStop(1, "a", True, 1), RunStop(3, "a", False, 1, max_ride_s=max_ride_s)))


# A rider from 4 to 3: picked up while a is on board (0 -> 1 -> 4 -> 3), a rides 60 + 180 + 60
# = 240 s; after a is out (0 -> 1 -> 3 -> 4 -> 3) costs the same 120 s more driving, and the
# earlier position wins the tie only while a's limit allows it.
@pytest.mark.parametrize(
    ("max_ride_s", "expected"),
    [
        (239.0, (2, 2, 240.0, 300.0, 120.0)),
        (240.0, (1, 1, 240.0, 300.0, 120.0)),
        (241.0, (1, 1, 240.0, 300.0, 120.0)),
    ],
)
def test_rider_on_board_max_ride_at_the_limit(max_ride_s, expected):
    request = Request("r", 4, 3, earliest_pickup_s=0, latest_pickup_s=600)
    run = _on_board(max_ride_s)
    assert _where(best_insertion([run], request, LINE)) == expected
    assert _where(brute_force_insertion([run], request, LINE)) == expected


def test_rider_on_board_max_ride_keeps_exactly_the_slack():
    at, beyond = _at_the_slack(240.0)
    request = Request("r", 4, 3, earliest_pickup_s=0, latest_pickup_s=600)
    for max_ride_s, expected in ((at, (1, 1, 240.0, 300.0, 120.0)), (beyond, (2, 2, 240.0, 300.0, 120.0))):
        run = _on_board(max_ride_s)
        assert _where(best_insertion([run], request, LINE)) == expected
        assert _where(brute_force_insertion([run], request, LINE)) == expected


# -- schedule() ---------------------------------------------------------------------------------
def test_schedule_max_ride_at_the_limit_and_the_slack():
    def stops(max_ride_s: float) -> tuple[RunStop, ...]:
        return (RunStop(1, "a", True, 1), RunStop(3, "a", False, 1, max_ride_s=max_ride_s))

    run = _run()
    at, beyond = _at_the_slack(120.0)
    assert schedule(run, stops(120.0), LINE).times == (60.0, 180.0)
    assert schedule(run, stops(at), LINE).times == (60.0, 180.0)
    assert schedule(run, stops(beyond), LINE) is None
    assert schedule(run, stops(119.0), LINE) is None


def test_schedule_a_rider_on_board_from_before_the_run_rides_from_the_first_stop():
    # a drop-off whose pickup is not in the run (on board before it started): no ride limit
    # can be measured, the stop is served as soon as the bus is there
    run = _run(stops=(RunStop(2, "a", False, 1, max_ride_s=0.0),))
    timing = schedule(run, run.stops, LINE)
    assert (timing.times, timing.end_arrival_s, timing.drive_s) == ((120.0,), 240.0, 240.0)


# -- ties and the lower bound ----------------------------------------------------------------
# Nodes on a line at these seconds from node 0 (t = the distance, an exact metric); 9 lies a
# quarter second past 3, 11 a quarter second past 1, so some detours cost half a second.
X = {0: 0.0, 1: 60.0, 2: 120.0, 3: 180.0, 4: 240.0, 9: 180.25, 11: 60.25, 12: 300.0}


def FLOAT(a: int, b: int) -> float:
    return abs(X[a] - X[b])


def test_an_equal_detour_with_an_earlier_pickup_in_a_later_run_wins():
    # run A (listed first) takes the rider 1 -> 3 on its way 0 -> 4 (pickup at 60, 0 s more);
    # run B too, on its way 1 -> 2 (x boards) -> 3, but at once (pickup at 0, 0 s more): the
    # bounds of B's positions equal the best found, and an equal bound must not prune
    a = _run(key="A", end_node=4)
    b = _run(key="B", start_node=1, end_node=3, stops=(RunStop(2, "x", True, 1), RunStop(3, "x", False, 1)))
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600)
    for lower_bound in (None, LINE):
        found = best_insertion([a, b], request, LINE, lower_bound=lower_bound)
        assert (found.run_key, *_where(found)) == ("B", 0, 1, 0.0, 120.0, 0.0)
    assert _where(best_insertion([a], request, LINE, lower_bound=LINE)) == (0, 0, 60.0, 180.0, 0.0)
    oracle = brute_force_insertion([a, b], request, LINE)
    assert (oracle.run_key, *_where(oracle)) == ("B", 0, 1, 0.0, 120.0, 0.0)


def test_lower_bound_skips_every_leg_that_cannot_beat_the_best():
    # a run 0 -> 2 (a in) -> 9 (a out) -> 4 (b in, two seats: full) -> 11 (b out) -> 12. A rider
    # 1 -> 3 rides along with a for free (i = 0, j = 1). Dropping off after a is out (j = 2:
    # 9 -> 3 -> 4) and picking up after b is out (i = 4: 11 -> 1 -> 12) cost 0.5 s more, the
    # other positions much more or no seat: their legs to and from the rider's stops are
    # never asked for when the exact times serve as lower bound.
    asked: list[tuple[int, int]] = []

    def tt(a: int, b: int) -> float:
        asked.append((a, b))
        return FLOAT(a, b)

    run = _run(
        end_node=12,
        stops=(
            RunStop(2, "a", True, 1),
            RunStop(9, "a", False, 1),
            RunStop(4, "b", True, 2),
            RunStop(11, "b", False, 2),
        ),
    )
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600)
    run_legs = [(0, 2), (2, 9), (9, 4), (4, 11), (11, 12)] * 2  # timed, then kept per leg
    found = best_insertion([run], request, tt, lower_bound=FLOAT)
    assert _where(found) == (0, 1, 60.0, 180.0, 0.0)
    assert asked == [*run_legs, (1, 3), (0, 1), (1, 2), (3, 2), (2, 3), (3, 9)]
    # without a lower bound (the run's timing is kept from the search before) the legs around
    # the pickup are asked for at every position with a free seat, the drop-off's only where
    # the pickup's own detour is no more than the best found plus a millisecond: not after
    # i = 4 (11 -> 1 -> 12, 0.5 s more)
    asked.clear()
    found = best_insertion([run], request, tt)
    assert _where(found) == (0, 1, 60.0, 180.0, 0.0)
    assert asked == [(1, 3), (0, 1), (1, 2), (3, 2), (2, 3), (3, 9), (9, 3), (3, 4)] + [
        (2, 1),
        (1, 9),
        (9, 1),
        (1, 4),
        (11, 1),
        (1, 12),
    ]


# -- an old stop's latest time, the run's end, the window's end --------------------------------
def _waits_at_two(latest_s: float) -> Run:
    """a boards at 3 (by ``latest_s``) and alights at 4, where the run ends."""
    return _run(end_node=4, stops=(RunStop(3, "a", True, 1, latest_s=latest_s), RunStop(4, "a", False, 1)))


@pytest.mark.parametrize(
    ("latest_s", "expected"),
    [
        # a rider 2 -> 4 from 200 on: the bus waits at 2 until 200 and reaches a at 3 at 260
        (259.0, (1, 1, 240.0, 360.0, 120.0)),  # too late for a: after a's pickup, 4 -> 2 -> 4
        (260.0, (0, 1, 200.0, 320.0, 0.0)),
        (261.0, (0, 1, 200.0, 320.0, 0.0)),
    ],
)
def test_old_stop_reached_at_its_latest_time(latest_s, expected):
    request = Request("r", 2, 4, earliest_pickup_s=200, latest_pickup_s=600)
    for lower_bound in (None, LINE):
        assert _where(best_insertion([_waits_at_two(latest_s)], request, LINE, lower_bound=lower_bound)) == expected
    assert _where(brute_force_insertion([_waits_at_two(latest_s)], request, LINE)) == expected


def test_old_stop_latest_time_keeps_exactly_the_slack():
    at, beyond = _at_the_slack(260.0)
    request = Request("r", 2, 4, earliest_pickup_s=200, latest_pickup_s=600)
    for latest_s, expected in ((at, (0, 1, 200.0, 320.0, 0.0)), (beyond, (1, 1, 240.0, 360.0, 120.0))):
        for lower_bound in (None, LINE):
            assert _where(best_insertion([_waits_at_two(latest_s)], request, LINE, lower_bound=lower_bound)) == expected
        assert _where(brute_force_insertion([_waits_at_two(latest_s)], request, LINE)) == expected


@pytest.mark.parametrize(("end_s", "expected"), [(119.0, None), (120.0, (0, 0, 0.0, 120.0, 0.0))])
def test_run_end_at_the_limit(end_s, expected):
    # 1 -> 3 straight from the run's start, which ends at 3 by end_s
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600)
    run = _run(start_node=1, end_node=3, end_s=end_s)
    assert _where(best_insertion([run], request, LINE)) == expected
    assert _where(brute_force_insertion([run], request, LINE)) == expected


def test_run_end_keeps_exactly_the_slack():
    at, beyond = _at_the_slack(120.0)
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600)
    for end_s, expected in ((at, (0, 0, 0.0, 120.0, 0.0)), (beyond, None)):
        run = _run(start_node=1, end_node=3, end_s=end_s)
        assert _where(best_insertion([run], request, LINE)) == expected
        assert _where(brute_force_insertion([run], request, LINE)) == expected
    # and an old run that ends exactly there keeps its timing
    stops = (RunStop(1, "a", True, 1), RunStop(3, "a", False, 1))
    assert schedule(_run(end_node=3, end_s=180.0, stops=stops), stops, LINE).end_arrival_s == 180.0
    early, late = _at_the_slack(180.0)
    assert schedule(_run(end_node=3, end_s=early, stops=stops), stops, LINE).end_arrival_s == 180.0
    assert schedule(_run(end_node=3, end_s=late, stops=stops), stops, LINE) is None


def test_schedule_pickup_latest_time_at_the_limit_and_the_slack():
    def stops(latest_s: float) -> tuple[RunStop, ...]:
        return (RunStop(2, "a", True, 1, latest_s=latest_s), RunStop(3, "a", False, 1))

    at, beyond = _at_the_slack(120.0)
    for latest_s, times in ((121.0, (120.0, 180.0)), (120.0, (120.0, 180.0)), (at, (120.0, 180.0))):
        assert schedule(_run(), stops(latest_s), LINE).times == times
    assert schedule(_run(), stops(beyond), LINE) is None
    assert schedule(_run(), stops(119.0), LINE) is None


@pytest.mark.parametrize(("start_s", "expected"), [(600.0, (0, 0, 600.0, 720.0, 0.0)), (601.0, None)])
def test_run_starting_at_the_window_end(start_s, expected):
    # the run starts at the pickup node exactly when the window closes (or a second later)
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600)
    run = _run(start_node=1, end_node=3, start_s=start_s)
    assert _where(best_insertion([run], request, LINE)) == expected
    assert _where(brute_force_insertion([run], request, LINE)) == expected


def test_run_starting_at_the_window_end_keeps_exactly_the_slack():
    at, beyond = _at_the_slack(600.0)
    run = _run(start_node=1, end_node=3, start_s=600.0)
    for latest_pickup_s, expected in ((at, (0, 0, 600.0, 720.0, 0.0)), (beyond, None)):
        request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=latest_pickup_s)
        assert _where(best_insertion([run], request, LINE)) == expected
        assert _where(brute_force_insertion([run], request, LINE)) == expected


def test_runs_that_cannot_take_the_rider_cost_no_travel_time():
    # a run with fewer seats than asked (at 5), one starting after the window (at 6) and one
    # ending before it (at 7): none of their legs is asked for; the rider goes with the last
    asked: list[tuple[int, int]] = []

    def tt(a: int, b: int) -> float:
        asked.append((a, b))
        return LINE(a, b)

    runs = [
        _run(key="small", capacity=1, start_node=5, end_node=5),
        _run(key="late", start_node=6, end_node=6, start_s=601.0),
        _run(key="early", start_node=7, end_node=7, end_s=99.0),
        _run(key="ok", start_node=1, end_node=3),
    ]
    request = Request("r", 1, 3, earliest_pickup_s=100, latest_pickup_s=600, seats=2)
    found = best_insertion(runs, request, tt)
    assert (found.run_key, *_where(found)) == ("ok", 0, 0, 100.0, 220.0, 0.0)
    assert not {node for pair in asked for node in pair} & {5, 6, 7}


@pytest.mark.parametrize(("direct_s", "max_ride_s"), [(120.0, 119.0), (math.inf, math.inf)])
def test_a_ride_too_long_or_impossible_even_direct_asks_for_nothing_more(direct_s, max_ride_s):
    asked: list[tuple[int, int]] = []

    def tt(a: int, b: int) -> float:
        asked.append((a, b))
        return direct_s if (a, b) == (1, 3) else LINE(a, b)

    run = _run(stops=(RunStop(2, "a", True, 1), RunStop(4, "a", False, 1)))
    request = Request("r", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, max_ride_s=max_ride_s)
    assert best_insertion([run], request, tt) is None
    assert asked == [(0, 2), (2, 4), (4, 0)] * 2 + [(1, 3)]  # the run's timing, then p -> q


# With 30 s at every stop and a boarding at 2 at 150 sharp: a rider 1 -> 2 is dropped at 2
# right after a boards (the bus leaves 2 at 180, the run's own time, and q needs no drive);
# dropping first would make a board at 180, after a's latest time.
DWELL = _run(
    end_node=4,
    dwell_s=30.0,
    stops=(RunStop(2, "a", True, 1, earliest_s=150.0, latest_s=150.0), RunStop(4, "a", False, 1)),
)


@pytest.mark.parametrize(
    ("latest_dropoff_s", "max_ride_s", "expected"),
    [
        (179.0, math.inf, None),
        (180.0, math.inf, (0, 1, 60.0, 180.0, 0.0)),
        (math.inf, 119.0, (1, 1, 240.0, 330.0, 120.0)),  # picked up after a: 2 -> 1 -> 2
        (math.inf, 120.0, (0, 1, 60.0, 180.0, 0.0)),
    ],
)
def test_dropoff_where_an_old_stop_is_left_at_the_limit(latest_dropoff_s, max_ride_s, expected):
    request = Request(
        "r", 1, 2, earliest_pickup_s=0, latest_pickup_s=600, latest_dropoff_s=latest_dropoff_s, max_ride_s=max_ride_s
    )
    for lower_bound in (None, LINE):
        assert _where(best_insertion([DWELL], request, LINE, lower_bound=lower_bound)) == expected
    assert _where(brute_force_insertion([DWELL], request, LINE)) == expected


def test_dropoff_where_an_old_stop_is_left_keeps_exactly_the_slack():
    at, beyond = _at_the_slack(180.0)
    ride_at, ride_beyond = _at_the_slack(120.0)
    for latest_dropoff_s, max_ride_s, expected in (
        (at, math.inf, (0, 1, 60.0, 180.0, 0.0)),
        (beyond, math.inf, None),
        (math.inf, ride_at, (0, 1, 60.0, 180.0, 0.0)),
        (math.inf, ride_beyond, (1, 1, 240.0, 330.0, 120.0)),
    ):
        request = Request(
            "r",
            1,
            2,
            earliest_pickup_s=0,
            latest_pickup_s=600,
            latest_dropoff_s=latest_dropoff_s,
            max_ride_s=max_ride_s,
        )
        for lower_bound in (None, LINE):
            assert _where(best_insertion([DWELL], request, LINE, lower_bound=lower_bound)) == expected


@pytest.mark.parametrize(("a_end", "b_start"), [(40.3, 40.3002), (40.1998, 40.2)])
def test_detours_equal_to_the_millisecond_go_to_the_earlier_pickup(a_end, b_start):
    # on a line: p at 0, q at 10. Run A starts at -60 and ends at -a_end (adds 20 + 2 a_end
    # seconds, picks up at 60); run B starts and ends at -b_start (adds 0.4 ms more, picks up
    # at b_start). Rounded to the millisecond both add the same, so B's earlier pickup wins,
    # whether the detour's fraction rounds up (100.6004 s) or down (100.4 s).
    x = {1: 0.0, 2: 10.0, 10: -60.0, 11: -a_end, 12: -b_start}

    def tt(a: int, b: int) -> float:
        return abs(x[a] - x[b])

    runs = [_run(key="A", start_node=10, end_node=11), _run(key="B", start_node=12, end_node=12)]
    request = Request("r", 1, 2, earliest_pickup_s=0, latest_pickup_s=600)
    found = best_insertion(runs, request, tt)
    assert (found.run_key, found.i, found.j, found.pickup_s) == ("B", 0, 0, b_start)
    assert round(found.added_s, 3) == round(20 + 2 * a_end, 3) == round(20 + 2 * b_start, 3)
    assert found.added_s > 20 + 2 * a_end
    oracle = brute_force_insertion(runs, request, tt)
    assert (oracle.run_key, oracle.pickup_s) == ("B", b_start)


def test_lower_bound_skips_positions_that_break_a_later_stop_or_the_deadline():
    # 30 s at every stop; a boards at 2 at 120 (by 150), is out at 5 at 330, b boards at 6 at
    # 420 and is out at 1 at 750. A rider 3 -> 4 (pickup by 300, at 4 by 400) rides along
    # after a boards (2 -> 3 -> 4 -> 5, no detour). Picking up before a would make a board too
    # late (at 3 by 180, then 30 s + 60 s to 2 > 150), dropping off after a is out too late (the
    # bus leaves 5 at 360, 4 is 60 s away): the exact bound rules both out without asking.
    asked: list[tuple[int, int]] = []

    def tt(a: int, b: int) -> float:
        asked.append((a, b))
        return LINE(a, b)

    run = _run(
        dwell_s=30.0,
        stops=(
            RunStop(2, "a", True, 1, latest_s=150.0),
            RunStop(5, "a", False, 1),
            RunStop(6, "b", True, 1),
            RunStop(1, "b", False, 1),
        ),
    )
    request = Request("r", 3, 4, earliest_pickup_s=0, latest_pickup_s=300, latest_dropoff_s=400)
    found = best_insertion([run], request, tt, lower_bound=LINE)
    assert _where(found) == (1, 1, 210.0, 300.0, 0.0)
    assert asked[10:] == [(3, 4), (0, 3), (2, 3), (3, 5), (4, 5)]  # after the run's own legs
    assert _where(brute_force_insertion([run], request, LINE)) == (1, 1, 210.0, 300.0, 0.0)
