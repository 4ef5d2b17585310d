"""Feed validation on hand-written tables: each rule with the value at its limit, one below and
one above, and the exact problem (severity, code, file, row, message) it reports."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from gtfs.domain.times import parse_gtfs_times
from gtfs.domain.validation import ERROR, LONG_TIME_WARNING_S, WARNING, ProblemList, validate_feed

VALID = {
    "agency": "agency_id,agency_name,agency_url,agency_timezone\nA,Lindenau,https://l.example,Europe/Berlin\n",
    "stops": "stop_id,stop_name,stop_lat,stop_lon,location_type\ns1,Markt,49.0,8.0,0\ns2,Kirche,49.1,8.1,\n",
    "routes": "route_id,route_short_name,route_long_name,route_type\nr1,1,,3\n",
    "trips": "route_id,service_id,trip_id\nr1,WK,t1\n",
    "stop_times": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "t1,08:00:00,08:00:00,s1,1\n"
        "t1,08:10:00,08:10:00,s2,2\n"
    ),
    "calendar": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20240101,20241231\n"
    ),
}


def table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype="string", keep_default_na=False, na_values=[""])


def feed(**changes: str | None) -> dict[str, pd.DataFrame | None]:
    texts = {**VALID, **changes}
    return {name: None if text is None else table(text) for name, text in texts.items()}


def problems(**changes: str | None) -> list[dict]:
    return validate_feed(feed(**changes)).finish()


def p(severity, code, file, row, message):
    return {"severity": severity, "code": code, "file": file, "row": row, "message": message}


def test_a_valid_feed_has_no_problems():
    result = validate_feed(feed())
    assert result.finish() == [] and not result.has_errors
    assert problems(calendar=None, calendar_dates="service_id,date,exception_type\nWK,20240101,1\n") == []


def test_missing_files_and_columns_stop_early():
    assert problems(agency=None, calendar=None) == [
        p(ERROR, "missing_file", "agency.txt", None, "agency.txt is required and missing or empty."),
        p(ERROR, "missing_file", "calendar.txt", None, "Either calendar.txt or calendar_dates.txt is required."),
    ]
    # a missing column is reported at the header line; the other checks do not run then
    assert problems(routes="route_id,route_short_name\nr1,1\n", trips="route_id,trip_id\nzz,t1\n") == [
        p(ERROR, "missing_column", "routes.txt", 1, "Column route_type is required in routes.txt."),
        p(ERROR, "missing_column", "trips.txt", 1, "Column service_id is required in trips.txt."),
    ]
    assert problems(calendar_dates="service_id,date\nWK,20240101\n") == [
        p(ERROR, "missing_column", "calendar_dates.txt", 1, "Column exception_type is required in calendar_dates.txt.")
    ]


def test_agency_rules():
    two = "agency_id,agency_name,agency_url,agency_timezone\n,Eins,u,Europe/Berlin\nB,Zwei,u,Europe/Berlin\n"
    assert problems(agency=two) == [
        p(ERROR, "missing_value", "agency.txt", 2, "agency_id is required when there are several agencies.")
    ]
    one_without_id = "agency_name,agency_url,agency_timezone\nEins,u,Europe/Berlin\n"
    assert problems(agency=one_without_id) == []
    bad = (
        "agency_id,agency_name,agency_url,agency_timezone\nA,Eins,u,Europe/Berlin\nA,Zwei,u, \nC,Drei,u,Mars/Olympus\n"
    )
    assert problems(agency=bad) == [
        p(ERROR, "missing_value", "agency.txt", 3, "agency_timezone is empty."),
        p(ERROR, "duplicate_id", "agency.txt", 3, "Duplicate agency_id A."),
        p(ERROR, "inconsistent_timezone", "agency.txt", None, "All agencies must use the same time zone."),
        p(ERROR, "invalid_timezone", "agency.txt", None, "Unknown time zone ''."),
        p(ERROR, "invalid_timezone", "agency.txt", None, "Unknown time zone 'Mars/Olympus'."),
    ]


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        ("90", "180", []),
        ("-90", "-180", []),
        ("90.000001", "8", ["coordinates_out_of_range"]),
        ("-90.000001", "8", ["coordinates_out_of_range"]),
        ("49", "180.000001", ["coordinates_out_of_range"]),
        ("49", "-180.000001", ["coordinates_out_of_range"]),
        ("0", "0", ["coordinates_zero"]),
        ("0", "0.000001", []),
        ("0.000001", "0", []),
        ("", "8", ["missing_coordinates"]),
        ("49", "x", ["missing_coordinates"]),
    ],
)
def test_stop_coordinates_at_their_limits(lat, lon, expected):
    stops = f"stop_id,stop_name,stop_lat,stop_lon\ns1,Markt,{lat},{lon}\ns2,Kirche,49.1,8.1\n"
    found = problems(stops=stops)
    assert [x["code"] for x in found] == expected
    messages = {
        "coordinates_out_of_range": (ERROR, "Stop s1 lies outside -90..90 / -180..180."),
        "coordinates_zero": (WARNING, "Stop s1 lies at 0,0."),
        "missing_coordinates": (ERROR, "Stop s1 has no position."),
    }
    assert found == [p(*messages[c][:1], c, "stops.txt", 2, messages[c][1]) for c in expected]


def test_stop_ids_names_and_location_types():
    stops = (
        "stop_id,stop_name,stop_lat,stop_lon,location_type\n"
        "s1,Markt,49.0,8.0,0\n"
        "s2,Kirche,49.1,8.1,\n"
        ",Leer,49.2,8.2,0\n"
        "s1,Doppelt,49.3,8.3,0\n"
        "e1,,,,2\n"  # an entrance needs a position, not a name
        "n1,,,,3\n"  # a generic node needs neither
        "b1,,49.4,8.4,4\n"  # a boarding area: no name needed
        "st,,49.5,8.5,1\n"  # a station needs a name
        "q1,,49.6,8.6,0\n"
    )
    assert problems(stops=stops) == [
        p(ERROR, "missing_value", "stops.txt", 4, "stop_id is empty."),
        p(ERROR, "duplicate_id", "stops.txt", 5, "Duplicate stop_id s1."),
        p(ERROR, "missing_coordinates", "stops.txt", 6, "Stop e1 has no position."),
        p(WARNING, "missing_stop_name", "stops.txt", 9, "Stop st has no name."),
        p(WARNING, "missing_stop_name", "stops.txt", 10, "Stop q1 has no name."),
    ]
    assert problems(stops="stop_id,stop_name,stop_lon\ns1,Markt,8.0\ns2,Kirche,8.1\n") == [
        p(ERROR, "missing_column", "stops.txt", 1, "Column stop_lat is required in stops.txt.")
    ]


def test_route_rules():
    routes = "route_id,route_short_name,route_long_name,route_type\nr1,1,,3\nr2,,Lange Linie,700\nr1,2,,3\nr3, , ,Bus\n"
    assert problems(routes=routes) == [
        p(ERROR, "duplicate_id", "routes.txt", 4, "Duplicate route_id r1."),
        p(ERROR, "invalid_route_type", "routes.txt", 5, "route_type of route r3 is not a number."),
        p(ERROR, "missing_route_name", "routes.txt", 5, "Route r3 has neither a short nor a long name."),
    ]
    assert problems(routes="route_id,route_type\nr1,3\n") == [
        p(ERROR, "missing_route_name", "routes.txt", 2, "Route r1 has neither a short nor a long name.")
    ]


CAL_HEAD = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"


def test_calendar_rules():
    calendar = (
        CAL_HEAD + "WK,1,1,1,1,1,0,0,20240101,20240101\n"  # one day: start == end is fine
        "X,0,0,0,0,0,0,0,20240102,20240101\n"  # ends before it starts
        "Y,2,1,1,1,1,1,-1,2024-01-01,\n"
        "WK,1,1,1,1,1,1,1,20240101,20240131\n"
    )
    found = problems(calendar=calendar, trips="route_id,service_id,trip_id\nr1,WK,t1\n")
    assert found == [
        p(ERROR, "duplicate_id", "calendar.txt", 5, "Duplicate service_id WK."),
        p(ERROR, "invalid_date", "calendar.txt", 4, "start_date 2024-01-01 is not a date (YYYYMMDD)."),
        p(ERROR, "missing_value", "calendar.txt", 4, "end_date is empty."),
        p(ERROR, "invalid_date_range", "calendar.txt", 3, "Service X ends before it starts."),
        p(ERROR, "invalid_value", "calendar.txt", 4, "monday of service Y must be 0 or 1."),
        p(ERROR, "invalid_value", "calendar.txt", 4, "sunday of service Y must be 0 or 1."),
    ]


@pytest.mark.parametrize(("kind", "ok"), [("0", False), ("1", True), ("2", True), ("3", False), ("x", False)])
def test_calendar_dates_exception_types(kind, ok):
    dates = f"service_id,date,exception_type\nWK,20240101,{kind}\n"
    expected = (
        []
        if ok
        else [p(ERROR, "invalid_value", "calendar_dates.txt", 2, "exception_type of service WK must be 1 or 2.")]
    )
    assert problems(calendar_dates=dates) == expected


def test_calendar_dates_duplicates_and_dates_and_services_from_either_file():
    dates = "service_id,date,exception_type\nSA,20240106,1\nSA,20240106,2\nSA,2024010,1\n"
    trips = "route_id,service_id,trip_id\nr1,WK,t1\nr1,SA,t2\nr1,SO,t3\n"
    st = VALID["stop_times"] + "t2,09:00:00,09:00:00,s1,1\nt2,09:10:00,09:10:00,s2,2\nt3,10:00:00,10:00:00,s1,1\n"
    st += "t3,10:10:00,10:10:00,s2,2\n"
    assert problems(calendar_dates=dates, trips=trips, stop_times=st) == [
        p(ERROR, "duplicate_id", "calendar_dates.txt", 3, "Duplicate service_id+date SA."),
        p(ERROR, "invalid_date", "calendar_dates.txt", 4, "date 2024010 is not a date (YYYYMMDD)."),
        p(ERROR, "unknown_service", "trips.txt", 4, "Trip t3 refers to a service that neither calendar file defines."),
    ]


def test_trip_rules():
    trips = "route_id,service_id,trip_id\nr1,WK,t1\nr9,WK,t2\nr1,??,t3\nr1,WK,t1\nr1,WK,\n"
    assert problems(trips=trips) == [
        p(ERROR, "missing_value", "trips.txt", 6, "trip_id is empty."),
        p(ERROR, "duplicate_id", "trips.txt", 5, "Duplicate trip_id t1."),
        p(ERROR, "unknown_route", "trips.txt", 3, "Trip t2 refers to a route that routes.txt does not define."),
        p(ERROR, "unknown_service", "trips.txt", 4, "Trip t3 refers to a service that neither calendar file defines."),
    ]


ST_HEAD = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"


def test_stop_time_references_sequences_and_times():
    st = ST_HEAD + (
        "t1,08:00:00,08:00:00,s1,1\n"
        "t1,08:10:00,08:10:00,s2,2\n"
        "t9,08:00:00,08:00:00,s1,1\n"  # unknown trip
        "t1,08:20:00,08:20:00,zz,3\n"  # unknown stop
        "t1,8:30,08:30:00,s1,x\n"  # bad time, bad sequence
        "t1,08:40:00,08:40:00,s2,2\n"  # duplicate sequence
    )
    assert problems(stop_times=st) == [
        p(ERROR, "unknown_trip", "stop_times.txt", 4, "stop_times refers to trip t9, which trips.txt does not define."),
        p(ERROR, "unknown_stop", "stop_times.txt", 5, "stop_times refers to stop zz, which stops.txt does not define."),
        p(ERROR, "invalid_value", "stop_times.txt", 6, "stop_sequence of trip t1 is not a number."),
        p(ERROR, "duplicate_id", "stop_times.txt", 7, "Duplicate trip_id+stop_sequence t1."),
        p(ERROR, "invalid_time", "stop_times.txt", 6, "arrival_time of trip t1 is not a GTFS time (HH:MM:SS)."),
    ]


def test_flex_locations_are_warnings():
    st = (
        "trip_id,arrival_time,departure_time,stop_id,location_group_id,location_id,stop_sequence\n"
        "t1,08:00:00,08:00:00,s1,,,1\n"
        "t1,,,g1,,,2\n"  # a location group id in stop_id
        "t1,,,,g2,,3\n"
        "t1,,,,,area,4\n"
        "t1,08:30:00,08:30:00,s2,,,5\n"
    )
    groups = "location_group_id,location_group_name\ng1,Dorf\n"
    found = validate_feed({**feed(stop_times=st), "location_groups": table(groups)}).finish()
    message = "Stop time at GTFS-Flex location {} is not imported (only fixed stops are)."
    assert found == [
        p(WARNING, "flex_location_not_imported", "stop_times.txt", 3, message.format("g1")),
        p(WARNING, "flex_location_not_imported", "stop_times.txt", 4, message.format("<NA>")),
        p(WARNING, "flex_location_not_imported", "stop_times.txt", 5, message.format("<NA>")),
    ]
    # without the location_groups file the id is an unknown stop
    found = problems(stop_times=st)
    assert found[0] == p(
        ERROR, "unknown_stop", "stop_times.txt", 3, "stop_times refers to stop g1, which stops.txt does not define."
    )
    no_stop_id = "trip_id,location_id,stop_sequence,arrival_time,departure_time\nt1,area,1,,\nt1,area,2,,\n"
    assert problems(stop_times=no_stop_id)[0] == p(
        WARNING,
        "flex_location_not_imported",
        "stop_times.txt",
        None,
        "stop_times.txt has no stop_id column; only GTFS-Flex locations.",
    )


def test_missing_time_columns_are_warnings():
    st = "trip_id,stop_id,stop_sequence\nt1,s1,1\nt1,s2,2\n"
    assert problems(stop_times=st) == [
        p(WARNING, "missing_column", "stop_times.txt", 1, "Column arrival_time is missing; stop times have no times."),
        p(
            WARNING,
            "missing_column",
            "stop_times.txt",
            1,
            "Column departure_time is missing; stop times have no times.",
        ),
    ]


@pytest.mark.parametrize(
    ("last", "warned"),
    [("72:00:00", False), ("72:00:01", True), ("71:59:59", False)],
)
def test_times_beyond_72_hours_at_the_limit(last, warned):
    assert LONG_TIME_WARNING_S == 72 * 3600
    st = ST_HEAD + f"t1,70:00:00,70:00:00,s1,1\nt1,{last},,s2,2\n"
    expected = [
        p(
            WARNING,
            "time_beyond_72h",
            "stop_times.txt",
            3,
            "Trip t1 has a time beyond 72:00:00; it is planned and shown, but such a trip runs three or more days "
            "after its service day starts.",
        )
    ]
    assert problems(stop_times=st) == (expected if warned else [])


def test_time_order_and_endpoint_times():
    st = ST_HEAD + (
        "t1,08:10:00,08:10:00,s2,2\n"  # listed out of order: sorted by stop_sequence
        "t1,08:00:00,08:05:00,s1,1\n"
        "t1,08:04:59,08:06:00,s1,3\n"  # arrives before it left sequence 2 (08:10): backwards
        "t1,08:06:00,08:06:00,s2,4\n"  # equal to the previous departure: fine
        "t2,,,s1,1\n"  # first stop without a time
        "t2,09:00:00,09:00:00,s2,2\n"
        "t2,,,s1,3\n"  # last stop without a time
    )
    trips = "route_id,service_id,trip_id\nr1,WK,t1\nr1,WK,t2\n"
    assert problems(stop_times=st, trips=trips) == [
        p(
            WARNING,
            "times_decreasing",
            "stop_times.txt",
            4,
            "Trip t1 arrives at a stop before it left the previous one.",
        ),
        p(WARNING, "missing_endpoint_time", "stop_times.txt", 6, "The first or last stop of trip t2 has no time."),
        p(WARNING, "missing_endpoint_time", "stop_times.txt", 8, "The first or last stop of trip t2 has no time."),
    ]


@pytest.mark.parametrize("column", ["start_pickup_drop_off_window", "start_pickup_dropoff_window"])
def test_flex_windows_need_no_endpoint_times(column):
    st = f"trip_id,arrival_time,departure_time,stop_id,stop_sequence,{column}\nt1,,,s1,1,08:00:00\nt1,,,s2,2,\n"
    assert problems(stop_times=st) == [
        p(WARNING, "missing_endpoint_time", "stop_times.txt", 3, "The first or last stop of trip t1 has no time.")
    ]


def test_time_order_is_skipped_without_a_usable_sequence():
    st = ST_HEAD + "t1,08:10:00,08:10:00,s1,1\nt1,08:00:00,08:00:00,s2,x\n"
    assert [x["code"] for x in problems(stop_times=st)] == ["invalid_value"]


def test_times_parsed_by_the_caller_are_used():
    tables = feed()
    arrival = parse_gtfs_times(tables["stop_times"]["arrival_time"])
    departure = parse_gtfs_times(tables["stop_times"]["departure_time"])
    # the caller's parse says the second arrival is bad and the first departure is late
    marked = (arrival[0], np.array([False, True]))
    late = (np.array([8 * 3600 + 900.0, 8 * 3600 + 600.0]), departure[1])
    found = validate_feed(tables, parsed_times={"_arrival_seconds": marked, "_departure_seconds": late}).finish()
    assert found == [
        p(ERROR, "invalid_time", "stop_times.txt", 3, "arrival_time of trip t1 is not a GTFS time (HH:MM:SS)."),
        p(
            WARNING,
            "times_decreasing",
            "stop_times.txt",
            3,
            "Trip t1 arrives at a stop before it left the previous one.",
        ),
    ]


@pytest.mark.parametrize(("kind", "ok"), [("-1", False), ("0", True), ("1", True), ("2", True), ("3", False)])
def test_booking_rule_types(kind, ok):
    rules = f"booking_rule_id,booking_type\nb1,{kind}\nb2,0\nb2,1\n"
    found = validate_feed({**feed(), "booking_rules": table(rules)}).finish()
    expected = [p(ERROR, "duplicate_id", "booking_rules.txt", 4, "Duplicate booking_rule_id b2.")]
    if not ok:
        expected.append(p(ERROR, "invalid_value", "booking_rules.txt", 2, "booking_type of rule b1 must be 0, 1 or 2."))
    assert found == expected


def test_problem_list_caps_each_code_and_counts_the_rest():
    problems_ = ProblemList(max_per_code=2)
    for row in range(2, 7):
        problems_.add(WARNING, "w", "stops.txt", row, f"row {row}")
    problems_.add(ERROR, "e", None, None, "once")
    df = pd.DataFrame({"stop_id": ["a", "b", "c", "d"]})
    problems_.add_rows(ERROR, "r", "stops.txt", np.array([True, True, False, True]), df, "id {value}", "stop_id")
    problems_.add_rows(ERROR, "n", "stops.txt", np.array([False, True, False, False]), df, "id {value}", "nothing")
    problems_.add_rows(ERROR, "z", "stops.txt", np.zeros(4, dtype=bool), df, "never", "stop_id")
    assert problems_.finish() == [
        p(WARNING, "w", "stops.txt", 2, "row 2"),
        p(WARNING, "w", "stops.txt", 3, "row 3"),
        p(ERROR, "e", None, None, "once"),
        p(ERROR, "r", "stops.txt", 2, "id a"),
        p(ERROR, "r", "stops.txt", 3, "id b"),
        p(ERROR, "n", "stops.txt", 3, "id None"),
        p(WARNING, "w", "stops.txt", None, "3 more problems of this kind"),
        p(ERROR, "r", "stops.txt", None, "1 more problems of this kind"),
    ]
    assert problems_.has_errors
    only_warnings = ProblemList(max_per_code=1)
    only_warnings.add(WARNING, "w", None, None, "x")
    assert not only_warnings.has_errors
    assert only_warnings.finish() == [p(WARNING, "w", None, None, "x")]
    exactly = ProblemList(max_per_code=1)
    exactly.add_rows(ERROR, "r", "f", np.array([True, False, False, False]), df, "{value}", "stop_id")
    assert exactly.finish() == [p(ERROR, "r", "f", 2, "a")]
