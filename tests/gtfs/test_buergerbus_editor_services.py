"""The Bürgerbus editor's services: booking rules changed and removed, a trip's line, stops
and times replaced, and what bookings protect (what the operator console calls)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gtfs import selectors_editor, services
from gtfs.models import BookingRule, BuergerbusBooking, Route, Service, Stop, StopTime, Trip
from mobility.errors import Conflict, NotFound, ValidationFailed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def next_monday() -> date:
    day = date.today() + timedelta(days=1)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return day


@pytest.fixture
def timetable(db) -> dict:
    stops = [
        services.bb_stop_create(name=name, lat=lat, lon=lon)
        for name, lat, lon in (("Rathaus", 50.15, 9.90), ("Kirche", 50.17, 9.93), ("Mühle", 50.18, 9.95))
    ]
    rule = services.bb_booking_rule_create(booking_type=2, prior_notice_last_day=1, prior_notice_last_time="18:00")
    line = services.bb_line_create(short_name="BB1", booking_rule_id=rule.pk)
    monday = next_monday()
    trip = services.bb_trip_create(
        line_id=line.pk,
        stops=[{"stop": stops[0].pk, "arrival": "08:00"}, {"stop": stops[1].pk, "arrival": "08:20"}],
        weekdays=["monday"],
        start_date=monday,
        end_date=monday + timedelta(days=60),
    )
    return {"stops": stops, "rule": rule, "line": line, "trip": trip, "monday": monday}


def calls(trip: Trip) -> list[tuple[str, int]]:
    return list(
        StopTime.objects.filter(trip=trip).order_by("stop_sequence").values_list("stop__name", "departure_time")
    )


def test_booking_rule_update_changes_the_rule_every_trip_uses(timetable):
    rule = services.bb_booking_rule_update(
        rule_id=timetable["rule"].pk, booking_type=1, prior_notice_duration_min=90, message="Bitte anrufen"
    )
    stored = BookingRule.objects.get(pk=rule.pk)
    assert (stored.booking_type, stored.prior_notice_duration_min, stored.message) == (1, 90, "Bitte anrufen")
    # the prior-day fields of the old kind are cleared, not left behind
    assert (stored.prior_notice_last_day, stored.prior_notice_last_time) == (None, None)
    assert Trip.objects.get(pk=timetable["trip"].pk).booking_rule_id == rule.pk


def test_booking_rule_update_checks_the_fields_together(timetable):
    with pytest.raises(ValidationFailed) as raised:
        services.bb_booking_rule_update(rule_id=timetable["rule"].pk, booking_type=1)
    assert raised.value.code == "gtfs_booking_rule_invalid"
    with pytest.raises(ValidationFailed) as raised:
        services.bb_booking_rule_update(rule_id=timetable["rule"].pk, prior_notice_last_time="25:99")
    assert raised.value.code == "gtfs_invalid_time"
    stored = BookingRule.objects.get(pk=timetable["rule"].pk)
    assert (stored.booking_type, stored.prior_notice_last_day, stored.prior_notice_last_time) == (2, 1, 18 * 3600)
    # a time given as HH:MM keeps the rule's kind and day
    services.bb_booking_rule_update(rule_id=timetable["rule"].pk, prior_notice_last_time="17:30")
    assert BookingRule.objects.get(pk=timetable["rule"].pk).prior_notice_last_time == 17 * 3600 + 1800


def test_booking_rule_delete_refused_while_a_line_uses_it(timetable):
    with pytest.raises(Conflict) as raised:
        services.bb_booking_rule_delete(rule_id=timetable["rule"].pk)
    assert raised.value.code == "gtfs_booking_rule_in_use"
    assert BookingRule.objects.filter(pk=timetable["rule"].pk).exists()
    services.bb_line_update(line_id=timetable["line"].pk, booking_rule_id=None)
    services.bb_booking_rule_delete(rule_id=timetable["rule"].pk)
    assert not BookingRule.objects.exists()
    with pytest.raises(NotFound) as raised:
        services.bb_booking_rule_delete(rule_id=timetable["rule"].pk)
    assert raised.value.code == "gtfs_booking_rule_not_found"


def test_trip_update_replaces_stops_and_times_and_moves_it_to_another_line(timetable):
    rathaus, kirche, muehle = timetable["stops"]
    other = services.bb_line_create(short_name="BB2")
    services.bb_trip_update(
        trip_id=timetable["trip"].pk,
        line_id=other.pk,
        stops=[
            {"stop": rathaus.pk, "arrival": "09:00"},
            {"stop": kirche.pk, "arrival": "09:15"},
            {"stop": muehle.pk, "arrival": "09:30"},
        ],
    )
    trip = Trip.objects.get(pk=timetable["trip"].pk)
    assert calls(trip) == [("Rathaus", 9 * 3600), ("Kirche", 9 * 3600 + 900), ("Mühle", 9 * 3600 + 1800)]
    assert (trip.route_id, trip.booking_rule_id) == (other.pk, None)  # the new line has no rule
    assert StopTime.objects.count() == 3


def test_trip_update_refuses_bad_stops_and_keeps_the_old_ones(timetable):
    rathaus, kirche, _ = timetable["stops"]
    before = calls(timetable["trip"])
    for stops, code in (
        ([{"stop": rathaus.pk, "arrival": "09:00"}], "gtfs_trip_too_short"),
        (
            [{"stop": rathaus.pk, "arrival": "09:00"}, {"stop": kirche.pk, "arrival": "08:00"}],
            "gtfs_times_not_increasing",
        ),
        ([{"stop": rathaus.pk, "arrival": "09:00"}, {"stop": 10**9, "arrival": "09:10"}], "gtfs_stop_not_found"),
    ):
        with pytest.raises((ValidationFailed, NotFound)) as raised:
            services.bb_trip_update(trip_id=timetable["trip"].pk, stops=stops)
        assert raised.value.code == code
    assert calls(timetable["trip"]) == before


def test_a_booked_trip_keeps_its_stops_but_may_change_its_calendar(timetable):
    rathaus, kirche, muehle = timetable["stops"]
    anna = UserFactory()
    services.bb_booking_create(
        trip_id=timetable["trip"].pk,
        service_date=timetable["monday"] + timedelta(days=7),
        from_stop_id=rathaus.pk,
        to_stop_id=kirche.pk,
        passenger=anna,
        booked_by=anna,
    )
    with pytest.raises(Conflict) as raised:
        services.bb_trip_update(
            trip_id=timetable["trip"].pk,
            stops=[{"stop": rathaus.pk, "arrival": "08:00"}, {"stop": muehle.pk, "arrival": "08:30"}],
        )
    assert raised.value.code == "gtfs_trip_has_bookings"
    assert calls(timetable["trip"]) == [("Rathaus", 8 * 3600), ("Kirche", 8 * 3600 + 1200)]
    services.bb_trip_update(trip_id=timetable["trip"].pk, weekdays=["monday", "friday"], headsign="Kirche")
    service = Service.objects.get(trips=timetable["trip"])
    assert (service.monday, service.friday, service.tuesday) == (True, True, False)
    with pytest.raises(Conflict) as raised:
        services.bb_trip_delete(trip_id=timetable["trip"].pk)
    assert raised.value.code == "gtfs_trip_has_bookings"
    assert Trip.objects.filter(pk=timetable["trip"].pk).exists() and BuergerbusBooking.objects.count() == 1


def test_editor_selectors_see_only_the_buergerbus_timetable(timetable):
    assert selectors_editor.editor_stop(stop_id=timetable["stops"][0].pk).name == "Rathaus"
    trip = selectors_editor.editor_trip(trip_id=timetable["trip"].pk)
    assert [c.stop.name for c in trip.stop_times.all()] == ["Rathaus", "Kirche"]
    assert selectors_editor.stop_usage(stop=timetable["stops"][0]) == {"trips": 1, "bookings": 0}
    assert selectors_editor.stop_usage(stop=timetable["stops"][2]) == {"trips": 0, "bookings": 0}
    assert selectors_editor.rule_usage(rule=timetable["rule"]) == {"lines": 1, "trips": 1}
    assert selectors_editor.line_usage(line=timetable["line"]) == {"trips": 1}
    assert selectors_editor.trip_usage(trip=timetable["trip"]) == {"upcoming": 0, "bookings": 0}
    with pytest.raises(NotFound):
        selectors_editor.editor_line(line_id=timetable["line"].pk + 1000)
    # a stop of another feed is not the editor's
    from gtfs.models import Feed, FeedKind, FeedVersion

    feed = Feed.objects.create(name="Regionalbus", kind=FeedKind.TRANSIT)
    version = FeedVersion.objects.create(feed=feed, timezone="Europe/Berlin")
    foreign = Stop.objects.create(version=version, stop_id="x", name="Fremd", lat=50.0, lon=9.0)
    with pytest.raises(NotFound):
        selectors_editor.editor_stop(stop_id=foreign.pk)
    assert Route.objects.count() == 1


def test_preview_departures_of_one_stop_on_one_day(timetable):
    rathaus, kirche, _ = timetable["stops"]
    version = timetable["trip"].version
    monday = timetable["monday"]
    found = selectors_editor.preview_departures(version=version, stop=rathaus, day=monday)
    assert [(d["departure"].strftime("%H:%M"), d["route_short_name"], d["headsign"]) for d in found] == [
        ("08:00", "BB1", "Kirche")
    ]
    assert found[0]["booking_rule"].pk == timetable["rule"].pk
    assert selectors_editor.preview_departures(version=version, stop=kirche, day=monday) == []  # the last stop
    assert selectors_editor.preview_departures(version=version, stop=rathaus, day=monday + timedelta(days=1)) == []


def test_a_line_number_is_used_once_per_timetable(timetable):
    """Compared without case and blanks; a line keeps its own number on update."""
    with pytest.raises(Conflict) as raised:
        services.bb_line_create(short_name=" bb1 ")
    assert raised.value.code == "gtfs_line_number_taken" and raised.value.fields == {
        "short_name": ["Another line already has this number."]
    }
    assert list(Route.objects.values_list("short_name", flat=True)) == ["BB1"]
    other = services.bb_line_create(short_name="BB2")
    with pytest.raises(Conflict) as raised:
        services.bb_line_update(line_id=other.pk, short_name="BB1")
    assert raised.value.code == "gtfs_line_number_taken"
    assert Route.objects.get(pk=other.pk).short_name == "BB2"
    services.bb_line_update(line_id=timetable["line"].pk, short_name="BB1", long_name="Dorfrunde")
    assert sorted(Route.objects.values_list("short_name", "long_name")) == [("BB1", "Dorfrunde"), ("BB2", "")]
