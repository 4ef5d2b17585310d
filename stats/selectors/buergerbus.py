"""Bürgerbus figures from ``gtfs.BuergerbusBooking``: confirmed bookings and seats per
service date, by line (route short name, else route id) or by scheduled trip."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from django.db.models import Count, F, Sum

from gtfs.models import BuergerbusBooking

from .common import as_date, period_expr

CONFIRMED = "confirmed"
DIMENSIONS = {"none": None, "line": "trip__route_id", "trip": "trip_id"}


def buergerbus_cells(
    *, start: datetime, end: datetime, period: str, first: date, last: date, by: str, tz: ZoneInfo
) -> pd.DataFrame:
    group = {"period": period_expr("service_date", period, tz, first, is_date=True)}
    if DIMENSIONS[by]:
        group["key"] = F(DIMENSIONS[by])
    rows = (
        BuergerbusBooking.objects.filter(status=CONFIRMED, service_date__gte=first, service_date__lte=last)
        .order_by()
        .values(**group)
        .annotate(bookings=Count("id"), seats=Sum("seats"))
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["period", "key", "bookings", "seats"])
    if "key" not in frame or not DIMENSIONS[by]:
        frame["key"] = None
    frame["period"] = [as_date(p) for p in frame["period"]]
    return frame


def line_labels(route_ids) -> dict[int, str]:
    from gtfs.models import Route

    return {
        pk: (short or long or rid)
        for pk, short, long, rid in Route.objects.filter(id__in=list(route_ids)).values_list(
            "id", "short_name", "long_name", "route_id"
        )
    }


def trip_labels(trip_ids) -> dict[int, str]:
    """``<line> <trip_id>`` for each trip (timetable ids, not people)."""
    from gtfs.models import Trip

    out = {}
    for pk, trip_id, short, rid in Trip.objects.filter(id__in=list(trip_ids)).values_list(
        "id", "trip_id", "route__short_name", "route__route_id"
    ):
        out[pk] = f"{short or rid} {trip_id}"
    return out


def trip_routes(trip_ids) -> dict[int, int]:
    """Trip pk -> route pk."""
    from gtfs.models import Trip

    return dict(Trip.objects.filter(id__in=list(trip_ids)).values_list("id", "route_id"))
