"""Staff console: official trips (once and weekly, free pool car proposed) and the base-load
calendar (week view, releasing official hours under the notice rule, share per cost centre)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from carsharing.models import BaseLoadBlock, Reservation, Vehicle, VehicleType
from tests.carsharing.conftest import fleet  # noqa: F401
from tests.web.conftest import page_text, post_form, signed_in

TZ = ZoneInfo(settings.TIME_ZONE)
URL = "/verwaltung/dienstfahrten/neu/"


def local(day, hh, mm=0):
    return datetime.combine(day, time(hh, mm), tzinfo=TZ)


@pytest.fixture
def van(fleet):  # noqa: F811
    bus = VehicleType.objects.create(name="Kleinbus", seats=9, propulsion="diesel", range_km=700)
    from carsharing.models import Tariff

    Tariff.objects.create(vehicle_type=bus, per_hour_cents=900, daily_cap_cents=9000, per_km_cents=30)
    return Vehicle.objects.create(plate="LD-B 9", vehicle_type=bus, station=fleet["stations"][0])


def trip_data(day, **extra):
    return {
        "purpose": "Ortstermin Bauhof",
        "cost_centre": extra.pop("cost_centre"),
        "day": day.isoformat(),
        "start_time": "09:00",
        "end_time": "11:00",
        "passengers": "2",
        **extra,
    }


@pytest.mark.django_db
def test_first_submit_proposes_the_smallest_free_car_that_seats_everyone(stella, fleet, van):  # noqa: F811
    client = signed_in(stella)
    page = client.get(URL)
    assert page.status_code == 200
    # the staff member's own cost centre is preselected
    assert f'<option value="{stella.cost_centre_id}" selected>' in page.content.decode()
    day = timezone.localdate() + timedelta(days=3)
    response = post_form(
        client, URL, trip_data(day, cost_centre=stella.cost_centre_id, passengers="5", action="propose")
    )
    assert response.status_code == 200
    # only the nine-seater takes five people; nothing booked yet
    assert [v.plate for v in response.context["proposals"]] == ["LD-B 9"]
    assert f'value="{van.pk}" id="id_vehicle_0" checked' in response.content.decode()
    assert Reservation.objects.count() == 0
    # four people fit the small cars: those come first, the bus last
    response = post_form(
        client, URL, trip_data(day, cost_centre=stella.cost_centre_id, passengers="4", action="propose")
    )
    assert [v.plate for v in response.context["proposals"]] == ["LD-E 1", "LD-E 2", "LD-E 3", "LD-B 9"]


@pytest.mark.django_db
def test_booking_the_proposed_car_stores_a_confirmed_official_trip(stella, fleet, van):  # noqa: F811
    client = signed_in(stella)
    day = timezone.localdate() + timedelta(days=3)
    car = fleet["vehicles"][0]
    response = post_form(
        client, URL, trip_data(day, cost_centre=stella.cost_centre_id, vehicle=str(car.pk), action="book")
    )
    assert response.status_code == 302, page_text(response)
    reservation = Reservation.objects.get()
    assert (reservation.vehicle_id, reservation.kind, reservation.status, reservation.billing) == (
        car.pk,
        "official",
        "confirmed",
        "cost_centre",
    )
    assert (reservation.start, reservation.end) == (local(day, 9), local(day, 11))
    assert (reservation.cost_centre_id, reservation.purpose, reservation.user_id) == (
        stella.cost_centre_id,
        "Ortstermin Bauhof",
        stella.pk,
    )
    page = client.get(URL)
    assert "Dienstfahrt gebucht: LD-E 1" in page_text(page)
    assert "Ortstermin Bauhof" in page_text(page)
    # the same car is now taken at that time: not proposed again, and booking it is refused
    response = post_form(client, URL, trip_data(day, cost_centre=stella.cost_centre_id, action="propose"))
    assert "LD-E 1" not in [v.plate for v in response.context["proposals"]]
    response = post_form(
        client, URL, trip_data(day, cost_centre=stella.cost_centre_id, vehicle=str(car.pk), action="book")
    )
    assert response.status_code == 409
    assert Reservation.objects.count() == 1


@pytest.mark.django_db
def test_a_car_too_small_for_the_group_is_refused(stella, fleet, van):  # noqa: F811
    client = signed_in(stella)
    day = timezone.localdate() + timedelta(days=3)
    car = fleet["vehicles"][0]  # four seats
    response = post_form(
        client,
        URL,
        trip_data(day, cost_centre=stella.cost_centre_id, passengers="5", vehicle=str(car.pk), action="book"),
    )
    assert response.status_code == 400
    assert "In diesem Auto sind nicht genug Sitze für alle." in page_text(response)
    assert Reservation.objects.count() == 0


@pytest.mark.django_db
def test_no_free_car_says_so(stella, fleet):  # noqa: F811
    client = signed_in(stella)
    day = timezone.localdate() + timedelta(days=3)
    response = post_form(client, URL, trip_data(day, cost_centre=stella.cost_centre_id, passengers="6"))
    assert response.status_code == 409
    assert "kein passendes Auto frei" in page_text(response)


@pytest.mark.django_db
def test_weekly_official_trip_books_every_chosen_weekday_until_the_end_date(stella, fleet):  # noqa: F811
    client = signed_in(stella)
    today = timezone.localdate()
    first = today + timedelta(days=(7 - today.weekday()))  # next Monday
    until = first + timedelta(days=13)  # two full weeks
    car = fleet["vehicles"][1]
    response = post_form(
        client,
        URL,
        trip_data(
            first,
            cost_centre=stella.cost_centre_id,
            vehicle=str(car.pk),
            action="book",
            repeat="on",
            weekdays=["1", "3"],
            until=until.isoformat(),
        ),
    )
    assert response.status_code == 302, page_text(response)
    block = BaseLoadBlock.objects.get()
    assert (block.weekdays, block.valid_from, block.valid_until, block.vehicle_id) == ([1, 3], first, until, car.pk)
    starts = list(Reservation.objects.order_by("start").values_list("start", flat=True))
    assert starts == [
        local(first, 9),
        local(first + timedelta(days=2), 9),
        local(first + timedelta(days=7), 9),
        local(first + timedelta(days=9), 9),
    ]
    assert "Regelmäßige Dienstfahrt gebucht: 4 Tage." in page_text(client.get(URL))


@pytest.mark.django_db
def test_weekly_trip_without_weekdays_or_end_is_a_form_error(stella, fleet):  # noqa: F811
    client = signed_in(stella)
    day = timezone.localdate() + timedelta(days=3)
    response = post_form(
        client,
        URL,
        trip_data(
            day, cost_centre=stella.cost_centre_id, vehicle=str(fleet["vehicles"][0].pk), action="book", repeat="on"
        ),
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "Bitte wählen Sie mindestens einen Wochentag." in text
    assert "Bitte geben Sie an, bis wann die Fahrt regelmäßig stattfindet." in text
    assert Reservation.objects.count() == 0 and BaseLoadBlock.objects.count() == 0


@pytest.mark.django_db
def test_bad_input_is_a_400_not_a_500(stella, fleet):  # noqa: F811
    client = signed_in(stella)
    for data in (
        {
            "purpose": "",
            "cost_centre": "x",
            "day": "2026-13-45",
            "start_time": "25:00",
            "end_time": "x",
            "passengers": "0",
        },
        {
            "purpose": "a" * 500,
            "cost_centre": "999999",
            "day": "0001-01-01",
            "start_time": "09:00",
            "end_time": "08:00",
            "passengers": "99",
        },
    ):
        response = post_form(client, URL, data)
        assert response.status_code == 400
    assert Reservation.objects.count() == 0
