"""Booking the Rufbus from a search option in the web app: the window, the deadline, the
confirmation page; a refused ride names the nearest windows that are possible."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from mobility.demo.region import VILLAGE
from ondemand.models import OnDemandBooking
from tests.web.conftest import page_text, post_form, signed_in


def _weekday_ahead(days: int = 7):
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


HOME = (VILLAGE["eichenrode"].lat + 0.0006, VILLAGE["eichenrode"].lon + 0.0008)
DOCTOR = (VILLAGE["buchwald"].lat, VILLAGE["buchwald"].lon - 0.0005)


def _rufbus_option(browser, day, time="14:10"):
    response = browser.get(
        "/verbindungen/",
        {
            "origin": f"{HOME[0]},{HOME[1]}",
            "destination": f"{DOCTOR[0]},{DOCTOR[1]}",
            "when": "depart",
            "date": day.isoformat(),
            "time": time,
        },
    )
    assert response.status_code == 200, page_text(response)
    html = response.content.decode()
    cards = re.findall(r'<h3><a href="(/verbindungen/\d+/\?[^"]+)">([^<]+)<span', html)
    for url, title in cards:
        if title.strip().startswith("Rufbus"):
            url = url.replace("&amp;", "&")
            return url, browser.get(url).content.decode()
    raise AssertionError(f"no Rufbus option in {[t for _, t in cards]}: {page_text(response)}")


def _book_form(html: str) -> dict:
    form = re.search(r'<form method="post" action="/buchen/rufbus/">(.*?)</form>', html, re.DOTALL).group(1)
    return dict(re.findall(r'<input type="hidden" name="(offer|back)" value="([^"]*)"', form))


def test_resident_books_the_rufbus_from_the_search(demo, alice):
    day = _weekday_ahead()
    browser = signed_in(alice)
    url, html = _rufbus_option(browser, day)
    text = page_text(browser.get(url))
    assert "Rufbus RB3 buchen" in text
    assert "Abholung 14:10–14:25 Uhr an Ihrer Haustür" in text
    assert "Buchen bis" in text and "13:10 Uhr" in text
    response = post_form(browser, "/buchen/rufbus/", _book_form(html), form_page=url)
    assert response.status_code == 302, page_text(response)
    booking = OnDemandBooking.objects.get(passenger=alice)
    assert response["Location"] == f"/buchung/rufbus/{booking.pk}/"
    assert timezone.localtime(booking.earliest_pickup_at).strftime("%H:%M") == "14:10"
    confirmation = page_text(browser.get(response["Location"]))
    assert "Ihre Rufbus-Fahrt ist gebucht" in confirmation
    assert "zwischen 14:10 und 14:25 Uhr an Ihrer Haustür" in confirmation
    assert f"Buchungsnummer RB-{booking.pk}" in confirmation
    assert OnDemandBooking.objects.count() == 1
    # Meine Fahrten lists it; cancelling there frees the run
    trips = page_text(browser.get("/meine-fahrten/"))
    assert "Rufbus RB3 (gebucht)" in trips and "Abholung 14:10–14:25 Uhr an Ihrer Haustür" in trips
    cancel_url = f"/meine-fahrten/rufbus/{booking.pk}/stornieren/"
    response = post_form(browser, cancel_url, {"reason": ""})
    assert response.status_code == 302 and response["Location"] == "/meine-fahrten/"
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.run.plan == []
    assert "Rufbus RB3 (storniert)" in page_text(browser.get("/meine-fahrten/"))


def test_a_full_rufbus_is_refused_in_german_with_possible_windows(demo, alice, bob, settings):
    from gtfs.models import Trip

    settings.ONDEMAND_PICKUP_WINDOW_MIN = 1
    Trip.objects.filter(trip_id="RB3-NACHMITTAG").update(capacity=1)
    day = _weekday_ahead()
    url, html = _rufbus_option(signed_in(bob), day, "15:00")
    first = signed_in(alice)
    _url, first_html = _rufbus_option(first, day, "15:00")
    assert post_form(first, "/buchen/rufbus/", _book_form(first_html), form_page=_url).status_code == 302
    browser = signed_in(bob)
    response = post_form(browser, "/buchen/rufbus/", _book_form(html), form_page=url)
    assert response.status_code == 409
    text = page_text(response)
    assert "Der Rufbus ist zu dieser Zeit schon voll verplant." in text
    assert re.search(r"Möglich wäre eine Abholung \d\d:\d\d–\d\d:\d\d( oder \d\d:\d\d–\d\d:\d\d)? Uhr\.", text), text
    assert OnDemandBooking.objects.filter(passenger=bob).count() == 0


def test_rufbus_booking_needs_sign_in(demo):
    from django.test import Client

    browser = Client()
    url, html = _rufbus_option(browser, _weekday_ahead())
    assert "Zum Buchen anmelden" in page_text(browser.get(url))
    assert 'action="/buchen/rufbus/"' not in html
