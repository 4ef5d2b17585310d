"""The batched search-log queue: searches append coarsened entries to a Redis list and publish
at most one drain task while its flag lives; the drain writes batches with one INSERT each,
gives a batch whose write failed back to the list, and never writes an entry twice."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from mobility.celery import app
from stats import services
from stats.models import SearchLog
from stats.services import search_log_drain, search_log_entry, search_log_queue
from stats.tasks import search_log_drain_task, search_log_write_task

BERLIN = ZoneInfo("Europe/Berlin")
WHEN = datetime(2027, 3, 2, 9, 7, tzinfo=BERLIN)


@pytest.fixture
def redis_client():
    client = caches["default"].raw_client()
    client.delete(services.SEARCH_LOG_LIST_KEY, services.SEARCH_LOG_DRAIN_FLAG_KEY, "celery")
    return client


def _search(i: int) -> dict:
    """The arguments of search ``i``: places ~0.01° apart per i, results i (best option i minutes)."""
    return {
        "origin_lat": 50.15 + (i % 40) * 0.01,
        "origin_lon": 9.90,
        "dest_lat": 50.19,
        "dest_lon": 9.93 + (i // 40) * 0.01,
        "when": WHEN,
        "results": i,
        "modes": ["transit"],
        "best_minutes": float(i) if i else None,
        "best_transfers": i % 3 if i else None,
    }


def _row(entry: SearchLog) -> tuple:
    return (
        entry.origin_zone,
        entry.destination_zone,
        entry.time_bin,
        entry.modes,
        entry.results,
        entry.best_minutes,
        entry.best_transfers,
    )


def _stored() -> list[tuple]:
    return sorted(_row(e) for e in SearchLog.objects.all())


def _expected(n: int) -> list[tuple]:
    return sorted(_row(search_log_entry(**_search(i))) for i in range(n))


def _drain_messages(redis_client) -> list[dict]:
    return [json.loads(raw)["headers"] for raw in redis_client.lrange("celery", 0, -1)]


@pytest.mark.redis
@pytest.mark.django_db
def test_many_searches_publish_one_drain_while_the_flag_lives(not_eager, redis_client):
    for i in range(200):
        search_log_queue(**_search(i))
    assert SearchLog.objects.count() == 0
    assert redis_client.llen(services.SEARCH_LOG_LIST_KEY) == 200
    headers = _drain_messages(redis_client)
    assert [h["task"] for h in headers] == ["stats.search_log_drain"]
    assert headers[0]["eta"] is not None  # due DRAIN_COUNTDOWN_S later
    ttl = redis_client.ttl(services.SEARCH_LOG_DRAIN_FLAG_KEY)
    assert 0 < ttl <= services.DRAIN_FLAG_TTL_S
    # The queued entry is the coarsened one: zones and the time bin, no position, no minute.
    first = json.loads(redis_client.lindex(services.SEARCH_LOG_LIST_KEY, 0))
    assert first == {
        "origin_zone": "Z2-2791-346",
        "destination_zone": "Z2-2793-347",
        "time_bin": "2027-03-02T09:00:00+01:00",
        "modes": "transit",
        "results": 0,
        "best_minutes": None,
        "best_transfers": None,
    }
    # Once a drain has started (it clears the flag), the next search schedules the next drain.
    assert search_log_drain().written == 200
    search_log_queue(**_search(200))
    assert [h["task"] for h in _drain_messages(redis_client)] == ["stats.search_log_drain"] * 2
    assert redis_client.llen(services.SEARCH_LOG_LIST_KEY) == 1


@pytest.mark.redis
@pytest.mark.django_db
def test_a_thousand_entries_are_drained_in_two_inserts(not_eager, redis_client):
    for i in range(1000):
        search_log_queue(**_search(i))
    with CaptureQueriesContext(connection) as queries:
        drained = search_log_drain()
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2  # batches of DRAIN_BATCH_SIZE = 500
    assert (drained.written, drained.dropped, drained.more_left) == (1000, 0, False)
    assert _stored() == _expected(1000)
    assert redis_client.llen(services.SEARCH_LOG_LIST_KEY) == 0
    assert search_log_drain().written == 0
    assert SearchLog.objects.count() == 1000


@pytest.mark.redis
@pytest.mark.django_db
def test_a_drain_that_stops_after_its_batches_schedules_the_next(not_eager, redis_client, monkeypatch):
    monkeypatch.setattr(services, "DRAIN_BATCH_SIZE", 100)
    monkeypatch.setattr(services, "DRAIN_MAX_BATCHES", 3)
    for i in range(1000):
        search_log_queue(**_search(i))
    redis_client.delete("celery", services.SEARCH_LOG_DRAIN_FLAG_KEY)  # as when the first drain runs
    assert search_log_drain_task() == 300
    assert SearchLog.objects.count() == 300
    assert redis_client.llen(services.SEARCH_LOG_LIST_KEY) == 700
    headers = _drain_messages(redis_client)
    assert [h["task"] for h in headers] == ["stats.search_log_drain"]
    assert headers[0]["eta"] is None  # at once
    for _ in range(3):
        search_log_drain_task()
    assert SearchLog.objects.count() == 1000 and _stored() == _expected(1000)
    assert redis_client.llen(services.SEARCH_LOG_LIST_KEY) == 0


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_database_write_gives_the_batch_back(not_eager, redis_client):
    import psycopg

    for i in range(30):
        search_log_queue(**_search(i))
    assert len(_drain_messages(redis_client)) == 1  # the drain scheduled by the first search
    redis_client.delete("celery")
    db = connection.settings_dict
    locker = psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432, password=db["PASSWORD"] or None
    )
    try:
        # Another session holds the table: the drain's INSERT gives up after 200 ms.
        locker.execute("LOCK TABLE stats_searchlog IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        with pytest.raises(OperationalError):
            search_log_drain_task()
        assert redis_client.llen(services.SEARCH_LOG_LIST_KEY) == 30
        # meanwhile searches schedule no drain: the failed one is retried
        assert redis_client.ttl(services.SEARCH_LOG_DRAIN_FLAG_KEY) > services.DRAIN_RETRY_AFTER_S
        search_log_queue(**_search(30))
        assert _drain_messages(redis_client) == []
    finally:
        locker.rollback()
        locker.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert SearchLog.objects.count() == 0
    assert search_log_drain_task() == 31
    assert search_log_drain_task() == 0
    assert _stored() == _expected(31)


@pytest.mark.redis
@pytest.mark.django_db
def test_an_unreadable_entry_is_dropped_and_the_rest_written(not_eager, redis_client):
    search_log_queue(**_search(1))
    unreadable = [b"not json", json.dumps({"results": 1}), json.dumps(["a", "list"])]
    unreadable.append(
        json.dumps({**json.loads(redis_client.lindex(services.SEARCH_LOG_LIST_KEY, 0)), "best_minutes": "x"})
    )
    redis_client.rpush(services.SEARCH_LOG_LIST_KEY, *unreadable)
    search_log_queue(**_search(2))
    drained = search_log_drain()
    assert (drained.written, drained.dropped) == (2, 4)
    assert _stored() == sorted(_row(search_log_entry(**_search(i))) for i in (1, 2))
    assert redis_client.llen(services.SEARCH_LOG_LIST_KEY) == 0


@pytest.mark.redis
@pytest.mark.django_db
def test_in_eager_mode_the_entry_is_written_at_once(redis_client):
    assert app.conf.task_always_eager  # the test settings, like `make run` without Redis
    search_log_queue(**_search(3))
    assert _stored() == [_row(search_log_entry(**_search(3)))]
    assert redis_client.llen(services.SEARCH_LOG_LIST_KEY) == 0
    assert redis_client.llen("celery") == 0


@pytest.mark.django_db
def test_the_per_entry_task_of_older_workers_still_writes():
    assert search_log_write_task.name == "stats.search_log_write" and "stats.search_log_write" in app.tasks
    search_log_write_task(
        origin_zone="Z2-2791-346",
        destination_zone="Z2-2793-348",
        time_bin="2027-03-02T09:00:00+01:00",
        modes="transit",
        results=2,
        best_minutes=25,
        best_transfers=1,
    )
    assert _stored() == [("Z2-2791-346", "Z2-2793-348", datetime(2027, 3, 2, 9, tzinfo=BERLIN), "transit", 2, 25, 1)]


def test_beat_drains_every_minute():
    assert settings.CELERY_BEAT_SCHEDULE["stats-search-log-drain"] == {"task": "stats.search_log_drain", "schedule": 60}
    assert search_log_drain_task.name == "stats.search_log_drain" and "stats.search_log_drain" in app.tasks
