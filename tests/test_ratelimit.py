"""The sliding-window counter's arithmetic (``mobility.ratelimit``), boundaries included."""

import pytest

from mobility import ratelimit


def test_window_of_splits_time_into_fixed_windows():
    assert ratelimit.window_of(0.0, 60) == (0, 0.0)
    assert ratelimit.window_of(59.5, 60) == (0, 59.5)
    assert ratelimit.window_of(60.0, 60) == (1, 0.0)  # a window begins at its first second
    assert ratelimit.window_of(125.0, 60) == (2, 5.0)
    assert ratelimit.window_of(7.0, 1) == (7, 0.0)


def test_estimate_weighs_the_previous_window_by_what_is_still_inside():
    assert ratelimit.estimate(10, 3, 0.0, 60) == 13.0  # the whole previous window counts
    assert ratelimit.estimate(10, 3, 30.0, 60) == 8.0  # half of it
    assert ratelimit.estimate(10, 3, 60.0, 60) == 3.0  # none
    assert ratelimit.estimate(0, 1, 12.0, 60) == 1.0


def test_allowed_up_to_and_including_the_limit():
    assert ratelimit.allowed(0, 5, 0.0, 60, 5)  # the fifth request of five
    assert not ratelimit.allowed(0, 6, 0.0, 60, 5)
    # 4 × 0.5 + 3 = 5.0: exactly the limit is allowed, a hair more is not
    assert ratelimit.allowed(4, 3, 30.0, 60, 5)
    assert not ratelimit.allowed(4, 3, 29.9, 60, 5)
    assert not ratelimit.allowed(0, 1, 0.0, 60, 0)


def test_wait_when_this_window_has_room_but_the_previous_one_weighs_too_much():
    # limit 5, 3 counted now, previous 4, 20 s into the window: 4·(1 − (20+t)/60) + 4 ≤ 5
    # → t ≥ 60·(1 − 1/4) − 20 = 25
    assert ratelimit.wait_s(4, 3, 20.0, 60, 5) == pytest.approx(25.0)
    # and one more request would then indeed be allowed, a moment earlier not
    assert ratelimit.allowed(4, 4, 45.0, 60, 5)
    assert not ratelimit.allowed(4, 4, 44.9, 60, 5)
    assert ratelimit.wait_s(0, 3, 20.0, 60, 5) == 0.0  # nothing before: no wait
    assert ratelimit.wait_s(0, 4, 20.0, 60, 5) == 0.0  # room for exactly one more
    assert ratelimit.wait_s(4, 3, 50.0, 60, 5) == 0.0  # already slid out enough


def test_wait_when_this_window_is_full_runs_into_the_next():
    # limit 5, 5 counted, 10 s in: the next window starts in 50 s with previous = 5;
    # 5·(1 − t'/60) + 1 ≤ 5 → t' ≥ 12
    assert ratelimit.wait_s(2, 5, 10.0, 60, 5) == pytest.approx(62.0)
    assert ratelimit.allowed(5, 1, 12.0, 60, 5)
    assert not ratelimit.allowed(5, 1, 11.9, 60, 5)
    # with a limit of one, this request must slide out of the next window entirely:
    # 1·(1 − t'/60) + 1 ≤ 1 → t' = 60
    assert ratelimit.wait_s(0, 1, 59.0, 60, 1) == pytest.approx(1.0 + 60.0)
    assert ratelimit.wait_s(0, 0, 59.0, 60, 0) == pytest.approx(1.0)  # limit 0: until the window ends


def test_wait_boundaries():
    assert ratelimit.wait_s(1, 3, 20.0, 60, 4) == pytest.approx(40.0)  # one earlier request still weighs
    # a high limit: the part of the next window to wait for is under a second
    assert ratelimit.wait_s(0, 100, 30.0, 60, 100) == pytest.approx(30.6)
    assert ratelimit.wait_s(0, 2, 59.0, 60, 0) == pytest.approx(1.0)  # limit 0: until the window ends
    assert ratelimit.wait_s(3, 1, 0.0, 20, 3) == 13.333  # 20 · 2/3, to the millisecond
