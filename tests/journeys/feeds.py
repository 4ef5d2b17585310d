"""Loading the shared GTFS feeds once per test session, plus journey checks used by several tests."""

from __future__ import annotations

import datetime as dt
import functools
import random

from journeys.domain.raptor import Journey, TransitLeg, WalkLeg
from journeys.domain.timetable import (
    ServiceCalendar,
    Timetable,
    TimetableSource,
    build_timetable,
    load_gtfs,
    service_days_for,
)
from tests.conftest import shared_file
from tests.journeys.oracle import ConnectionScan


@functools.lru_cache(maxsize=8)
def _load(path: str) -> tuple[TimetableSource, ServiceCalendar]:
    return load_gtfs(path)


def load_source(path) -> tuple[TimetableSource, ServiceCalendar]:
    """``load_gtfs`` once per file and test session."""
    return _load(str(path))


def pick_weekday(calendar: ServiceCalendar) -> dt.date:
    """A weekday in the middle of the feed's service dates (with service on the day)."""
    dates = [d for d in calendar.dates() if d.weekday() < 5]
    return dates[len(dates) // 2]


@functools.lru_cache(maxsize=8)
def _compiled(path: str) -> tuple[TimetableSource, Timetable, ConnectionScan, dt.date]:
    source, calendar = _load(path)
    date = pick_weekday(calendar)
    days = service_days_for(calendar, date)
    return source, build_timetable(source, days), ConnectionScan(source, days), date


def feed(name: str) -> tuple[TimetableSource, Timetable, ConnectionScan, dt.date]:
    """(source, timetable, oracle, service date) of ``gtfs/<name>``; skips if the file is missing."""
    return _compiled(str(shared_file(f"gtfs/{name}")))


def random_queries(tt: Timetable, n: int, seed: int) -> list[tuple[int, int, int]]:
    """(origin stop, destination stop, departure s) among stops served that day."""
    rng = random.Random(seed)
    served = [int(s) for s in range(tt.n_stops) if tt.stop_served[s]]
    return [(rng.choice(served), rng.choice(served), rng.randrange(4 * 3600, 23 * 3600)) for _ in range(n)]


def check_journey_legs(tt: Timetable, source: TimetableSource, journey: Journey) -> None:
    """Every transit leg rides a real trip between two of its stops at the timetable's times;
    legs follow each other in time; totals match the legs."""
    trip_rows = {tid: i for i, tid in enumerate(source.trip_ids)}
    clock = journey.departure
    for leg in journey.legs:
        assert leg.depart >= clock, journey
        assert leg.arrive >= leg.depart, journey
        clock = leg.arrive
        if isinstance(leg, TransitLeg):
            t = trip_rows[leg.trip_id]
            a, b = int(source.trip_st_start[t]), int(source.trip_st_start[t + 1])
            stops = source.st_stop[a:b].tolist()
            shift = leg.service_day_offset * 86400
            i = next(
                i
                for i in range(len(stops))
                if stops[i] == leg.board_stop and source.st_dep[a + i] + shift == leg.depart
            )
            j = next(
                j
                for j in range(i + 1, len(stops))
                if stops[j] == leg.alight_stop and source.st_arr[a + j] + shift == leg.arrive
            )
            assert source.st_pickup[a + i] and source.st_dropoff[a + j]
            assert source.trip_route_ids[t] == leg.route_id
        else:
            assert isinstance(leg, WalkLeg)
    assert journey.arrival == journey.legs[-1].arrive
    assert journey.departure == journey.legs[0].depart
    rides = [leg for leg in journey.legs if isinstance(leg, TransitLeg)]
    assert journey.trips == len(rides)
    assert journey.transfers == max(0, len(rides) - 1)
    walked = sum(leg.walk_m for leg in journey.legs if isinstance(leg, WalkLeg))
    assert abs(journey.walk_m - walked) < 0.1
    # consecutive rides: board stop of the next equals the alight stop or the end of a walk
    for prev, nxt in zip(journey.legs, journey.legs[1:], strict=False):
        if isinstance(prev, TransitLeg) and isinstance(nxt, TransitLeg):
            assert nxt.board_stop == prev.alight_stop
            assert nxt.depart - prev.arrive >= tt.stop_transfer_s[prev.alight_stop]
        if isinstance(prev, TransitLeg) and isinstance(nxt, WalkLeg):
            assert nxt.from_stop == prev.alight_stop
        if isinstance(prev, WalkLeg) and isinstance(nxt, TransitLeg):
            assert prev.to_stop == nxt.board_stop
