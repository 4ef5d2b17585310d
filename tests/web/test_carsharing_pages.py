"""Car-sharing member pages: what each page shows and what the database holds afterwards."""

# ruff: noqa: F811  (fixtures imported from the car-sharing tests are used by name)

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from carsharing import services
from carsharing.domain.policy import ceil_to_grid
from carsharing.models import (
    DefectReport,
    Membership,
    MembershipStatus,
    PaymentKind,
    PaymentRecord,
    Reservation,
    StripeCustomer,
    Vehicle,
)
from tests.carsharing.conftest import aligned, fleet, localstripe, make_member, stripe_on  # noqa: F401
from tests.web.conftest import PageText, csrf_token, post_form, signed_in


def text_of(response) -> str:
    parser = PageText()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def mia(db):
    return make_member("mia@example.org")


def _reserve(client: Client, vehicle: Vehicle, start, hours: int = 2):
    local = timezone.localtime(start)
    return post_form(
        client,
        f"/carsharing/fahrzeuge/{vehicle.pk}/reservieren/",
        {"day": local.date().isoformat(), "start_time": f"{local:%H:%M}", "hours": str(hours)},
        form_page=f"/carsharing/fahrzeuge/{vehicle.pk}/",
    )


def test_stations_page_lists_every_station_and_car_and_carries_the_map(fleet):
    response = Client().get("/carsharing/")
    assert response.status_code == 200
    page = text_of(response)
    for station in fleet["stations"]:
        assert station.name in page
    for car in fleet["vehicles"]:
        assert f'href="/carsharing/fahrzeuge/{car.pk}/"' in response.content.decode()
        assert f"Kleinwagen E ({car.plate})" in page
    html = response.content.decode()
    assert 'data-map hidden data-layers="roads stops stations"' in " ".join(html.split())
    assert "/static/leaflet/leaflet.js" in html and "/static/web/js/map.js" in html
    assert "js.stripe.com" not in html
    assert "Content-Security-Policy" in response.headers
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_membership_application_is_stored_and_an_expired_licence_is_refused(alice):
    client = signed_in(alice)
    expired = post_form(
        client,
        "/carsharing/mitglied-werden/",
        {"licence_number": "b072", "licence_expiry": (date.today() - timedelta(days=1)).isoformat()},
    )
    assert expired.status_code == 400
    html = expired.content.decode()
    error = re.search(r'id="id_licence_expiry_error">(.*?)</div>', html, re.S)
    assert error and "Ihr Führerschein ist abgelaufen" in error.group(1)
    assert not Membership.objects.filter(user=alice).exists()
    expiry = date.today() + timedelta(days=900)
    response = post_form(
        client,
        "/carsharing/mitglied-werden/",
        {"licence_number": " b072rre2i55 ", "licence_expiry": expiry.isoformat()},
    )
    assert response.status_code == 302 and response["Location"] == "/carsharing/mitglied-werden/"
    membership = Membership.objects.get(user=alice)
    assert (membership.licence_number, membership.licence_expiry, membership.status) == (
        "B072RRE2I55",
        expiry,
        MembershipStatus.APPLIED,
    )
    page = text_of(client.get("/carsharing/mitglied-werden/"))
    assert "wird geprüft" in page
    assert client.get("/carsharing/mitglied-werden/")["Cache-Control"].count("no-store") == 1


def test_day_grid_shows_the_reservation_and_its_buffer_in_quarter_hours(fleet, mia):
    car = fleet["vehicles"][0]
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = timezone.make_aware(timezone.datetime.combine(tomorrow, timezone.datetime.min.time())) + timedelta(hours=10)
    services.reservation_create(user=mia, vehicle_id=car.pk, start=start, end=start + timedelta(hours=2))
    response = Client().get(f"/carsharing/fahrzeuge/{car.pk}/?ab={tomorrow.isoformat()}&ansicht=tag")
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('data-availability="day"') : html.index("</table>")]
    cells = re.findall(r'<td class="slot-(\w+)" data-start="([^"]+)">(\w+)</td>', table)
    assert len(cells) in (92, 96, 100)  # DST days have 23 or 25 hours
    busy = [start_iso[11:16] for state, start_iso, _ in cells if state == "busy"]
    # 10:00–12:00 booked, plus the 15-minute cleaning buffer until 12:15
    assert busy == ["10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30", "11:45", "12:00"]
    assert {word for state, _, word in cells if state == "busy"} == {"belegt"}
    assert {word for state, _, word in cells if state == "free"} == {"frei"}
    assert "<caption>" in table and 'scope="row"' in table


def test_week_grid_has_seven_days_and_htmx_returns_only_the_grid(fleet):
    car = fleet["vehicles"][0]
    response = Client().get(f"/carsharing/fahrzeuge/{car.pk}/")
    html = response.content.decode()
    head = html[html.index('data-availability="week"') : html.index("</thead>")]
    assert head.count('<th scope="col">') == 8  # the hour column and seven days
    partial = Client().get(
        f"/carsharing/fahrzeuge/{car.pk}/?ansicht=tag", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="availability"
    )
    body = partial.content.decode()
    assert body.lstrip().startswith('<section id="availability"') and "<html" not in body


def test_live_quote_prices_the_chosen_hours(fleet):
    car = fleet["vehicles"][0]
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = Client().get(f"/carsharing/fahrzeuge/{car.pk}/preis/", {"day": day, "start_time": "09:00", "hours": "3"})
    page = text_of(response)
    # 3 h at 4,00 €/h = 12,00 €, VAT 19 % contained = 1,92 €
    assert "12,00 €" in page and "1,92 €" in page
    assert 'aria-live="polite"' in response.content.decode()


def test_member_reserves_and_confirms_on_invoice(fleet, mia):
    car = fleet["vehicles"][1]
    client = signed_in(mia)
    start = aligned(30)
    response = _reserve(client, car, start, hours=2)
    reservation = Reservation.objects.get(user=mia)
    assert response.status_code == 302
    assert response["Location"] == f"/carsharing/reservierungen/{reservation.pk}/"
    assert (reservation.vehicle_id, reservation.start, reservation.end, reservation.status) == (
        car.pk,
        start,
        start + timedelta(hours=2),
        "held",
    )
    assert reservation.estimate_cents == 800
    detail = text_of(client.get(response["Location"]))
    assert "Vorgemerkt – bitte bestätigen" in detail and "8,00 €" in detail
    confirmed = post_form(
        client, f"/carsharing/reservierungen/{reservation.pk}/bestaetigen/", {}, form_page=response["Location"]
    )
    assert confirmed.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"
    assert list(PaymentRecord.objects.filter(reservation=reservation).values_list("kind", "amount_cents")) == [
        (PaymentKind.INVOICE, 800)
    ]
    assert "Ihre Reservierung ist verbindlich gebucht." in text_of(client.get(confirmed["Location"]))


def test_taken_window_shows_the_german_message_at_the_time_field_and_books_nothing(fleet, mia):
    car = fleet["vehicles"][0]
    other = make_member("otto-member@example.org")
    start = aligned(28)
    services.reservation_create(user=other, vehicle_id=car.pk, start=start, end=start + timedelta(hours=3))
    response = _reserve(signed_in(mia), car, start + timedelta(hours=1), hours=1)
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'id="id_start_time_error">(.*?)</div>', html, re.S)
    assert error and "Das Fahrzeug ist in dieser Zeit schon reserviert." in error.group(1)
    assert not Reservation.objects.filter(user=mia).exists()


def test_resident_without_membership_cannot_reserve(fleet, alice):
    car = fleet["vehicles"][0]
    client = signed_in(alice)
    page = client.get(f"/carsharing/fahrzeuge/{car.pk}/").content.decode()
    assert "/carsharing/mitglied-werden/" in page and f"/carsharing/fahrzeuge/{car.pk}/reservieren/" not in page
    token = csrf_token(client, "/carsharing/mitglied-werden/")
    start = timezone.localtime(aligned(30))
    response = client.post(
        f"/carsharing/fahrzeuge/{car.pk}/reservieren/",
        {"day": start.date().isoformat(), "start_time": f"{start:%H:%M}", "hours": "2", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 400
    assert "Carsharing ist nur für Mitglieder" in text_of(response)
    assert Reservation.objects.count() == 0


def test_cancel_shows_the_late_fee_before_confirming_and_charges_exactly_it(fleet, mia):
    car = fleet["vehicles"][0]
    start = aligned(5)  # within 24 h: half the estimate is due
    reservation = services.reservation_create(user=mia, vehicle_id=car.pk, start=start, end=start + timedelta(hours=2))
    services.reservation_confirm(user=mia, reservation_id=reservation.pk)
    client = signed_in(mia)
    preview = client.get(f"/carsharing/reservierungen/{reservation.pk}/stornieren/")
    assert 'data-cancel-fee="400"' in preview.content.decode()
    assert "Stornogebühr von 4,00 €" in text_of(preview)
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"  # looking costs nothing
    done = post_form(client, f"/carsharing/reservierungen/{reservation.pk}/stornieren/", {})
    assert done.status_code == 302
    reservation.refresh_from_db()
    assert (reservation.status, reservation.fee_cents) == ("cancelled", 400)
    assert "Stornogebühr: 4,00 €" in text_of(client.get(done["Location"]))


def test_extend_moves_the_end_and_raises_the_estimate(fleet, mia):
    car = fleet["vehicles"][0]
    start = aligned(30)
    reservation = services.reservation_create(user=mia, vehicle_id=car.pk, start=start, end=start + timedelta(hours=2))
    services.reservation_confirm(user=mia, reservation_id=reservation.pk)
    client = signed_in(mia)
    response = post_form(
        client,
        f"/carsharing/reservierungen/{reservation.pk}/verlaengern/",
        {"extra_hours": "1"},
        form_page=f"/carsharing/reservierungen/{reservation.pk}/",
    )
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert (reservation.end, reservation.estimate_cents) == (start + timedelta(hours=3), 1200)


def test_extension_into_another_booking_is_refused_and_changes_nothing(fleet, mia):
    car = fleet["vehicles"][0]
    start = aligned(30)
    reservation = services.reservation_create(user=mia, vehicle_id=car.pk, start=start, end=start + timedelta(hours=2))
    services.reservation_confirm(user=mia, reservation_id=reservation.pk)
    other = make_member("next@example.org")
    services.reservation_create(
        user=other, vehicle_id=car.pk, start=start + timedelta(hours=3), end=start + timedelta(hours=4)
    )
    response = post_form(
        signed_in(mia),
        f"/carsharing/reservierungen/{reservation.pk}/verlaengern/",
        {"extra_hours": "2"},
        form_page=f"/carsharing/reservierungen/{reservation.pk}/",
    )
    assert response.status_code == 409
    assert "Das Fahrzeug ist in dieser Zeit schon reserviert." in text_of(response)
    reservation.refresh_from_db()
    assert (reservation.end, reservation.estimate_cents) == (start + timedelta(hours=2), 800)


def test_start_and_end_the_trip_then_report_a_defect(fleet, mia):
    car = fleet["vehicles"][0]
    start = ceil_to_grid(timezone.now(), 15)
    reservation = services.reservation_create(user=mia, vehicle_id=car.pk, start=start, end=start + timedelta(hours=1))
    services.reservation_confirm(user=mia, reservation_id=reservation.pk)
    client = signed_in(mia)
    page = f"/carsharing/reservierungen/{reservation.pk}/"
    assert "Fahrt starten" in text_of(client.get(page))
    started = post_form(client, f"{page}starten/", {}, form_page=page)
    assert started.status_code == 302
    reservation.refresh_from_db()
    assert (reservation.status, reservation.odometer_start_km) == ("active", 0)
    too_low = post_form(
        client, f"{page}beenden/", {"odometer_km": "0", "energy_level_pct": "120", "damage_report": ""}, form_page=page
    )
    assert too_low.status_code == 400
    reservation.refresh_from_db()
    assert reservation.status == "active"
    ended = post_form(
        client, f"{page}beenden/", {"odometer_km": "42", "energy_level_pct": "80", "damage_report": ""}, form_page=page
    )
    assert ended.status_code == 302
    reservation.refresh_from_db()
    assert (reservation.status, reservation.odometer_end_km, reservation.energy_level_pct) == ("settled", 42, 80)
    assert Vehicle.objects.get(pk=car.pk).odometer_km == 42
    report = post_form(
        client,
        f"{page}schaden/",
        {"description": "Spiegel links abgebrochen", "blocks_use": "on"},
    )
    assert report.status_code == 302
    defect = DefectReport.objects.get(vehicle=car)
    assert (defect.description, defect.blocks_use, defect.reported_by_id) == ("Spiegel links abgebrochen", True, mia.pk)
    assert Vehicle.objects.get(pk=car.pk).in_service is False


def test_someone_elses_reservation_is_not_found(fleet, mia):
    car = fleet["vehicles"][0]
    start = aligned(30)
    reservation = services.reservation_create(user=mia, vehicle_id=car.pk, start=start, end=start + timedelta(hours=1))
    intruder = signed_in(make_member("eve@example.org"))
    assert intruder.get(f"/carsharing/reservierungen/{reservation.pk}/").status_code == 404
    assert intruder.get(f"/carsharing/reservierungen/{reservation.pk}/stornieren/").status_code == 404
    reservation.refresh_from_db()
    assert reservation.status == "held"


def test_personal_pages_need_a_login_and_are_never_stored(fleet):
    response = Client().get("/carsharing/reservierungen/")
    assert response.status_code == 302 and response["Location"].startswith("/anmelden/")


def test_card_page_loads_stripe_only_with_a_key(stripe_on, mia, settings):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_carsharing"
    client = signed_in(mia)
    response = client.get("/carsharing/karte-hinterlegen/")
    html = response.content.decode()
    assert '<script src="https://js.stripe.com/v3/"' in html
    assert re.search(r'data-client-secret="seti_\w+_secret_\w+"', html)
    assert 'data-publishable-key="pk_test_carsharing"' in html
    assert "script-src 'self' https://js.stripe.com" in response["Content-Security-Policy"]
    customer = StripeCustomer.objects.get(user=mia)
    assert customer.default_payment_method == ""
    # What Stripe.js does in the browser: confirm the SetupIntent; then Stripe sends the browser back.
    import stripe
    from django.conf import settings as django_settings

    intent_id = re.search(r'data-client-secret="(seti_\w+?)_secret', html).group(1)
    stripe_client = stripe.StripeClient(
        django_settings.STRIPE_SECRET_KEY, base_addresses={"api": django_settings.STRIPE_API_BASE}
    )
    stripe_client.v1.setup_intents.confirm(intent_id, params={"payment_method": "pm_card_visa"})
    done = client.get(f"/carsharing/karte-hinterlegt/?setup_intent={intent_id}")
    assert done.status_code == 302
    customer.refresh_from_db()
    assert customer.default_payment_method.startswith("pm_") and customer.card_last4 == "4242"


def test_card_page_without_stripe_loads_nothing_from_stripe(mia):
    response = signed_in(mia).get("/carsharing/karte-hinterlegen/")
    assert "stripe.com" not in response.content.decode()
    assert "Sie bekommen nach jeder Fahrt eine Rechnung" in text_of(response)
    assert not StripeCustomer.objects.filter(user=mia).exists()


def test_operator_sees_no_members_reservation_on_the_member_pages(fleet, mia, otto):
    car = fleet["vehicles"][0]
    start = aligned(30)
    reservation = services.reservation_create(user=mia, vehicle_id=car.pk, start=start, end=start + timedelta(hours=1))
    operator = signed_in(otto)
    assert operator.get(f"/carsharing/reservierungen/{reservation.pk}/").status_code == 404
    assert (
        f"/carsharing/reservierungen/{reservation.pk}/"
        not in operator.get("/carsharing/reservierungen/").content.decode()
    )


def test_confirming_after_the_hold_ran_out_books_nothing_and_says_so(fleet, mia):
    car = fleet["vehicles"][0]
    start = aligned(30)
    earlier = timezone.now() - timedelta(minutes=20)  # the 15-minute hold is over
    reservation = services.reservation_create(
        user=mia, vehicle_id=car.pk, start=start, end=start + timedelta(hours=1), now=earlier
    )
    client = signed_in(mia)
    page = f"/carsharing/reservierungen/{reservation.pk}/"
    response = post_form(client, f"{page}bestaetigen/", {}, form_page=page)
    assert response.status_code == 409
    assert "Die Reservierung wurde nicht rechtzeitig bestätigt." in text_of(response)
    reservation.refresh_from_db()
    assert reservation.status == "expired"
    assert not PaymentRecord.objects.filter(reservation=reservation).exists()


def test_cancelling_twice_is_refused_in_german(fleet, mia):
    car = fleet["vehicles"][0]
    start = aligned(30)
    reservation = services.reservation_create(user=mia, vehicle_id=car.pk, start=start, end=start + timedelta(hours=1))
    client = signed_in(mia)
    page = f"/carsharing/reservierungen/{reservation.pk}/stornieren/"
    token = csrf_token(client, page)
    assert client.post(page, {"csrfmiddlewaretoken": token}).status_code == 302
    again = client.post(page, {"csrfmiddlewaretoken": token})
    assert again.status_code == 409
    assert "Das ist in diesem Stand der Reservierung nicht möglich." in text_of(again)
    reservation.refresh_from_db()
    assert (reservation.status, reservation.fee_cents) == ("cancelled", 0)


def test_a_vehicle_out_of_service_has_no_page(fleet):
    car = fleet["vehicles"][0]
    Vehicle.objects.filter(pk=car.pk).update(in_service=False)
    response = Client().get(f"/carsharing/fahrzeuge/{car.pk}/")
    assert response.status_code == 404
    assert f"/carsharing/fahrzeuge/{car.pk}/" not in Client().get("/carsharing/").content.decode()


def test_card_member_is_led_to_the_card_page_then_confirms_with_an_authorisation(stripe_on, fleet, mia):
    from tests.carsharing.conftest import save_card

    car = fleet["vehicles"][0]
    client = signed_in(mia)
    response = _reserve(client, car, aligned(30), hours=2)
    reservation = Reservation.objects.get(user=mia)
    assert (reservation.status, reservation.billing) == ("held", "card")
    detail = client.get(response["Location"]).content.decode()
    assert 'href="/carsharing/karte-hinterlegen/"' in detail
    assert f"/carsharing/reservierungen/{reservation.pk}/bestaetigen/" not in detail
    save_card(mia)
    assert "endet auf 4242" in text_of(client.get(response["Location"]))
    confirmed = post_form(
        client, f"/carsharing/reservierungen/{reservation.pk}/bestaetigen/", {}, form_page=response["Location"]
    )
    assert confirmed.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"
    record = PaymentRecord.objects.get(reservation=reservation)
    assert (record.kind, record.status, record.amount_cents) == (PaymentKind.AUTHORISE, "authorised", 800)
