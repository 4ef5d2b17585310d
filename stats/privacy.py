"""Retention of the search log (it holds no personal data, only zones and time bins)."""

from __future__ import annotations

from mobility.privacy.retention import RetentionRule

from .models import SearchLog


def _expire_search_log(cutoff, dry_run: bool) -> int:
    old = SearchLog.objects.filter(time_bin__lt=cutoff)
    return old.count() if dry_run else old.delete()[0]


RETENTION_RULES = [
    RetentionRule("stats_search_log", "Coarsened journey-search log entries are deleted", 730, _expire_search_log),
]
