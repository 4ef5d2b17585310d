"""Booking straight from a search option: a Bürgerbus seat and a seat in a neighbour's carpool,
then Meine Fahrten (cancel with a reason) and the driver's side (accept, decline)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gtfs.models import BuergerbusBooking, Feed, Trip
from gtfs.services import bb_booking_create
from mobility.accounts.models import User
from mobility.notifications.models import Notification
from ondemand.models import OnDemandBooking
from rides.models import RideBooking, RideOffer, RideRequest
from tests.web.conftest import demo_browser, page_text, post_form, signed_in
from web.journeys import sign_booking, unsign_booking


def _bookings():
    """Bürgerbus bookings made here (the demo's history holds a year of past ones)."""
    return BuergerbusBooking.objects.exclude(passenger__email__endswith="@historie.lindenau.example")


def _weekday_ahead(days: int = 7):
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _buergerbus_search(browser: Client, day) -> tuple[str, str]:
    """Search Birkenfeld Dorfplatz → Tannhausen Mühle (the booking-only line BB2); return
    the detail page's URL and HTML of the first option that needs a booking."""
    response = browser.get(
        "/verbindungen/",
        {
            "origin": "Birkenfeld Dorfplatz",
            "destination": "Tannhausen Mühle",
            "when": "depart",
            "date": day.isoformat(),
            "time": "08:30",
        },
    )
    assert response.status_code == 200, page_text(response)
    html = response.content.decode()
    cards = re.findall(r'<h3><a href="(/verbindungen/\d+/\?[^"]+)">([^<]+)<span', html)
    assert cards, page_text(response)
    for url, _title in cards:
        url = url.replace("&amp;", "&")
        detail = browser.get(url)
        if "Platz im Bürgerbus BB2 buchen" in detail.content.decode():
            return url, detail.content.decode()
    raise AssertionError(f"no Bürgerbus option to book in {[t for _, t in cards]}")


@pytest.fixture
def only_buergerbus(demo):
    # Only the Bürgerbus runs, so its booking-only line BB2 is the answer.
    Feed.objects.filter(kind="transit").update(active_version=None)


def _book_form(html: str, action: str) -> dict:
    form = re.search(rf'<form method="post" action="{action}">(.*?)</form>', html, re.DOTALL).group(1)
    return dict(re.findall(r'<input type="hidden" name="(offer|back)" value="([^"]*)"', form))


def test_resident_books_a_buergerbus_seat_and_sees_the_deadline(only_buergerbus, alice):
    day = _weekday_ahead()
    browser = signed_in(alice)
    url, html = _buergerbus_search(browser, day)
    text = page_text(browser.get(url))
    # The line's rule: book by 18:00 the day before.
    day_before = day - timedelta(days=1)
    assert f"Anmeldung bis {_german_date(day_before)}, 18:00 Uhr" in text
    assert "Noch 8 Plätze frei." in text
    data = _book_form(html, "/buchen/buergerbus/")
    response = post_form(browser, "/buchen/buergerbus/", data, form_page=url)
    assert response.status_code == 302
    booking = _bookings().get(passenger=alice)
    assert response["Location"] == f"/buchung/buergerbus/{booking.pk}/"
    assert booking.status == "confirmed" and booking.seats == 1 and booking.service_date == day
    assert booking.from_stop.name == "Birkenfeld Dorfplatz" and booking.to_stop.name == "Tannhausen Mühle"
    assert booking.trip.route.short_name == "BB2"
    confirmation = page_text(browser.get(response["Location"]))
    assert "Ihr Platz im Bürgerbus ist gebucht" in confirmation
    assert f"Buchungsnummer BB-{booking.pk}" in confirmation
    assert list(Notification.objects.filter(user=alice).values_list("kind", flat=True)) == [
        "buergerbus_booking_confirmed"
    ]
    # Meine Fahrten lists it; a second look at the badge shows the notification.
    trips = browser.get("/meine-fahrten/")
    trips_text = page_text(trips)
    assert "Bürgerbus BB2 (gebucht)" in trips_text
    assert "Birkenfeld Dorfplatz → Tannhausen Mühle" in trips_text
    assert "no-store" in trips["Cache-Control"]

    # Cancel with a reason: the seat is free again and the reason is kept.
    cancel_url = f"/meine-fahrten/buergerbus/{booking.pk}/stornieren/"
    assert cancel_url in trips.content.decode()
    response = post_form(browser, cancel_url, {"reason": "Arzttermin verschoben"})
    assert response.status_code == 302 and response["Location"] == "/meine-fahrten/"
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancel_reason == "Arzttermin verschoben"
    trips_text = page_text(browser.get("/meine-fahrten/"))
    assert "Bürgerbus BB2 (storniert)" in trips_text and "Grund: Arzttermin verschoben" in trips_text


def _german_date(day) -> str:
    days = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
    months = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ]
    return f"{days[day.weekday()]}, {day.day}. {months[day.month - 1]} {day.year}"


def test_a_full_buergerbus_is_refused_in_german_and_nothing_is_booked(only_buergerbus, alice, bob):
    day = _weekday_ahead()
    browser = signed_in(alice)
    url, html = _buergerbus_search(browser, day)
    data = _book_form(html, "/buchen/buergerbus/")
    # Meanwhile the bus fills up.
    Trip.objects.filter(route__short_name="BB2").update(capacity=1)
    booked = _bookings().count()
    signed = unsign_booking(data["offer"])
    bb_booking_create(
        trip_id=signed["trip"],
        service_date=day,
        from_stop_id=signed["from_stop"],
        to_stop_id=signed["to_stop"],
        passenger=bob,
    )
    # The option page now says so; the form the resident still has open is refused.
    assert "Dieser Bürgerbus ist ausgebucht." in page_text(browser.get(url))
    response = post_form(browser, "/buchen/buergerbus/", data, form_page="/konto/")
    assert response.status_code == 409
    text = page_text(response)
    assert "Dieser Bürgerbus ist leider ausgebucht." in text
    assert "Es wurde nichts gebucht." in text
    assert _bookings().count() == booked + 1
    assert not _bookings().filter(passenger=alice).exists()


def test_an_altered_booking_form_books_nothing(only_buergerbus, alice):
    browser = signed_in(alice)
    url, html = _buergerbus_search(browser, _weekday_ahead())
    data = _book_form(html, "/buchen/buergerbus/")
    data["offer"] = data["offer"][:-3] + "xyz"
    response = post_form(browser, "/buchen/buergerbus/", data, form_page=url)
    assert response.status_code == 400
    assert "Das Angebot ist abgelaufen." in page_text(response)
    assert _bookings().count() == 0


def test_booking_needs_sign_in(only_buergerbus):
    url, html = _buergerbus_search(Client(), _weekday_ahead())
    assert "Zum Buchen anmelden" in page_text(Client().get(url))
    assert 'action="/buchen/buergerbus/"' not in html


def _carpool_option(browser: Client, offer: RideOffer) -> tuple[str, str]:
    depart = timezone.localtime(offer.departure - timedelta(minutes=10))
    response = browser.get(
        "/verbindungen/",
        {
            "origin": f"{offer.origin_lat},{offer.origin_lon}",
            "destination": "Buchwald Feuerwehr",
            "when": "depart",
            "date": depart.date().isoformat(),
            "time": depart.strftime("%H:%M"),
        },
    )
    html = response.content.decode()
    url = next(
        u.replace("&amp;", "&")
        for u, title in re.findall(r'<h3><a href="(/verbindungen/\d+/\?[^"]+)">([^<]+)<span', html)
        if title == "Mitfahrgelegenheit"
    )
    detail = browser.get(url)
    return url, detail.content.decode()


def test_resident_asks_for_a_carpool_seat_and_the_driver_accepts(demo):
    offer = RideOffer.objects.filter(departure__gte=timezone.now()).order_by("departure").first()
    driver = offer.driver
    carla = User.objects.get(email="carla@demo.lindenau.example")
    rider = demo_browser("carla@demo.lindenau.example")
    url, html = _carpool_option(rider, offer)
    assert "Mitfahrt anfragen" in page_text(rider.get(url))
    requests_before = RideRequest.objects.filter(rider=carla).count()
    response = post_form(rider, "/buchen/mitfahrt/", _book_form(html, "/buchen/mitfahrt/"), form_page=url)
    assert response.status_code == 302, page_text(response)
    booking = RideBooking.objects.get(rider=carla, offer=offer)
    assert response["Location"] == f"/buchung/mitfahrt/{booking.pk}/"
    assert booking.status == "requested" and booking.seats == 1
    assert RideRequest.objects.filter(rider=carla).count() == requests_before + 1
    assert booking.request.rider == carla
    assert "Ihre Mitfahrt ist angefragt" in page_text(rider.get(response["Location"]))
    assert Notification.objects.filter(user=driver, kind="ride_booking_requested", payload__booking=booking.pk).exists()
    # Before the driver says yes, the rider sees no driver name or phone.
    trips_text = page_text(rider.get("/meine-fahrten/"))
    assert "Mitfahrt (wartet auf Zusage)" in trips_text
    assert driver.display_name not in trips_text

    # The driver sees the request without the rider's name or exact place, and accepts.
    driving = demo_browser(driver.email)
    detail = driving.get(f"/meine-angebote/{offer.pk}/")
    detail_text = page_text(detail)
    assert "Anfrage für 1 Platz" in detail_text
    assert carla.display_name not in detail_text
    assert f"{booking.pickup_lat:.5f}" not in detail.content.decode()
    if booking.pickup_meeting_point_id:
        assert f"Treffpunkt {booking.pickup_meeting_point.name}" in detail_text
    else:
        assert "in der Nähe von" in detail_text and "(genauer Ort nach der Zusage)" in detail_text
    response = post_form(driving, f"/anfragen/{booking.pk}/annehmen/", {}, form_page=f"/meine-angebote/{offer.pk}/")
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert Notification.objects.filter(user=carla, kind="ride_booking_confirmed", payload__booking=booking.pk).exists()
    confirmed_text = page_text(driving.get(f"/meine-angebote/{offer.pk}/"))
    assert f"Zugesagt {carla.display_name}" in confirmed_text
    # Now the rider sees who drives.
    trips_text = page_text(rider.get("/meine-fahrten/"))
    assert "Mitfahrt (bestätigt)" in trips_text
    assert f"Fahrer/in: {driver.display_name}" in trips_text

    # The rider cancels: a reason is required, then the driver is told.
    cancel_url = f"/meine-fahrten/mitfahrt/{booking.pk}/stornieren/"
    empty = post_form(rider, cancel_url, {"reason": ""})
    assert empty.status_code == 400
    assert re.search(r'<textarea name="reason"[^>]*aria-invalid="true"', empty.content.decode())
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    response = post_form(rider, cancel_url, {"reason": "Ich werde abgeholt"})
    assert response.status_code == 302 and response["Location"] == "/meine-fahrten/"
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancel_reason == "Ich werde abgeholt"
    assert booking.cancelled_by == carla
    assert Notification.objects.filter(user=driver, kind="ride_booking_cancelled", payload__booking=booking.pk).exists()


def test_driver_cancels_one_seat_and_goes_back_to_the_offer(demo):
    booking = RideBooking.objects.filter(status="requested").select_related("offer__driver").first()
    driving = demo_browser(booking.offer.driver.email)
    cancel_url = f"/meine-fahrten/mitfahrt/{booking.pk}/stornieren/"
    response = post_form(driving, cancel_url, {"reason": "Doch kein Platz"})
    assert response.status_code == 302 and response["Location"] == f"/meine-angebote/{booking.offer_id}/"
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancel_reason == "Doch kein Platz"
    assert booking.cancelled_by == booking.offer.driver


def test_driver_declines_a_request(demo):
    ben = User.objects.get(email="ben@demo.lindenau.example")
    pending = RideBooking.objects.get(rider=ben, status="requested")
    driver = pending.offer.driver
    driving = demo_browser(driver.email)
    trips_text = page_text(driving.get("/meine-fahrten/"))
    assert "Eine Anfrage für Ihre angebotenen Fahrten wartet auf Ihre Antwort." in trips_text
    response = post_form(
        driving,
        f"/anfragen/{pending.pk}/ablehnen/",
        {"reason": "Auto ist voll"},
        form_page=f"/meine-angebote/{pending.offer_id}/",
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "declined" and pending.cancel_reason == "Auto ist voll"
    assert Notification.objects.filter(user=ben, kind="ride_booking_declined").count() == 1
    # Answering twice says so, and changes nothing.
    again = post_form(
        driving, f"/anfragen/{pending.pk}/annehmen/", {}, form_page=f"/meine-angebote/{pending.offer_id}/"
    )
    assert again.status_code == 302
    assert "Über diese Anfrage wurde schon entschieden." in page_text(driving.get(again["Location"]))
    pending.refresh_from_db()
    assert pending.status == "declined"


def test_others_cannot_answer_or_see_a_drivers_requests(demo, alice):
    ben = User.objects.get(email="ben@demo.lindenau.example")
    pending = RideBooking.objects.get(rider=ben, status="requested")
    browser = signed_in(alice)
    assert browser.get(f"/meine-angebote/{pending.offer_id}/").status_code == 404
    response = post_form(browser, f"/anfragen/{pending.pk}/annehmen/", {}, form_page="/konto/")
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == "requested"
    assert browser.get(f"/buchung/mitfahrt/{pending.pk}/").status_code == 404


@pytest.mark.parametrize("path", ["/buchen/buergerbus/", "/buchen/rufbus/", "/buchen/mitfahrt/"])
@pytest.mark.parametrize("offer", ["kaputt", sign_booking({"seats": 1})], ids=["tampered", "other_kind"])
def test_an_expired_or_foreign_offer_books_nothing_on_any_booking_page(alice, path, offer):
    browser = signed_in(alice)
    response = post_form(browser, path, {"offer": offer, "back": "/"}, form_page="/anmelden/")
    assert response.status_code == 400
    assert "Das Angebot ist abgelaufen. Bitte suchen Sie noch einmal." in page_text(response)
    counts = (BuergerbusBooking.objects.count(), OnDemandBooking.objects.count(), RideBooking.objects.count())
    assert counts == (0, 0, 0)
