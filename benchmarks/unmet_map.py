"""Unmet-demand map benchmark on PostgreSQL: a year of journey searches, the anonymised zone
table vs one raw SQL ``GROUP BY``.

    python -m benchmarks.unmet_map [--searches 200000] [--zones 40] [--regenerate] [--repeat 3]

``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/mobility_bench_unmet``) is
created and migrated if needed. The search log of 2025 is generated in the database with
``INSERT ... SELECT generate_series``: ``--searches`` entries from ``--zones`` origin zones (a
square of zones around Lindenau) to as many destinations, a quarter finding nothing, the rest
with a best option of 10 to 130 minutes and 0 to 4 transfers. Re-runs reuse the data when the
count matches.

Timed, best of ``--repeat`` each, for one month and for the whole year:

* ``ours``: ``stats.selectors.unmet_map.unmet_map`` as the API and the dashboard call it (the
  ORM ``GROUP BY`` by zone pair and best option, the poor-option rule per group in Python, the
  disclosure control of the zone table, linked to the zone-pair report counted from the same rows);
* ``floor``: one hand-written ``SELECT origin_zone, count(*) ... GROUP BY 1`` over the same rows
  (searches per origin zone, without telling poor options), fetched with a plain cursor.

``mismatches`` counts published zones whose ``searches`` differ between the two. Progress goes
to stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date

from benchmarks.stats import best_of, log, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mobility_bench_unmet"
#: Lindenau's zone (2 km squares) is the square's corner.
ROW0, COL0 = 2790, 345


def generate(n: int, zones: int) -> None:
    from django.db import connection

    side = max(1, round(zones**0.5))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE stats_searchlog")
        cursor.execute(
            """
            INSERT INTO stats_searchlog (origin_zone, destination_zone, time_bin, modes, results,
                                         best_minutes, best_transfers)
            SELECT 'Z2-' || (%(row0)s + (g * 7) %% %(side)s) || '-' || (%(col0)s + (g * 13 / %(side)s) %% %(side)s),
                   'Z2-' || (%(row0)s + (g * 11) %% %(side)s) || '-' || (%(col0)s + (g * 3) %% %(side)s),
                   timestamptz '2025-01-01 00:00:00+01' + ((g * 997) %% 525600) * interval '1 minute'
                       - ((g * 997) %% 15) * interval '1 minute',
                   'bus',
                   CASE WHEN g %% 4 = 0 THEN 0 ELSE 1 + g %% 3 END,
                   CASE WHEN g %% 4 = 0 THEN NULL ELSE 10 + 5 * ((g * 31) %% 25) END,
                   CASE WHEN g %% 4 = 0 THEN NULL ELSE (g * 17) %% 5 END
            FROM generate_series(1, %(n)s) AS g
            """,
            {"row0": ROW0, "col0": COL0, "side": side, "n": n},
        )
    log(f"generated {n:,} searches in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", type=int, default=200_000)
    parser.add_argument("--zones", type=int, default=40)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL", DEFAULT_URL))

    from django.db import connection

    from stats.models import SearchLog
    from stats.selectors.unmet_map import unmet_map

    if args.regenerate or SearchLog.objects.count() != args.searches:
        generate(args.searches, args.zones)
    else:
        log("reusing the generated searches")

    def floor(first: date, last: date) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT origin_zone, count(*) FROM stats_searchlog "
                "WHERE time_bin >= (%s::date::timestamp AT TIME ZONE 'Europe/Berlin') "
                "AND time_bin < ((%s::date + 1)::timestamp AT TIME ZONE 'Europe/Berlin') GROUP BY 1",
                [first, last],
            )
            return dict(cursor.fetchall())

    out: dict[str, object] = {"benchmark": "unmet_map", "searches": args.searches, "zones": args.zones}
    for label, first, last in (
        ("month", date(2025, 6, 1), date(2025, 6, 30)),
        ("year", date(2025, 1, 1), date(2025, 12, 31)),
    ):
        ours_s, data = best_of(args.repeat, lambda first=first, last=last: unmet_map(first=first, last=last))
        floor_s, counts = best_of(args.repeat, lambda first=first, last=last: floor(first, last))
        mismatches = sum(1 for z in data.zones if z.searches is not None and z.searches != counts.get(z.zone.code))
        log(f"{label}: ours {ours_s * 1000:.0f} ms, floor {floor_s * 1000:.0f} ms, {len(data.zones)} zones")
        out.update(
            {
                f"{label}_ours_ms": round(ours_s * 1000, 1),
                f"{label}_floor_ms": round(floor_s * 1000, 1),
                f"{label}_ratio": round(ours_s / floor_s, 1) if floor_s else None,
                f"{label}_zones": len(data.zones),
                f"{label}_hidden_zones": data.suppressed_zones,
                f"{label}_unmet": data.unmet,
                f"{label}_mismatches": mismatches,
            }
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
