"""The Mitfahrbank: its printable sign (QR code made here), the page behind the QR code (no
account), drivers told at once (rides passing within 30 minutes, and opted-in drivers), the
live status the person sees, first driver wins, expiry. Runs on the demo region."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import segno
import time_machine
from django.test import Client
from django.utils import timezone

from mobility.accounts.models import User
from mobility.notifications.models import Notification
from rides import services as ride_services
from rides.models import BenchRequest, MeetingPoint
from tests.factories import UserFactory
from tests.web.conftest import page_text, post_form


def _tomorrow_at(hour: int, minute: int) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _benches():
    lindenau = MeetingPoint.objects.get(name="Mitfahrbank Lindenau")
    ahornstadt = MeetingPoint.objects.get(name="Mitfahrbank Ahornstadt")
    return lindenau, ahornstadt


def test_the_demo_bench_has_a_printable_sign_with_a_local_qr_code(demo):
    lindenau, _ = _benches()
    assert re.fullmatch(r"[a-z2-9]{6}", lindenau.code)
    response = Client().get(f"/bank/{lindenau.code}/schild/")
    assert response.status_code == 200
    url = f"http://testserver/bank/{lindenau.code}/"
    html = response.content.decode()
    # the QR code is segno's SVG of exactly the bench's short URL, inline (nothing fetched)
    expected = segno.make(url, error="m").svg_inline(scale=10, border=2, dark="#000", light="#fff", omitsize=True)
    assert expected in html
    text = page_text(response)
    assert "Mitfahrbank Lindenau" in text and url in text and f"Code dieser Bank: {lindenau.code}" in text
    assert "Wer in den nächsten 30 Minuten hier vorbeifährt, bekommt sofort Bescheid." in text
    assert Client().get("/bank/zzzzzz/schild/").status_code == 404


def test_waiting_at_the_bench_tells_passing_and_opted_in_drivers_and_shows_who_comes(demo, client_for):
    lindenau, ahornstadt = _benches()
    anna = User.objects.get(email="anna@demo.lindenau.example")  # drives Lindenau bench → Ahornstadt at 07:30
    carla = User.objects.get(email="carla@demo.lindenau.example")
    opted = UserFactory(display_name="Olga")
    elsewhere = UserFactory()
    ride_services.bench_opt_in(driver=opted, bench_id=lindenau.pk, destination_id=ahornstadt.pk)
    tannhausen = MeetingPoint.objects.get(name="Mitfahrbank Tannhausen")
    ride_services.bench_opt_in(driver=elsewhere, bench_id=lindenau.pk, destination_id=tannhausen.pk)
    visitor = Client(enforce_csrf_checks=True)
    anna_passes = _tomorrow_at(7, 30)
    with time_machine.travel(_tomorrow_at(7, 0), tick=False):  # Anna passes at 07:30: exactly 30 minutes
        page = visitor.get(f"/bank/{lindenau.code}/")
        assert page.status_code == 200
        text = page_text(page)
        assert "Wohin möchten Sie?" in text and "Mitfahrbank Ahornstadt" in text
        assert "Mitfahrbank Lindenau" not in text.split("Wohin möchten Sie?")[1]  # not to itself
        response = post_form(visitor, f"/bank/{lindenau.code}/", {"destination": str(ahornstadt.pk)})
        assert response.status_code == 302
        item = BenchRequest.objects.get()
        assert response["Location"] == f"/bank/{lindenau.code}/anfrage/{item.token}/"
        assert sorted(item.notified_drivers) == sorted([anna.pk, opted.pk])
        told = Notification.objects.filter(kind="bench_request").order_by("user_id")
        assert {n.user_id for n in told} == {anna.pk, opted.pk}
        anna_note = told.get(user=anna).payload
        assert anna_note["bench"] == "Mitfahrbank Lindenau" and anna_note["destination"] == "Mitfahrbank Ahornstadt"
        assert anna_note["pickup_time"].startswith(anna_passes.isoformat()[:16])
        assert told.get(user=opted).payload["offer"] is None
        status = visitor.get(response["Location"])
        assert "1 Person" not in page_text(status) and "2 Personen am Steuer wissen Bescheid." in page_text(status)
        assert f'hx-get="/bank/{lindenau.code}/anfrage/{item.token}/status/"' in status.content.decode()
        assert status["Cache-Control"] == "no-store"
        # the first driver takes the person; the second is too late
        taken = client_for(opted).post(f"/api/v1/rides/bench-requests/{item.pk}/accept/", {"eta_minutes": 7})
        assert taken.status_code == 200 and taken.json()["status"] == "accepted"
        late = client_for(anna).post(f"/api/v1/rides/bench-requests/{item.pk}/accept/", {})
        assert late.status_code == 409 and late.json()["error"]["code"] == "bench_request_taken"
        assert client_for(carla).post(f"/api/v1/rides/bench-requests/{item.pk}/accept/", {}).status_code == 404
        fragment = visitor.get(f"/bank/{lindenau.code}/anfrage/{item.token}/status/")
        assert "Jemand nimmt Sie mit! Olga holt Sie hier ab, etwa um 07:07 Uhr." in page_text(fragment)
        assert "hx-trigger" not in fragment.content.decode()  # polling stops
        assert Notification.objects.filter(user=anna, kind="bench_request_taken").count() == 1
        api = Client().get(f"/api/v1/rides/bench-requests/{item.token}/").json()
        assert (api["status"], api["driver_name"]) == ("accepted", "Olga")
    item.refresh_from_db()
    assert item.accepted_by == opted and item.pickup_eta == _tomorrow_at(7, 7)


def test_a_ride_passing_later_than_the_window_is_not_told_and_requests_lapse(demo, client_for):
    lindenau, ahornstadt = _benches()
    anna = User.objects.get(email="anna@demo.lindenau.example")
    with time_machine.travel(_tomorrow_at(6, 59), tick=False):  # Anna passes 31 minutes later
        response = post_form(
            Client(enforce_csrf_checks=True), f"/bank/{lindenau.code}/", {"destination": str(ahornstadt.pk)}
        )
        assert response.status_code == 302
    item = BenchRequest.objects.get()
    assert item.notified_drivers == [] and item.expires_at == _tomorrow_at(7, 29)
    assert not Notification.objects.filter(user=anna, kind="bench_request").exists()
    with time_machine.travel(_tomorrow_at(7, 29), tick=False):
        text = page_text(Client().get(f"/bank/{lindenau.code}/anfrage/{item.token}/status/"))
        assert "Leider hat niemand zugesagt" in text


def test_bench_refuses_unknown_places_and_too_many_waiting(demo, settings):
    lindenau, ahornstadt = _benches()
    visitor = Client(enforce_csrf_checks=True)
    assert visitor.get("/bank/nichts1/").status_code == 404
    response = post_form(visitor, f"/bank/{lindenau.code}/", {"destination": str(lindenau.pk)})
    assert response.status_code == 400 and "Bitte wählen Sie ein Ziel." in page_text(response)
    assert BenchRequest.objects.count() == 0
    settings.RIDES_BENCH_MAX_WAITING = 2
    for _ in range(2):
        assert post_form(visitor, f"/bank/{lindenau.code}/", {"destination": str(ahornstadt.pk)}).status_code == 302
    busy = post_form(visitor, f"/bank/{lindenau.code}/", {"destination": str(ahornstadt.pk)})
    assert busy.status_code == 400
    assert "Hier warten schon mehrere Menschen" in page_text(busy)
    assert BenchRequest.objects.count() == 2
    # the person can withdraw the request
    item = BenchRequest.objects.first()
    post_form(
        visitor,
        f"/bank/{lindenau.code}/anfrage/{item.token}/abbrechen/",
        {},
        form_page=f"/bank/{lindenau.code}/anfrage/{item.token}/",
    )
    item.refresh_from_db()
    assert item.status == "cancelled"
