"""Benchmark: import the RNV feed (424,266 stop times) into PostgreSQL, against its floor.

``python -m benchmarks.gtfs_import [PATH]``

* ours  = ``gtfs.feed_import.feed_import`` end to end (hash, zip guard, gtfs-kit read,
  validation, transform, COPY into the indexed tables, switch, commit).
* floor = gtfs-kit ``read_feed`` of the same file plus a bare ``COPY`` of the same rows
  (every column of every table as read, as text) into unindexed temporary tables.

Uses ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/mobility_bench``; the
database is created if missing and migrated). Progress goes to stderr; the last stdout
line is one JSON object with ``ours_s``, ``floor_s`` and ``overhead`` (ours / floor).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from benchmarks._servers import ensure_database

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mobility_bench"
DEFAULT_FEED = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtfs" / "rnv-2016-11.zip"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def floor_seconds(path: Path, *, temporary: bool = False) -> float:
    """gtfs-kit read + bare COPY of the same rows into unindexed tables.

    ``temporary=False`` (the reported floor): ordinary tables, written to the WAL like ours,
    created and dropped in one transaction. ``temporary=True``: temporary tables, which
    skip the WAL entirely: a lower bound no durable import can reach, reported as well.
    """
    import gtfs_kit
    from django.db import connection, transaction

    from gtfs.feed_import import csv_bytes

    started = time.perf_counter()
    feed = gtfs_kit.read_feed(path, dist_units="km")
    with transaction.atomic(), connection.cursor() as cursor:
        for name in ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates", "transfers"):
            frame = getattr(feed, name, None)
            if frame is None:
                continue
            columns = ", ".join(f'"{c}" text' for c in frame.columns)
            if temporary:
                cursor.execute(f"CREATE TEMP TABLE floor_{name} ({columns}) ON COMMIT DROP")
            else:
                cursor.execute(f"DROP TABLE IF EXISTS floor_{name}")
                cursor.execute(f"CREATE TABLE floor_{name} ({columns})")
            with cursor.cursor.copy(f"COPY floor_{name} FROM STDIN (FORMAT csv)") as copy:
                copy.write(csv_bytes(frame))
    if not temporary:
        with transaction.atomic(), connection.cursor() as cursor:
            for name in ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates", "transfers"):
                cursor.execute(f"DROP TABLE IF EXISTS floor_{name}")
    return time.perf_counter() - started


def ours_seconds(path: Path) -> tuple[float, dict]:
    from django.db import connection

    from gtfs.feed_import import feed_import
    from gtfs.models import Feed

    name = "benchmark-rnv"
    feed = Feed.objects.filter(name=name).first()
    if feed is not None:  # a previous run: start from an empty feed so the import really runs
        versions = list(feed.versions.values_list("id", flat=True))
        with connection.cursor() as cursor:
            for version_id in versions:  # each version's stop times are one partition
                cursor.execute(f"DROP TABLE IF EXISTS gtfs_stoptime_v{int(version_id)}")
            cursor.execute("DELETE FROM gtfs_stoptime WHERE version_id = ANY(%s)", [versions])
        Feed.objects.filter(pk=feed.pk).update(active_version=None)
        feed.versions.all().delete()
        feed.delete()
    started = time.perf_counter()
    result = feed_import(path=path, name=name)
    elapsed = time.perf_counter() - started
    assert result.created and result.version.stats["stop_times"] > 0
    return elapsed, result.version.stats


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FEED
    if not path.is_file():
        sys.exit(f"feed not found: {path}")
    url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    log("warm-up read (file cache)")
    floor_seconds(path)
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    floors, temp_floors, ours = [], [], []
    stats: dict = {}
    for run in range(runs):
        floors.append(floor_seconds(path))
        temp_floors.append(floor_seconds(path, temporary=True))
        log(f"run {run + 1}: floor {floors[-1]:.2f} s (temporary tables {temp_floors[-1]:.2f} s)")
        seconds, stats = ours_seconds(path)
        ours.append(seconds)
        log(f"run {run + 1}: ours {ours[-1]:.2f} s")
    ours_s, floor_s = min(ours), min(floors)
    print(
        json.dumps(
            {
                "benchmark": "gtfs_import",
                "feed": path.name,
                "stop_times": stats.get("stop_times"),
                "runs": runs,
                "ours_s": round(ours_s, 3),
                "floor_s": round(floor_s, 3),
                "overhead": round(ours_s / floor_s, 2),
                "floor_temp_tables_s": round(min(temp_floors), 3),
                "overhead_vs_temp_tables": round(ours_s / min(temp_floors), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
