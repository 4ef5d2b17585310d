"""Validate a GTFS feed (as gtfs-kit DataFrames) before anything of it becomes visible.

Every problem is ``{severity, code, file, row, message}``; ``row`` is the 1-based line in
the file counting the header as line 1 (``None`` for file-level problems). Errors refuse
the feed, warnings are kept with the imported version. To keep reports readable each code
is listed at most ``max_per_code`` times, followed by one summary problem with the count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .times import arrow_strings, parse_gtfs_times


def _isin(series: pd.Series, values: pd.Series | set[str]) -> npt.NDArray[np.bool_]:
    """Vectorised membership test of a string column (pyarrow kernel; missing -> False)."""
    value_set = pa.array(
        list(values) if isinstance(values, set) else values.dropna().astype("string"), type=pa.string()
    )
    found = pc.is_in(arrow_strings(series), value_set=value_set)
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


ERROR = "error"
WARNING = "warning"

REQUIRED_FILES = ("agency", "stops", "routes", "trips", "stop_times")
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency": ("agency_name", "agency_timezone"),
    "stops": ("stop_id",),
    "routes": ("route_id", "route_type"),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_sequence"),
    "calendar": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "booking_rules": ("booking_rule_id", "booking_type"),
}


@dataclass(frozen=True)
class Problem:
    severity: str
    code: str
    file: str | None
    row: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProblemList:
    """Collects problems, capping the listed rows per code."""

    def __init__(self, max_per_code: int = 20) -> None:
        self.max_per_code = max_per_code
        self.items: list[Problem] = []
        self.counts: Counter[tuple[str, str, str | None]] = Counter()

    def add(self, severity: str, code: str, file: str | None, row: int | None, message: str) -> None:
        key = (severity, code, file)
        self.counts[key] += 1
        if self.counts[key] <= self.max_per_code:
            self.items.append(Problem(severity, code, file, row, message))

    def add_rows(
        self,
        severity: str,
        code: str,
        file: str,
        mask: npt.NDArray[np.bool_],
        df: pd.DataFrame,
        message: str,
        column: str,
    ) -> None:
        """One problem per row selected by ``mask``; ``message`` may use ``{value}``."""
        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        values = df[column].iloc[positions[: self.max_per_code]] if column in df else None
        for i, pos in enumerate(positions):
            if i < self.max_per_code:
                value = values.iloc[i] if values is not None else None
                self.add(severity, code, file, int(pos) + 2, message.format(value=value))
            else:
                self.counts[(severity, code, file)] += len(positions) - i
                break

    def finish(self) -> list[dict[str, Any]]:
        """The list for storage: capped rows plus one summary line per truncated code."""
        result = [p.as_dict() for p in self.items]
        for (severity, code, file), count in self.counts.items():
            if count > self.max_per_code:
                result.append(
                    Problem(
                        severity, code, file, None, f"{count - self.max_per_code} more problems of this kind"
                    ).as_dict()
                )
        return result

    @property
    def has_errors(self) -> bool:
        return any(severity == ERROR for severity, _, _ in self.counts)


def _blank(series: pd.Series) -> npt.NDArray[np.bool_]:
    return (series.isna() | (series.astype("string").str.strip() == "")).to_numpy(dtype=bool, na_value=True)


def _check_duplicates(problems: ProblemList, df: pd.DataFrame, file: str, columns: list[str]) -> None:
    if not all(c in df for c in columns):
        return
    mask = df.duplicated(subset=columns, keep="first").to_numpy()
    label = "+".join(columns)
    problems.add_rows(ERROR, "duplicate_id", file, mask, df, f"Duplicate {label} {{value}}.", columns[0])


def _check_dates(problems: ProblemList, df: pd.DataFrame, file: str, column: str) -> pd.Series:
    parsed = pd.to_datetime(df[column].astype("string").str.strip(), format="%Y%m%d", errors="coerce")
    bad = parsed.isna().to_numpy() & ~_blank(df[column])
    problems.add_rows(ERROR, "invalid_date", file, bad, df, f"{column} {{value}} is not a date (YYYYMMDD).", column)
    missing = _blank(df[column])
    problems.add_rows(ERROR, "missing_value", file, missing, df, f"{column} is empty.", column)
    return parsed


#: Stop times beyond this (seconds after the service day's GTFS zero) are legal but suspicious.
LONG_TIME_WARNING_S = 72 * 3600


def _check_time_order(
    problems: ProblemList,
    stop_times: pd.DataFrame,
    sequence: pd.Series,
    parsed_times: dict[str, tuple[np.ndarray, np.ndarray]],
) -> None:
    """Warnings: a trip whose times go backwards, or whose first/last stop has no time."""
    if "arrival_time" not in stop_times or "departure_time" not in stop_times or sequence.isna().any():
        return
    arrival = parsed_times.get("_arrival_seconds", (None,))[0]
    departure = parsed_times.get("_departure_seconds", (None,))[0]
    if arrival is None:
        arrival = parse_gtfs_times(stop_times["arrival_time"])[0]
    if departure is None:
        departure = parse_gtfs_times(stop_times["departure_time"])[0]
    arrival = np.where(np.isnan(arrival), departure, arrival)
    departure = np.where(np.isnan(departure), arrival, departure)
    with np.errstate(invalid="ignore"):
        far = np.fmax(arrival, departure) > LONG_TIME_WARNING_S  # NaN compares False
    problems.add_rows(
        WARNING,
        "time_beyond_72h",
        "stop_times.txt",
        far,
        stop_times,
        "Trip {value} has a time beyond 72:00:00; it is planned and shown, but such a trip "
        "runs three or more days after its service day starts.",
        "trip_id",
    )
    trip_codes = pd.factorize(stop_times["trip_id"])[0]
    order = np.lexsort((sequence.to_numpy(dtype="float64"), trip_codes))
    trips_sorted = trip_codes[order]
    same_trip = trips_sorted[1:] == trips_sorted[:-1]
    previous_departure = departure[order][:-1]
    next_arrival = arrival[order][1:]
    backwards = same_trip & (next_arrival < previous_departure)  # NaN compares False
    mask = np.zeros(len(stop_times), dtype=bool)
    mask[order[1:][backwards]] = True
    problems.add_rows(
        WARNING,
        "times_decreasing",
        "stop_times.txt",
        mask,
        stop_times,
        "Trip {value} arrives at a stop before it left the previous one.",
        "trip_id",
    )
    first = np.ones(len(order), dtype=bool)
    first[1:] = ~same_trip
    last = np.ones(len(order), dtype=bool)
    last[:-1] = ~same_trip
    untimed = np.isnan(departure[order]) & (first | last)
    flex = np.zeros(len(stop_times), dtype=bool)
    for column in ("start_pickup_drop_off_window", "start_pickup_dropoff_window"):  # final and draft spelling
        if column in stop_times:
            flex |= ~_blank(stop_times[column])
    mask = np.zeros(len(stop_times), dtype=bool)
    mask[order[untimed]] = True
    problems.add_rows(
        WARNING,
        "missing_endpoint_time",
        "stop_times.txt",
        mask & ~flex,
        stop_times,
        "The first or last stop of trip {value} has no time.",
        "trip_id",
    )


def validate_feed(
    tables: dict[str, pd.DataFrame | None],
    *,
    max_per_code: int = 20,
    parsed_times: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> ProblemList:
    """Check required files and columns, ids, references, times, calendars, coordinates.

    ``tables`` maps a GTFS file stem (``"stops"``) to its DataFrame or ``None`` when absent;
    GTFS-Flex: ``location_groups`` ids and ``locations`` (the GeoDataFrame of
    ``locations.geojson``) ids are accepted as stop_times targets; ``flex.validate_flex``
    checks the zones, their windows and booking rules.
    ``parsed_times`` may hold ``parse_gtfs_times`` results already computed by the caller
    (keys ``_arrival_seconds``/``_departure_seconds``) so they are not parsed twice.
    """
    parsed_times = parsed_times or {}
    problems = ProblemList(max_per_code)
    for name in REQUIRED_FILES:
        if tables.get(name) is None:
            problems.add(ERROR, "missing_file", f"{name}.txt", None, f"{name}.txt is required and missing or empty.")
    if tables.get("calendar") is None and tables.get("calendar_dates") is None:
        problems.add(
            ERROR, "missing_file", "calendar.txt", None, "Either calendar.txt or calendar_dates.txt is required."
        )
    for name, columns in REQUIRED_COLUMNS.items():
        df = tables.get(name)
        if df is None:
            continue
        missing = [c for c in columns if c not in df.columns]
        for column in missing:
            problems.add(ERROR, "missing_column", f"{name}.txt", 1, f"Column {column} is required in {name}.txt.")
    if problems.has_errors:
        return problems

    agency, stops, routes, trips, stop_times = (tables[n] for n in REQUIRED_FILES)
    # A required file that is absent or None was reported as missing_file above, so all are present here.
    assert agency is not None and stops is not None and routes is not None
    assert trips is not None and stop_times is not None
    calendar, calendar_dates = tables.get("calendar"), tables.get("calendar_dates")
    location_groups = tables.get("location_groups")

    # agency
    tz_blank = _blank(agency["agency_timezone"])
    problems.add_rows(
        ERROR, "missing_value", "agency.txt", tz_blank, agency, "agency_timezone is empty.", "agency_name"
    )
    if len(agency) > 1 and "agency_id" in agency:
        problems.add_rows(
            ERROR,
            "missing_value",
            "agency.txt",
            _blank(agency["agency_id"]),
            agency,
            "agency_id is required when there are several agencies.",
            "agency_name",
        )
    if "agency_id" in agency:
        _check_duplicates(problems, agency, "agency.txt", ["agency_id"])
    zones = agency["agency_timezone"].dropna().astype(str).str.strip().unique()
    if len(zones) > 1:
        problems.add(ERROR, "inconsistent_timezone", "agency.txt", None, "All agencies must use the same time zone.")
    for zone in zones:
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(zone)
        except Exception:
            problems.add(ERROR, "invalid_timezone", "agency.txt", None, f"Unknown time zone {zone!r}.")

    # stops
    problems.add_rows(
        ERROR, "missing_value", "stops.txt", _blank(stops["stop_id"]), stops, "stop_id is empty.", "stop_id"
    )
    _check_duplicates(problems, stops, "stops.txt", ["stop_id"])
    location_type = (
        pd.to_numeric(stops["location_type"], errors="coerce").fillna(0).to_numpy()
        if "location_type" in stops
        else np.zeros(len(stops))
    )
    needs_position = location_type <= 2
    for column in ("stop_lat", "stop_lon"):
        if column not in stops:
            problems.add(ERROR, "missing_column", "stops.txt", 1, f"Column {column} is required in stops.txt.")
    if "stop_lat" in stops and "stop_lon" in stops:
        lat = pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        lon = pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        missing = needs_position & (np.isnan(lat) | np.isnan(lon))
        problems.add_rows(
            ERROR, "missing_coordinates", "stops.txt", missing, stops, "Stop {value} has no position.", "stop_id"
        )
        out = ~np.isnan(lat) & ~np.isnan(lon) & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
        problems.add_rows(
            ERROR,
            "coordinates_out_of_range",
            "stops.txt",
            out,
            stops,
            "Stop {value} lies outside -90..90 / -180..180.",
            "stop_id",
        )
        zero = (lat == 0) & (lon == 0)
        problems.add_rows(WARNING, "coordinates_zero", "stops.txt", zero, stops, "Stop {value} lies at 0,0.", "stop_id")
    if "stop_name" in stops:
        unnamed = needs_position & (location_type < 2) & _blank(stops["stop_name"])
        problems.add_rows(
            WARNING, "missing_stop_name", "stops.txt", unnamed, stops, "Stop {value} has no name.", "stop_id"
        )

    # routes
    _check_duplicates(problems, routes, "routes.txt", ["route_id"])
    route_type = pd.to_numeric(routes["route_type"], errors="coerce")
    problems.add_rows(
        ERROR,
        "invalid_route_type",
        "routes.txt",
        route_type.isna().to_numpy(),
        routes,
        "route_type of route {value} is not a number.",
        "route_id",
    )
    short = routes["route_short_name"] if "route_short_name" in routes else pd.Series([pd.NA] * len(routes))
    long_ = routes["route_long_name"] if "route_long_name" in routes else pd.Series([pd.NA] * len(routes))
    nameless = _blank(short) & _blank(long_)
    problems.add_rows(
        ERROR,
        "missing_route_name",
        "routes.txt",
        nameless,
        routes,
        "Route {value} has neither a short nor a long name.",
        "route_id",
    )

    # calendar and calendar_dates
    service_ids: set[str] = set()
    if calendar is not None:
        _check_duplicates(problems, calendar, "calendar.txt", ["service_id"])
        start = _check_dates(problems, calendar, "calendar.txt", "start_date")
        end = _check_dates(problems, calendar, "calendar.txt", "end_date")
        reversed_ = (start > end).to_numpy(dtype=bool, na_value=False)
        problems.add_rows(
            ERROR,
            "invalid_date_range",
            "calendar.txt",
            reversed_,
            calendar,
            "Service {value} ends before it starts.",
            "service_id",
        )
        for day in REQUIRED_COLUMNS["calendar"][1:8]:
            flag = pd.to_numeric(calendar[day], errors="coerce")
            bad = ~flag.isin([0, 1]).to_numpy(dtype=bool, na_value=False)
            problems.add_rows(
                ERROR,
                "invalid_value",
                "calendar.txt",
                bad,
                calendar,
                f"{day} of service {{value}} must be 0 or 1.",
                "service_id",
            )
        service_ids |= set(calendar["service_id"].dropna().astype(str))
    if calendar_dates is not None:
        _check_duplicates(problems, calendar_dates, "calendar_dates.txt", ["service_id", "date"])
        _check_dates(problems, calendar_dates, "calendar_dates.txt", "date")
        kind = pd.to_numeric(calendar_dates["exception_type"], errors="coerce")
        bad = ~kind.isin([1, 2]).to_numpy(dtype=bool, na_value=False)
        problems.add_rows(
            ERROR,
            "invalid_value",
            "calendar_dates.txt",
            bad,
            calendar_dates,
            "exception_type of service {value} must be 1 or 2.",
            "service_id",
        )
        service_ids |= set(calendar_dates["service_id"].dropna().astype(str))

    # trips
    problems.add_rows(
        ERROR, "missing_value", "trips.txt", _blank(trips["trip_id"]), trips, "trip_id is empty.", "trip_id"
    )
    _check_duplicates(problems, trips, "trips.txt", ["trip_id"])
    route_ids = set(routes["route_id"].dropna().astype(str))
    unknown_route = ~_isin(trips["route_id"], route_ids)
    problems.add_rows(
        ERROR,
        "unknown_route",
        "trips.txt",
        unknown_route,
        trips,
        "Trip {value} refers to a route that routes.txt does not define.",
        "trip_id",
    )
    unknown_service = ~_isin(trips["service_id"], service_ids)
    problems.add_rows(
        ERROR,
        "unknown_service",
        "trips.txt",
        unknown_service,
        trips,
        "Trip {value} refers to a service that neither calendar file defines.",
        "trip_id",
    )

    # stop_times
    unknown_trip = ~_isin(stop_times["trip_id"], trips["trip_id"])
    problems.add_rows(
        ERROR,
        "unknown_trip",
        "stop_times.txt",
        unknown_trip,
        stop_times,
        "stop_times refers to trip {value}, which trips.txt does not define.",
        "trip_id",
    )
    stop_ids = set(stops["stop_id"].dropna().astype(str))
    from .flex import group_members  # the Flex module imports this one

    group_ids = set(group_members(tables)["location_group_id"])
    if location_groups is not None and "location_group_id" in location_groups:
        group_ids |= set(location_groups["location_group_id"].dropna().astype(str).str.strip())
    locations = tables.get("locations")
    location_ids = set(locations["id"].dropna().astype(str).str.strip()) if locations is not None else set()
    if "stop_id" in stop_times:
        st_stop = stop_times["stop_id"].astype("string").str.strip()
        known = st_stop.isin(stop_ids).to_numpy(dtype=bool, na_value=False)
        flex = st_stop.isin(group_ids | location_ids).to_numpy(dtype=bool, na_value=False) & ~known
        other_target = np.zeros(len(stop_times), dtype=bool)
        for column in ("location_group_id", "location_id"):
            if column in stop_times:
                other_target |= ~_blank(stop_times[column])
        unknown_stop = ~known & ~flex & ~other_target
        problems.add_rows(
            ERROR,
            "unknown_stop",
            "stop_times.txt",
            unknown_stop,
            stop_times,
            "stop_times refers to stop {value}, which stops.txt does not define.",
            "stop_id",
        )
    for column, ids, label in (
        ("location_group_id", group_ids, "location_groups.txt"),
        ("location_id", location_ids, "locations.geojson"),
    ):
        if column in stop_times:
            values = stop_times[column].astype("string").str.strip()
            unknown = ~_blank(values) & ~values.isin(ids).to_numpy(dtype=bool, na_value=False)
            problems.add_rows(
                ERROR,
                "unknown_flex_location",
                "stop_times.txt",
                unknown,
                stop_times,
                f"stop_times refers to {column} {{value}}, which {label} does not define.",
                column,
            )
    sequence = pd.to_numeric(stop_times["stop_sequence"], errors="coerce")
    problems.add_rows(
        ERROR,
        "invalid_value",
        "stop_times.txt",
        sequence.isna().to_numpy(),
        stop_times,
        "stop_sequence of trip {value} is not a number.",
        "trip_id",
    )
    _check_duplicates(problems, stop_times, "stop_times.txt", ["trip_id", "stop_sequence"])
    for column in ("arrival_time", "departure_time"):
        if column in stop_times:
            cached = parsed_times.get(f"_{column.split('_')[0]}_seconds")
            _, bad = cached if cached is not None else parse_gtfs_times(stop_times[column])
            problems.add_rows(
                ERROR,
                "invalid_time",
                "stop_times.txt",
                bad,
                stop_times,
                f"{column} of trip {{value}} is not a GTFS time (HH:MM:SS).",
                "trip_id",
            )
        else:
            problems.add(
                WARNING, "missing_column", "stop_times.txt", 1, f"Column {column} is missing; stop times have no times."
            )

    _check_time_order(problems, stop_times, sequence, parsed_times)

    # booking_rules (GTFS-Flex)
    booking_rules = tables.get("booking_rules")
    if booking_rules is not None:
        _check_duplicates(problems, booking_rules, "booking_rules.txt", ["booking_rule_id"])
        kind = pd.to_numeric(booking_rules["booking_type"], errors="coerce")
        bad = ~kind.isin([0, 1, 2]).to_numpy(dtype=bool, na_value=False)
        problems.add_rows(
            ERROR,
            "invalid_value",
            "booking_rules.txt",
            bad,
            booking_rules,
            "booking_type of rule {value} must be 0, 1 or 2.",
            "booking_rule_id",
        )
    from .flex import validate_flex

    validate_flex(tables, problems)
    return problems
