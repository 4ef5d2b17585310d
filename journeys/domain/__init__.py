"""Transit journey planning: compiled timetables and RAPTOR (pure Python + numpy, no Django).

Modules
-------
``timetable``
    Plain inputs (``StopInput``, ``TripInput``, ``TransferInput`` → ``TimetableSource``, or
    ``load_gtfs(path)`` through gtfs-kit), the ``ServiceCalendar``, and ``build_timetable`` /
    ``timetable_for_date`` which compile one *service day* into numpy arrays (``Timetable``).
    Times are seconds since midnight of that service day; yesterday's trips running past
    midnight are included (shifted by −86,400 s), and tomorrow's early trips (+86,400 s) up to
    06:00 of the next morning, so a query at 00:30 sees yesterday's 24:35 bus and a query at
    23:30 may continue the next morning.
``raptor``
    ``earliest_arrival``, ``latest_departure`` (arrive-by, reverse RAPTOR) and ``range_query``
    (all good departures in a window), each returning the Pareto set of ``Journey`` objects
    over arrival (departure) and number of trips, with legs.

Worker cache design (for the "one search" endpoint)
---------------------------------------------------
Compiling a service day takes a fraction of a second for a regional feed (RNV: 0.15 s), but
reading the GTFS tables from the database does not, and every web worker needs the arrays.
So the compiled arrays are written once and memory-mapped/loaded by every worker:

* **Version key.** The set of active feed versions (the regional feed and the Bürgerbus feed)
  is identified by ``key = "-".join(sorted(str(v) for v in active_version_ids))``. A file is
  ``<cache dir>/<key>/<service date ISO>.npz``, written with ``save_timetable`` (plain
  ``np.savez``: uncompressed, so the members are stored as raw ``.npy`` blobs and can be
  read without decompression or memory-mapped from their offsets).
* **Build.** A Celery task triggered when a feed version is activated (and a nightly task
  for the next days) builds the timetables of today and the next few service days from the
  database (``TimetableSource.from_inputs`` / ``merge_sources`` with one prefix per feed,
  calendar resolved per date), writes each to a temporary name and renames it into place
  (atomic on POSIX), then publishes the new key (e.g. a Redis key ``journeys:timetable_key``).
* **Load.** Each worker keeps ``{(key, date): Timetable}`` (at most two dates). Per request it
  reads the published key (cached for a few seconds); if the key or the service date changed
  it ``load_timetable``s the file (milliseconds) or, if missing, builds it itself and saves it.
  Old directories are deleted a day after their key stopped being active.
* The reversed timetable (arrive-by) is stored in the same file (``rev_*`` members) so no
  worker has to derive it; without them ``Timetable.reversed()`` derives it lazily.

``journeys.domain.cache.TimetableCache`` implements the file layout, atomic writes, the
per-process memo and pruning; the directory comes from ``journeys.conf.JOURNEYS_TIMETABLE_DIR``.
"""

from .raptor import (
    Journey,
    Place,
    TransitLeg,
    WalkLeg,
    earliest_arrival,
    earliest_arrival_by_trips,
    latest_departure,
    range_query,
)
from .timetable import (
    ServiceCalendar,
    StopInput,
    Timetable,
    TimetableConfig,
    TimetableSource,
    TransferInput,
    TripInput,
    build_timetable,
    load_gtfs,
    load_timetable,
    merge_sources,
    save_timetable,
    service_days_for,
    timetable_for_date,
)

__all__ = [
    "Journey",
    "Place",
    "ServiceCalendar",
    "StopInput",
    "Timetable",
    "TimetableConfig",
    "TimetableSource",
    "TransferInput",
    "TransitLeg",
    "TripInput",
    "WalkLeg",
    "build_timetable",
    "earliest_arrival",
    "earliest_arrival_by_trips",
    "latest_departure",
    "load_gtfs",
    "load_timetable",
    "merge_sources",
    "range_query",
    "save_timetable",
    "service_days_for",
    "timetable_for_date",
]
