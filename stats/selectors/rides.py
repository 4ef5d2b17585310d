"""Ride-sharing figures from ``rides`` (offers, requests, bookings), aggregated in SQL.

Definitions (local time): offers count in the period and hour of week of their first
``departure`` (a recurring offer counts once); requests by ``earliest_departure``;
matches = confirmed bookings and seats booked = their seats, by ``pickup_time``; shared km = the driver's
route length (``RideOffer.distance_m``) of every ride occurrence (offer and date) that
carried at least one confirmed rider, counted once per occurrence — the kilometres driven
with company, not passenger-km.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay

from rides.models import RideBooking, RideOffer, RideRequest

from .common import as_date, period_expr

CONFIRMED = "confirmed"


def _by_hour_of_week(queryset, field: str, period: str, tz: ZoneInfo, first: date):
    return queryset.order_by().values(
        period=period_expr(field, period, tz, first),
        weekday=ExtractIsoWeekDay(field, tzinfo=tz),
        hour=ExtractHour(field, tzinfo=tz),
    )


def rides_cells(*, start: datetime, end: datetime, period: str, first: date, tz: ZoneInfo) -> pd.DataFrame:
    """One row per (period, local hour of week ``how`` 0..167): offers, requests, matches,
    seats_booked, shared_km. Bookings count at their pickup time."""
    offers = _by_hour_of_week(
        RideOffer.objects.filter(departure__gte=start, departure__lt=end), "departure", period, tz, first
    ).annotate(offers=Count("id"))
    requests = _by_hour_of_week(
        RideRequest.objects.filter(earliest_departure__gte=start, earliest_departure__lt=end),
        "earliest_departure",
        period,
        tz,
        first,
    ).annotate(requests=Count("id"))
    earlier = RideBooking.objects.filter(
        status=CONFIRMED,
        offer_id=OuterRef("offer_id"),
        occurrence_date=OuterRef("occurrence_date"),
        id__lt=OuterRef("id"),
    )
    bookings = _by_hour_of_week(
        RideBooking.objects.filter(status=CONFIRMED, pickup_time__gte=start, pickup_time__lt=end),
        "pickup_time",
        period,
        tz,
        first,
    ).annotate(
        matches=Count("id"),
        seats_booked=Sum("seats"),
        shared_m=Sum("offer__distance_m", filter=~Q(Exists(earlier))),
    )
    parts = []
    for part in (offers, requests, bookings):
        rows = pd.DataFrame.from_records(list(part))
        if not rows.empty:
            parts.append(rows)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["period", "weekday", "hour"])
    for name in ("offers", "requests", "matches", "seats_booked", "shared_m"):
        if name not in frame:
            frame[name] = 0
        frame[name] = pd.to_numeric(frame[name], errors="coerce").fillna(0)
    frame["period"] = [as_date(p) for p in frame["period"]]
    frame["how"] = (pd.to_numeric(frame["weekday"]) - 1) * 24 + pd.to_numeric(frame["hour"])
    frame["shared_km"] = frame.pop("shared_m") / 1000.0
    return frame
