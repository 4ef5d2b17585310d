"""Demo data for the statistics: eight weeks of journey searches between the villages.

Searches are built by ``search_log_entry`` (so they are coarsened exactly as the
journey planner's will be). Deterministic for a given "now": the same villages, times and
result counts every run. Evening and weekend searches to the outer villages find nothing,
so the unmet-demand table (``section=searches&by=zone_pair``) has something to show.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mobility.demo.region import VILLAGES

from .models import SearchLog
from .services import search_log_entry

WEEKS = 8


@transaction.atomic
def load(files, stdout) -> None:
    """Replace the search log with ``WEEKS`` weeks of deterministic demo searches."""
    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.now().astimezone(tz).date()
    SearchLog.objects.all().delete()
    centre, *outer = VILLAGES
    entries = []
    for day_offset in range(WEEKS * 7, 0, -1):
        day = today - timedelta(days=day_offset)
        for n, village in enumerate(outer):
            for hour in (7, 8, 13, 17, 21):
                # A deterministic number of searches per village, hour and weekday.
                searches = 1 + (day.toordinal() + n * 3 + hour) % 3
                unmet = hour == 21 or (day.weekday() >= 5 and hour in (7, 17))
                for k in range(searches):
                    when = datetime.combine(day, time(hour, (k * 13) % 60), tzinfo=tz)
                    entry = search_log_entry(
                        origin_lat=village.lat,
                        origin_lon=village.lon,
                        dest_lat=centre.lat,
                        dest_lon=centre.lon,
                        when=when,
                        results=0 if unmet else 2 + (k % 3),
                        modes=["bus", "buergerbus", "ride"],
                    )
                    entries.append(entry)
    SearchLog.objects.bulk_create(entries, batch_size=2000)
    stdout.write(f"    {len(entries)} demo journey searches logged (coarsened to zones and 15-minute bins)")
