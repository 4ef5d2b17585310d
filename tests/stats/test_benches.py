"""Mitfahrbank statistics: requests and served requests per bench, small cells suppressed like
every other table (STATS_MIN_CELL = 5)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rides.models import BenchRequest, MeetingPoint
from tests.factories import UserFactory
from tests.stats.test_reports import build, row

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def _requests(bench, destination, n, served, when):
    driver = UserFactory()
    for i in range(n):
        item = BenchRequest.objects.create(
            bench=bench,
            destination=destination,
            token=f"{bench.pk}-{when.date()}-{i}",
            expires_at=when + timedelta(minutes=30),
            status="accepted" if i < served else "expired",
            accepted_by=driver if i < served else None,
            accepted_at=when if i < served else None,
        )
        BenchRequest.objects.filter(pk=item.pk).update(created_at=when + timedelta(minutes=i))


def test_bench_requests_and_served_by_bench():
    north = MeetingPoint.objects.create(name="Mitfahrbank Nord", lat=51.0, lon=12.0)
    south = MeetingPoint.objects.create(name="Mitfahrbank Süd", lat=51.1, lon=12.0)
    jan = datetime(2026, 1, 12, 8, 0, tzinfo=BERLIN)
    _requests(north, south, 9, 6, jan)
    _requests(south, north, 2, 1, jan)
    table = build(section="benches", by="bench", last=date(2026, 1, 31))
    total = row(table, period="2026-01-01", bench="total")
    assert (total["bench_requests"], total["served"]) == (11, 7)
    # Süd (2 requests) is hidden, and with it its only partner: Nord could be read off the total
    assert row(table, period="2026-01-01", bench="Mitfahrbank Süd")["suppressed"]
    assert row(table, period="2026-01-01", bench="Mitfahrbank Nord")["suppressed"]
    visible = table[~table["suppressed"] & (table["bench"] != "total")]
    assert not ((visible["bench_requests"] > 0) & (visible["bench_requests"] < 5)).any()
    none = build(section="benches", by="none", last=date(2026, 1, 31))
    assert row(none, period="2026-01-01")["bench_requests"] == 11
    # a third busy bench: now Nord can be shown exactly
    west = MeetingPoint.objects.create(name="Mitfahrbank West", lat=51.2, lon=12.0)
    _requests(west, north, 8, 5, datetime(2026, 1, 13, 8, 0, tzinfo=BERLIN))
    table = build(section="benches", by="bench", last=date(2026, 1, 31))
    shown = table[~table["suppressed"] & (table["bench"] != "total") & (table["period"] == "2026-01-01")]
    assert len(shown) == 1 and shown.iloc[0]["bench_requests"] in (8, 9)
