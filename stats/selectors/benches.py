"""Mitfahrbank figures from ``rides.BenchRequest``: requests made at a bench and how many were
served (a driver accepted), by the local day they were made; by bench or in total. A bench
request holds no person, so only the small-cell rule applies, as everywhere."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from django.db.models import Count, F, Q

from rides.models import BenchRequest, MeetingPoint

from .common import as_date, period_expr


def bench_cells(*, start: datetime, end: datetime, period: str, first: date, tz: ZoneInfo) -> pd.DataFrame:
    """One row per (period, bench): ``bench_requests`` and ``served``."""
    rows = (
        BenchRequest.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values(period=period_expr("created_at", period, tz, first), key=F("bench_id"))
        .annotate(bench_requests=Count("id"), served=Count("id", filter=Q(status="accepted")))
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["period", "key", "bench_requests", "served"])
    frame["period"] = [as_date(p) for p in frame["period"]]
    return frame


def bench_labels(ids) -> dict[int, str]:
    return dict(MeetingPoint.objects.filter(pk__in=list(ids)).values_list("pk", "name"))
