"""Offer a ride: one-off and recurring, errors next to their fields, cancel with a reason."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from mobility.notifications.models import Notification
from rides.models import RideBooking, RideOffer
from tests.web.conftest import demo_browser, page_text, post_form, signed_in


def test_offer_a_one_off_ride(demo, alice):
    browser = signed_in(alice)
    page = browser.get("/fahrt-anbieten/")
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert f'value="{tomorrow.isoformat()}"' in page.content.decode()
    before = RideOffer.objects.count()
    response = post_form(
        browser,
        "/fahrt-anbieten/",
        {
            "origin": "Mitfahrbank Lindenau",
            "destination": "Buchwald Feuerwehr",
            "date": tomorrow.isoformat(),
            "time": "09:15",
            "seats": "2",
            "max_detour_minutes": "10",
            "cost_share": "1.50",
            "tolls": "3.00",  # 2 × 1,50 € stay within the running costs thanks to the tolls
        },
    )
    assert response.status_code == 302, page_text(response)
    offer = RideOffer.objects.get(driver=alice)
    assert RideOffer.objects.count() == before + 1
    assert response["Location"] == f"/meine-angebote/{offer.pk}/"
    assert offer.seats == 2 and offer.cost_share_cents == 150 and offer.max_detour_minutes == 10
    assert offer.tolls_cents == 300 and offer.running_cost_cents == int(offer.distance_m * 20 / 1000) + 300
    assert timezone.localtime(offer.departure).strftime("%Y-%m-%d %H:%M") == f"{tomorrow.isoformat()} 09:15"
    assert offer.origin_meeting_point.name == "Mitfahrbank Lindenau"
    assert offer.recurrence_weekdays == 0
    text = page_text(browser.get(response["Location"]))
    assert "Danke! Ihre Fahrt ist eingetragen." in text
    assert "Von Treffpunkt Mitfahrbank Lindenau" in text
    assert "Kostenbeteiligung 1,50 € pro Platz" in text
    assert "Keine offenen Anfragen." in text


def test_offer_a_recurring_ride_needs_an_end_date(demo, alice):
    browser = signed_in(alice)
    start = timezone.localdate() + timedelta(days=1)
    data = {
        "origin": "Lindenau Rathaus",
        "destination": "Tannhausen Mühle",
        "date": start.isoformat(),
        "time": "07:00",
        "seats": "3",
        "max_detour_minutes": "5",
        "weekdays": ["0", "2", "4"],
    }
    response = post_form(browser, "/fahrt-anbieten/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<div class="field-error" id="id_until_error"><p>Bitte geben Sie an, bis wann' in html
    assert not RideOffer.objects.filter(driver=alice).exists()
    response = post_form(browser, "/fahrt-anbieten/", {**data, "until": (start + timedelta(days=60)).isoformat()})
    assert response.status_code == 302
    offer = RideOffer.objects.get(driver=alice)
    assert offer.recurrence_weekdays == 0b10101
    assert offer.recurrence_until == start + timedelta(days=60)
    assert "Regelmäßig Mo, Mi, Fr, 07:00 Uhr" in page_text(browser.get("/meine-fahrten/"))


def test_a_departure_in_the_past_is_refused_next_to_the_date(demo, alice):
    browser = signed_in(alice)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = post_form(
        browser,
        "/fahrt-anbieten/",
        {
            "origin": "Lindenau Rathaus",
            "destination": "Buchwald Feuerwehr",
            "date": yesterday.isoformat(),
            "time": "07:00",
            "seats": "3",
            "max_detour_minutes": "5",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<div class="field-error" id="id_date_error"><p>Die Abfahrtszeit liegt in der Vergangenheit.' in html
    assert re.search(r'<input type="date" name="date"[^>]*aria-invalid="true"', html)
    assert not RideOffer.objects.filter(driver=alice).exists()


def test_driver_cancels_the_whole_ride_and_riders_are_told(demo):
    pending = RideBooking.objects.get(rider__email="ben@demo.lindenau.example", status="requested")
    offer = pending.offer
    driving = demo_browser(offer.driver.email)
    page = f"/meine-angebote/{offer.pk}/"
    refused = post_form(driving, f"/meine-angebote/{offer.pk}/absagen/", {"reason": ""}, form_page=page)
    assert refused.status_code == 302
    offer.refresh_from_db()
    assert offer.status == "active"
    response = post_form(
        driving, f"/meine-angebote/{offer.pk}/absagen/", {"reason": "Auto in der Werkstatt"}, form_page=page
    )
    assert response.status_code == 302 and response["Location"] == "/meine-fahrten/"
    offer.refresh_from_db()
    pending.refresh_from_db()
    assert offer.status == "cancelled"
    assert pending.status == "cancelled" and pending.cancel_reason == "Auto in der Werkstatt"
    assert Notification.objects.filter(user=pending.rider, kind="ride_booking_cancelled").count() == 1


def test_offer_form_explains_the_cost_cap_and_refuses_a_share_above_it(demo, alice, settings):
    browser = signed_in(alice)
    text = page_text(browser.get("/fahrt-anbieten/"))
    assert "Was Mitfahrende zahlen dürfen" in text
    assert "höchstens die Betriebskosten der Fahrt zahlen (§ 1 Abs. 2 Nr. 1 PBefG)" in text
    assert "die Kilometer Ihrer Route mal 20 Cent pro Kilometer" in text
    settings.RIDES_COST_RATE_CENTS_PER_KM = 25.5
    assert "mal 25,5 Cent pro Kilometer" in page_text(browser.get("/fahrt-anbieten/"))
    settings.RIDES_COST_RATE_CENTS_PER_KM = 20
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = {
        "origin": "Mitfahrbank Lindenau",
        "destination": "Buchwald Feuerwehr",
        "date": tomorrow.isoformat(),
        "time": "09:15",
        "seats": "3",
        "max_detour_minutes": "10",
        "cost_share": "20.00",
    }
    before = RideOffer.objects.count()
    response = post_form(browser, "/fahrt-anbieten/", data)
    assert response.status_code == 400
    assert RideOffer.objects.count() == before
    page = response.content.decode()
    match = re.search(
        r"Mitfahrende dürfen zusammen höchstens die Betriebskosten der Fahrt zahlen: (\d+),(\d\d) € "
        r"\((\d+),(\d) km\); das sind höchstens (\d+),(\d\d) € pro Platz.",
        page_text(response),
    )
    assert match, page_text(response)
    cap = int(match[1]) * 100 + int(match[2])
    assert int(match[5]) * 100 + int(match[6]) == cap // 3
    # the same figures the service computes for an offer at exactly the largest share
    response = post_form(browser, "/fahrt-anbieten/", {**data, "cost_share": f"{cap // 3 / 100:.2f}"})
    assert response.status_code == 302, page_text(response)
    offer = RideOffer.objects.get(driver=alice)
    assert offer.running_cost_cents == cap and offer.cost_share_cents == cap // 3
    assert 'aria-invalid="true"' in page and 'id="id_cost_share"' in page


def test_women_only_option_on_the_account_page_and_the_offer_form(demo, alice):
    browser = signed_in(alice)
    text = page_text(browser.get("/konto/"))
    assert "Mitfahren unter Frauen" in text and "Ich bin eine Frau (Selbstauskunft)" in text
    assert "Haken entfernen löscht die Angabe." in text
    response = post_form(browser, "/konto/nur-frauen/", {"declares_woman": "on"}, form_page="/konto/")
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.declares_woman is True
    post_form(browser, "/konto/nur-frauen/", {}, form_page="/konto/")
    alice.refresh_from_db()
    assert alice.declares_woman is False
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = post_form(
        browser,
        "/fahrt-anbieten/",
        {
            "origin": "Mitfahrbank Lindenau",
            "destination": "Buchwald Feuerwehr",
            "date": tomorrow.isoformat(),
            "time": "10:00",
            "seats": "2",
            "max_detour_minutes": "10",
            "women_riders_only": "on",
        },
    )
    assert response.status_code == 302, page_text(response)
    assert RideOffer.objects.get(driver=alice).women_riders_only is True
