"""The statistics demo loader: deterministic searches with unmet demand that survives suppression."""

from __future__ import annotations

import io

from stats.demo import load
from stats.models import SearchLog


def test_demo_searches_are_deterministic_and_show_unmet_demand(db):
    from datetime import timedelta

    from django.utils import timezone

    from stats.selectors.reports import report_build, report_query

    out = io.StringIO()
    load(None, out)
    fields = ("origin_zone", "destination_zone", "time_bin", "results", "best_minutes", "best_transfers")
    first = sorted(SearchLog.objects.values_list(*fields), key=str)
    load(None, io.StringIO())
    assert sorted(SearchLog.objects.values_list(*fields), key=str) == first
    assert "journey searches" in out.getvalue()
    today = timezone.localdate()
    table = report_build(
        report_query(section="searches", by="zone_pair", period="all", first=today - timedelta(days=56), last=today)
    ).table
    visible = table[~table["suppressed"] & (table["zones"] != "total")]
    assert len(visible) >= 5 and (visible["unmet"] >= 5).all()


def test_demo_history_gives_a_map_of_unmet_demand_with_poor_options(db):
    from datetime import timedelta

    from django.utils import timezone

    from stats.selectors.unmet_map import unmet_map

    load(None, io.StringIO())
    today = timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    data = unmet_map(first=last.replace(day=1), last=last)
    assert len(data.zones) == 6 and data.suppressed_zones == 0  # the six villages' zones, all published
    nothing = SearchLog.objects.filter(
        results=0, time_bin__date__gte=last.replace(day=1) - timedelta(days=1), time_bin__date__lte=last
    ).count()
    # poor options add to the searches that found nothing (the count above is a day wider)
    assert data.unmet > nothing * 1.1 and data.unmet < data.searches
    assert all(z.unmet >= 5 for z in data.zones)
