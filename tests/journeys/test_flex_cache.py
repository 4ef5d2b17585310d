"""The Rufbus hook's Flex rows (stop times, zones, booking rules, calendars) are read once per
set of active feed version tokens and process: a warm search reads none of them, a new
version or an in-place edit of the Bürgerbus timetable is seen by the next read, and inside
a transaction nothing is cached (what it reads may still be rolled back)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gtfs.feed_import import feed_import
from gtfs.models import FeedKind, Route, Service
from gtfs.selectors import active_versions_forget
from ondemand import selectors
from tests.ondemand.conftest import HOME, ZONE, rufbus_feed

pytestmark = pytest.mark.django_db(transaction=True)  # outside a transaction, as in production


def _windows(day):
    with CaptureQueriesContext(connection) as captured:
        found = selectors.zone_windows(day=day, lat=HOME[0], lon=HOME[1])
    return [(w.flex_stop_time.pk, w.opens_at.isoformat(), w.closes_at.isoformat()) for w in found], _reads(captured)


def _reads(captured) -> list[str]:
    """The queries besides the active versions' (read again when this process's second has passed)."""
    return [q["sql"] for q in captured.captured_queries if '"active_version_id" IS NOT NULL' not in q["sql"]]


def test_the_second_read_of_a_day_reads_nothing_and_gives_the_same_windows(tmp_path):
    feed_import(path=rufbus_feed(tmp_path / "rufbus.zip"), name="rufbus", kind=FeedKind.COMMUNITY_BUS)
    day = timezone.localdate() + timedelta(days=1)
    first, reads = _windows(day)
    assert len(first) == 1
    assert [t[1][11:16] for t in first] == ["14:00"] and [t[2][11:16] for t in first] == ["18:00"]
    assert any('"gtfs_flexstoptime"' in sql for sql in reads)
    assert any('"gtfs_service"' in sql for sql in reads)  # the day's calendar
    again, reads = _windows(day)
    assert again == first
    assert reads == []
    # another day: its calendar only, the Flex rows are already known
    _, reads = _windows(day + timedelta(days=1))
    assert reads and not any('"gtfs_flexstoptime"' in sql for sql in reads)
    # a place outside the zone: nothing, and still nothing read
    with CaptureQueriesContext(connection) as captured:
        assert selectors.zone_windows(day=day, lat=48.5850, lon=8.8470) == []
    assert _reads(captured) == []


def test_a_new_version_is_seen_by_the_next_read(tmp_path):
    feed_import(path=rufbus_feed(tmp_path / "a.zip"), name="rufbus", kind=FeedKind.COMMUNITY_BUS)
    day = timezone.localdate() + timedelta(days=1)
    before, _ = _windows(day)
    later = rufbus_feed(tmp_path / "b.zip", window=("08:00:00", "12:00:00"))
    feed_import(path=later, name="rufbus", kind=FeedKind.COMMUNITY_BUS)
    after, reads = _windows(day)
    assert [t[1][11:16] for t in after] == ["08:00"]
    assert after[0][0] != before[0][0]
    assert any('"gtfs_flexstoptime"' in sql for sql in reads)


def test_an_in_place_edit_of_the_buergerbus_timetable_is_seen_by_the_next_read(tmp_path):
    from ondemand.services import zone_create

    version = feed_import(path=rufbus_feed(tmp_path / "a.zip"), name="rufbus", kind=FeedKind.COMMUNITY_BUS).version
    day = timezone.localdate() + timedelta(days=1)
    before, _ = _windows(day)
    assert len(before) == 1
    zone_create(
        name="Zweite Zone",
        geometry={"type": "Polygon", "coordinates": [ZONE]},
        line_id=Route.objects.get(version=version).pk,
        weekdays=list(Service.WEEKDAYS),
        start_date=day,
        end_date=day + timedelta(days=7),
        start_time="06:00",
        end_time="09:00",
    )
    active_versions_forget()  # as another process sees it once its second has passed
    after, _ = _windows(day)
    assert [t[1][11:16] for t in after] == ["06:00", "14:00"]


def test_inside_a_transaction_nothing_is_cached(tmp_path):
    feed_import(path=rufbus_feed(tmp_path / "rufbus.zip"), name="rufbus", kind=FeedKind.COMMUNITY_BUS)
    day = timezone.localdate() + timedelta(days=1)
    with transaction.atomic():
        first, reads_first = _windows(day)
        again, reads_again = _windows(day)
    assert first == again and len(first) == 1
    assert any('"gtfs_flexstoptime"' in sql for sql in reads_first)
    assert any('"gtfs_flexstoptime"' in sql for sql in reads_again)
    assert selectors._flex["tokens"] is None
