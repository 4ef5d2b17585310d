"""Background jobs of the statistics app."""

from __future__ import annotations

from datetime import datetime

from celery import Task, shared_task


@shared_task(name="stats.search_log_write")
def search_log_write_task(
    *,
    origin_zone: str,
    destination_zone: str,
    time_bin: str,
    modes: str,
    results: int,
    best_minutes: int | None = None,
    best_transfers: int | None = None,
) -> None:
    """Store one coarsened search-log entry, as published per search by workers before the
    batched queue (``search_log_drain_task``); kept for the messages still queued at a deploy."""
    from .services import search_log_write

    search_log_write(
        origin_zone=origin_zone,
        destination_zone=destination_zone,
        time_bin=datetime.fromisoformat(time_bin),
        modes=modes,
        results=int(results),
        best_minutes=None if best_minutes is None else int(best_minutes),
        best_transfers=None if best_transfers is None else int(best_transfers),
    )


@shared_task(name="stats.search_log_drain", bind=True, max_retries=3)
def search_log_drain_task(self: Task) -> int:
    """Write the search-log entries the searches appended to the Redis list, in batches
    (``services.search_log_drain``); scheduled by the first search after a drain started, and
    by Celery beat every minute in case a publish was lost. When entries are left (a flood),
    the next drain is scheduled at once; when the database write failed, the batch is back in
    the list and this task is retried. Returns how many entries were written."""
    from django.db import DatabaseError

    from .services import DRAIN_RETRY_AFTER_S, search_log_drain, search_log_drain_schedule

    try:
        drained = search_log_drain()
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=DRAIN_RETRY_AFTER_S) from exc
    if drained.more_left:
        search_log_drain_schedule()
    return drained.written
