"""The search log stores only zones and time bins; retention deletes old entries."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mobility.errors import ValidationFailed
from stats.domain.zones import time_bin, zone_code
from stats.models import SearchLog
from stats.privacy import RETENTION_RULES
from stats.services import search_log_record

BERLIN = ZoneInfo("Europe/Berlin")


def test_record_coarsens_places_and_time(db):
    when = datetime(2026, 3, 29, 3, 44, 59, tzinfo=BERLIN)  # the morning of the DST change
    entry = search_log_record(
        origin_lat=51.0123,
        origin_lon=12.0456,
        dest_lat=51.1999,
        dest_lon=12.3001,
        when=when,
        results=0,
        modes=["Bus", "ride", "bus", " "],
    )
    entry.refresh_from_db()
    assert entry.origin_zone == zone_code(51.0123, 12.0456) and entry.origin_zone.startswith("Z2-")
    assert entry.time_bin == datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)
    assert (entry.modes, entry.results) == ("bus,ride", 0)
    stored = " ".join(str(v) for v in SearchLog.objects.values_list().get())
    for exact in ("51.0123", "12.0456", "51.1999", "12.3001", ":44"):
        assert exact not in stored


def test_nearby_points_share_a_zone_and_far_ones_do_not():
    assert zone_code(51.0001, 12.0001) == zone_code(51.0050, 12.0150)
    assert zone_code(51.0001, 12.0001) != zone_code(51.0400, 12.0001)


def test_time_bins():
    moment = datetime(2026, 1, 5, 7, 59, 30, tzinfo=BERLIN)
    assert time_bin(moment) == datetime(2026, 1, 5, 7, 45, tzinfo=BERLIN)
    assert time_bin(moment, 60) == datetime(2026, 1, 5, 7, 0, tzinfo=BERLIN)
    with pytest.raises(ValueError):
        time_bin(moment, 7)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"origin_lat": 95.0}, "invalid_coordinates"),
        ({"dest_lon": float("nan")}, "invalid_coordinates"),
        ({"results": -1}, "invalid_results"),
        ({"when": datetime(2026, 1, 5, 8, 0)}, "invalid_time"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(db, fields, code):
    base = {
        "origin_lat": 51.0,
        "origin_lon": 12.0,
        "dest_lat": 51.1,
        "dest_lon": 12.1,
        "when": datetime(2026, 1, 5, 8, 0, tzinfo=BERLIN),
        "results": 1,
        "modes": ["bus"],
    }
    with pytest.raises(ValidationFailed) as caught:
        search_log_record(**{**base, **fields})
    assert caught.value.code == code
    assert SearchLog.objects.count() == 0


def test_retention_rule_deletes_only_old_entries(db):
    now = datetime(2026, 6, 1, 12, 0, tzinfo=BERLIN)
    for age_days in (800, 10):
        search_log_record(
            origin_lat=51.0,
            origin_lon=12.0,
            dest_lat=51.1,
            dest_lon=12.1,
            when=now - timedelta(days=age_days),
            results=0,
            modes=["bus"],
        )
    (rule,) = RETENTION_RULES
    cutoff = now - timedelta(days=rule.default_days)
    assert rule.apply(cutoff, True) == 1 and SearchLog.objects.count() == 2
    assert rule.apply(cutoff, False) == 1 and SearchLog.objects.count() == 1


def test_best_option_is_kept_coarse_and_only_when_something_was_found(db):
    base = {
        "origin_lat": 51.0,
        "origin_lon": 12.0,
        "dest_lat": 51.1,
        "dest_lon": 12.1,
        "when": datetime(2026, 1, 5, 8, 0, tzinfo=BERLIN),
        "modes": ["bus"],
    }
    found = search_log_record(**base, results=3, best_minutes=41.2, best_transfers=1)
    nothing = search_log_record(**base, results=0, best_minutes=12, best_transfers=0)
    unknown = search_log_record(**base, results=2)
    rows = dict(SearchLog.objects.values_list("id", "best_minutes"))
    assert rows == {found.pk: 45, nothing.pk: None, unknown.pk: None}  # rounded up to 5 minutes
    assert SearchLog.objects.get(pk=found.pk).best_transfers == 1
    assert SearchLog.objects.get(pk=nothing.pk).best_transfers is None
    with pytest.raises(ValidationFailed) as caught:
        search_log_record(**base, results=1, best_minutes=-1)
    assert caught.value.code == "invalid_results"
    assert SearchLog.objects.count() == 3


def test_the_journey_search_logs_its_best_option(db, monkeypatch):
    """What ``journeys.one_search`` hands to the log: the first-ranked option's minutes from the
    time asked for (waiting included) and its transfers; through the (eager) queue."""
    from journeys.one_search import Option, Point, SearchQuery, _log_search
    from mobility.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # a mapping entry: undone after the test
    asked = datetime(2026, 1, 5, 8, 0, tzinfo=BERLIN)
    query = SearchQuery(origin=Point(lat=51.0, lon=12.0), destination=Point(lat=51.1, lon=12.1), depart_at=asked)
    best = Option(
        kind="transit",
        departure=asked + timedelta(minutes=50),  # a long wait for the bus
        arrival=asked + timedelta(minutes=72),
        transfers=3,
        walk_m=200.0,
        legs=[],
    )
    _log_search(query, 2, best)
    entry = SearchLog.objects.get()
    assert (entry.results, entry.best_minutes, entry.best_transfers) == (2, 75, 3)
    _log_search(query, 0, None)
    assert SearchLog.objects.order_by("-id").values_list("results", "best_minutes", "best_transfers")[0] == (
        0,
        None,
        None,
    )
