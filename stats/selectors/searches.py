"""Journey searches (this app's ``SearchLog``): all searches and those that found nothing,
by period and (origin zone, destination zone)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from django.db.models import Count, Q

from ..models import SearchLog
from .common import CASE_MAX_PERIODS, as_date, period_case, period_expr


def search_cells(
    *, start: datetime, end: datetime, period: str, first: date, by: str, tz: ZoneInfo, periods=None
) -> pd.DataFrame:
    """Searches and unmet searches per period (and zone pair); with ``periods`` (those of the
    report, at most ``CASE_MAX_PERIODS``) the period is found by comparisons, not truncation."""
    base = SearchLog.objects.filter(time_bin__gte=start, time_bin__lt=end).order_by()
    if periods is not None and len(periods) <= CASE_MAX_PERIODS:
        expr = period_case("time_bin", periods)
    else:
        expr = period_expr("time_bin", period, tz, first)
    if by == "zone_pair":
        grouped = base.values("origin_zone", "destination_zone", period=expr)
    else:
        grouped = base.values(period=expr)
    rows = grouped.annotate(searches=Count("id"), unmet=Count("id", filter=Q(results=0)))
    frame = pd.DataFrame.from_records(list(rows))
    if frame.empty:
        frame = pd.DataFrame(columns=["period", "origin_zone", "destination_zone", "searches", "unmet"])
    frame["period"] = [as_date(p) for p in frame["period"]]
    if by == "zone_pair":
        frame["key"] = frame["origin_zone"].astype(str) + " > " + frame["destination_zone"].astype(str)
    else:
        frame["key"] = None
    return frame
