"""The API's one timestamp convention: local time (``TIME_ZONE``, Europe/Berlin) with its
UTC offset, to the whole second, e.g. ``2026-12-01T07:20:00+01:00``. REST bodies (DRF's
``DateTimeField`` renders local time with the offset as well) and WebSocket payloads use it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone


def iso_local(moment: datetime | None) -> str | None:
    """``moment`` (aware) as local ISO 8601 with offset, rounded to the second; None stays None."""
    if moment is None:
        return None
    local = timezone.localtime(moment)
    if local.microsecond >= 500_000:
        local += timedelta(seconds=1)
    return local.replace(microsecond=0).isoformat()
