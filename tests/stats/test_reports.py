"""Exact figures on the hand-built history (see conftest) and suppression of its small cells."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from mobility.errors import ValidationFailed
from stats.selectors.reports import report_build, report_query
from tests.factories import UserFactory

JAN, FEB = date(2026, 1, 1), date(2026, 2, 28)


def build(section="carsharing", by="none", period="month", first=JAN, last=FEB):
    return report_build(report_query(section=section, by=by, period=period, first=first, last=last)).table


def row(table, **where):
    match = table
    for name, value in where.items():
        match = match[match[name] == value]
    assert len(match) == 1, where
    return match.iloc[0]


def test_carsharing_monthly_totals_are_exact(history):
    table = build()
    assert table["period"].tolist() == ["2026-01-01", "2026-02-01", "total"]
    jan = row(table, period="2026-01-01")
    assert jan["member_trips"] == 15 and jan["official_trips"] == 5
    assert jan["cancellations"] == 5 and jan["no_shows"] == 5
    assert jan["member_hours"] == 21 and jan["official_hours"] == 15
    assert jan["km"] == 120 + 14 + 70
    assert jan["revenue_cents"] == 6 * 1500 + 5 * 200 + 5 * 1000 + 2 * 777 + 7 * 1000
    assert jan["cost_centre_cents"] == 5 * 900
    # 31 days x 24 h x 3 vehicles in service (LD-S 4 is out of service) minus 36 booked hours.
    assert jan["idle_hours"] == 31 * 24 * 3 - 36
    assert jan["utilisation"] == round(36 / (31 * 24 * 3), 4)
    assert jan["official_share"] == round(15 / 36, 4)
    feb = row(table, period="2026-02-01")
    assert (feb["member_trips"], feb["member_hours"], feb["revenue_cents"]) == (13, 19, 9000 + 6000 + 333)
    assert feb["idle_hours"] == 28 * 24 * 3 - 19
    total = row(table, period="total")
    assert (total["member_trips"], total["official_trips"], total["revenue_cents"]) == (28, 5, 23554 + 15333)
    assert not table["suppressed"].any()


def test_week_and_day_periods_are_local(history):
    weeks = build(period="week", first=date(2026, 1, 1), last=date(2026, 1, 11))
    # 1 Jan 2026 is a Thursday: the first week is labelled Monday 29 Dec and clipped to the range.
    assert weeks["period"].tolist() == ["2025-12-29", "2026-01-05", "total"]
    days = build(period="day", first=date(2026, 2, 10), last=date(2026, 2, 10))
    # LD-S 3's trip starts 10 Feb 23:30 local (22:30 UTC): counted on the local day; 1 trip is small.
    assert row(days, period="2026-02-10")["suppressed"]


def test_by_vehicle_hides_the_small_cells_and_their_partners(history):
    table = build(by="vehicle")
    hidden = {(r.period, r.vehicle) for r in table.itertuples() if r.suppressed}
    assert hidden == {
        ("2026-01-01", "LD-S 2"),  # 2 trips: primary
        ("2026-01-01", "LD-S 3"),  # partner in January
        ("2026-02-01", "LD-S 3"),  # 1 trip: primary
        ("2026-02-01", "LD-S 2"),  # partner in February
    }
    published = table[~table["suppressed"]]
    assert not set(published["revenue_cents"].astype(int)) & {1554, 333, 777}
    v1 = row(table, period="2026-01-01", vehicle="LD-S 1")
    assert (v1["member_trips"], v1["official_hours"], v1["km"], v1["idle_hours"]) == (6, 15, 120, 744 - 27)
    # Column totals stay exact.
    assert row(table, period="total", vehicle="LD-S 2")["member_trips"] == 8
    assert row(table, period="total", vehicle="total")["member_trips"] == 28
    # LD-S 4 is out of service and has no trips: not a column.
    assert "LD-S 4" not in set(table["vehicle"])


def test_by_station_sums_vehicles(history):
    table = build(by="station")
    assert row(table, period="total", station="Markt")["member_trips"] == 20
    assert row(table, period="total", station="Bahnhof")["km"] == 70
    for period in ("2026-01-01", "2026-02-01"):
        hidden = table[(table["period"] == period) & table["suppressed"]]
        assert len(hidden) in (0, 2)
    # Linked tables: Markt = LD-S 1 + LD-S 2; publishing Markt in January next to the
    # vehicle table's published LD-S 1 would reveal LD-S 2's 2 trips. So Markt is hidden.
    assert row(table, period="2026-01-01", station="Markt")["suppressed"]


def test_hour_of_week_totals_match_and_single_trips_never_show(history):
    table = build(by="hour_of_week", period="all", first=JAN, last=date(2026, 1, 31))
    total = row(table, period="total", hour_of_week="total")
    assert total["member_hours"] == 21 and total["official_hours"] == 15
    # In this history every busy hour of the week holds 1 to 4 trips: all hidden.
    published = table[~table["suppressed"] & (table["hour_of_week"] != "total")]
    assert not ((published["trips"] > 0) & (published["trips"] < 5)).any()
    assert row(table, period="2026-01-01", hour_of_week="Mon 14")["suppressed"]


def test_hour_of_week_spreads_booked_hours_exactly(db):
    from carsharing.models import Station, Vehicle, VehicleType

    from .conftest import at, reserve

    station = Station.objects.create(name="Markt", lat=51.0, lon=12.0)
    kind = VehicleType.objects.create(name="K", seats=4, propulsion="electric", range_km=200)
    car = Vehicle.objects.create(plate="LD-H 1", vehicle_type=kind, station=station)
    user = UserFactory(email="h@example.org")
    mondays = [
        date(2026, 1, 5),
        date(2026, 1, 12),
        date(2026, 1, 19),
        date(2026, 1, 26),
        date(2026, 2, 2),
        date(2026, 2, 9),
    ]
    for day in mondays:
        reserve(car, user, at(day, 10), 1.5)
    table = build(by="hour_of_week", period="all")
    ten = row(table, period="2026-01-01", hour_of_week="Mon 10")
    eleven = row(table, period="2026-01-01", hour_of_week="Mon 11")
    assert (ten["trips"], ten["member_hours"], ten["suppressed"]) == (6, 6, False)
    assert (eleven["trips"], eleven["member_hours"]) == (6, 3)
    # 8 Mondays in January and February, one vehicle: 6 booked hours of 8.
    assert ten["utilisation"] == 0.75 and eleven["utilisation"] == 0.375
    others = table[(table["hour_of_week"].isin(["Mon 09", "Mon 12", "Sun 10"])) & (table["period"] != "total")]
    assert others["member_hours"].tolist() == [0, 0, 0]
    # Across the DST change (29 March 2026): 10:00 local is 09:00 UTC before, 08:00 UTC after.
    for day in (2, 9, 16, 23, 30):
        reserve(car, user, at(date(2026, 3, day), 10), 1)
    spring = build(by="hour_of_week", period="all", first=date(2026, 3, 1), last=date(2026, 3, 31))
    assert row(spring, period="2026-03-01", hour_of_week="Mon 10")["member_hours"] == 5
    assert row(spring, period="2026-03-01", hour_of_week="Mon 09")["member_hours"] == 0
    # 31 days minus the lost hour: 743 hours of capacity.
    assert row(spring, period="total", hour_of_week="total")["utilisation"] == round(5 / 743, 4)


def test_rides_figures(ride_history):
    table = build(section="rides")
    total = row(table, period="total")
    assert (total["offers"], total["requests"], total["matches"], total["seats_booked"]) == (8, 7, 5, 8)
    assert total["shared_km"] == 28.5
    # February has 2 offers (small): it and January are hidden, the total stays.
    assert row(table, period="2026-02-01")["suppressed"] and row(table, period="2026-01-01")["suppressed"]


def test_rides_by_hour_of_week(ride_history):
    table = build(section="rides", by="hour_of_week")
    total = row(table, period="total", hour_of_week="total")
    assert (total["offers"], total["requests"], total["matches"], total["seats_booked"]) == (8, 7, 5, 8)
    # All pickups are at 07:05 on Sat 10 Jan (3), Mon 12 and Tue 13 Jan (1 each): small cells.
    assert row(table, period="total", hour_of_week="Sat 07")["suppressed"]
    visible = table[~table["suppressed"]]
    for name in ("offers", "requests", "matches", "seats_booked"):
        assert not ((visible[name] > 0) & (visible[name] < 5)).any()


def test_buergerbus_by_line_and_trip(buergerbus_history):
    lines = build(section="buergerbus", by="line")
    jan = row(lines, period="2026-01-01", line="B1")
    assert (jan["bookings"], jan["seats"]) == (8, 11)
    trips = build(section="buergerbus", by="trip")
    assert row(trips, period="2026-01-01", trip="B1 B1-1400")["suppressed"]
    assert row(trips, period="2026-01-01", trip="B1 B1-0800")["suppressed"]  # its partner
    assert row(trips, period="2026-01-01", trip="total")["bookings"] == 8


def test_searches_by_zone_pair(db):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from stats.services import search_log_record

    when = datetime(2026, 1, 5, 7, 40, tzinfo=ZoneInfo("Europe/Berlin"))
    for n in range(6):
        search_log_record(
            origin_lat=51.0,
            origin_lon=12.0,
            dest_lat=51.2,
            dest_lon=12.3,
            when=when,
            results=0 if n < 5 else 2,
            modes=["bus"],
        )
    for _ in range(2):
        search_log_record(
            origin_lat=51.3, origin_lon=12.6, dest_lat=51.0, dest_lon=12.0, when=when, results=0, modes=["ride"]
        )
    table = build(section="searches", by="zone_pair", last=date(2026, 1, 31))
    assert row(table, period="total", zones="total")["unmet"] == 7
    visible = table[~table["suppressed"] & (table["zones"] != "total")]
    assert not ((visible["unmet"] > 0) & (visible["unmet"] < 5)).any()
    assert not ((visible["searches"] > 0) & (visible["searches"] < 5)).any()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"section": "taxis"}, "invalid_section"),
        ({"by": "vehicle", "section": "rides"}, "invalid_dimension"),
        ({"period": "year"}, "invalid_period"),
        ({"first": FEB, "last": JAN}, "invalid_range"),
        ({"period": "day", "first": date(2000, 1, 1)}, "range_too_long"),
    ],
)
def test_bad_queries_are_refused_with_stable_codes(params, code):
    base = {"section": "carsharing", "by": "none", "period": "month", "first": JAN, "last": FEB}
    with pytest.raises(ValidationFailed) as caught:
        report_query(**{**base, **params})
    assert caught.value.code == code


def test_empty_database_gives_zero_rows_not_errors(db):
    table = build(by="vehicle")
    assert row(table, period="total", vehicle="total")["member_trips"] == 0
    assert pd.isna(row(table, period="total", vehicle="total")["utilisation"])


def test_threshold_comes_from_settings(history, settings):
    settings.STATS_MIN_CELL = 8  # LD-S 1 has 6 member trips in January: now small too
    table = build(by="vehicle")
    assert row(table, period="2026-01-01", vehicle="LD-S 1")["suppressed"]
    visible = table[~table["suppressed"]]
    assert not ((visible["member_trips"] > 0) & (visible["member_trips"] < 8)).any()


def test_too_fine_tables_are_refused(db):
    with pytest.raises(ValidationFailed) as caught:
        build(by="hour_of_week", period="day", first=date(2026, 1, 1), last=date(2026, 12, 31))
    assert caught.value.code == "table_too_large"
