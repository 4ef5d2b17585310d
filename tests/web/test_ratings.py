"""Rating after a ride and reporting a no-show on "Meine Fahrten", for rider and driver (demo
region: Ben asks Anna for a seat on her 07:30 ride from the Lindenau bench)."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from mobility.accounts.models import User
from rides import services as ride_services
from rides.models import NoShowReport, RideBooking, RideRating
from tests.web.conftest import demo_browser, page_text, post_form


def _confirmed_demo_booking() -> RideBooking:
    booking = RideBooking.objects.get(rider__email="ben@demo.lindenau.example")
    anna = User.objects.get(email="anna@demo.lindenau.example")
    return ride_services.booking_accept(driver=anna, booking_id=booking.pk)


def test_rider_and_driver_rate_each_other_after_the_ride(demo):
    booking = _confirmed_demo_booking()
    rate_path = f"/meine-fahrten/mitfahrt/{booking.pk}/bewerten/"
    ben = demo_browser("ben@demo.lindenau.example")
    assert rate_path not in ben.get("/meine-fahrten/").content.decode()  # not before the ride
    with time_machine.travel(booking.dropoff_time + timedelta(minutes=5)):
        ben = demo_browser("ben@demo.lindenau.example")
        page = ben.get("/meine-fahrten/").content.decode()
        assert f'href="{rate_path}"' in page
        form = ben.get(rate_path)
        assert "Andere sehen nur den Durchschnitt aus mindestens drei Bewertungen, nie Ihren Text." in page_text(form)
        missing = post_form(ben, rate_path, {"text": "?"})
        assert missing.status_code == 400 and "Bitte wählen Sie eine Bewertung." in page_text(missing)
        done = post_form(ben, rate_path, {"score": "5", "text": "Sehr nett"})
        assert done.status_code == 302 and done["Location"] == "/meine-fahrten/"
        assert f'href="{rate_path}"' not in ben.get("/meine-fahrten/").content.decode()  # once
        twice = post_form(ben, rate_path, {"score": "1"}, form_page="/meine-fahrten/")
        assert twice.status_code == 400 and RideRating.objects.count() == 1
        anna = demo_browser("anna@demo.lindenau.example")
        anna_page = page_text(anna.get("/meine-fahrten/"))
        assert "Mitfahrt bei Ihnen" in anna_page
        assert post_form(anna, rate_path, {"score": "4"}, form_page="/meine-fahrten/").status_code == 302
    ratings = {(r.rater_role, r.ratee.email, r.score, r.text) for r in RideRating.objects.all()}
    assert ratings == {
        ("rider", "anna@demo.lindenau.example", 5, "Sehr nett"),
        ("driver", "ben@demo.lindenau.example", 4, ""),
    }


def test_driver_reports_a_no_show_after_the_pickup_time(demo):
    booking = _confirmed_demo_booking()
    path = f"/meine-fahrten/mitfahrt/{booking.pk}/nicht-erschienen/"
    with time_machine.travel(booking.pickup_time + timedelta(minutes=10)):
        anna = demo_browser("anna@demo.lindenau.example")
        assert f'href="{path}"' in anna.get("/meine-fahrten/").content.decode()
        response = post_form(anna, path, {"note": "Niemand an der Bank"})
        assert response.status_code == 302
        stranger = demo_browser("carla@demo.lindenau.example")
        assert stranger.get(path).status_code == 404
    report = NoShowReport.objects.get()
    assert (report.reporter.email, report.reported.email, report.note, report.status) == (
        "anna@demo.lindenau.example",
        "ben@demo.lindenau.example",
        "Niemand an der Bank",
        "open",
    )
