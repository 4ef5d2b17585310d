"""Usage statistics: the only data of its own is the log of journey searches (unmet demand).

A search is stored coarsened: origin and destination only as zone codes (squares of
``STATS_ZONE_KM``), the time floored to ``STATS_TIME_BIN_MINUTES`` in local time, no user;
of the best option found only its minutes (rounded up to 5) and transfers, to tell poor options.
Everything else in the statistics is aggregated on the fly from the other apps' tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mobility.l10n import format_datetime


class SearchLog(models.Model):
    origin_zone = models.CharField(max_length=32, verbose_name=_("origin zone"))
    destination_zone = models.CharField(max_length=32, verbose_name=_("destination zone"))
    time_bin = models.DateTimeField(
        help_text=_("Search time floored to the bin (local time bin, stored in UTC)"), verbose_name=_("time bin")
    )
    modes = models.CharField(
        max_length=100, help_text=_("Modes asked for, sorted and comma-separated"), verbose_name=_("modes")
    )
    results = models.PositiveIntegerField(help_text=_("How many journeys were found"), verbose_name=_("results"))
    best_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Minutes of the best option from the time asked for (waiting included), rounded up to 5; "
            "empty when nothing was found or not recorded"
        ),
        verbose_name=_("best option's minutes"),
    )
    best_transfers = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Transfers of the best option; empty when nothing was found or not recorded"),
        verbose_name=_("best option's transfers"),
    )

    class Meta:
        ordering = ["time_bin", "id"]
        indexes = [models.Index(fields=["time_bin", "results"], name="stats_search_bin_results")]
        verbose_name = _("search log")
        verbose_name_plural = _("search logs")

    def __str__(self) -> str:
        return gettext("%(origin)s → %(destination)s at %(bin)s (%(results)s results)") % {
            "origin": self.origin_zone,
            "destination": self.destination_zone,
            "bin": format_datetime(self.time_bin),
            "results": self.results,
        }
