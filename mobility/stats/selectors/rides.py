"""Ride-sharing figures from ``rides`` (offers, requests, bookings), aggregated in SQL.

Definitions (local time): offers count in the period of their first ``departure`` (a
recurring offer counts once); requests by ``earliest_departure``; matches = confirmed
bookings and seats booked = their seats, by ``occurrence_date``; shared km = the driver's
route length (``RideOffer.distance_m``) of every ride occurrence (offer and date) that
carried at least one confirmed rider, counted once per occurrence — the kilometres driven
with company, not passenger-km.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from django.db.models import Count, Exists, OuterRef, Q, Sum

from rides.models import RideBooking, RideOffer, RideRequest

from .common import as_date, period_expr

CONFIRMED = "confirmed"


def rides_cells(*, start: datetime, end: datetime, period: str, first: date, last: date, tz: ZoneInfo) -> pd.DataFrame:
    """One row per period: offers, requests, matches, seats_booked, shared_km."""
    offers = (
        RideOffer.objects.filter(departure__gte=start, departure__lt=end)
        .order_by()
        .values(period=period_expr("departure", period, tz, first))
        .annotate(offers=Count("id"))
    )
    requests = (
        RideRequest.objects.filter(earliest_departure__gte=start, earliest_departure__lt=end)
        .order_by()
        .values(period=period_expr("earliest_departure", period, tz, first))
        .annotate(requests=Count("id"))
    )
    confirmed = RideBooking.objects.filter(status=CONFIRMED, occurrence_date__gte=first, occurrence_date__lte=last)
    earlier = RideBooking.objects.filter(
        status=CONFIRMED,
        offer_id=OuterRef("offer_id"),
        occurrence_date=OuterRef("occurrence_date"),
        id__lt=OuterRef("id"),
    )
    bookings = (
        confirmed.order_by()
        .values(period=period_expr("occurrence_date", period, tz, first, is_date=True))
        .annotate(
            matches=Count("id"),
            seats_booked=Sum("seats"),
            shared_m=Sum("offer__distance_m", filter=~Q(Exists(earlier))),
        )
    )
    frame = pd.DataFrame(columns=["period"])
    for part in (offers, requests, bookings):
        rows = pd.DataFrame.from_records(list(part))
        if rows.empty:
            continue
        rows["period"] = [as_date(p) for p in rows["period"]]
        frame = rows if frame.empty and len(frame.columns) == 1 else frame.merge(rows, on="period", how="outer")
    for name in ("offers", "requests", "matches", "seats_booked", "shared_m"):
        if name not in frame:
            frame[name] = 0
        frame[name] = pd.to_numeric(frame[name], errors="coerce").fillna(0)
    frame["shared_km"] = frame.pop("shared_m") / 1000.0
    return frame
