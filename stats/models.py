"""Usage statistics: the only data of its own is the log of journey searches (unmet demand).

A search is stored coarsened: origin and destination only as zone codes (squares of
``STATS_ZONE_KM``), the time floored to ``STATS_TIME_BIN_MINUTES`` in local time, no user;
of the best option found only its minutes (rounded up to 5) and transfers, to tell poor options.
Everything else in the statistics is aggregated on the fly from the other apps' tables.
"""

from __future__ import annotations

from django.db import models


class SearchLog(models.Model):
    origin_zone = models.CharField(max_length=32)
    destination_zone = models.CharField(max_length=32)
    time_bin = models.DateTimeField(help_text="Search time floored to the bin (local time bin, stored in UTC)")
    modes = models.CharField(max_length=100, help_text="Modes asked for, sorted and comma-separated")
    results = models.PositiveIntegerField(help_text="How many journeys were found")
    best_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Minutes of the best option from the time asked for (waiting included), rounded up to 5; "
        "empty when nothing was found or not recorded",
    )
    best_transfers = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Transfers of the best option; empty when nothing was found or not recorded"
    )

    class Meta:
        ordering = ["time_bin", "id"]
        indexes = [models.Index(fields=["time_bin", "results"], name="stats_search_bin_results")]

    def __str__(self) -> str:
        return f"{self.origin_zone}->{self.destination_zone} at {self.time_bin:%Y-%m-%d %H:%M} ({self.results})"
