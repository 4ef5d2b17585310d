"""The search log is written by a Celery worker, not while the searcher waits; with the queue
(Redis) down it is written at once instead, never lost. Only the coarsened entry is queued."""

from __future__ import annotations

import json
import logging
import time

import pytest

from mobility.celery import app
from stats.models import SearchLog
from tests.conftest import _free_port, close_other_database_sessions

SEARCH = {
    "from": "50.150600,9.901000",
    "to": "50.193000,9.935000",
    "depart_at": "2027-03-02T09:00:00+01:00",
    "modes": "transit",
}


@pytest.fixture
def not_eager():
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_search_log_is_queued_and_written_by_a_real_worker(api_client, not_eager):
    from celery.contrib.testing.worker import start_worker
    from kombu import Connection

    assert app.conf.broker_url.startswith("redis://")
    with Connection(app.conf.broker_url) as connection:  # nothing left over from earlier runs
        connection.default_channel.client.delete("celery")
    response = api_client.get("/api/v1/journeys/", SEARCH)
    assert response.status_code == 200, response.content
    assert response.json()["nothing_found"] is True
    # The request wrote nothing; the coarsened entry waits in the queue (no position in it).
    assert SearchLog.objects.count() == 0
    with Connection(app.conf.broker_url) as connection:
        queued = connection.default_channel.client.lrange("celery", 0, -1)
    assert len(queued) == 1
    message = json.loads(queued[0])
    assert message["headers"]["task"] == "stats.search_log_write"
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


@pytest.mark.django_db(transaction=True)
def test_search_log_is_written_at_once_when_the_queue_is_down(api_client, not_eager, caplog, monkeypatch):
    from stats import services

    assert api_client.get("/api/v1/journeys/", SEARCH).status_code == 200  # a warm process (queued)
    SearchLog.objects.all().delete()
    dead = f"redis://127.0.0.1:{_free_port()}/0"  # the broker (Redis) is down
    # the URLs are Celery settings (a mapping behind properties): patch the mapping's entries,
    # so that undoing removes the write URL again instead of pinning it to some value
    monkeypatch.setitem(app.conf.changes, "broker_url", dead)
    monkeypatch.setitem(app.conf.changes, "broker_write_url", dead)
    monkeypatch.setattr(services, "_queue_connection", None)
    monkeypatch.setattr(services, "_queue_down_until", 0.0)
    caplog.set_level(logging.WARNING, logger="stats.services")
    started = time.monotonic()
    response = api_client.get("/api/v1/journeys/", SEARCH)
    assert response.status_code == 200, response.content
    assert time.monotonic() - started < 3  # no retrying against the dead broker
    entry = SearchLog.objects.get()
    assert (entry.origin_zone, entry.destination_zone, entry.results) == ("Z2-2791-346", "Z2-2793-348", 0)
    assert caplog.text.count("search log queue unavailable, written directly") == 1
    # The next searches do not try the queue again for a while; each is still written.
    for _ in range(2):
        assert api_client.get("/api/v1/journeys/", SEARCH).status_code == 200
    assert SearchLog.objects.count() == 3
    assert caplog.text.count("search log queue unavailable") == 1


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
