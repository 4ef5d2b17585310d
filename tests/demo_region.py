"""The demo region (``manage.py demo``) as a fixture: ``from tests.demo_region import demo``."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db, tmp_path, settings):
    settings.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    import journeys.conf
    import journeys.timetable_store as store

    journeys.conf.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    store._cache = None
    call_command("demo", "--out", str(tmp_path / "demo"), stdout=StringIO())
    yield
    store._cache = None
