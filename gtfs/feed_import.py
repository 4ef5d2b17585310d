"""Import a GTFS zip as a new version of a feed, all or nothing.

Pipeline: content hash -> hostile-zip guard (``domain.zipguard``) -> gtfs-kit
``read_feed`` -> validation (``domain.validation``) -> one transaction that creates the
version, bulk-loads every table (PostgreSQL ``COPY`` through psycopg, batched
``executemany`` on SQLite) and switches ``Feed.active_version``. Any error rolls the whole
transaction back: the previous version stays active and no rows are left behind.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import logging
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gtfs_kit
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.db import connection, transaction
from django.utils import timezone

from mobility.errors import ServiceUnavailable, ValidationFailed

from . import conf
from .domain import flex
from .domain.names import search_key
from .domain.times import arrow_strings, parse_gtfs_times
from .domain.validation import ERROR, WARNING, ProblemList, validate_feed
from .domain.zipguard import ArchiveLimits, ArchiveRefused, inspect_archive
from .models import (
    Agency,
    BookingRule,
    CalendarDate,
    Feed,
    FeedKind,
    FeedVersion,
    FlexLocation,
    FlexStopTime,
    Route,
    Service,
    Stop,
    StopTime,
    Trip,
)

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

# Tables gtfs-kit does not read; we read them ourselves (as text) when present.
EXTRA_TABLES = ("booking_rules", "location_groups", "location_group_stops")


class FeedRefused(ValidationFailed):
    """The feed has errors; ``problems`` lists them (and the warnings)."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        problems: list[dict[str, Any]],
        status_code: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, fields={"problems": problems}, status_code=status_code, params=params)
        self.problems = problems


@dataclass
class ImportResult:
    feed: Feed
    version: FeedVersion
    created: bool  # False: same content as the active version, nothing was done
    warnings: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive_limits() -> ArchiveLimits:
    return ArchiveLimits(
        max_bytes=conf.GTFS_MAX_UPLOAD_BYTES,
        max_entries=conf.GTFS_MAX_ENTRIES,
        max_uncompressed_bytes=conf.GTFS_MAX_UNCOMPRESSED_BYTES,
        max_ratio=conf.GTFS_MAX_COMPRESSION_RATIO,
    )


def archive_check(path: str | Path) -> None:
    """Refuse a hostile or broken archive with a stable code (400); cheap, reads no data."""
    try:
        inspect_archive(str(path), archive_limits())
    except ArchiveRefused as exc:
        problem = {"severity": ERROR, "code": exc.code, "file": None, "row": None, "message": exc.message}
        status = 413 if exc.code == "gtfs_archive_too_large" else 400
        raise FeedRefused(
            exc.template, code=exc.code, problems=[problem], status_code=status, params=exc.params
        ) from exc


def _read_extra_tables(path: Path) -> dict[str, pd.DataFrame | None]:
    tables: dict[str, pd.DataFrame | None] = {}
    with zipfile.ZipFile(path) as archive:
        by_stem = {Path(name).stem: name for name in archive.namelist() if name.endswith(".txt")}
        for table in EXTRA_TABLES:
            name = by_stem.get(table)
            tables[table] = None
            if name is None:
                continue
            with archive.open(name) as handle:
                df = pd.read_csv(handle, dtype="string", encoding="utf-8-sig", keep_default_na=False, na_values=[""])
            df.columns = [c.strip() for c in df.columns]
            tables[table] = df if not df.empty else None
        geojson = next((n for n in archive.namelist() if Path(n).name == flex.LOCATIONS_FILE), None)
        tables["locations"] = flex.read_locations(archive.read(geojson)) if geojson else None
    return tables


def read_tables(path: str | Path) -> dict[str, pd.DataFrame | None]:
    """Read a (guarded) GTFS zip with gtfs-kit plus the GTFS-Flex tables it ignores."""
    path = Path(path)
    if not path.is_file():  # gtfs-kit would otherwise try the string as a URL
        raise ValidationFailed("No such file: %(path)s", code="gtfs_file_missing", params={"path": path})
    try:
        feed = gtfs_kit.read_feed(path, dist_units="km")
        extra = _read_extra_tables(path)
    except flex.LocationsUnreadable as exc:
        problem = {"severity": ERROR, "code": "gtfs_unreadable", "file": flex.LOCATIONS_FILE, "row": None}
        problem["message"] = str(exc)[:500]
        raise FeedRefused(str(exc)[:500], code="gtfs_unreadable", problems=[problem]) from exc
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, pd.errors.ParserError, zipfile.BadZipFile) as exc:
        problem = {"severity": ERROR, "code": "gtfs_unreadable", "file": None, "row": None, "message": str(exc)[:500]}
        raise FeedRefused(
            "The feed cannot be read: %(reason)s",
            code="gtfs_unreadable",
            problems=[problem],
            params={"reason": str(exc)[:450]},
        ) from exc
    tables: dict[str, pd.DataFrame | None] = {}
    for name in (
        "agency",
        "stops",
        "routes",
        "trips",
        "stop_times",
        "calendar",
        "calendar_dates",
        "transfers",
        "feed_info",
    ):
        tables[name] = getattr(feed, name, None)
    tables.update(extra)
    return tables


def feed_validate(tables: dict[str, pd.DataFrame | None]) -> ProblemList:
    return validate_feed(tables, max_per_code=conf.GTFS_MAX_PROBLEMS_PER_CODE)


# --- bulk loading ----------------------------------------------------------------------------


def _text(df: pd.DataFrame, column: str, length: int | None = None) -> pd.Series:
    """A text column trimmed, cut to ``length`` and with missing values as ``""`` (pyarrow kernels)."""
    if column not in df:
        return pd.Series(pd.arrays.ArrowExtensionArray(pa.array([""] * len(df), pa.string())), index=df.index)
    arr = arrow_strings(df[column])
    if arr.null_count < len(arr):
        arr = pc.utf8_trim_whitespace(arr)
        if length:
            arr = pc.utf8_slice_codeunits(arr, 0, length)
    arr = pc.fill_null(arr, "")
    return pd.Series(pd.arrays.ArrowExtensionArray(arr), index=df.index)


def _int(df: pd.DataFrame, column: str, default: int | None = None) -> pd.Series:
    if column not in df:
        return pd.Series([default] * len(df), index=df.index, dtype="Int64")
    series = pd.to_numeric(df[column], errors="coerce").round().astype("Int64")
    return series.fillna(default) if default is not None else series


def _float(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df:
        return pd.Series([np.nan] * len(df), index=df.index, dtype="float64")
    return pd.to_numeric(df[column], errors="coerce").astype("float64")


def bulk_insert(table: str, frame: pd.DataFrame, text_columns: Iterable[str] = ()) -> None:
    """Insert every row of ``frame`` (columns named as the table's) into ``table``.

    PostgreSQL: one ``COPY ... FROM STDIN (FORMAT csv)``, empty text kept as ``''``.
    SQLite: batched ``executemany``. Missing values (NA/NaN) become NULL.
    """
    if frame.empty:
        return
    columns = list(frame.columns)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            text_cols = [connection.ops.quote_name(c) for c in text_columns]
            force = f", FORCE_NOT_NULL ({', '.join(text_cols)})" if text_cols else ""
            data = csv_bytes(frame)
            # table and column names come from the models, never from input
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN (FORMAT csv{force})") as copy:  # noqa: S608
                copy.write(data)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"  # noqa: S608
            objects = frame.astype(object).where(frame.notna(), None)
            rows = list(objects.itertuples(index=False, name=None))
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as headerless CSV for ``COPY`` (pyarrow's writer: far faster than pandas)."""
    return b"".join(csv_chunks(frame, rows_per_chunk=max(len(frame), 1)))


def csv_chunks(frame: pd.DataFrame, *, rows_per_chunk: int = 50_000):
    """Yield ``frame`` as headerless CSV in pieces, so that PostgreSQL parses one piece
    while Python encodes the next (the server is another process: real parallelism)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    for start in range(0, table.num_rows, rows_per_chunk):
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(table.slice(start, rows_per_chunk), sink, write_options=options)
        yield sink.getvalue().to_pybytes()


def load_stop_times_partition(version_id: int, frame: pd.DataFrame) -> None:
    """PostgreSQL: load a version's stop times into their own partition, then attach it.

    COPY into an unindexed table, build the primary key and the departure index in one
    pass each, add the partition CHECK (so ATTACH needs no second scan) and attach. All of
    it is transactional: a rollback leaves neither the table nor the rows behind. If the
    partition exists already (only possible after test-database flushes), rows go through
    the parent table instead.
    """
    table = StopTime._meta.db_table
    partition = f"{table}_v{int(version_id)}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partition])
        if cursor.fetchone()[0] is not None:
            bulk_insert(table, frame, ["stop_headsign"])
            return
        columns = ", ".join(connection.ops.quote_name(c) for c in frame.columns)
        cursor.execute(f"CREATE TABLE {partition} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        with cursor.cursor.copy(
            f"COPY {partition} ({columns}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL (stop_headsign))"
        ) as copy:
            for chunk in csv_chunks(frame):
                copy.write(chunk)
        cursor.execute(f"ALTER TABLE {partition} ADD PRIMARY KEY (trip_id, stop_sequence, version_id)")
        cursor.execute(f"CREATE INDEX {partition}_departure ON {partition} (stop_id, departure_time)")
        cursor.execute(
            f"ALTER TABLE {partition} ADD CONSTRAINT {partition}_version CHECK (version_id = {int(version_id)})"
        )
        cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {partition} FOR VALUES IN ({int(version_id)})")


def _lookup(series: pd.Series, mapping: dict[str, int]) -> pd.Series:
    """``series.map(mapping)`` for large string columns, as nullable integers (pyarrow hash join)."""
    if not mapping:
        return pd.Series(pd.array([pd.NA] * len(series), dtype="Int64"), index=series.index)
    keys = pa.array(list(mapping.keys()), pa.string())
    values = np.fromiter(mapping.values(), dtype=np.int64, count=len(mapping))
    positions = pc.fill_null(pc.index_in(arrow_strings(series), value_set=keys), -1)
    pos = np.asarray(positions.to_numpy(zero_copy_only=False), dtype=np.int64)
    found = pos >= 0
    return pd.Series(pd.arrays.IntegerArray(np.where(found, values[np.maximum(pos, 0)], 0), ~found), index=series.index)


def _id_map(model, version_id: int, key: str) -> dict[str, int]:
    return dict(model.objects.filter(version_id=version_id).values_list(key, "id"))


def _dates(series: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(series.astype("string").str.strip(), format="%Y%m%d", errors="coerce")
    return parsed.dt.strftime("%Y-%m-%d")


def _load(version: FeedVersion, tables: dict[str, pd.DataFrame | None], progress: Progress) -> dict[str, int]:
    """Bulk-load all tables into ``version``; returns row counts."""
    vid = version.pk
    stats: dict[str, int] = {}

    agency = tables["agency"]
    frame = pd.DataFrame(
        {
            "version_id": vid,
            "agency_id": _text(agency, "agency_id", 255),
            "name": _text(agency, "agency_name", 255),
            "url": _text(agency, "agency_url", 500),
            "timezone": _text(agency, "agency_timezone", 64),
            "lang": _text(agency, "agency_lang", 20),
            "phone": _text(agency, "agency_phone", 64),
            "email": _text(agency, "agency_email", 255),
        }
    )
    bulk_insert(Agency._meta.db_table, frame, ["agency_id", "name", "url", "timezone", "lang", "phone", "email"])
    stats["agencies"] = len(frame)

    stops = tables["stops"]
    names = _text(stops, "stop_name", 255)
    frame = pd.DataFrame(
        {
            "version_id": vid,
            "stop_id": _text(stops, "stop_id", 255),
            "code": _text(stops, "stop_code", 64),
            "name": names,
            "name_search": names.map(search_key).str.slice(0, 300),
            "lat": _float(stops, "stop_lat"),
            "lon": _float(stops, "stop_lon"),
            "location_type": _int(stops, "location_type", 0),
            "parent_station": _text(stops, "parent_station", 255),
            "platform_code": _text(stops, "platform_code", 64),
            "wheelchair_boarding": _int(stops, "wheelchair_boarding"),
        }
    )
    bulk_insert(
        Stop._meta.db_table, frame, ["stop_id", "code", "name", "name_search", "parent_station", "platform_code"]
    )
    stats["stops"] = len(frame)
    stop_map = _id_map(Stop, vid, "stop_id")
    progress("stops")

    rules = tables.get("booking_rules")
    rule_map: dict[str, int] = {}
    if rules is not None:
        frame = pd.DataFrame(
            {
                "version_id": vid,
                "booking_rule_id": _text(rules, "booking_rule_id", 255),
                "booking_type": _int(rules, "booking_type", 0),
                "prior_notice_duration_min": _int(rules, "prior_notice_duration_min"),
                "prior_notice_duration_max": _int(rules, "prior_notice_duration_max"),
                "prior_notice_last_day": _int(rules, "prior_notice_last_day"),
                "prior_notice_last_time": _times(rules, "prior_notice_last_time"),
                "prior_notice_start_day": _int(rules, "prior_notice_start_day"),
                "prior_notice_start_time": _times(rules, "prior_notice_start_time"),
                "message": _text(rules, "message"),
                "pickup_message": _text(rules, "pickup_message"),
                "drop_off_message": _text(rules, "drop_off_message"),
                "phone_number": _text(rules, "phone_number", 64),
                "info_url": _text(rules, "info_url", 500),
                "booking_url": _text(rules, "booking_url", 500),
            }
        )
        bulk_insert(
            BookingRule._meta.db_table,
            frame,
            [
                "booking_rule_id",
                "message",
                "pickup_message",
                "drop_off_message",
                "phone_number",
                "info_url",
                "booking_url",
            ],
        )
        stats["booking_rules"] = len(frame)
        rule_map = _id_map(BookingRule, vid, "booking_rule_id")

    routes = tables["routes"]
    frame = pd.DataFrame(
        {
            "version_id": vid,
            "route_id": _text(routes, "route_id", 255),
            "agency_id": _text(routes, "agency_id", 255),
            "short_name": _text(routes, "route_short_name", 100),
            "long_name": _text(routes, "route_long_name", 255),
            "desc": _text(routes, "route_desc"),
            "route_type": _int(routes, "route_type", 3),
            "url": _text(routes, "route_url", 500),
            "color": _text(routes, "route_color", 6),
            "text_color": _text(routes, "route_text_color", 6),
        }
    )
    bulk_insert(
        Route._meta.db_table,
        frame,
        ["route_id", "agency_id", "short_name", "long_name", "desc", "url", "color", "text_color"],
    )
    stats["routes"] = len(frame)
    route_map = _id_map(Route, vid, "route_id")

    calendar, calendar_dates = tables.get("calendar"), tables.get("calendar_dates")
    frames = []
    if calendar is not None:
        frames.append(
            pd.DataFrame(
                {
                    "version_id": vid,
                    "service_id": _text(calendar, "service_id", 255),
                    "has_calendar": True,
                    **{day: _int(calendar, day, 0).astype(bool) for day in Service.WEEKDAYS},
                    "start_date": _dates(calendar["start_date"]),
                    "end_date": _dates(calendar["end_date"]),
                }
            )
        )
    if calendar_dates is not None:
        known = set(frames[0]["service_id"]) if frames else set()
        only_dates = sorted(set(_text(calendar_dates, "service_id", 255)) - known)
        frames.append(
            pd.DataFrame(
                {
                    "version_id": vid,
                    "service_id": pd.Series(only_dates, dtype="string"),
                    "has_calendar": False,
                    **dict.fromkeys(Service.WEEKDAYS, False),
                    "start_date": None,
                    "end_date": None,
                }
            )
        )
    services = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    services["version_id"] = vid
    bulk_insert(Service._meta.db_table, services, ["service_id"])
    stats["services"] = len(services)
    service_map = _id_map(Service, vid, "service_id")
    if calendar_dates is not None:
        frame = pd.DataFrame(
            {
                "service_id": _text(calendar_dates, "service_id", 255).map(service_map).astype("Int64"),
                "date": _dates(calendar_dates["date"]),
                "exception_type": _int(calendar_dates, "exception_type", 1),
            }
        )
        bulk_insert(CalendarDate._meta.db_table, frame)
        stats["calendar_dates"] = len(frame)
    progress("calendar")

    trips = tables["trips"]
    stop_times = tables["stop_times"]
    trip_rule = pd.Series(dtype="string")
    if rule_map:
        for column in ("pickup_booking_rule_id", "drop_off_booking_rule_id"):
            if column in stop_times:
                found = stop_times[["trip_id", column]].dropna().drop_duplicates("trip_id").set_index("trip_id")[column]
                trip_rule = found if trip_rule.empty else trip_rule.combine_first(found)
    trip_ids = _text(trips, "trip_id", 255)
    frame = pd.DataFrame(
        {
            "version_id": vid,
            "trip_id": trip_ids,
            "route_id": _text(trips, "route_id", 255).map(route_map).astype("Int64"),
            "service_id": _text(trips, "service_id", 255).map(service_map).astype("Int64"),
            "headsign": _text(trips, "trip_headsign", 255),
            "short_name": _text(trips, "trip_short_name", 100),
            "direction_id": _int(trips, "direction_id"),
            "block_id": _text(trips, "block_id", 255),
            "shape_id": _text(trips, "shape_id", 255),
            "wheelchair_accessible": _int(trips, "wheelchair_accessible"),
            "bikes_allowed": _int(trips, "bikes_allowed"),
            "booking_rule_id": trip_ids.map(trip_rule).map(rule_map).astype("Int64"),
            "capacity": _int(trips, "vehicle_capacity", conf.GTFS_BUERGERBUS_DEFAULT_CAPACITY),
        }
    )
    bulk_insert(Trip._meta.db_table, frame, ["trip_id", "headsign", "short_name", "block_id", "shape_id"])
    stats["trips"] = len(frame)
    trip_map = _id_map(Trip, vid, "trip_id")
    if rule_map:  # a line whose trips all share one booking rule carries it as its default
        rules_by_route: dict[int, set] = {}
        for route_pk, rule_pk in Trip.objects.filter(version_id=vid).values_list("route_id", "booking_rule_id"):
            rules_by_route.setdefault(route_pk, set()).add(rule_pk)
        for route_pk, rule_pks in rules_by_route.items():
            if len(rule_pks) == 1 and None not in rule_pks:
                Route.objects.filter(pk=route_pk).update(booking_rule_id=next(iter(rule_pks)))
    progress("trips")

    stop_pk = (
        _lookup(stop_times["stop_id"], stop_map)
        if "stop_id" in stop_times
        else pd.Series(pd.array([pd.NA] * len(stop_times), dtype="Int64"), index=stop_times.index)
    )
    keep = stop_pk.notna().to_numpy()
    st = stop_times[keep]
    arrival = tables.get("_arrival_seconds")
    departure = tables.get("_departure_seconds")
    if arrival is None:
        arrival = parse_gtfs_times(st["arrival_time"])[0] if "arrival_time" in st else np.full(len(st), np.nan)
    else:
        arrival = arrival[keep]
    if departure is None:
        departure = parse_gtfs_times(st["departure_time"])[0] if "departure_time" in st else np.full(len(st), np.nan)
    else:
        departure = departure[keep]
    # A stop time with only one of the two times has the same time for both (GTFS rule).
    arrival_filled = np.where(np.isnan(arrival), departure, arrival)
    departure_filled = np.where(np.isnan(departure), arrival, departure)
    frame = pd.DataFrame(
        {
            "version_id": np.full(len(st), vid, dtype="int64"),
            "trip_id": _lookup(st["trip_id"], trip_map).to_numpy(),
            "stop_id": stop_pk[keep].astype("int64").to_numpy(),
            "stop_sequence": pd.to_numeric(st["stop_sequence"]).astype("int64").to_numpy(),
            "arrival_time": pd.array(arrival_filled, dtype="Float64").astype("Int64"),
            "departure_time": pd.array(departure_filled, dtype="Float64").astype("Int64"),
            "pickup_type": _int(st, "pickup_type", 0).to_numpy(),
            "drop_off_type": _int(st, "drop_off_type", 0).to_numpy(),
            "stop_headsign": _text(st, "stop_headsign", 255).to_numpy(),
        }
    )
    progress("prepare stop_times")
    if connection.vendor == "postgresql":
        load_stop_times_partition(vid, frame)
    else:
        bulk_insert(StopTime._meta.db_table, frame, ["stop_headsign"])
    stats["stop_times"] = len(frame)
    progress("stop_times")
    stats.update(_load_flex(vid, tables, trip_map, rule_map))
    progress("flex")

    transfers = tables.get("transfers")
    if transfers is not None and {"from_stop_id", "to_stop_id"} <= set(transfers.columns):
        from_pk = transfers["from_stop_id"].map(stop_map)
        to_pk = transfers["to_stop_id"].map(stop_map)
        ok = (from_pk.notna() & to_pk.notna()).to_numpy()
        t = transfers[ok]
        frame = pd.DataFrame(
            {
                "version_id": vid,
                "from_stop_id": from_pk[ok].astype("int64").to_numpy(),
                "to_stop_id": to_pk[ok].astype("int64").to_numpy(),
                "transfer_type": _int(t, "transfer_type", 0).to_numpy(),
                "min_transfer_time": _int(t, "min_transfer_time").to_numpy(),
            }
        )
        from .models import Transfer

        bulk_insert(Transfer._meta.db_table, frame)
        stats["transfers"] = len(frame)
    progress("transfers")
    return stats


def _load_flex(vid: int, tables: dict[str, Any], trip_map: dict[str, int], rule_map: dict[str, int]) -> dict[str, int]:
    """The GTFS-Flex zones and the stop times at them (small tables: plain ``bulk_create``)."""
    if tables.get("locations") is None and tables.get("location_groups") is None:
        return {}
    built = flex.build_flex(tables)
    if not built.zones:
        return {}
    FlexLocation.objects.bulk_create(
        FlexLocation(version_id=vid, **{**zone, "location_id": zone["location_id"][:255], "name": zone["name"][:255]})
        for zone in built.zones
    )
    zone_map = _id_map(FlexLocation, vid, "location_id")
    rows = built.stop_times
    FlexStopTime.objects.bulk_create(
        FlexStopTime(
            version_id=vid,
            trip_id=trip_map[row.trip_id],
            stop_sequence=row.stop_sequence,
            location_id=zone_map[row.location_id],
            start_window=row.start_window,
            end_window=row.end_window,
            pickup_type=row.pickup_type,
            drop_off_type=row.drop_off_type,
            pickup_booking_rule_id=rule_map.get(row.pickup_booking_rule_id),
            drop_off_booking_rule_id=rule_map.get(row.drop_off_booking_rule_id),
        )
        for row in rows.itertuples(index=False)
    )
    return {"flex_locations": len(built.zones), "flex_stop_times": len(rows)}


def _times(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df:
        return pd.Series([pd.NA] * len(df), index=df.index, dtype="Int64")
    seconds, _ = parse_gtfs_times(df[column])
    return pd.Series(pd.array(seconds, dtype="Float64"), index=df.index).astype("Int64")


def _validity(tables: dict[str, pd.DataFrame | None]) -> tuple[Any, Any]:
    starts, ends = [], []
    calendar, calendar_dates = tables.get("calendar"), tables.get("calendar_dates")
    if calendar is not None:
        starts.append(pd.to_datetime(calendar["start_date"].astype("string"), format="%Y%m%d", errors="coerce").min())
        ends.append(pd.to_datetime(calendar["end_date"].astype("string"), format="%Y%m%d", errors="coerce").max())
    if calendar_dates is not None:
        added = calendar_dates[pd.to_numeric(calendar_dates["exception_type"], errors="coerce") == 1]
        dates = pd.to_datetime(added["date"].astype("string"), format="%Y%m%d", errors="coerce")
        if len(dates):
            starts.append(dates.min())
            ends.append(dates.max())
    starts = [d for d in starts if not pd.isna(d)]
    ends = [d for d in ends if not pd.isna(d)]
    return (min(starts).date() if starts else None, max(ends).date() if ends else None)


def feed_import(
    *,
    path: str | Path,
    name: str,
    kind: str = FeedKind.TRANSIT,
    user=None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the GTFS zip at ``path`` as the new active version of feed ``name``.

    Raises :class:`FeedRefused` (400, with ``problems``) for a hostile archive or a feed
    with errors; then nothing changes. The same content as the active version is
    recognised by its SHA-256 and returns ``created=False`` without touching anything.
    """
    import time

    step = progress or (lambda _label: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if kind not in FeedKind.values:
        raise ValidationFailed("Unknown feed kind %(kind)s.", code="gtfs_invalid_kind", params={"kind": repr(kind)})
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed("No such file: %(path)s", code="gtfs_file_missing", params={"path": path})
    archive_check(path)
    sha = file_sha256(path)
    existing = Feed.objects.filter(name=name).select_related("active_version").first()
    if existing is not None and existing.kind != kind:
        raise ValidationFailed(
            "Feed %(name)s exists with kind %(kind)s.",
            code="gtfs_feed_kind_mismatch",
            params={"name": repr(name), "kind": existing.kind},
        )
    if existing is not None and existing.active_version and existing.active_version.content_sha256 == sha:
        step("unchanged")
        return ImportResult(existing, existing.active_version, created=False, warnings=existing.active_version.warnings)
    step("checked archive")
    tables = read_tables(path)
    timings["read_s"] = time.perf_counter() - started
    step("read")
    stop_times = tables.get("stop_times")
    if stop_times is not None:
        for column, key in (("arrival_time", "_arrival_seconds"), ("departure_time", "_departure_seconds")):
            if column in stop_times:
                tables[key] = parse_gtfs_times(stop_times[column])  # type: ignore[assignment]
    problems = validate_feed(
        {k: v for k, v in tables.items() if not k.startswith("_")},
        max_per_code=conf.GTFS_MAX_PROBLEMS_PER_CODE,
        parsed_times={k: v for k, v in tables.items() if k.startswith("_")},  # type: ignore[arg-type]
    )
    for key in ("_arrival_seconds", "_departure_seconds"):
        if key in tables:
            tables[key] = tables[key][0]  # type: ignore[index]
    listed = problems.finish()
    timings["validate_s"] = time.perf_counter() - started - timings["read_s"]
    step("validated")
    if problems.has_errors:
        errors = [p for p in listed if p["severity"] == ERROR]
        raise FeedRefused(
            "The feed has %(count)s error(s); first: %(first)s",
            params={"count": len(errors), "first": errors[0]["message"]},
            code="gtfs_invalid_feed",
            problems=listed,
        )
    warnings = [p for p in listed if p["severity"] == WARNING]
    agency_tz = str(tables["agency"]["agency_timezone"].dropna().iloc[0]).strip()
    valid_from, valid_to = _validity(tables)
    load_started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the version is rebuilt from the file if lost
                cursor.execute("SET LOCAL synchronous_commit = off")
        feed, _ = Feed.objects.get_or_create(name=name, defaults={"kind": kind})
        feed = Feed.objects.select_for_update().get(pk=feed.pk)
        if feed.active_version_id and feed.active_version.content_sha256 == sha:
            return ImportResult(feed, feed.active_version, created=False, warnings=feed.active_version.warnings)
        version = FeedVersion.objects.create(
            feed=feed,
            content_sha256=sha,
            source_name=path.name[:255],
            timezone=agency_tz,
            valid_from=valid_from,
            valid_to=valid_to,
            warnings=warnings,
            created_by=user,
        )
        stats = _load(version, tables, step)
        version.stats = stats
        version.save(update_fields=["stats"])
        feed.active_version = version
        feed.save(update_fields=["active_version"])
        _precompile_timetables()
    timings["load_s"] = time.perf_counter() - load_started
    feed_versions_prune(feed_id=feed.pk)
    return ImportResult(feed, version, created=True, warnings=warnings, timings=timings)


def _precompile_timetables() -> None:
    """The journey planner compiles the new timetables after the commit, not in a user's first search."""
    from journeys.tasks import schedule_timetables_precompile

    schedule_timetables_precompile()


def import_record_run(*, import_id: int) -> None:
    """Run a queued API upload (:class:`GtfsImport`) and record its outcome."""
    from .models import GtfsImport

    record = GtfsImport.objects.get(pk=import_id)
    if record.status not in (GtfsImport.Status.QUEUED, GtfsImport.Status.RUNNING):
        return
    record.status = GtfsImport.Status.RUNNING
    record.save(update_fields=["status"])
    from .import_progress import import_progress_report

    def report(step: str, status: str = GtfsImport.Status.RUNNING) -> None:
        import_progress_report(import_id=record.pk, user_id=record.created_by_id, status=status, step=step)

    report("started")
    try:
        result = feed_import(
            path=record.file_path, name=record.feed_name, kind=record.kind, user=record.created_by, progress=report
        )
    except FeedRefused as exc:
        record.status, record.message, record.problems = GtfsImport.Status.REFUSED, exc.message, exc.problems
    except ValidationFailed as exc:
        record.status, record.message = GtfsImport.Status.REFUSED, exc.message
        record.problems = [{"severity": ERROR, "code": exc.code, "file": None, "row": None, "message": exc.message}]
    except Exception as exc:  # recorded for the operator; the transaction already rolled back
        record.status, record.message = GtfsImport.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    else:
        record.version = result.version
        record.problems = result.warnings
        record.status = GtfsImport.Status.IMPORTED if result.created else GtfsImport.Status.UNCHANGED
        record.message = "" if result.created else "Same content as the active version; nothing changed."
    record.finished_at = timezone.now()
    record.save()
    report("finished", record.status)
    with contextlib.suppress(OSError):
        Path(record.file_path).unlink(missing_ok=True)


def csv_rows(path: str | Path, member: str) -> list[dict[str, str]]:
    """The raw rows of one file in a GTFS zip (used by tests and the export round trip)."""
    with zipfile.ZipFile(path) as archive, archive.open(member) as handle:
        return list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8-sig")))


def import_upload_create(*, uploaded_file, name: str, kind: str, user) -> Any:
    """Store an uploaded feed, refuse a hostile archive at once, queue the import.

    The archive check reads only the zip directory, so a bomb or a non-zip costs nothing;
    the full import runs in a Celery task after this transaction commits.
    """
    import os

    from .models import GtfsImport

    if kind not in FeedKind.values:
        raise ValidationFailed("Unknown feed kind %(kind)s.", code="gtfs_invalid_kind", params={"kind": repr(kind)})
    if uploaded_file.size > conf.GTFS_MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            "The file has %(size)s bytes; at most %(limit)s are accepted.",
            params={"size": uploaded_file.size, "limit": conf.GTFS_MAX_UPLOAD_BYTES},
            code="gtfs_archive_too_large",
            status_code=413,
        )
    existing = Feed.objects.filter(name=name).first()
    if existing is not None and existing.kind != kind:
        raise ValidationFailed(
            "Feed %(name)s exists with kind %(kind)s.",
            code="gtfs_feed_kind_mismatch",
            params={"name": repr(name), "kind": existing.kind},
        )
    os.makedirs(conf.GTFS_UPLOAD_DIR, exist_ok=True)
    target = (
        Path(conf.GTFS_UPLOAD_DIR)
        / f"{timezone.now():%Y%m%d%H%M%S}-{hashlib.sha256(os.urandom(16)).hexdigest()[:12]}.zip"
    )
    with open(target, "wb") as handle:
        for chunk in uploaded_file.chunks():
            handle.write(chunk)
    try:
        archive_check(target)
    except FeedRefused:
        target.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        record = GtfsImport.objects.create(
            feed_name=name,
            kind=kind,
            file_path=str(target),
            original_name=(uploaded_file.name or "")[:255],
            size_bytes=uploaded_file.size,
            created_by=user,
        )
        transaction.on_commit(lambda: _import_enqueue(record, target))
    return record


def _import_enqueue(record, target: Path) -> None:
    """Queue the import of a committed upload; if the queue (Redis) is unreachable, remove
    the record and the file again and refuse with 503, so no ``queued`` import is left that
    nobody will ever run. The client retries the upload."""
    from kombu.exceptions import OperationalError as BrokerUnavailable
    from redis.exceptions import ConnectionError as RedisConnectionError

    from .tasks import gtfs_import_task

    try:
        gtfs_import_task.delay(record.pk)
    except (BrokerUnavailable, RedisConnectionError, ConnectionError) as exc:
        logger.warning("could not queue GTFS import %s, upload refused: %r", record.pk, exc)
        type(record).objects.filter(pk=record.pk).delete()
        target.unlink(missing_ok=True)
        raise ServiceUnavailable(
            "The import queue is unavailable; nothing was stored. Please upload again shortly.",
            code="import_queue_unavailable",
            headers={"Retry-After": "30"},
        ) from exc


def feed_version_delete(*, version_id: int) -> None:
    """Delete an inactive version and every row of it, table by table with plain SQL deletes.

    (Django's cascade would load hundreds of thousands of stop times into Python first.)
    On PostgreSQL the version's stop-time partition is dropped. Refused for the active
    version and for versions whose trips have Bürgerbus bookings (kept as the record).
    """
    from .models import BuergerbusBooking, GtfsImport, Transfer

    with transaction.atomic():
        version = FeedVersion.objects.select_for_update().select_related("feed").get(pk=version_id)
        if version.feed.active_version_id == version.pk:
            raise ValidationFailed("The active version cannot be deleted.", code="gtfs_version_active")
        if BuergerbusBooking.objects.filter(trip__version=version).exists():
            raise ValidationFailed("The version has bookings and is kept.", code="gtfs_version_has_bookings")
        vid = version.pk
        partition = f"{StopTime._meta.db_table}_v{int(vid)}"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT to_regclass(%s)", [partition])
                if cursor.fetchone()[0] is not None:
                    cursor.execute(f"DROP TABLE {partition}")
        StopTime.objects.filter(version_id=vid)._raw_delete(StopTime.objects.db)
        FlexStopTime.objects.filter(version_id=vid)._raw_delete(FlexStopTime.objects.db)
        FlexLocation.objects.filter(version_id=vid)._raw_delete(FlexLocation.objects.db)
        Transfer.objects.filter(version_id=vid)._raw_delete(Transfer.objects.db)
        Trip.objects.filter(version_id=vid)._raw_delete(Trip.objects.db)
        CalendarDate.objects.filter(service__version_id=vid).delete()
        for model in (Service, Route, BookingRule, Stop, Agency):
            model.objects.filter(version_id=vid)._raw_delete(model.objects.db)
        GtfsImport.objects.filter(version_id=vid).update(version=None)
        FeedVersion.objects.filter(pk=vid)._raw_delete(FeedVersion.objects.db)


def feed_versions_prune(*, feed_id: int, keep: int | None = None) -> list[int]:
    """Delete the feed's versions beyond the newest ``keep`` (never the active one, never
    one with bookings). Returns the deleted version ids."""
    keep = conf.GTFS_KEEP_VERSIONS if keep is None else keep
    feed = Feed.objects.get(pk=feed_id)
    deleted = []
    for version_id in FeedVersion.objects.filter(feed=feed).order_by("-id").values_list("id", flat=True)[keep:]:
        if version_id == feed.active_version_id:
            continue
        try:
            feed_version_delete(version_id=version_id)
        except ValidationFailed:
            continue
        deleted.append(version_id)
    return deleted
