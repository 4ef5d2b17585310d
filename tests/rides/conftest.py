from __future__ import annotations

import pytest

from rides import matching_index

from .helpers import herrenberg_row, trip


@pytest.fixture(autouse=True)
def _fresh_index():
    matching_index.reset()
    yield
    matching_index.reset()


@pytest.fixture
def graph_row(db):
    return herrenberg_row()


@pytest.fixture
def herrenberg_trip(graph_row):
    return trip()
