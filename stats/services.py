"""Writes of the statistics app: recording a journey search, coarsened before it is stored."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

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
    """Store one already coarsened entry (what ``search_log_queue`` queued)."""
    return SearchLog.objects.create(
        origin_zone=origin_zone,
        destination_zone=destination_zone,
        time_bin=time_bin,
        modes=modes,
        results=results,
        best_minutes=best_minutes,
        best_transfers=best_transfers,
    )


#: After the queue failed, searches write their entry directly for this long (seconds) before
#: trying the queue again, so a Redis outage costs no search a connection attempt.
QUEUE_RETRY_AFTER_S = 10.0
_queue_lock = threading.Lock()
_queue_connection = None
_queue_down_until = 0.0


def _queue_search_log(fields: dict[str, Any]) -> bool:
    """Publish one entry to the Celery queue on this process's own broker connection (no
    retries: a failure is answered by a direct write, not by waiting); False when it failed."""
    global _queue_connection, _queue_down_until
    from mobility.celery import app

    from .tasks import search_log_write_task

    if app.conf.task_always_eager:
        search_log_write_task.apply_async(kwargs=fields)
        return True
    with _queue_lock:
        if time.monotonic() < _queue_down_until:
            return False
        try:
            if _queue_connection is None:
                _queue_connection = app.connection_for_write(
                    transport_options={"max_retries": 0, "socket_connect_timeout": 1, "socket_timeout": 2}
                )
            search_log_write_task.apply_async(kwargs=fields, connection=_queue_connection, retry=False)
            return True
        except Exception as exc:  # kombu/redis connection errors of every kind
            logger.warning("search log queue unavailable, written directly: %r", exc)
            _queue_down_until = time.monotonic() + QUEUE_RETRY_AFTER_S
            if _queue_connection is not None:
                with contextlib.suppress(Exception):
                    _queue_connection.release()
                _queue_connection = None
            return False


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
    """Log one journey search like ``search_log_record``, but written by a Celery worker, so
    the search does not wait for the database write.

    The entry is coarsened here, before it leaves the process (the queue never sees a
    position). When the queue (Redis) cannot take it, it is written at once instead: an
    entry is never lost because Redis is down.
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
