"""Fast from the first search: timetables compiled ahead, and each worker warmed at start.

* ``timetables_precompile`` compiles the active feeds' timetables of today and the next days
  into the shared ``.npz`` cache (``JOURNEYS_TIMETABLE_DIR``) and drops the files of versions no
  longer active. It runs after every feed switch (import, rollback) and hourly from Celery beat
  (so the next service day is ready long before midnight), never inside a user's search.
* ``warm_up`` runs when a web worker starts (``mobility.asgi``): it loads the planner kernel
  (numba's compiled code from its on-disk cache, or compiles it once), opens today's timetable,
  and loads the active road graphs with their point-to-point hierarchy. A worker therefore
  accepts its first request only when none of that is left for a user to wait for.

Settings: ``JOURNEYS_PRECOMPILE_DAYS`` (days from today, default 2; 0 turns precompiling off)
and ``JOURNEYS_WARM_UP`` (default on).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from django.db import connections
from django.utils import timezone

from mobility.appsettings import app_setting

logger = logging.getLogger(__name__)


def precompile_days() -> int:
    return int(app_setting("JOURNEYS_PRECOMPILE_DAYS", 2))


def timetables_precompile(*, days: int | None = None, today: dt.date | None = None) -> list[dt.date]:
    """Compile (or find) the timetables of ``today`` and the following days for the active
    feed versions; returns the service days now in the cache. Prunes other versions' files."""
    from .timetable_store import local_tz, timetable_cache, timetable_cache_key, timetable_for, version_tokens

    days = precompile_days() if days is None else days
    version_ids, _ = version_tokens()
    if days <= 0 or not version_ids:
        return []
    today = today or timezone.now().astimezone(local_tz()).date()
    compiled = []
    for offset in range(days):
        day = today + dt.timedelta(days=offset)
        started = time.perf_counter()
        timetable_for(day, version_ids)
        compiled.append(day)
        logger.info("timetable of %s ready in %.2f s", day, time.perf_counter() - started)
    timetable_cache().prune([timetable_cache_key(version_ids)])
    return compiled


def _warm_kernel() -> None:
    """Load (or compile) the numba kernel with queries on a two-stop timetable, once built in
    memory and once saved and memory-mapped as the timetable cache serves it: numba compiles
    one variant per argument type, and a memory-mapped array (read-only) is another type than a
    built one, so a warm-up on the built timetable alone leaves the real searches' variant to
    be compiled by the first search (seconds on a fresh install)."""
    import tempfile
    from pathlib import Path

    from .domain.raptor import Place, earliest_arrival, latest_departure, range_query
    from .domain.timetable import StopInput, TimetableSource, TripInput, build_timetable, load_timetable, save_timetable

    source = TimetableSource.from_inputs(
        [StopInput("a", 48.0, 9.0), StopInput("b", 48.1, 9.1)],
        [TripInput("t", "r", "s", ["a", "b"], [3600, 4000], [3600, 4000])],
    )
    built = build_timetable(source, [(0, {"s"})])
    with tempfile.TemporaryDirectory(prefix="warm-up-") as folder:
        path = Path(folder) / "warm-up.npz"
        save_timetable(built, path)
        for tt in (built, load_timetable(path, mmap=True)):
            earliest_arrival(tt, Place.at_stop(0), Place.at_stop(1), 0)
            latest_departure(tt, Place.at_stop(0), Place.at_stop(1), 5000)
            earliest_arrival(tt, Place.at(48.0, 9.0), Place.at(48.1, 9.1), 0)
            latest_departure(tt, Place.at(48.0, 9.0), Place.at(48.1, 9.1), 5000)
            range_query(tt, Place.at(48.0, 9.0), Place.at(48.1, 9.1), 0, 3600)


def warm_up() -> dict[str, float]:
    """Everything a first search would otherwise wait for; returns seconds per step."""
    spent: dict[str, float] = {}

    def step(name, function) -> None:
        started = time.perf_counter()
        try:
            function()
        except Exception:  # a warm-up problem must never stop a worker from serving
            logger.warning("warm-up step %s failed", name, exc_info=True)
        spent[name] = round(time.perf_counter() - started, 3)

    def today_timetable() -> None:
        from .timetable_store import local_tz, search_rows, timetable_for

        today = timezone.now().astimezone(local_tz()).date()
        tt = timetable_for(today)
        if tt is not None:
            search_rows()  # the trips' lines, headsigns and booking rules the answers show
            tt.reversed()  # arrive-by searches use the reversed timetable
            tt.stops_near(float(tt.stop_lat[0]), float(tt.stop_lon[0]), 100.0)  # builds the stop KD-tree

    def road_graphs() -> None:
        from . import roads

        roads.warm_up()

    step("kernel_s", _warm_kernel)
    step("timetable_s", today_timetable)
    step("road_graphs_s", road_graphs)
    return spent


def warm_up_at_start() -> None:
    """Run ``warm_up`` in its own thread and wait for it (the caller may be inside an event
    loop, where the ORM must not run), then close that thread's database connections."""
    if not app_setting("JOURNEYS_WARM_UP", True):
        return

    def run() -> None:
        try:
            logger.info("worker warm-up: %s", warm_up())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="journeys-warm-up", daemon=True)
    thread.start()
    thread.join()
