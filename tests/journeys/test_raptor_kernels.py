"""The numba kernel and the numpy rounds (the fallback when numba cannot be imported) give the
same journeys on the same queries: earliest arrival, latest departure and range queries, from
stops and from coordinates, on real feeds. A fallback in use is logged."""

from __future__ import annotations

import logging

import pytest

from journeys.domain import raptor
from journeys.domain.raptor import Place, earliest_arrival, latest_departure, range_query
from tests.journeys.feeds import feed, random_queries

FEEDS = [("vvs-bus-752.zip", 60), ("herrenberg-vvs-2021.zip", 60), ("buergerbus-maulbronn-wiernsheim.zip", 40)]


@pytest.fixture
def numpy_rounds(monkeypatch):
    """Run the planner as if numba could not be imported."""

    def answers(function, *args, **kwargs):
        monkeypatch.setattr(raptor, "_KERNEL", False)
        assert raptor._kernel() is None
        try:
            return function(*args, **kwargs)
        finally:
            monkeypatch.setattr(raptor, "_KERNEL", None)

    return answers


@pytest.mark.parametrize(("name", "n_queries"), FEEDS)
def test_numba_kernel_and_numpy_rounds_answer_alike(name, n_queries, numpy_rounds):
    pytest.importorskip("numba")
    _source, tt, _csa, _date = feed(name)
    assert raptor._kernel() is not None  # the numba path runs below
    found = 0
    for o, d, dep in random_queries(tt, n_queries, seed=11):
        cases = [
            (earliest_arrival, (tt, Place.at_stop(o), Place.at_stop(d), dep)),
            (latest_departure, (tt, Place.at_stop(o), Place.at_stop(d), dep + 3600)),
            (range_query, (tt, Place.at_stop(o), Place.at_stop(d), dep, dep + 3600)),
            (
                earliest_arrival,
                (
                    tt,
                    Place.at(float(tt.stop_lat[o]) + 0.001, float(tt.stop_lon[o])),
                    Place.at(float(tt.stop_lat[d]), float(tt.stop_lon[d]) - 0.001),
                    dep,
                ),
            ),
        ]
        for function, args in cases:
            compiled = function(*args, max_transfers=4)
            fallback = numpy_rounds(function, *args, max_transfers=4)
            assert compiled == fallback, (function.__name__, o, d, dep)
            found += bool(compiled)
    assert found >= n_queries  # most questions have answers: the comparison is not vacuous


def test_the_fallback_is_logged(monkeypatch, caplog):
    import builtins

    real_import = builtins.__import__

    def no_numba(name, *args, **kwargs):
        if name == "numba" or name.startswith("numba."):
            raise ImportError("No module named 'numba'")
        return real_import(name, *args, **kwargs)

    import sys

    import journeys.domain

    monkeypatch.delitem(sys.modules, "journeys.domain.raptor_kernel", raising=False)
    monkeypatch.delattr(journeys.domain, "raptor_kernel", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_numba)
    monkeypatch.setattr(raptor, "_KERNEL", None)
    caplog.set_level(logging.WARNING, logger="journeys.domain.raptor")
    assert raptor._kernel() is None
    assert "numba kernel unavailable, RAPTOR runs its slower numpy rounds" in caplog.text
    monkeypatch.setattr(raptor, "_KERNEL", None)  # the next test imports the kernel again
