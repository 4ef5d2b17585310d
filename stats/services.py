"""Writes of the statistics app: recording a journey search, coarsened before it is stored."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from mobility.errors import ValidationFailed

from . import conf
from .domain.zones import time_bin, zone_code
from .models import SearchLog


def search_log_entry(
    *,
    origin_lat: float,
    origin_lon: float,
    dest_lat: float,
    dest_lon: float,
    when: datetime,
    results: int,
    modes: Iterable[str],
) -> SearchLog:
    """The coarsened, unsaved log entry for one search (see ``search_log_record``)."""
    if results < 0:
        raise ValidationFailed("results must not be negative.", code="invalid_results")
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
    return SearchLog(
        origin_zone=origin, destination_zone=destination, time_bin=binned, modes=mode_text, results=int(results)
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
) -> SearchLog:
    """Log one journey search for the unmet-demand statistics.

    Coordinates (WGS84 degrees) become zone codes and ``when`` is floored to the time bin in
    local time (``TIME_ZONE``) before anything is written; no user is recorded. ``results``
    is the number of journeys found (0 = unmet demand).
    """
    entry = search_log_entry(
        origin_lat=origin_lat,
        origin_lon=origin_lon,
        dest_lat=dest_lat,
        dest_lon=dest_lon,
        when=when,
        results=results,
        modes=modes,
    )
    entry.save()
    return entry
