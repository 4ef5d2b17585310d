"""Background jobs of the statistics app."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task


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
    """Store one coarsened search-log entry queued by ``services.search_log_queue``."""
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
