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
    first = sorted(SearchLog.objects.values_list("origin_zone", "destination_zone", "time_bin", "results"))
    load(None, io.StringIO())
    assert sorted(SearchLog.objects.values_list("origin_zone", "destination_zone", "time_bin", "results")) == first
    assert "journey searches" in out.getvalue()
    today = timezone.localdate()
    table = report_build(
        report_query(section="searches", by="zone_pair", period="all", first=today - timedelta(days=56), last=today)
    ).table
    visible = table[~table["suppressed"] & (table["zones"] != "total")]
    assert len(visible) >= 5 and (visible["unmet"] >= 5).all()
