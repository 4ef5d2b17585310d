"""'Nur Fahrerinnen' in the web search and at the Mitfahrbank: offered only to people who declared
themselves women (account page), honoured by the carpools listed, the seat request booked from an
option, and the drivers a bench request tells. Runs on the demo region (Anna drives from the
Lindenau bench to Ahornstadt tomorrow at 07:30; Carla rides)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from mobility.accounts.models import User
from mobility.errors import NotFound
from rides import services as ride_services
from rides.models import BenchRequest, MeetingPoint, RideBooking, RideOffer
from tests.factories import UserFactory
from tests.web.conftest import demo_browser, page_text, post_form
from tests.web.test_booking import _book_form

LABEL = "Nur Fahrerinnen"


def _tomorrow_at(hour: int, minute: int) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _search(browser: Client, offer: RideOffer, **extra) -> tuple[str, list[str]]:
    depart = timezone.localtime(offer.departure - timedelta(minutes=10))
    response = browser.get(
        "/verbindungen/",
        {
            "origin": f"{offer.origin_lat},{offer.origin_lon}",
            "destination": "Buchwald Feuerwehr",
            "when": "depart",
            "date": depart.date().isoformat(),
            "time": depart.strftime("%H:%M"),
            **extra,
        },
    )
    assert response.status_code == 200, page_text(response)
    html = response.content.decode()
    carpools = [
        u.replace("&amp;", "&")
        for u, title in re.findall(r'<h3><a href="(/verbindungen/\d+/\?[^"]+)">([^<]+)<span', html)
        if title == "Mitfahrgelegenheit"
    ]
    return html, carpools


def test_the_search_offers_women_drivers_only_to_declared_women_and_books_with_it(demo, settings, client_for):
    offer = RideOffer.objects.filter(departure__gte=timezone.now()).order_by("departure").first()
    anna = offer.driver
    assert anna.email == "anna@demo.lindenau.example" and not anna.declares_woman
    carla = User.objects.get(email="carla@demo.lindenau.example")
    # Not offered to visitors or to residents who declared nothing; sent anyway, it changes nothing.
    assert LABEL not in page_text(Client().get("/"))
    ben = demo_browser("ben@demo.lindenau.example")
    assert LABEL not in page_text(ben.get("/"))
    rider = demo_browser("carla@demo.lindenau.example")
    assert LABEL not in page_text(rider.get("/"))
    assert _search(rider, offer, women_drivers_only="on")[1]  # Carla declared nothing: option ignored

    User.objects.filter(pk=carla.pk).update(declares_woman=True)
    start = rider.get("/")
    assert re.search(
        r'<input type="checkbox" name="women_drivers_only"[^>]*id="id_women_drivers_only"', start.content.decode()
    )
    assert "Mitfahrten nur bei Fahrerinnen, die das in ihrem Konto angegeben haben." in page_text(start)
    # Anna declared nothing: with the option her carpool is left out; without it, it is listed.
    html, carpools = _search(rider, offer, women_drivers_only="on")
    assert carpools == [] and re.search(r'<input type="checkbox" name="women_drivers_only"[^>]*checked', html)
    assert len(_search(rider, offer)[1]) == 1

    User.objects.filter(pk=anna.pk).update(declares_woman=True)
    # The JSON search has the same option; its ride request keeps it for the booking.
    params = {
        "from": f"{offer.origin_lat},{offer.origin_lon}",
        "to": "Buchwald Feuerwehr",
        "depart_at": (offer.departure - timedelta(minutes=10)).isoformat(),
        "modes": "ride",
    }
    api = client_for(carla)
    found = api.get("/api/v1/journeys/", {**params, "women_drivers_only": "true"}).json()["options"]
    assert [o["kind"] for o in found] == ["ride"]
    assert found[0]["book"][0]["body"]["women_drivers_only"] is True
    User.objects.filter(pk=anna.pk).update(declares_woman=False)
    assert api.get("/api/v1/journeys/", {**params, "women_drivers_only": "true"}).json()["options"] == []
    plain = api.get("/api/v1/journeys/", params).json()["options"]
    assert [o["kind"] for o in plain] == ["ride"] and "women_drivers_only" not in plain[0]["book"][0]["body"]
    assert api.get("/api/v1/journeys/", {**params, "women_drivers_only": "vielleicht"}).status_code == 400
    User.objects.filter(pk=anna.pk).update(declares_woman=True)

    _, carpools = _search(rider, offer, women_drivers_only="on")
    assert len(carpools) == 1 and "women_drivers_only=on" in carpools[0]
    detail = rider.get(carpools[0]).content.decode()
    response = post_form(rider, "/buchen/mitfahrt/", _book_form(detail, "/buchen/mitfahrt/"), form_page=carpools[0])
    assert response.status_code == 302, page_text(response)
    booking = RideBooking.objects.get(rider=carla, offer=offer)
    assert booking.request.women_drivers_only is True and booking.status == "requested"

    settings.LANGUAGE_CODE = "en"
    english = rider.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Women drivers only" in page_text(english) and LABEL not in page_text(english)


def test_a_bench_request_tells_only_women_drivers_when_a_signed_in_woman_asks_so(demo):
    lindenau = MeetingPoint.objects.get(name="Mitfahrbank Lindenau")
    ahornstadt = MeetingPoint.objects.get(name="Mitfahrbank Ahornstadt")
    anna = User.objects.get(email="anna@demo.lindenau.example")  # passes the bench at 07:30, declared nothing
    carla = User.objects.get(email="carla@demo.lindenau.example")
    olga, paul = UserFactory(display_name="Olga", declares_woman=True), UserFactory(display_name="Paul")
    for driver in (olga, paul):
        ride_services.bench_opt_in(driver=driver, bench_id=lindenau.pk, destination_id=ahornstadt.pk)
    page = f"/bank/{lindenau.code}/"
    asked = {"destination": str(ahornstadt.pk), "women_drivers_only": "on"}

    def told(client: Client, keep: bool = False) -> list[int]:
        response = post_form(client, page, asked)
        assert response.status_code == 302, page_text(response)
        item = BenchRequest.objects.order_by("-id").first()
        if not keep:
            ride_services.bench_request_cancel(token=item.token)  # the bench's waiting limit stays free
        return sorted(item.notified_drivers)

    with time_machine.travel(_tomorrow_at(7, 0), tick=False):
        # Visitors without an account cannot choose it: no checkbox, and a crafted field is ignored.
        visitor = Client(enforce_csrf_checks=True)
        assert LABEL not in page_text(visitor.get(page))
        assert told(visitor) == sorted([anna.pk, olga.pk, paul.pk])
        rider = demo_browser("carla@demo.lindenau.example")
        assert LABEL not in page_text(rider.get(page))
        User.objects.filter(pk=carla.pk).update(declares_woman=True)
        form = rider.get(page)
        assert LABEL in page_text(form)
        assert "Nur Fahrerinnen, die das in ihrem Konto angegeben haben, bekommen Bescheid." in page_text(form)
        assert told(rider, keep=True) == [olga.pk]  # Anna and Paul declared nothing
        # Paul, not told, cannot take the person either; Olga can.
        item = BenchRequest.objects.get(status="waiting")
        for driver in (paul, anna):
            try:
                ride_services.bench_request_accept(driver=driver, request_id=item.pk)
            except NotFound as exc:
                assert exc.code == "bench_request_not_found"
            else:
                raise AssertionError(f"{driver} took a women-only bench request")
        assert ride_services.bench_request_accept(driver=olga, request_id=item.pk).accepted_by == olga
        ride_services.bench_request_cancel(token=item.token)
        # Without the box ticked everyone is told again.
        asked.pop("women_drivers_only")
        assert told(rider) == sorted([anna.pk, olga.pk, paul.pk])

        # A ride offered to women only is announced to a woman who asks, not to an unknown visitor.
        RideOffer.objects.filter(driver=anna).update(women_riders_only=True)
        assert told(rider) == sorted([anna.pk, olga.pk, paul.pk])
        assert told(visitor) == sorted([olga.pk, paul.pk])
    assert not BenchRequest.objects.filter(status="waiting").exists()
