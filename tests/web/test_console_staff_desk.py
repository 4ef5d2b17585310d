"""Staff console: the Bürgerbus phone desk (find the caller or take a one-off caller's name
and phone, line/day/stops, free seats per segment and the deadline, book, cancel) and the
access log entry, with the reason, for every view of a caller's data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gtfs.models import BuergerbusBooking, Route
from gtfs.selectors_console import buergerbus_lines, line_stops
from mobility.accounts.models import User
from mobility.privacy.models import PersonalDataAccess
from tests.web.conftest import page_text, post_form, signed_in


def _bookings():
    """Bürgerbus bookings made here (the demo's history holds a year of past ones)."""
    return BuergerbusBooking.objects.exclude(passenger__email__endswith="@historie.lindenau.example")

DESK = "/verwaltung/telefon/"


def weekday_ahead(days: int = 7):
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def desk(demo):
    staff = User.objects.get(email="stefan@demo.lindenau.example")
    anna = User.objects.get(email="anna@demo.lindenau.example")
    anna.phone = "+49 171 2345678"
    anna.save(update_fields=["phone"])
    line = next(r for r in buergerbus_lines() if r.short_name == "BB1")
    stops = line_stops(route_id=line.pk)
    return {"staff": staff, "anna": anna, "line": line, "stops": stops, "client": signed_in(staff, "stefan-demo-2026")}


def journey(desk, day, **extra):
    return {
        "linie": desk["line"].pk,
        "datum": day.isoformat(),
        "von": desk["stops"][0].pk,
        "nach": desk["stops"][-1].pk,
        "plaetze": 1,
        **extra,
    }


def test_finding_a_caller_logs_every_person_shown_with_the_reason(desk):
    client = desk["client"]
    response = client.get(DESK, {"suche": "0171 2345", "grund": "Anruf wegen Arzttermin"})
    assert response.status_code == 200
    assert [u.pk for u in response.context["callers"]] == [desk["anna"].pk]
    log = list(PersonalDataAccess.objects.values_list("actor_id", "subject_id", "what", "reason"))
    assert log == [(desk["staff"].pk, desk["anna"].pk, "phone desk: caller search", "Anruf wegen Arzttermin")]
    # choosing her shows her phone number and bookings, and is logged again
    response = client.get(DESK, {"anrufer": desk["anna"].pk, "grund": "Anruf wegen Arzttermin"})
    assert "+49 171 2345678" in page_text(response)
    assert (
        PersonalDataAccess.objects.filter(
            subject=desk["anna"],
            what="phone desk: phone number and Bürgerbus bookings",
            reason="Anruf wegen Arzttermin",
        ).count()
        == 1
    )


def test_a_caller_is_not_shown_without_a_reason(desk):
    response = desk["client"].get(DESK, {"anrufer": desk["anna"].pk, "grund": "  "})
    assert response.status_code == 200
    assert "+49 171 2345678" not in page_text(response)
    assert "Bitte geben Sie einen Grund an." in page_text(response)
    assert PersonalDataAccess.objects.count() == 0
    response = desk["client"].get(DESK, {"suche": "anna", "grund": ""})
    assert response.status_code == 400
    assert PersonalDataAccess.objects.count() == 0


def test_short_or_empty_searches_find_nobody(desk):
    response = desk["client"].get(DESK, {"suche": "a", "grund": "Anruf"})
    assert response.context["callers"] == []


def test_trips_show_free_seats_per_segment_and_the_deadline(desk):
    day = weekday_ahead()
    response = desk["client"].get(DESK, journey(desk, day, anrufer=desk["anna"].pk, grund="Anruf"))
    assert response.status_code == 200, page_text(response)
    trips = response.context["serving_trips"]
    assert trips, "BB1 runs on weekdays"
    first = trips[0]
    capacity = first.trip.capacity
    assert [s.free for s in first.segments] == [capacity] * (len(desk["stops"]) - 1)
    assert first.free_for_journey == capacity and first.bookable
    assert response.context["selected_trip"] == first.trip.pk
    text = page_text(response)
    assert f"{capacity} Plätze frei auf Ihrer Strecke" in text
    assert "Anmeldung bis" in text


def test_booking_for_a_caller_with_an_account(desk):
    day = weekday_ahead()
    client = desk["client"]
    state = journey(desk, day, anrufer=desk["anna"].pk, grund="Anruf")
    page = client.get(DESK, state)
    trip_id = page.context["selected_trip"]
    response = post_form(
        client, "/verwaltung/telefon/buchen/", {**state, "fahrt": trip_id, "plaetze": 2}, form_page=DESK
    )
    assert response.status_code == 302, page_text(response)
    booking = _bookings().get()
    assert (booking.passenger_id, booking.booked_by_id, booking.assisted, booking.seats, booking.trip_id) == (
        desk["anna"].pk,
        desk["staff"].pk,
        True,
        2,
        trip_id,
    )
    assert (booking.from_stop_id, booking.to_stop_id, booking.service_date) == (
        desk["stops"][0].pk,
        desk["stops"][-1].pk,
        day,
    )
    assert (booking.passenger_name, booking.passenger_phone) == ("", "")
    after = client.get(response["Location"])
    assert "Gebucht für Anna" in page_text(after)
    # the segments now show two seats fewer
    trip = next(t for t in after.context["serving_trips"] if t.trip.pk == trip_id)
    assert {s.free for s in trip.segments} == {trip.trip.capacity - 2}


def test_booking_for_a_one_off_caller_needs_name_and_phone(desk):
    day = weekday_ahead()
    client = desk["client"]
    state = journey(desk, day, einmalig="1", grund="Anruf")
    trip_id = client.get(DESK, state).context["selected_trip"]
    response = post_form(
        client, "/verwaltung/telefon/buchen/", {**state, "fahrt": trip_id, "name": "", "telefon": "12"}, form_page=DESK
    )
    assert response.status_code == 400
    assert _bookings().count() == 0
    response = post_form(
        client,
        "/verwaltung/telefon/buchen/",
        {**state, "fahrt": trip_id, "name": "Erna Schulz", "telefon": "03621 1234"},
        form_page=DESK,
    )
    assert response.status_code == 302, page_text(response)
    booking = _bookings().get()
    assert (booking.passenger_id, booking.passenger_name, booking.passenger_phone, booking.assisted) == (
        None,
        "Erna Schulz",
        "03621 1234",
        True,
    )


def test_a_full_trip_is_refused_and_nothing_is_booked(desk):
    day = weekday_ahead()
    client = desk["client"]
    state = journey(desk, day, einmalig="1", grund="Anruf")
    trip_id = client.get(DESK, state).context["selected_trip"]
    capacity = Route.objects.get(pk=desk["line"].pk).trips.get(pk=trip_id).capacity
    booked = post_form(
        client,
        "/verwaltung/telefon/buchen/",
        {**state, "plaetze": capacity, "fahrt": trip_id, "name": "Verein", "telefon": "03621 1111"},
        form_page=DESK,
    )
    assert booked.status_code == 302
    # the desk now shows the trip as full, and a booking sent anyway is refused
    page = client.get(DESK, state)
    trip = next(t for t in page.context["serving_trips"] if t.trip.pk == trip_id)
    assert (trip.free_for_journey, trip.bookable, trip.why_not) == (0, False, "full")
    assert "Zu wenig Plätze frei" in page_text(page)
    response = post_form(
        client,
        "/verwaltung/telefon/buchen/",
        {**state, "fahrt": trip_id, "name": "Erna", "telefon": "03621 1234"},
        form_page=DESK,
    )
    assert response.status_code == 409
    assert "Dieser Bürgerbus ist leider ausgebucht." in page_text(response)
    assert _bookings().count() == 1


def test_cancel_at_the_desk_frees_the_seat_with_the_reason(desk):
    day = weekday_ahead()
    client = desk["client"]
    state = journey(desk, day, anrufer=desk["anna"].pk, grund="Anruf")
    trip_id = client.get(DESK, state).context["selected_trip"]
    post_form(client, "/verwaltung/telefon/buchen/", {**state, "fahrt": trip_id}, form_page=DESK)
    booking = _bookings().get()
    page = client.get(DESK, state)
    assert f'action="/verwaltung/telefon/buchungen/{booking.pk}/stornieren/"' in page.content.decode()
    response = post_form(
        client, f"/verwaltung/telefon/buchungen/{booking.pk}/stornieren/", {"grund": "Termin abgesagt"}, form_page=DESK
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == ("cancelled", "Termin abgesagt")
    assert "Storniert" in page_text(client.get(response["Location"]))


def test_unknown_caller_or_line_is_404_and_bad_input_400(desk):
    client = desk["client"]
    assert client.get(DESK, {"anrufer": "999999999", "grund": "x"}).status_code == 404
    assert client.get(DESK, {"linie": "999999999"}).status_code == 404
    response = client.get(DESK, journey(desk, weekday_ahead(), datum="2026-02-31"))
    assert response.status_code == 400
    response = post_form(client, "/verwaltung/telefon/buchen/", {"fahrt": "x"}, form_page=DESK)
    assert response.status_code == 400
    assert _bookings().count() == 0


def test_booking_deadline_of_the_line_booked_the_day_before(desk):
    """BB2 runs only when booked by 18:00 the day before: at 17:59 bookable, at 18:01 not."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from gtfs.selectors_console import phone_desk_trips

    tz = ZoneInfo("Europe/Berlin")
    bb2 = next(r for r in buergerbus_lines() if r.short_name == "BB2")
    stops = line_stops(route_id=bb2.pk)
    day = weekday_ahead(8)
    eve = day - timedelta(days=1)

    def first_trip(now):
        trips = phone_desk_trips(
            route_id=bb2.pk, service_date=day, now=now, from_stop_id=stops[0].pk, to_stop_id=stops[-1].pk
        )
        return next(t for t in trips if t.serves_journey)

    before = first_trip(datetime.combine(eve, time(17, 59), tzinfo=tz))
    assert before.deadline == datetime.combine(eve, time(18, 0), tzinfo=tz)
    assert (before.bookable, before.why_not) == (True, "")
    at = first_trip(datetime.combine(eve, time(18, 0), tzinfo=tz))
    assert at.bookable  # the deadline itself still counts (the service refuses only after it)
    after = first_trip(datetime.combine(eve, time(18, 1), tzinfo=tz))
    assert (after.bookable, after.why_not) == (False, "too_late")


def test_caller_search_by_name_email_or_the_digits_of_a_phone_number(desk):
    from gtfs.selectors_console import caller_search

    anna = desk["anna"]  # +49 171 2345678
    assert [u.pk for u in caller_search(query="0171 234")] == [anna.pk]
    assert [u.pk for u in caller_search(query="171-2345678")] == [anna.pk]
    assert caller_search(query="0172 234") == []
    assert anna.pk in [u.pk for u in caller_search(query="ANNA@demo")]
    assert caller_search(query=" ") == [] and caller_search(query="a") == []
    anna.is_active = False
    anna.save(update_fields=["is_active"])
    assert caller_search(query="0171 234") == []
