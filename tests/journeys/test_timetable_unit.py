"""The timetable compiler on tiny inputs: calendars on every weekday, the GTFS loader on a
hand-written feed, windows and walking limits at their edges, transfers.txt rules, routes,
reversal and the file format. Every value is exact."""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from journeys.domain.timetable import (
    DAY_S,
    EARTH_RADIUS_M,
    KEY_STRIDE,
    ServiceCalendar,
    StopInput,
    TimetableConfig,
    TimetableSource,
    TransferInput,
    TripInput,
    build_timetable,
    day_shift_s,
    earth_xyz,
    haversine_m,
    load_gtfs,
    load_timetable,
    lookback_days_for,
    make_monotone,
    merge_sources,
    save_timetable,
    service_days_for,
    timetable_for_date,
    walk_seconds,
)

MONDAY = dt.date(2024, 1, 1)  # a fixed week, whatever today is
WEEK = [MONDAY + dt.timedelta(days=i) for i in range(7)]


def trip_stop_times(tt, route: int, rank: int):
    """(stops, arrivals, departures) of the ``rank``-th trip of a route, read from the arrays."""
    a, b = tt.route_pos_start[route], tt.route_pos_start[route + 1]
    cols = tt.pos_col_start[a:b] + rank
    return tt.pos_stop[a:b], tt.times_arr[cols], tt.times_dep[cols]


def hms(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def stops(*specs):
    return [StopInput(s, lat, lon, f"Halt {s}") for s, lat, lon in specs]


def line(trip_id, pairs, *, route="R", service="WK", pickup=None, dropoff=None):
    ids = [s for s, _ in pairs]
    times = [hms(t) for _, t in pairs]
    return TripInput(trip_id, route, service, ids, times, times, pickup, dropoff)


# ---- calendars -----------------------------------------------------------------------------


@pytest.mark.parametrize("day", WEEK, ids=lambda d: d.strftime("%a"))
def test_calendar_pattern_on_every_weekday(day):
    pattern = (True, False, True, False, True, False, True)  # Mon, Wed, Fri, Sun
    cal = ServiceCalendar(weekly={"S": (pattern, WEEK[0], WEEK[-1])})
    assert cal.active_service_ids(day) == ({"S"} if pattern[day.weekday()] else set())
    # the same weekday a week later is outside the range
    assert cal.active_service_ids(day + dt.timedelta(days=7)) == set()


def test_calendar_range_is_inclusive_and_exceptions_apply_last():
    every = (True,) * 7
    cal = ServiceCalendar(
        weekly={"S": (every, WEEK[1], WEEK[3])},
        added={WEEK[5]: {"X"}, WEEK[2]: {"S"}},
        removed={WEEK[3]: {"S"}, WEEK[5]: {"X"}},
    )
    assert [sorted(cal.active_service_ids(d)) for d in WEEK] == [[], ["S"], ["S"], [], [], [], []]
    assert cal.dates() == [WEEK[1], WEEK[2]]
    assert ServiceCalendar(added={WEEK[6]: {"A"}, WEEK[0]: {"A"}}).dates() == [WEEK[0], WEEK[6]]


# ---- geometry ------------------------------------------------------------------------------


def test_walk_seconds_round_up_at_the_exact_boundary():
    assert walk_seconds(np.array([0.0, 1.2, 1.2000001, 2.4, 3.5]), 1.2).tolist() == [0, 1, 2, 2, 3]
    assert walk_seconds(12.0, 1.0).tolist() == 12
    assert walk_seconds(np.array([10.0]), 2.5).dtype == np.int64


def test_haversine_and_earth_xyz():
    assert float(haversine_m(0.0, 0.0, 0.0, 1.0)) == pytest.approx(EARTH_RADIUS_M * math.pi / 180, rel=1e-12)
    assert float(haversine_m(0.0, 0.0, 1.0, 0.0)) == pytest.approx(EARTH_RADIUS_M * math.pi / 180, rel=1e-12)
    assert float(haversine_m(0.0, 0.0, 0.0, 180.0)) == pytest.approx(EARTH_RADIUS_M * math.pi, rel=1e-12)
    assert float(haversine_m(49.0, 8.0, 49.0, 8.0)) == 0.0
    xyz = earth_xyz([0.0, 90.0, 0.0], [0.0, 0.0, 90.0])
    assert np.allclose(xyz, [[EARTH_RADIUS_M, 0, 0], [0, 0, EARTH_RADIUS_M], [0, EARTH_RADIUS_M, 0]], atol=1e-6)


# ---- sources -------------------------------------------------------------------------------


def test_from_inputs_checks_lengths_and_stop_ids_and_drops_one_stop_trips():
    s = stops(("A", 49.0, 8.0), ("B", 49.0, 8.1))
    bad = TripInput("t", "R", "WK", ["A", "B"], [1, 2], [1])
    with pytest.raises(ValueError, match="^trip t: stop_ids, arrivals and departures differ in length$"):
        TimetableSource.from_inputs(s, [bad])
    with pytest.raises(ValueError, match=r"^trip u: unknown stop ids \['X', 'Y', 'Z'\]$"):
        TimetableSource.from_inputs(s, [TripInput("u", "R", "WK", ["X", "Y", "Z", "W"], [1] * 4, [1] * 4)])
    source = TimetableSource.from_inputs(
        s, [TripInput("one", "R", "WK", ["A"], [5], [5]), TripInput("two", "R", "WK", ["A", "B"], [5, 9], [6, 9])]
    )
    assert (source.trip_ids, source.n_trips, source.n_stops) == (["two"], 1, 2)
    assert source.trip_st_start.tolist() == [0, 2]
    assert (source.st_arr.tolist(), source.st_dep.tolist()) == ([5, 9], [6, 9])
    assert list(source.trips()) == [(0, slice(0, 2))]
    assert (source.stop_names, source.st_pickup.tolist(), source.st_dropoff.tolist()) == (
        ["Halt A", "Halt B"],
        [True, True],
        [True, True],
    )


def test_time_travel_inside_a_trip_is_repaired_per_trip():
    start = np.array([0, 3, 5])
    arr = np.array([100, 90, 200, 50, 40], dtype=np.int32)
    dep = np.array([110, 95, 150, 60, 70], dtype=np.int32)
    fixed_arr, fixed_dep = make_monotone(start, arr, dep)
    # trip 1: 100/110, 90 -> 110/110 (95 -> 110), 200/200 (150 -> 200); trip 2 starts afresh at 50
    assert fixed_arr.tolist() == [100, 110, 200, 50, 60]
    assert fixed_dep.tolist() == [110, 110, 200, 60, 70]
    assert fixed_arr.dtype == np.int32
    empty = np.zeros(0, dtype=np.int32)
    assert [a.tolist() for a in make_monotone(np.array([0]), empty, empty)] == [[], []]


def test_merge_sources_prefixes_ids_and_offsets_rows():
    a = TimetableSource.from_inputs(
        stops(("x", 49.0, 8.0), ("y", 49.0, 8.1)), [line("t", [("x", "08:00:00"), ("y", "08:10:00")])]
    )
    b = TimetableSource.from_inputs(
        stops(("y", 48.0, 9.0), ("z", 48.0, 9.1)),
        [line("t", [("z", "09:00:00"), ("y", "09:30:00")], pickup=[True, False], dropoff=[False, True])],
        [TransferInput("y", "z", 2, 60)],
    )
    m = merge_sources([a, b], ["a:", "b:"])
    assert m.stop_ids == ["a:x", "a:y", "b:y", "b:z"]
    assert m.stop_names == ["Halt x", "Halt y", "Halt y", "Halt z"]
    assert m.stop_lat.tolist() == [49.0, 49.0, 48.0, 48.0] and m.stop_lon.tolist() == [8.0, 8.1, 9.0, 9.1]
    assert (m.trip_ids, m.trip_route_ids, m.trip_service_ids) == (["a:t", "b:t"], ["a:R", "b:R"], ["a:WK", "b:WK"])
    assert m.trip_st_start.tolist() == [0, 2, 4]
    assert m.st_stop.tolist() == [0, 1, 3, 2]
    assert m.st_arr.tolist() == [hms("08:00:00"), hms("08:10:00"), hms("09:00:00"), hms("09:30:00")]
    assert m.st_dep.tolist() == m.st_arr.tolist()
    assert m.st_pickup.tolist() == [True, True, True, False]
    assert m.st_dropoff.tolist() == [True, True, False, True]
    assert m.transfers == [TransferInput("b:y", "b:z", 2, 60)]
    with pytest.raises(ValueError, match="^one prefix per source$"):
        merge_sources([a, b], ["a:"])


# ---- the GTFS loader on a hand-written feed ------------------------------------------------

FEED = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Lindenau,https://lindenau.example,Europe/Berlin\n",
    "stops.txt": (
        "stop_id,stop_name,stop_lat,stop_lon,location_type\n"
        "S,Bahnhof,49.0,8.0,1\n"
        "a,Markt,49.0,8.0,0\n"
        "b,Kirche,49.0,8.01,0\n"
        "c,Schule,49.0,8.02,\n"
        "d,Feld,49.0,8.03,0\n"
    ),
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR,A,1,3\nQ,A,2,3\n",
    "trips.txt": (
        "route_id,service_id,trip_id\n"
        "R,WK,gap\n"  # a stop without times between two timepoints
        "R,WK,late\n"  # past midnight, pickup and drop-off rules
        "Q,SA,lonely\n"  # one stop only: dropped
        "Q,WK,blind\n"  # no times at all: dropped
    ),
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n"
        "gap,08:00:00,08:00:00,a,1,0,0\n"
        "gap,,,b,2,0,0\n"
        "gap,08:21:00,08:22:00,c,3,,\n"
        "late,24:50:00,24:51:00,c,2,1,2\n"  # listed out of order: sorted by stop_sequence
        "late,24:40:00,,b,1,0,1\n"
        "late,,25:10:00,d,3,3,0\n"
        "lonely,09:00:00,09:00:00,a,1,0,0\n"
        "blind,,,a,1,0,0\n"
        "blind,,,b,2,0,0\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20240101,20240131\n"
        "SA,0,0,0,0,0,1,0,20240101,20240131\n"
    ),
    "calendar_dates.txt": "service_id,date,exception_type\nWK,20240103,2\nSA,20240104,1\nWK,20240105,3\n",
    "transfers.txt": (
        "from_stop_id,to_stop_id,transfer_type,min_transfer_time,from_trip_id\n"
        "b,b,2,240,\n"
        "b,c,1,,\n"
        "c,d,2,,\n"
        "a,b,3,,\n"
        "c,c,2,30,gap\n"  # trip-specific: ignored
        "d,c,,,\n"  # empty type: 0
    ),
}


@pytest.fixture
def tiny_feed(tmp_path):
    path = tmp_path / "tiny.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in FEED.items():
            zf.writestr(name, text)
    return path


def test_gtfs_loader_reads_a_hand_written_feed_exactly(tiny_feed):
    source, cal = load_gtfs(tiny_feed)
    assert source.stop_ids == ["S", "a", "b", "c", "d"]
    assert source.stop_names == ["Bahnhof", "Markt", "Kirche", "Schule", "Feld"]
    assert source.stop_lat.tolist() == [49.0] * 5 and source.stop_lon.tolist() == [8.0, 8.0, 8.01, 8.02, 8.03]
    assert (source.trip_ids, source.trip_route_ids, source.trip_service_ids) == (
        ["gap", "late"],
        ["R", "R"],
        ["WK", "WK"],
    )
    assert source.trip_st_start.tolist() == [0, 3, 6]
    assert [source.stop_ids[s] for s in source.st_stop] == ["a", "b", "c", "b", "c", "d"]
    # the gap: half way by position between 08:00:00 and 08:21:00 (rounded); missing arrival or
    # departure takes the other one
    assert source.st_arr.tolist() == [
        hms(t) for t in ("08:00:00", "08:10:30", "08:21:00", "24:40:00", "24:50:00", "25:10:00")
    ]
    assert source.st_dep.tolist() == [
        hms(t) for t in ("08:00:00", "08:10:30", "08:22:00", "24:40:00", "24:51:00", "25:10:00")
    ]
    # pickup/drop-off type 1 is "not available"; 2 and 3 (arrange by phone, with the driver) count as available
    assert source.st_pickup.tolist() == [True, True, True, True, False, True]
    assert source.st_dropoff.tolist() == [True, True, True, False, True, True]
    assert source.transfers == [
        TransferInput("b", "b", 2, 240),
        TransferInput("b", "c", 1, None),
        TransferInput("c", "d", 2, None),
        TransferInput("a", "b", 3, None),
        TransferInput("d", "c", 0, None),
    ]
    assert cal.weekly == {
        "WK": ((True,) * 5 + (False,) * 2, dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
        "SA": ((False,) * 5 + (True, False), dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
    }
    assert cal.added == {dt.date(2024, 1, 4): {"SA"}}
    assert cal.removed == {dt.date(2024, 1, 3): {"WK"}}
    assert lookback_days_for(source) == 1


def test_timetable_for_a_date_takes_yesterdays_late_trips(tiny_feed):
    source, cal = load_gtfs(tiny_feed)
    # Tuesday 2 Jan: Monday's "late" runs 00:40-01:10 today, today's "gap" and "late" too
    tt = timetable_for_date(source, cal, dt.date(2024, 1, 2))
    got = sorted((tt.trip_ids[t], int(d)) for t, d in zip(tt.inst_trip, tt.inst_day, strict=True))
    assert got == [("gap", 0), ("late", -1), ("late", 0)]
    # Monday 1 Jan: no Sunday service, so only Monday's trips; Wednesday is removed, so Thursday sees
    # only its own trips
    tt = timetable_for_date(source, cal, dt.date(2024, 1, 1))
    assert sorted(tt.trip_ids[t] for t in tt.inst_trip) == ["gap", "late"]
    tt = timetable_for_date(source, cal, dt.date(2024, 1, 4))
    assert sorted((tt.trip_ids[t], int(d)) for t, d in zip(tt.inst_trip, tt.inst_day, strict=True)) == [
        ("gap", 0),
        ("late", 0),
    ]


def test_lookback_days_follow_the_latest_time():
    def source_until(last: str) -> TimetableSource:
        return TimetableSource.from_inputs(
            stops(("a", 49.0, 8.0), ("b", 49.0, 8.1)), [line("t", [("a", "08:00:00"), ("b", last)])]
        )

    assert lookback_days_for(source_until("47:59:59")) == 1
    assert lookback_days_for(source_until("48:00:00")) == 2
    assert lookback_days_for(source_until("72:00:00")) == 3
    assert lookback_days_for(TimetableSource.from_inputs([], [])) == 1


def test_service_days_and_day_shifts():
    cal = ServiceCalendar(weekly={"WK": ((True,) * 5 + (False,) * 2, WEEK[0], WEEK[-1])})
    assert service_days_for(cal, WEEK[0]) == [(-1, set(), -DAY_S), (0, {"WK"}, 0), (1, {"WK"}, DAY_S)]
    assert service_days_for(cal, WEEK[4], days=(0, 1, 2)) == [(0, {"WK"}, 0), (1, set(), DAY_S), (2, set(), 2 * DAY_S)]
    berlin = ZoneInfo("Europe/Berlin")
    assert day_shift_s(dt.date(2024, 3, 31), 0, berlin) == 0
    assert day_shift_s(dt.date(2024, 3, 30), 1, berlin) == 23 * 3600  # spring forward in between
    assert day_shift_s(dt.date(2024, 10, 27), 1, berlin) == DAY_S
    assert day_shift_s(dt.date(2024, 10, 26), 1, berlin) == 25 * 3600
    assert day_shift_s(dt.date(2024, 3, 30), 2, None) == 2 * DAY_S


# ---- compiling -----------------------------------------------------------------------------

SIX = stops(
    ("A", 49.0, 8.0), ("B", 49.0, 8.02), ("C", 49.0, 8.04), ("C2", 49.0, 8.041), ("D", 49.0, 8.06), ("Z", 49.0, 8.1)
)


def test_window_edges_are_inclusive():
    trips = [
        line("ends_at_start", [("A", "07:00:00"), ("B", "08:00:00")]),
        line("ends_before", [("A", "07:00:00"), ("B", "07:59:59")]),
        line("starts_at_end", [("A", "10:00:00"), ("B", "10:30:00")]),
        line("starts_after", [("A", "10:00:01"), ("B", "10:30:00")]),
    ]
    source = TimetableSource.from_inputs(SIX, trips)
    tt = build_timetable(source, [(0, {"WK"})], window=(hms("08:00:00"), hms("10:00:00")))
    assert sorted(tt.trip_ids[t] for t in tt.inst_trip) == ["ends_at_start", "starts_at_end"]
    # a shifted day: tomorrow's 03:00 trip is 27:00 today
    early = TimetableSource.from_inputs(SIX, [line("early", [("A", "03:00:00"), ("B", "03:30:00")], service="X")])
    tt = build_timetable(early, [(1, {"X"})], window=(0, hms("27:00:00")))
    assert (tt.times_dep.tolist(), tt.inst_day.tolist()) == ([hms("27:00:00"), hms("27:30:00")], [1])
    tt = build_timetable(early, [(1, {"X"}, 23 * 3600)], window=(0, hms("27:00:00")))
    assert tt.times_dep.tolist() == [hms("26:00:00"), hms("26:30:00")]
    assert build_timetable(early, [(1, {"X"})], window=(0, hms("26:59:59"))).n_positions == 0
    assert build_timetable(early, [(1, set())]).n_positions == 0


def test_routes_group_by_stops_and_rules_and_split_overtaking_trips():
    trips = [
        line("t1", [("A", "08:00:00"), ("B", "08:10:00"), ("C", "08:20:00")]),
        line("t2", [("A", "08:00:00"), ("B", "08:10:00"), ("C", "08:20:00")]),  # equal times: same route
        line("t3", [("A", "08:05:00"), ("B", "08:09:00"), ("C", "08:30:00")]),  # overtakes at B: own route
        line("t4", [("A", "09:00:00"), ("B", "09:10:00"), ("C", "09:20:00")], pickup=[True, False, True]),
    ]
    source = TimetableSource.from_inputs(SIX, trips)
    tt = build_timetable(source, [(0, {"WK"})])
    assert tt.n_routes == 3 and tt.n_positions == 9
    members = [
        sorted(
            tt.trip_ids[tt.inst_trip[i]] for i in tt.route_trips[tt.route_trip_start[r] : tt.route_trip_start[r + 1]]
        )
        for r in range(tt.n_routes)
    ]
    assert sorted(members) == [["t1", "t2"], ["t3"], ["t4"]]
    r4 = next(r for r in range(3) if members[r] == ["t4"])
    stop_ids, arr, dep = trip_stop_times(tt, r4, 0)
    assert ([tt.stop_ids[s] for s in stop_ids], arr.tolist(), dep.tolist()) == (
        ["A", "B", "C"],
        [hms("09:00:00"), hms("09:10:00"), hms("09:20:00")],
        [hms("09:00:00"), hms("09:10:00"), hms("09:20:00")],
    )
    a, b = tt.route_pos_start[r4], tt.route_pos_start[r4 + 1]
    # boarding: pickup allowed and not the last stop; alighting: drop-off allowed and not the first
    assert tt.pos_can_board[a:b].tolist() == [True, False, False]
    assert tt.pos_can_alight[a:b].tolist() == [False, True, True]
    assert tt.pos_is_first[a:b].tolist() == [True, False, False]
    assert tt.time_base == hms("08:00:00") - 1
    assert np.all(np.diff(tt.dep_key) >= 0)  # t1 and t2 leave together
    assert tt.stop_served.tolist() == [True, True, True, False, False, False]
    assert (tt.n_stops, tt.stop_index("C")) == (6, 2)
    with pytest.raises(KeyError):
        tt.stop_index("nowhere")


def test_a_timetable_spanning_too_long_is_refused():
    span = KEY_STRIDE - 1  # time base is the first departure minus one
    ok = TimetableSource.from_inputs(SIX, [TripInput("t", "R", "WK", ["A", "B"], [0, span - 1], [0, span - 1])])
    assert build_timetable(ok, [(0, {"WK"})], window=(0, span)).n_positions == 2
    long = TimetableSource.from_inputs(SIX, [TripInput("t", "R", "WK", ["A", "B"], [0, span], [0, span])])
    with pytest.raises(ValueError, match="^timetable spans too long a time range$"):
        build_timetable(long, [(0, {"WK"})], window=(0, span))


# ---- footpaths and transfers.txt -----------------------------------------------------------

CC2_M = float(haversine_m(49.0, 8.04, 49.0, 8.041)) * 1.3  # 94.84 walking metres
SERVE_ALL = [
    line("t1", [("A", "08:00:00"), ("B", "08:10:00"), ("C", "08:20:00")]),
    line("t2", [("C2", "08:30:00"), ("D", "08:40:00"), ("Z", "08:50:00")]),
]


def _paths(tt):
    return {
        (tt.stop_ids[a], tt.stop_ids[int(b)], int(s), round(float(m), 2))
        for a in range(tt.n_stops)
        for b, s, m in zip(*tt.footpaths_from(a), strict=True)
    }


def test_footpath_limit_is_inclusive_and_zero_means_none():
    source = TimetableSource.from_inputs(SIX, SERVE_ALL)
    at_limit = build_timetable(source, [(0, {"WK"})], config=TimetableConfig(max_transfer_walk_m=CC2_M))
    secs = math.ceil(CC2_M / 1.2)
    assert _paths(at_limit) == {("C", "C2", secs, 94.84), ("C2", "C", secs, 94.84)}
    below = build_timetable(source, [(0, {"WK"})], config=TimetableConfig(max_transfer_walk_m=CC2_M - 1e-6))
    assert _paths(below) == set()
    none = build_timetable(source, [(0, {"WK"})], config=TimetableConfig(max_transfer_walk_m=0))
    assert (_paths(none), none.fp_start.tolist()) == (set(), [0] * 7)
    slow = build_timetable(source, [(0, {"WK"})], config=TimetableConfig(walk_speed_mps=0.5, detour_factor=1.0))
    straight = CC2_M / 1.3
    assert _paths(slow) == {("C", "C2", math.ceil(straight / 0.5), round(straight, 2)), ("C2", "C", 146, 72.95)}


def test_transfers_txt_rules():
    source = TimetableSource.from_inputs(
        SIX,
        SERVE_ALL,
        [
            TransferInput("A", "A", 1),  # timed: 0 s
            TransferInput("B", "B", 2, 300),
            TransferInput("D", "D", 2),  # no time given: the default stays
            TransferInput("Z", "Z", 3),  # forbidden
            TransferInput("A", "Z", 2, 900),  # far apart: added with its time and straight-line metres
            TransferInput("B", "D", 1),  # timed walk: 0 s
            TransferInput("D", "B", 2),  # type 2 without a time: nothing
            TransferInput("C2", "C", 3),  # forbids the computed footpath one way
            TransferInput("A", "nowhere", 2, 60),  # unknown stop: ignored
            TransferInput("C", "D", 0),  # recommended: nothing changes
        ],
    )
    tt = build_timetable(source, [(0, {"WK"})], config=TimetableConfig(default_transfer_s=100))
    assert tt.stop_transfer_s.tolist()[:3] == [0, 300, 100]
    assert tt.stop_transfer_s[3] == 100 and tt.stop_transfer_s[4] == 100
    assert int(tt.stop_transfer_s[5]) == 2**40
    az = round(float(haversine_m(49.0, 8.0, 49.0, 8.1)) * 1.3, 2)
    bd = round(float(haversine_m(49.0, 8.02, 49.0, 8.06)) * 1.3, 2)
    assert _paths(tt) == {("A", "Z", 900, az), ("B", "D", 0, bd), ("C", "C2", 80, 94.84)}


def test_extra_footpaths_override_and_unknown_ids_are_skipped():
    source = TimetableSource.from_inputs(SIX, SERVE_ALL)
    tt = build_timetable(
        source, [(0, {"WK"})], extra_footpaths=[("C", "C2", 120.5, 200), ("A", "D", 3000.0, 2500), ("A", "?", 1.0, 1)]
    )
    assert _paths(tt) == {("C", "C2", 200, 120.5), ("C2", "C", 80, 94.84), ("A", "D", 2500, 3000.0)}


def test_stops_near_is_inclusive_and_ordered_nearest_first():
    source = TimetableSource.from_inputs(SIX, SERVE_ALL)
    tt = build_timetable(source, [(0, {"WK"})])
    to_c = float(haversine_m(49.0, 8.0404, 49.0, 8.04)) * 1.3
    to_c2 = float(haversine_m(49.0, 8.0404, 49.0, 8.041)) * 1.3
    found, walk = tt.stops_near(49.0, 8.0404, to_c2)
    assert [tt.stop_ids[s] for s in found] == ["C", "C2"]  # nearest first
    assert walk.tolist() == pytest.approx([to_c, to_c2], rel=1e-12)
    found, _walk = tt.stops_near(49.0, 8.0404, to_c2 - 1e-6)
    assert [tt.stop_ids[s] for s in found] == ["C"]
    assert tt.stops_near(49.0, 8.0404, to_c - 1e-6)[0].tolist() == []
    assert tt.walk_m(49.0, 8.04, 49.0, 8.041) == CC2_M
    assert tt.walk_seconds(CC2_M).tolist() == 80


# ---- reversal and files --------------------------------------------------------------------


def test_reversed_timetable_negates_and_flips():
    source = TimetableSource.from_inputs(
        SIX, [line("t", [("A", "08:00:00"), ("B", "08:10:00"), ("C", "08:20:00")], pickup=[True, True, False])]
    )
    tt = build_timetable(source, [(0, {"WK"})])
    rev = tt.reversed()
    assert rev.reversed() is tt and tt.reversed() is rev
    stop_ids, arr, dep = trip_stop_times(rev, 0, 0)
    assert [rev.stop_ids[s] for s in stop_ids] == ["C", "B", "A"]
    assert arr.tolist() == [-hms("08:20:00"), -hms("08:10:00"), -hms("08:00:00")]
    assert dep.tolist() == arr.tolist()
    # reversed: one boards where one could alight and alights where one could board
    assert rev.pos_can_board.tolist() == [True, True, False]
    assert rev.pos_can_alight.tolist() == [False, True, True]
    assert rev.time_base == -hms("08:20:00") - 1


def test_saved_file_round_trip_and_compressed_members_are_refused(tmp_path):
    source = TimetableSource.from_inputs(SIX, SERVE_ALL)
    config = TimetableConfig(default_transfer_s=90, walk_speed_mps=1.1, detour_factor=1.25, max_transfer_walk_m=300.0)
    tt = build_timetable(source, [(0, {"WK"})], config=config)
    path = tmp_path / "t.npz"
    save_timetable(tt, path)
    for loaded in (load_timetable(path), load_timetable(path, mmap=True)):
        assert loaded.config == config
        assert loaded.time_base == tt.time_base
        assert loaded.stop_ids == tt.stop_ids and loaded.stop_names == tt.stop_names
        assert loaded.trip_route_ids == tt.trip_route_ids
        assert loaded.reversed().time_base == tt.reversed().time_base
        assert loaded.fp_to.tolist() == tt.fp_to.tolist() and loaded.inst_day.tolist() == tt.inst_day.tolist()
    packed = tmp_path / "packed.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    assert load_timetable(packed).stop_ids == tt.stop_ids  # np.load reads it
    with pytest.raises(ValueError, match=r"member stop_lat\.npy is compressed; cannot memory-map$"):
        load_timetable(packed, mmap=True)


def test_memory_mapped_members_keep_their_layout_shape_and_scalars(tmp_path):
    from journeys.domain.timetable import _npz_memmap

    fortran = np.asfortranarray(np.arange(12, dtype=np.int64).reshape(3, 4))
    path = tmp_path / "a.npz"
    with open(path, "wb") as fh:
        np.savez(fh, f=fortran, c=np.arange(6.0).reshape(2, 3), s=np.array(7, dtype=np.int64), e=np.zeros((0, 2)))
    arrays = _npz_memmap(path)
    assert arrays["f"].tolist() == fortran.tolist() and arrays["f"].flags.f_contiguous
    assert isinstance(arrays["f"], np.memmap) and isinstance(arrays["c"], np.memmap)
    assert arrays["c"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert (arrays["s"].shape, int(arrays["s"])) == ((), 7)
    assert (arrays["e"].shape, arrays["e"].dtype) == ((0, 2), np.float64)


def test_timetable_for_a_date_before_a_clock_change_shifts_tomorrow_by_23_hours():
    source = TimetableSource.from_inputs(SIX, [line("early", [("A", "03:00:00"), ("B", "03:30:00")], service="SU")])
    cal = ServiceCalendar(added={dt.date(2024, 3, 31): {"SU"}})
    berlin = ZoneInfo("Europe/Berlin")
    # Saturday 30 March 2024; clocks go forward in the night: Sunday's 03:00 is 26:00 after Saturday's zero
    tt = timetable_for_date(source, cal, dt.date(2024, 3, 30), tz=berlin)
    assert (tt.times_dep.tolist(), tt.inst_day.tolist()) == ([hms("26:00:00"), hms("26:30:00")], [1])
    tt = timetable_for_date(source, cal, dt.date(2024, 3, 30))
    assert tt.times_dep.tolist() == [hms("27:00:00"), hms("27:30:00")]
    # a window ending at 26:00 still holds it across the clock change, not without the time zone
    assert (
        timetable_for_date(source, cal, dt.date(2024, 3, 30), tz=berlin, window=(0, hms("26:00:00"))).n_positions == 2
    )
    assert timetable_for_date(source, cal, dt.date(2024, 3, 30), window=(0, hms("26:00:00"))).n_positions == 0
    # lookback given explicitly: three days back
    late = TimetableSource.from_inputs(SIX, [line("late", [("A", "50:00:00"), ("B", "50:30:00")], service="SU")])
    tt = timetable_for_date(late, cal, dt.date(2024, 4, 2), lookback_days=2)
    assert (tt.times_dep.tolist(), tt.inst_day.tolist()) == ([hms("02:00:00"), hms("02:30:00")], [-2])
    assert timetable_for_date(late, cal, dt.date(2024, 4, 2), lookback_days=1).n_positions == 0
    assert timetable_for_date(late, cal, dt.date(2024, 4, 2)).n_positions == 2  # lookback from the feed: 2 days
