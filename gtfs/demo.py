"""Demo data: the region's bus feed and the Bürgerbus feed (with a booking-only line)."""

from __future__ import annotations

from .feed_import import feed_import
from .models import FeedKind

REGIONAL_FEED_NAME = "Regionalbus Lindenau"
BUERGERBUS_FEED_NAME = "Bürgerbus Lindenau"


def load(files, stdout) -> None:
    """Import ``files.regional_bus_gtfs`` (transit) and ``files.buergerbus_gtfs`` (community bus)."""
    for path, name, kind in (
        (files.regional_bus_gtfs, REGIONAL_FEED_NAME, FeedKind.TRANSIT),
        (files.buergerbus_gtfs, BUERGERBUS_FEED_NAME, FeedKind.COMMUNITY_BUS),
    ):
        result = feed_import(path=path, name=name, kind=kind)
        stats = result.version.stats
        state = "imported" if result.created else "unchanged"
        stdout.write(
            f"GTFS {name}: {state}, {stats.get('stops', 0)} stops, {stats.get('trips', 0)} trips, "
            f"{stats.get('booking_rules', 0)} booking rules, {len(result.warnings)} warnings\n"
        )
