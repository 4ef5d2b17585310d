"""The search log is written by a Celery worker, not while the searcher waits: the search appends
the coarsened entry to a Redis list and a drain task writes the list in batches. With Redis down
it is written at once instead, never lost. Only the coarsened entry is queued."""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.core.cache import caches
from django.test import override_settings

from benchmarks._servers import free_port
from mobility.celery import app
from stats import services
from stats.models import SearchLog
from stats.tasks import search_log_drain_task
from tests.conftest import close_other_database_sessions

SEARCH = {
    "from": "50.150600,9.901000",
    "to": "50.193000,9.935000",
    "depart_at": "2027-03-02T09:00:00+01:00",
    "modes": "transit",
}
QUEUED_FIELDS = {
    "origin_zone": "Z2-2791-346",
    "destination_zone": "Z2-2793-348",
    "time_bin": "2027-03-02T09:00:00+01:00",
    "modes": "transit",
    "results": 0,
    "best_minutes": None,
    "best_transfers": None,
}


def _redis():
    return caches["default"].raw_client()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_search_log_is_queued_and_written_by_a_real_worker(api_client, not_eager):
    from celery.contrib.testing.worker import start_worker

    assert app.conf.broker_url.startswith("redis://")
    response = api_client.get("/api/v1/journeys/", SEARCH)
    assert response.status_code == 200, response.content
    assert response.json()["nothing_found"] is True
    # The request wrote nothing; the coarsened entry waits in the list (no position in it), and
    # one drain task waits in the Celery queue, due a second later.
    assert SearchLog.objects.count() == 0
    queued = _redis().lrange(services.SEARCH_LOG_LIST_KEY, 0, -1)
    assert [json.loads(raw) for raw in queued] == [QUEUED_FIELDS]
    messages = _redis().lrange("celery", 0, -1)
    assert len(messages) == 1
    message = json.loads(messages[0])
    assert message["headers"]["task"] == "stats.search_log_drain"
    assert message["headers"]["eta"] is not None
    assert "50.15" not in queued[0].decode() and "9.90" not in queued[0].decode()
    try:
        with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not SearchLog.objects.exists():
                time.sleep(0.2)
    finally:
        close_other_database_sessions()  # the worker thread's session
    entry = SearchLog.objects.get()
    assert (entry.origin_zone, entry.destination_zone, entry.modes, entry.results) == (
        "Z2-2791-346",
        "Z2-2793-348",
        "transit",
        0,
    )
    assert _redis().llen(services.SEARCH_LOG_LIST_KEY) == 0
    assert _redis().exists(services.SEARCH_LOG_DRAIN_FLAG_KEY) == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_search_is_logged_exactly_once_when_the_drain_ran(api_client, not_eager):
    response = api_client.get("/api/v1/journeys/", SEARCH)
    assert response.status_code == 200, response.content
    assert SearchLog.objects.count() == 0
    assert search_log_drain_task() == 1
    assert list(
        SearchLog.objects.values_list("origin_zone", "destination_zone", "modes", "results", "best_minutes")
    ) == [("Z2-2791-346", "Z2-2793-348", "transit", 0, None)]
    assert SearchLog.objects.get().time_bin.isoformat() == "2027-03-02T08:00:00+00:00"
    # a second drain finds nothing: the entry is not written twice
    assert search_log_drain_task() == 0
    assert SearchLog.objects.count() == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_search_log_is_written_at_once_when_the_queue_is_down(api_client, not_eager, caplog, monkeypatch):
    from django.conf import settings

    assert api_client.get("/api/v1/journeys/", SEARCH).status_code == 200  # a warm process (queued)
    _redis().delete(services.SEARCH_LOG_LIST_KEY, services.SEARCH_LOG_DRAIN_FLAG_KEY, "celery")
    dead = f"redis://127.0.0.1:{free_port(8400, 8499)}/0"  # Redis is down: cache, list and broker
    # the URLs are Celery settings (a mapping behind properties): patch the mapping's entries,
    # so that undoing removes the write URL again instead of pinning it to some value
    monkeypatch.setitem(app.conf.changes, "broker_url", dead)
    monkeypatch.setitem(app.conf.changes, "broker_write_url", dead)
    monkeypatch.setattr(services, "_queue_connection", None)
    monkeypatch.setattr(services, "_queue_down_until", 0.0)
    caplog.set_level(logging.WARNING, logger="stats.services")
    with override_settings(CACHES={"default": {**settings.CACHES["default"], "LOCATION": dead}}):
        started = time.monotonic()
        response = api_client.get("/api/v1/journeys/", SEARCH)
        assert response.status_code == 200, response.content
        assert time.monotonic() - started < 3  # no retrying against the dead Redis
        entry = SearchLog.objects.get()
        assert (entry.origin_zone, entry.destination_zone, entry.results) == ("Z2-2791-346", "Z2-2793-348", 0)
        assert caplog.text.count("search log queue unavailable, written directly") == 1
        # The next searches do not try the queue again for a while; each is still written.
        for _ in range(2):
            assert api_client.get("/api/v1/journeys/", SEARCH).status_code == 200
        assert SearchLog.objects.count() == 3
        assert caplog.text.count("search log queue unavailable") == 1
    # Redis is back: nothing of these searches is in the list, so a drain writes none twice.
    assert _redis().llen(services.SEARCH_LOG_LIST_KEY) == 0
    assert search_log_drain_task() == 0
    assert SearchLog.objects.count() == 3


@pytest.mark.django_db
def test_the_api_queues_the_log_only_after_the_answer():
    from datetime import datetime

    from journeys.one_search import Point, SearchQuery, journeys_search
    from journeys.timetable_store import local_tz

    query = SearchQuery(
        origin=Point(50.1506, 9.901),
        destination=Point(50.193, 9.935),
        depart_at=datetime(2027, 3, 2, 9, tzinfo=local_tz()),
        modes=frozenset({"transit"}),
    )
    later: list = []
    result = journeys_search(query=query, after_answer=later.append)
    assert result.nothing_found and len(later) == 1
    assert SearchLog.objects.count() == 0  # nothing written while the answer is made
    later[0]()
    entry = SearchLog.objects.get()
    assert (entry.origin_zone, entry.destination_zone, entry.results) == ("Z2-2791-346", "Z2-2793-348", 0)
