"""One GTFS time base ("noon minus 12 h") in the planner, departures, Bürgerbus booking and the
ride GTFS export, on both daylight-saving nights; and trips whose times pass 48:00:00.

The oracle knows nothing of zoneinfo: it hard-codes Germany's UTC offset at noon (CET +1 h in
winter, CEST +2 h from the last Sunday of March to the Saturday before the last Sunday of
October), so GTFS time t of service date d is the UTC instant ``d 12:00 - offset - 12 h + t``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gtfs.domain.booking import BookingRuleSpec, booking_deadline
from gtfs.domain.times import datetime_to_gtfs_time, gtfs_time_to_datetime
from gtfs.feed_import import feed_import
from gtfs.models import Stop
from gtfs.selectors import departures_from_stops
from journeys.domain.raptor import Place, TransitLeg, earliest_arrival
from journeys.domain.timetable import (
    ServiceCalendar,
    StopInput,
    TimetableSource,
    TripInput,
    day_shift_s,
    timetable_for_date,
)
from journeys.timetable_store import from_service_time, timetable_for, to_service_time
from tests.gtfs.conftest import build_zip

BERLIN = ZoneInfo("Europe/Berlin")
SPRING = date(2026, 3, 29)  # clocks 02:00 CET -> 03:00 CEST
AUTUMN = date(2026, 10, 25)  # clocks 03:00 CEST -> 02:00 CET


def noon_offset_h(day: date) -> int:
    return 2 if SPRING <= day < AUTUMN else 1


def oracle(day: date, hms: str) -> datetime:
    h, m, s = (int(x) for x in hms.split(":"))
    zero = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) - timedelta(hours=noon_offset_h(day) + 12)
    return zero + timedelta(hours=h, minutes=m, seconds=s)


# every trip runs every day of 2026
TRIPS = {
    "NIGHT": [("S1", "24:30:00"), ("S2", "24:45:00"), ("S3", "25:00:00")],
    "EARLY": [("S1", "03:30:00"), ("S3", "04:00:00")],
    "LONG": [("S1", "49:30:00"), ("S2", "49:40:00"), ("S3", "50:00:00")],
    "DAY": [("S1", "12:00:00"), ("S3", "12:30:00")],
}


def _feed_files(trips=TRIPS) -> dict[str, str]:
    times = "".join(
        f"{trip},{t},{t},{stop},{seq}\n" for trip, calls in trips.items() for seq, (stop, t) in enumerate(calls, 1)
    )
    return {
        "agency.txt": (
            "agency_id,agency_name,agency_url,agency_timezone\nA,Nachtbus,https://example.org,Europe/Berlin\n"
        ),
        "stops.txt": (
            "stop_id,stop_name,stop_lat,stop_lon\nS1,Nord,48.90,8.80\nS2,Mitte,48.95,8.85\nS3,Süd,49.00,8.90\n"
        ),
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nR,A,N1,3\n",
        "trips.txt": "route_id,service_id,trip_id\n" + "".join(f"R,ALL,{t}\n" for t in trips),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + times,
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "ALL,1,1,1,1,1,1,1,20260101,20261231\n",
    }


def _source() -> tuple[TimetableSource, ServiceCalendar]:
    def secs(t: str) -> int:
        h, m, s = (int(x) for x in t.split(":"))
        return h * 3600 + m * 60 + s

    stops = [StopInput("S1", 48.90, 8.80), StopInput("S2", 48.95, 8.85), StopInput("S3", 49.00, 8.90)]
    trips = [
        TripInput(trip, "R", "ALL", [s for s, _ in calls], [secs(t) for _, t in calls], [secs(t) for _, t in calls])
        for trip, calls in TRIPS.items()
    ]
    calendar = ServiceCalendar(weekly={"ALL": ((True,) * 7, date(2026, 1, 1), date(2026, 12, 31))})
    return TimetableSource.from_inputs(stops, trips), calendar


@pytest.mark.parametrize(
    "day", [SPRING, AUTUMN, SPRING + timedelta(days=1), AUTUMN + timedelta(days=1), date(2026, 6, 1)]
)
def test_days_are_apart_by_their_gtfs_zeros(day):
    for offset in (-2, -1, 1):
        expected = (oracle(day + timedelta(days=offset), "00:00:00") - oracle(day, "00:00:00")).total_seconds()
        assert day_shift_s(day, offset, BERLIN) == expected
    assert day_shift_s(SPRING, -1, BERLIN) == -23 * 3600
    assert day_shift_s(AUTUMN, -1, BERLIN) == -25 * 3600


@pytest.mark.parametrize("day", [SPRING, AUTUMN])
@pytest.mark.parametrize(("trip", "served_from"), [("NIGHT", -1), ("EARLY", 0), ("LONG", -2)])
def test_planner_on_a_clock_change_day_matches_the_oracle(day, trip, served_from):
    source, calendar = _source()
    tt = timetable_for_date(source, calendar, day, tz=BERLIN)
    zero = oracle(day, "00:00:00")
    service_day = day + timedelta(days=served_from)
    board, alight = oracle(service_day, TRIPS[trip][0][1]), oracle(service_day, TRIPS[trip][-1][1])
    ask = board - timedelta(minutes=20)
    journeys = earliest_arrival(
        tt, Place.at_stop(tt.stop_index("S1")), Place.at_stop(tt.stop_index("S3")), int((ask - zero).total_seconds())
    )
    legs = [leg for leg in journeys[0].legs if isinstance(leg, TransitLeg)]
    assert [leg.trip_id for leg in legs] == [trip]
    assert zero + timedelta(seconds=legs[0].depart) == board
    assert zero + timedelta(seconds=legs[0].arrive) == alight
    assert legs[0].service_day_offset == served_from


def test_conversions_used_by_booking_and_export_match_the_oracle():
    for day in (SPRING - timedelta(days=1), SPRING, AUTUMN - timedelta(days=1), AUTUMN):
        for hms in ("00:30:00", "01:30:00", "02:30:00", "03:30:00", "24:30:00", "49:30:00"):
            h, m, s = (int(x) for x in hms.split(":"))
            at = gtfs_time_to_datetime(day, h * 3600 + m * 60 + s, BERLIN)
            assert at.timestamp() == oracle(day, hms).timestamp()  # == between zones is False in a fold (PEP 495)
    # 00:30 CEST on the autumn day lies before that day's GTFS zero (01:00 CEST): yesterday's 24:30
    moment = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)
    assert datetime_to_gtfs_time(moment, BERLIN) == (AUTUMN - timedelta(days=1), 24 * 3600 + 1800)
    assert datetime_to_gtfs_time(oracle(SPRING, "01:30:00"), BERLIN) == (SPRING, 5400)
    # a booking deadline "17:00 the day before" is a GTFS time of that day
    rule = BookingRuleSpec(booking_type=2, prior_notice_last_day=1, prior_notice_last_time=25 * 3600)
    assert booking_deadline(
        rule, departure=oracle(SPRING, "08:00:00"), service_date=SPRING + timedelta(days=1), tz=BERLIN
    ) == oracle(SPRING, "25:00:00")


@pytest.mark.django_db
@pytest.mark.parametrize("day", [SPRING, AUTUMN])
def test_store_planner_and_departures_agree_with_the_oracle(day, tmp_path, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    feed_import(path=build_zip(tmp_path / "night.zip", _feed_files()), name="nacht")
    s1 = Stop.objects.get(stop_id="S1")
    expected = sorted(
        oracle(day + timedelta(days=offset), calls[0][1])
        for offset in (-3, -2, -1, 0)
        for calls in TRIPS.values()
        if oracle(day + timedelta(days=offset), calls[0][1]).astimezone(BERLIN).date() == day
    )
    start = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
    board = departures_from_stops(stop_ids=[s1.pk], start=start, window_minutes=24 * 60 - 1)
    assert sorted(d.departure.timestamp() for d in board) == [e.timestamp() for e in expected]
    assert {d.gtfs_trip_id for d in board} == set(TRIPS)  # LONG (49:30 two days back) is on the board
    # the planner through the store: the night trip of the previous service day
    service_day, seconds = to_service_time(oracle(day - timedelta(days=1), "24:30:00") - timedelta(minutes=10))
    assert service_day == day
    tt = timetable_for(service_day)
    journeys = earliest_arrival(
        tt,
        Place.at_stop(tt.stop_index(str(s1.pk))),
        Place.at_stop(tt.stop_index(str(Stop.objects.get(stop_id="S3").pk))),
        seconds,
    )
    leg = next(leg for leg in journeys[0].legs if isinstance(leg, TransitLeg))
    assert (
        from_service_time(service_day, leg.depart).timestamp()
        == oracle(day - timedelta(days=1), "24:30:00").timestamp()
    )
    assert (
        from_service_time(service_day, leg.arrive).timestamp()
        == oracle(day - timedelta(days=1), "25:00:00").timestamp()
    )


@pytest.mark.django_db
def test_times_beyond_72_hours_are_a_warning(tmp_path):
    trips = dict(TRIPS, FAR=[("S1", "73:00:00"), ("S3", "73:30:00")])
    result = feed_import(path=build_zip(tmp_path / "far.zip", _feed_files(trips)), name="fern")
    result.version.refresh_from_db()
    far = [w for w in result.version.warnings if w["code"] == "time_beyond_72h"]
    assert [(w["file"], w["severity"]) for w in far] == [("stop_times.txt", "warning")] * 2
