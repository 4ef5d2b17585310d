"""Writes of the statistics app: recording a journey search, coarsened before it is stored."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from mobility.errors import ValidationFailed

from . import conf
from .domain.unmet import coarse_minutes
from .domain.zones import time_bin, zone_code
from .models import SearchLog

logger = logging.getLogger(__name__)


def search_log_entry(
    *,
    origin_lat: float,
    origin_lon: float,
    dest_lat: float,
    dest_lon: float,
    when: datetime,
    results: int,
    modes: Iterable[str],
    best_minutes: float | None = None,
    best_transfers: int | None = None,
) -> SearchLog:
    """The coarsened, unsaved log entry for one search (see ``search_log_record``)."""
    if results < 0:
        raise ValidationFailed("results must not be negative.", code="invalid_results")
    if (best_minutes is not None and not best_minutes >= 0) or (best_transfers is not None and best_transfers < 0):
        raise ValidationFailed("The best option's figures must not be negative.", code="invalid_results")
    edge = float(conf.get("STATS_ZONE_KM"))
    try:
        origin = zone_code(float(origin_lat), float(origin_lon), edge)
        destination = zone_code(float(dest_lat), float(dest_lon), edge)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("Coordinates are out of range.", code="invalid_coordinates") from exc
    if timezone.is_naive(when):
        raise ValidationFailed("The search time needs a time zone.", code="invalid_time")
    local = when.astimezone(ZoneInfo(settings.TIME_ZONE))
    binned = time_bin(local, int(conf.get("STATS_TIME_BIN_MINUTES")))
    mode_text = ",".join(sorted({str(m).strip().lower() for m in modes if str(m).strip()}))[:100]
    found = int(results) > 0
    return SearchLog(
        origin_zone=origin,
        destination_zone=destination,
        time_bin=binned,
        modes=mode_text,
        results=int(results),
        best_minutes=coarse_minutes(best_minutes) if found and best_minutes is not None else None,
        best_transfers=min(int(best_transfers), 99) if found and best_transfers is not None else None,
    )


def search_log_record(
    *,
    origin_lat: float,
    origin_lon: float,
    dest_lat: float,
    dest_lon: float,
    when: datetime,
    results: int,
    modes: Iterable[str],
    best_minutes: float | None = None,
    best_transfers: int | None = None,
) -> SearchLog:
    """Log one journey search for the unmet-demand statistics.

    Coordinates (WGS84 degrees) become zone codes and ``when`` is floored to the time bin in
    local time (``TIME_ZONE``) before anything is written; no user is recorded. ``results``
    is the number of journeys found (0 = unmet demand); ``best_minutes`` (from the time asked
    for until arrival, waiting included; rounded up to 5) and ``best_transfers`` describe the
    option ranked first, so poor options can be told (``domain.unmet.is_poor``).
    """
    entry = search_log_entry(
        origin_lat=origin_lat,
        origin_lon=origin_lon,
        dest_lat=dest_lat,
        dest_lon=dest_lon,
        when=when,
        results=results,
        modes=modes,
        best_minutes=best_minutes,
        best_transfers=best_transfers,
    )
    entry.save()
    return entry


def search_log_write(
    *,
    origin_zone: str,
    destination_zone: str,
    time_bin: datetime,
    modes: str,
    results: int,
    best_minutes: int | None = None,
    best_transfers: int | None = None,
) -> SearchLog:
    """Store one already coarsened entry (what the per-entry task ``stats.search_log_write`` carries)."""
    return SearchLog.objects.create(
        origin_zone=origin_zone,
        destination_zone=destination_zone,
        time_bin=time_bin,
        modes=modes,
        results=results,
        best_minutes=best_minutes,
        best_transfers=best_transfers,
    )


def _search_log_row(fields: Mapping[str, Any]) -> SearchLog:
    """The unsaved row for queued fields; ValueError, TypeError or KeyError when they are not
    what ``search_log_queue`` queues."""
    return SearchLog(
        origin_zone=str(fields["origin_zone"]),
        destination_zone=str(fields["destination_zone"]),
        time_bin=datetime.fromisoformat(fields["time_bin"]),
        modes=str(fields["modes"]),
        results=int(fields["results"]),
        best_minutes=None if fields.get("best_minutes") is None else int(fields["best_minutes"]),
        best_transfers=None if fields.get("best_transfers") is None else int(fields["best_transfers"]),
    )


def search_log_write_batch(*, entries: Sequence[Mapping[str, Any]]) -> int:
    """Store already coarsened entries (the fields ``search_log_queue`` queued, ``time_bin``
    as ISO text) with one ``bulk_create``, all or none; returns how many were written."""
    rows = [_search_log_row(fields) for fields in entries]
    with transaction.atomic():
        SearchLog.objects.bulk_create(rows)
    return len(rows)


#: After the queue failed, searches write their entry directly for this long (seconds) before
#: trying the queue again, so a Redis outage costs no search a connection attempt.
QUEUE_RETRY_AFTER_S = 10.0
#: The Redis list the searches append their coarsened entries to (JSON, one per search) ...
SEARCH_LOG_LIST_KEY = "stats:search_log:entries"
#: ... and the flag "a drain task is scheduled and has not started yet": only the search that
#: sets it publishes a Celery task. It expires after DRAIN_FLAG_TTL_S seconds, so a publish
#: that got lost is made again by a later search (Celery beat drains every minute besides).
SEARCH_LOG_DRAIN_FLAG_KEY = "stats:search_log:drain_scheduled"
DRAIN_FLAG_TTL_S = 5
#: Seconds between the first queued entry and its drain: the searches of that second share it.
DRAIN_COUNTDOWN_S = 1.0
#: Entries popped and written per ``bulk_create``, and batches per drain before it hands over
#: to a new task (so one drain does not hold a worker for long under a flood).
DRAIN_BATCH_SIZE = 500
DRAIN_MAX_BATCHES = 20
#: After a failed database write the drain is retried after this many seconds; meanwhile the
#: flag is held so that searches do not schedule drains that would fail too.
DRAIN_RETRY_AFTER_S = 10

_REDIS_UNAVAILABLE: tuple[type[Exception], ...] = (RedisError, OSError)
_queue_lock = threading.Lock()
_queue_connection: Any = None
_queue_down_until = 0.0


def _search_log_redis() -> Any:
    """The process's shared ``redis.Redis`` of the cache (one pool per process, connect timeout
    1 s, socket timeout 2 s), or None without a Redis cache (laptop mode)."""
    backend = caches["default"]
    raw_client = getattr(backend, "raw_client", None)
    return raw_client() if raw_client is not None else None


def _publish_drain(countdown: float) -> bool:
    """Publish one ``stats.search_log_drain`` on this process's own broker connection (no
    retries: the entries wait safely in the list, and the flag's expiry or Celery beat brings
    another drain); False when it failed."""
    global _queue_connection
    from mobility.celery import app

    from .tasks import search_log_drain_task

    with _queue_lock:
        try:
            if _queue_connection is None:
                _queue_connection = app.connection_for_write(
                    transport_options={"max_retries": 0, "socket_connect_timeout": 1, "socket_timeout": 2}
                )
            search_log_drain_task.apply_async(countdown=countdown, connection=_queue_connection, retry=False)
            return True
        except Exception as exc:  # kombu/redis connection errors of every kind
            logger.warning("search log drain not scheduled (the entries wait in Redis): %r", exc)
            if _queue_connection is not None:
                with contextlib.suppress(Exception):
                    _queue_connection.release()
                _queue_connection = None
            return False


def _queue_search_log(fields: dict[str, Any]) -> bool:
    """Append one coarsened entry to the Redis list in one round trip (RPUSH, and SET NX of the
    drain flag); only when no drain was scheduled yet, publish one. False when Redis did not
    take the entry (or in eager mode): the caller writes it directly."""
    global _queue_down_until
    from mobility.celery import app

    if app.conf.task_always_eager or time.monotonic() < _queue_down_until:
        return False
    client = _search_log_redis()
    if client is None:
        return False
    try:
        pipe = client.pipeline(transaction=False)
        pipe.rpush(SEARCH_LOG_LIST_KEY, json.dumps(fields, separators=(",", ":")))
        pipe.set(SEARCH_LOG_DRAIN_FLAG_KEY, 1, nx=True, ex=DRAIN_FLAG_TTL_S)
        _, drain_not_scheduled_yet = pipe.execute()
    except _REDIS_UNAVAILABLE as exc:
        with _queue_lock:
            first = time.monotonic() >= _queue_down_until
            _queue_down_until = time.monotonic() + QUEUE_RETRY_AFTER_S
        if first:
            logger.warning("search log queue unavailable, written directly: %r", exc)
        return False
    if drain_not_scheduled_yet:
        _publish_drain(DRAIN_COUNTDOWN_S)
    return True


def search_log_queue(
    *,
    origin_lat: float,
    origin_lon: float,
    dest_lat: float,
    dest_lon: float,
    when: datetime,
    results: int,
    modes: Iterable[str],
    best_minutes: float | None = None,
    best_transfers: int | None = None,
) -> None:
    """Log one journey search like ``search_log_record``, but written in batches by a Celery
    worker (``search_log_drain``), so the search does not wait for the database write.

    The entry is coarsened here, before it leaves the process (the queue never sees a
    position), and appended to a Redis list; at most one Celery task per ``DRAIN_COUNTDOWN_S``
    or so is published for all searches together. When Redis cannot take the entry, and in
    eager mode (no broker), it is written at once instead: an entry is never lost because
    Redis is down.
    """
    entry = search_log_entry(
        origin_lat=origin_lat,
        origin_lon=origin_lon,
        dest_lat=dest_lat,
        dest_lon=dest_lon,
        when=when,
        results=results,
        modes=modes,
        best_minutes=best_minutes,
        best_transfers=best_transfers,
    )
    fields = {
        "origin_zone": entry.origin_zone,
        "destination_zone": entry.destination_zone,
        "time_bin": entry.time_bin.isoformat(),
        "modes": entry.modes,
        "results": entry.results,
        "best_minutes": entry.best_minutes,
        "best_transfers": entry.best_transfers,
    }
    if not _queue_search_log(fields):
        entry.save()


@dataclass(frozen=True)
class SearchLogDrained:
    """What one ``search_log_drain`` did: entries written, entries dropped as unreadable, and
    whether entries are left in the list (it stopped after ``max_batches``)."""

    written: int
    dropped: int
    more_left: bool


def _decoded(raw: bytes | str) -> dict[str, Any] | None:
    """The fields of one queued entry, or None when they cannot become a row."""
    try:
        fields = json.loads(raw)
        _search_log_row(fields)
    except (ValueError, TypeError, KeyError):
        return None
    return fields if isinstance(fields, dict) else None


def search_log_drain(*, batch_size: int | None = None, max_batches: int | None = None) -> SearchLogDrained:
    """Write the queued search-log entries: pop up to ``batch_size`` (LPOP with a count;
    default ``DRAIN_BATCH_SIZE``) and store them with one ``bulk_create``, at most
    ``max_batches`` (default ``DRAIN_MAX_BATCHES``) times.

    The drain flag is cleared first, so a search from now on schedules the next drain itself
    (entries it appends before this drain's last pop are written by this one). When the
    database write fails, the popped batch is pushed back onto the list before the error is
    raised: nothing is lost, and nothing is written twice (the batch is all or none). An entry
    that cannot be read (not what ``search_log_queue`` writes) is dropped with an error logged,
    so it cannot block the list.
    """
    client = _search_log_redis()
    if client is None:
        return SearchLogDrained(written=0, dropped=0, more_left=False)
    batch_size = DRAIN_BATCH_SIZE if batch_size is None else batch_size
    max_batches = DRAIN_MAX_BATCHES if max_batches is None else max_batches
    client.delete(SEARCH_LOG_DRAIN_FLAG_KEY)
    written = dropped = 0
    for _ in range(max_batches):
        popped = client.lpop(SEARCH_LOG_LIST_KEY, batch_size)
        if not popped:
            return SearchLogDrained(written=written, dropped=dropped, more_left=False)
        entries = []
        for raw in popped:
            fields = _decoded(raw)
            if fields is None:
                logger.error("unreadable search log entry dropped: %r", raw[:200])
                dropped += 1
            else:
                entries.append(fields)
        try:
            written += search_log_write_batch(entries=entries)
        except Exception:
            _push_back(client, popped)
            raise
    return SearchLogDrained(written=written, dropped=dropped, more_left=bool(client.llen(SEARCH_LOG_LIST_KEY)))


def _push_back(client: Any, popped: Sequence[bytes | str]) -> None:
    """Return a batch whose write failed to the list, and hold off the searches' drains for
    ``DRAIN_RETRY_AFTER_S`` (the failed drain is retried then)."""
    try:
        pipe = client.pipeline(transaction=False)
        pipe.rpush(SEARCH_LOG_LIST_KEY, *popped)
        pipe.set(SEARCH_LOG_DRAIN_FLAG_KEY, 1, ex=DRAIN_RETRY_AFTER_S + DRAIN_FLAG_TTL_S)
        pipe.execute()
    except _REDIS_UNAVAILABLE:
        # Both the database and Redis failed: the entries survive only in this log line.
        logger.error("search log batch lost, neither written nor queued again: %r", list(popped))
        raise


def search_log_drain_schedule() -> bool:
    """Schedule a drain now unless one is already scheduled (SET NX of the flag); True when a
    task was published."""
    client = _search_log_redis()
    if client is None or not client.set(SEARCH_LOG_DRAIN_FLAG_KEY, 1, nx=True, ex=DRAIN_FLAG_TTL_S):
        return False
    return _publish_drain(0)
