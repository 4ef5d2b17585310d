"""Journeys longer than the duration limit are left out visibly, and the limit is a parameter."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from gtfs.feed_import import feed_import
from gtfs.models import Stop
from journeys.timetable_store import local_tz
from tests.gtfs.conftest import build_zip


@pytest.fixture
def slow_line(db, tmp_path, settings):
    yield from _slow_line(tmp_path, second_trip=False)


@pytest.fixture
def two_slow_trips(db, tmp_path, settings):
    yield from _slow_line(tmp_path, second_trip=True)


def _slow_line(tmp_path, *, second_trip: bool):
    import journeys.conf
    import journeys.timetable_store as store

    journeys.conf.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    store._cache = None
    today = timezone.now().astimezone(local_tz()).date()
    first, last = (today - timedelta(days=5)).strftime("%Y%m%d"), (today + timedelta(days=30)).strftime("%Y%m%d")
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Bummelbus,https://example.org,Europe/Berlin\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,Anfang,48.90,8.80\nS2,Ende,49.20,9.10\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nR,A,B7,3\n",
        "trips.txt": "route_id,service_id,trip_id\nR,ALL,SLOW\n" + ("R,ALL,SLOW2\n" if second_trip else ""),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "SLOW,08:00:00,08:00:00,S1,1\nSLOW,15:00:00,15:00:00,S2,2\n"
        + ("SLOW2,08:30:00,08:30:00,S1,1\nSLOW2,15:30:00,15:30:00,S2,2\n" if second_trip else ""),
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        f"ALL,1,1,1,1,1,1,1,{first},{last}\n",
    }
    feed_import(path=build_zip(tmp_path / "slow.zip", files), name="bummel")
    yield today + timedelta(days=1)
    store._cache = None


def _search(client, day, **extra):
    depart = datetime(day.year, day.month, day.day, 7, 50, tzinfo=local_tz())
    params = {
        "from": f"stop:{Stop.objects.get(stop_id='S1').pk}",
        "to": f"stop:{Stop.objects.get(stop_id='S2').pk}",
        "depart_at": depart.isoformat(),
        "modes": "transit",
        **extra,
    }
    return client.get("/api/v1/journeys/", params)


def test_a_seven_hour_journey_is_cut_by_default_and_the_answer_says_so(slow_line, client):
    body = _search(client, slow_line).json()
    assert [o["kind"] for o in body["options"]] == []
    assert body["limits"]["max_duration_min"] == 360
    assert body["limits"]["longer_than_max_duration"] == 1
    assert "max_duration_min" in body["limits"]["message"]


def test_a_longer_limit_shows_it(slow_line, client):
    body = _search(client, slow_line, max_duration_min="480").json()
    assert body["limits"] == {"max_duration_min": 480, "longer_than_max_duration": 0}
    (option,) = body["options"]
    assert (option["departure"][11:16], option["arrival"][11:16], option["duration_min"]) == ("08:00", "15:00", 420)


@pytest.mark.parametrize("value", ["0", "1441", "abc"])
def test_a_bad_limit_is_a_clear_400(slow_line, client, value):
    response = _search(client, slow_line, max_duration_min=value)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert "max_duration_min" in body["error"]["fields"]


def test_the_limit_message_is_german_first_and_english_on_request(slow_line, client):
    german = _search(client, slow_line).json()["limits"]["message"]
    assert german == (
        "1 längere Verbindung mit Bus und Bahn wurde weggelassen (über 360 Minuten); "
        "mit einem größeren max_duration_min wird sie angezeigt."
    )
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = _search(client, slow_line).json()["limits"]["message"]
    assert english == "1 longer transit journey was left out (over 360 minutes); raise max_duration_min to see it."


def test_the_limit_message_has_its_german_plural(two_slow_trips, client):
    # both departures of the two-hour window (08:00 and 08:30) take seven hours
    body = _search(client, two_slow_trips, window_min="120").json()
    assert body["options"] == []
    assert body["limits"]["longer_than_max_duration"] == 2
    assert body["limits"]["message"] == (
        "2 längere Verbindungen mit Bus und Bahn wurden weggelassen (über 360 Minuten); "
        "mit einem größeren max_duration_min werden sie angezeigt."
    )
