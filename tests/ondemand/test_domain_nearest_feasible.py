"""Nearest feasible windows of the on-demand insertion, exact (pure)."""

from __future__ import annotations

from ondemand.domain.insertion import Request, Run, best_insertion, nearest_feasible

LINE = lambda a, b: 60.0 * abs(a - b)  # noqa: E731  nodes 0-1-2-3-4, 60 s per step


def test_the_nearest_earlier_window_one_step_back():
    run = Run(key="bus", capacity=2, start_node=0, end_node=0, start_s=0.0, end_s=900.0)
    late = Request("r", 1, 4, earliest_pickup_s=600, latest_pickup_s=660)
    # picked up at 600, at 4 by 780, back at 0 by 1020: after the run's end at 900
    assert best_insertion([run], late, LINE) is None
    alternatives = nearest_feasible([run], late, LINE, step_s=300, horizon_s=900)
    assert [(a.earliest_pickup_s, a.latest_pickup_s, a.pickup_s, a.dropoff_s) for a in alternatives] == [
        (300, 360, 300.0, 480.0)
    ]


def test_rank_rounds_times_to_the_millisecond():
    from ondemand.domain.insertion import Insertion

    found = Insertion("bus", 2, 1, 3, pickup_s=60.00049, dropoff_s=200.0, added_s=100.4004)
    assert found.rank() == (100.4, 60.0, 2, 1, 3)


def test_vectorized_brute_force_gives_the_same_times():
    from ondemand.domain.insertion import apply_insertion, brute_force_insertion, brute_force_insertion_vectorized

    run = Run(key="bus", capacity=2, start_node=0, end_node=0, start_s=0.0, end_s=3600.0)
    first = Request("a", 1, 3, earliest_pickup_s=0, latest_pickup_s=900)
    runs = apply_insertion([run], first, best_insertion([run], first, LINE))
    second = Request("b", 2, 4, earliest_pickup_s=0, latest_pickup_s=900)
    fast = brute_force_insertion_vectorized(runs, second, LINE)
    slow = brute_force_insertion(runs, second, LINE)
    assert (fast.i, fast.j, fast.pickup_s, fast.dropoff_s, fast.added_s) == (
        slow.i,
        slow.j,
        slow.pickup_s,
        slow.dropoff_s,
        slow.added_s,
    )
    assert (slow.pickup_s, slow.dropoff_s) == (120.0, 240.0)
