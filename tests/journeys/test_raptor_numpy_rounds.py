"""The numpy rounds of RAPTOR (the planner's path when numba cannot be imported) follow the same
rules as the numba kernel: every hand-made rule of ``test_raptor_unit`` holds on them, and on a
real feed both paths give identical journeys (legs included)."""

from __future__ import annotations

import inspect
import sys

import pytest

from journeys.domain import raptor
from journeys.domain.raptor import Place, earliest_arrival, earliest_arrival_by_trips, latest_departure, range_query
from tests.journeys import test_raptor_unit as unit
from tests.journeys.feeds import feed, random_queries

UNIT_RULES = [getattr(unit, name) for name in sorted(dir(unit)) if name.startswith("test_")]


@pytest.fixture
def numpy_rounds(monkeypatch):
    monkeypatch.setattr(raptor, "_KERNEL", False)
    assert raptor._kernel() is None


@pytest.mark.parametrize("rule", UNIT_RULES, ids=lambda f: f.__name__.removeprefix("test_"))
def test_unit_rule_holds_on_the_numpy_rounds(rule, numpy_rounds, tmp_path):
    wanted = inspect.signature(rule).parameters
    rule(**({"tmp_path": tmp_path} if "tmp_path" in wanted else {}))


def test_kernel_import_failure_falls_back_to_numpy(monkeypatch):
    import journeys.domain

    monkeypatch.setattr(raptor, "_KERNEL", None)
    # as if numba were missing: importing the kernel module raises ImportError
    monkeypatch.delattr(journeys.domain, "raptor_kernel", raising=False)
    monkeypatch.setitem(sys.modules, "journeys.domain.raptor_kernel", None)
    assert raptor._kernel() is None
    assert raptor._KERNEL is False
    assert raptor._kernel() is None  # decided once
    _source, tt = unit.timetable(unit.ARRIVE_BY_TRIPS)
    [journey] = earliest_arrival(tt, unit.at(tt, "A"), unit.at(tt, "B"), unit.hm("07:00"))
    assert (journey.departure, journey.arrival, journey.trips) == (unit.hm("07:00"), unit.hm("07:20"), 1)


def _both(monkeypatch, function, *args, **kwargs):
    """``function(*args, **kwargs)`` once with the kernel and once with the numpy rounds."""
    monkeypatch.setattr(raptor, "_KERNEL", None)
    kernel = function(*args, **kwargs)
    monkeypatch.setattr(raptor, "_KERNEL", False)
    numpy = function(*args, **kwargs)
    monkeypatch.setattr(raptor, "_KERNEL", None)
    return kernel, numpy


def test_kernel_is_available_here():
    # the comparisons below are only worth something when the kernel really runs
    assert raptor._kernel() is not None


def test_numpy_rounds_give_the_kernels_journeys_on_a_real_feed(monkeypatch):
    _source, tt, _csa, _date = feed("vvs-bus-752.zip")
    found = 0
    for o, d, dep in random_queries(tt, 40, seed=19):
        origin, destination = Place.at_stop(o), Place.at_stop(d)
        kernel, numpy = _both(monkeypatch, earliest_arrival, tt, origin, destination, dep)
        assert numpy == kernel, (o, d, dep)
        kernel, numpy = _both(monkeypatch, latest_departure, tt, origin, destination, dep + 3600)
        assert numpy == kernel, (o, d, dep)
        kernel, numpy = _both(monkeypatch, earliest_arrival_by_trips, tt, o, d, dep)
        assert numpy == kernel, (o, d, dep)
        found += kernel[-1] is not None
    assert found >= 10  # not vacuous


def test_numpy_rounds_give_the_kernels_range_limited_and_walking_journeys(monkeypatch):
    _source, tt, _csa, _date = feed("vvs-bus-752.zip")
    found = 0
    for o, d, dep in random_queries(tt, 12, seed=23):
        origin, destination = Place.at_stop(o), Place.at_stop(d)
        kernel, numpy = _both(monkeypatch, range_query, tt, origin, destination, dep, dep + 2 * 3600)
        assert numpy == kernel, (o, d, dep)
        found += len(kernel)
        for limit in (1800, 3600):
            kernel, numpy = _both(
                monkeypatch, earliest_arrival, tt, origin, destination, dep, max_duration_s=limit, max_transfers=1
            )
            assert numpy == kernel, (o, d, dep, limit)
    assert found >= 5
    # coordinates: walks at both ends
    for o, d, dep in random_queries(tt, 8, seed=29):
        origin = Place.at(float(tt.stop_lat[o]) + 0.002, float(tt.stop_lon[o]))
        destination = Place.at(float(tt.stop_lat[d]), float(tt.stop_lon[d]) + 0.002)
        kernel, numpy = _both(monkeypatch, earliest_arrival, tt, origin, destination, dep, max_walk_m=600)
        assert numpy == kernel, (o, d, dep)
