"""The demo region (``manage.py demo``) as a fixture: ``from tests.demo_region import demo``."""

from io import StringIO

import pytest
from django.core.management import call_command


def _forget_cached_graphs() -> None:
    """Road graphs and the active-graph lookup are cached per process (journeys.roads keeps the
    active graph for a few seconds): a new demo region must not see the last test's graphs."""
    import journeys.roads as roads
    from rides import matching_index

    roads._model = (-1.0, None)
    roads._foot.clear()
    matching_index.reset()


@pytest.fixture
def demo(db, tmp_path, settings):
    settings.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    import journeys.conf
    import journeys.timetable_store as store

    journeys.conf.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    store._cache = None
    _forget_cached_graphs()
    call_command("demo", "--out", str(tmp_path / "demo"), stdout=StringIO())
    yield
    store._cache = None
    _forget_cached_graphs()
