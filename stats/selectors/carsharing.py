"""Car-sharing figures, aggregated in SQL from ``carsharing.Reservation`` and ``Vehicle``.

Definitions (all local time, Europe/Berlin):

* a reservation counts in the period in which it *starts*;
* booked = status confirmed, active, returned or settled (held, expired, pre-empted and
  released base-load hours are not bookings); member vs official by ``kind``;
* hours = ``end - start`` (the buffer after a reservation is not counted);
* km = ``odometer_end_km - odometer_start_km`` of booked reservations with both readings;
* revenue = member reservations' ``actual_cents`` (the estimate while not yet settled),
  including cancellation and no-show fees; cost-centre charges = the same for official trips;
* cancellations = status cancelled; no-shows = status no_show (both by start);
* capacity = hours of the period × vehicles in service *now* (there is no service history);
  idle = capacity − booked hours (not below 0); utilisation = booked / capacity.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.db.models import Count, DurationField, ExpressionWrapper, F, IntegerField, Q, Sum
from django.db.models.functions import Coalesce, ExtractMinute, TruncHour

from carsharing.models import Reservation, Station, Vehicle

from ..domain.heatmap import Events
from .common import as_date, period_expr

BOOKED = ("confirmed", "active", "returned", "settled")
CHARGED = (*BOOKED, "cancelled", "no_show")
MEMBER = "member"
OFFICIAL = "official"

DIMENSIONS = {"none": None, "vehicle": "vehicle_id", "station": "vehicle__station_id"}


def _hours(q: Q):
    return Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField()), filter=q)


def carsharing_cells(
    *, start: datetime, end: datetime, period: str, first: date, by: str, tz: ZoneInfo
) -> pd.DataFrame:
    """One row per (period, key) with counts, hours, km and cents; ``key`` is None for ``none``."""
    booked = Q(status__in=BOOKED)
    member = Q(kind=MEMBER)
    official = Q(kind=OFFICIAL)
    charge = Coalesce("actual_cents", "estimate_cents", output_field=IntegerField())
    group = {"period": period_expr("start", period, tz, first)}
    if DIMENSIONS[by]:
        group["key"] = F(DIMENSIONS[by])
    rows = (
        Reservation.objects.filter(start__gte=start, start__lt=end)
        .order_by()
        .values(**group)
        .annotate(
            member_trips=Count("id", filter=booked & member),
            official_trips=Count("id", filter=booked & official),
            member_duration=_hours(booked & member),
            official_duration=_hours(booked & official),
            km=Sum(
                F("odometer_end_km") - F("odometer_start_km"),
                filter=booked & Q(odometer_end_km__isnull=False, odometer_start_km__isnull=False),
            ),
            revenue_cents=Sum(charge, filter=member & Q(status__in=CHARGED)),
            cost_centre_cents=Sum(charge, filter=official & Q(status__in=CHARGED)),
            cancellations=Count("id", filter=Q(status="cancelled")),
            no_shows=Count("id", filter=Q(status="no_show")),
        )
    )
    frame = pd.DataFrame.from_records(list(rows))
    columns = [
        "period",
        "key",
        "member_trips",
        "official_trips",
        "member_duration",
        "official_duration",
        "km",
        "revenue_cents",
        "cost_centre_cents",
        "cancellations",
        "no_shows",
    ]
    if frame.empty:
        frame = pd.DataFrame(columns=columns)
    if "key" not in frame:
        frame["key"] = None
    frame["period"] = [as_date(p) for p in frame["period"]]
    for kind in ("member", "official"):
        duration = frame.pop(f"{kind}_duration")
        frame[f"{kind}_hours"] = [d.total_seconds() / 3600.0 if d is not None else 0.0 for d in duration]
    for name in ("km", "revenue_cents", "cost_centre_cents"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").fillna(0)
    return frame


def vehicles_in_service() -> pd.DataFrame:
    """Vehicles with their station: ``id``, ``plate``, ``station_id``, ``in_service``."""
    rows = Vehicle.objects.order_by("plate").values("id", "plate", "station_id", "in_service")
    return pd.DataFrame.from_records(list(rows), columns=["id", "plate", "station_id", "in_service"])


def station_names() -> dict[int, str]:
    return dict(Station.objects.values_list("id", "name"))


def vehicle_plates(ids) -> dict[int, str]:
    return dict(Vehicle.objects.filter(id__in=list(ids)).values_list("id", "plate"))


def booking_events(*, start: datetime, end: datetime, kind: str) -> tuple[Events, Events]:
    """Start and end events (count per UTC hour and minute) of booked reservations of ``kind``
    that overlap ``[start, end)``."""
    base = Reservation.objects.filter(status__in=BOOKED, kind=kind, start__lt=end, end__gt=start).order_by()

    def events(field: str) -> Events:
        rows = list(
            base.values(h=TruncHour(field, tzinfo=ZoneInfo("UTC")), m=ExtractMinute(field, tzinfo=ZoneInfo("UTC")))
            .annotate(n=Count("id"))
            .values_list("h", "m", "n")
        )
        if not rows:
            return Events(np.array([], dtype=object), np.array([], dtype=np.int64), np.array([], dtype=np.int64))
        hours, minutes, counts = zip(*rows, strict=True)
        return Events(np.array(hours, dtype=object), np.array(minutes, dtype=np.int64), np.array(counts))

    return events("start"), events("end")
