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


# --- the base-load calendar -------------------------------------------------------------------------

CAL = "/verwaltung/grundlast/"


def official(staff, car, start, end, purpose="Grundlast Rathaus"):
    from carsharing import services

    return services.reservation_create(
        user=staff, vehicle_id=car.pk, start=start, end=end, kind="official", purpose=purpose
    )


@pytest.fixture
def week(stella, fleet):  # noqa: F811
    """Next week's Tuesday: an official block 08-12 on car 1, a member's 14-16 on car 2."""
    from carsharing import services
    from tests.carsharing.conftest import make_member

    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    tuesday = monday + timedelta(days=1)
    block = official(stella, fleet["vehicles"][0], local(tuesday, 8), local(tuesday, 12))
    member = make_member("mia@example.org")
    ride = services.reservation_create(
        user=member, vehicle_id=fleet["vehicles"][1].pk, start=local(tuesday, 14), end=local(tuesday, 16)
    )
    return {"monday": monday, "tuesday": tuesday, "block": block, "ride": ride, "member": member}


@pytest.mark.django_db
def test_calendar_shows_official_member_and_free_time_per_car_and_day(stella, fleet, week):  # noqa: F811
    year, number, _ = week["monday"].isocalendar()
    response = signed_in(stella).get(f"{CAL}?woche={year}-W{number:02d}")
    assert response.status_code == 200
    rows = {row.vehicle.plate: row for row in response.context["rows"]}
    tuesday_car1 = [(e.kind, e.start, e.end) for e in rows["LD-E 1"].days[1].entries]
    assert tuesday_car1 == [
        ("free", local(week["tuesday"], 0), local(week["tuesday"], 8)),
        ("official", local(week["tuesday"], 8), local(week["tuesday"], 12)),
        ("free", local(week["tuesday"], 12, 15), local(week["tuesday"] + timedelta(days=1), 0)),  # after the buffer
    ]
    tuesday_car2 = [(e.kind, e.start, e.end) for e in rows["LD-E 2"].days[1].entries]
    assert ("member", local(week["tuesday"], 14), local(week["tuesday"], 16)) in tuesday_car2
    text = page_text(response)
    assert "08:00–12:00 Dienst KST" in text and "Grundlast Rathaus" in text
    assert "14:00–16:00 Mitglied" in text
    # the member is not named on the staff calendar
    assert "mia" not in text.lower()
    assert "Dienstfahrten können bis 24 Stunden vor Beginn für Mitglieder freigegeben werden." in text
    assert f'href="/verwaltung/grundlast/{week["block"].pk}/freigeben/"' in response.content.decode()


@pytest.mark.django_db
def test_calendar_refuses_a_week_that_does_not_exist(stella, fleet):  # noqa: F811
    client = signed_in(stella)
    for bad in ("2026-W60", "x", "2026-W", "99999-W01", "1800-W01"):
        assert client.get(f"{CAL}?woche={bad}").status_code == 404


@pytest.mark.django_db
def test_releasing_part_of_a_block_gives_it_to_members(stella, fleet, week):  # noqa: F811
    client = signed_in(stella)
    url = f"/verwaltung/grundlast/{week['block'].pk}/freigeben/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Regel: Freigeben geht nur mindestens 24 Stunden vor Beginn" in page_text(page)
    start, end = local(week["tuesday"], 10), local(week["tuesday"], 12)
    response = post_form(client, url, {"start": start.isoformat(), "end": end.isoformat()})
    assert response.status_code == 302, page_text(response)
    rows = list(
        Reservation.objects.filter(vehicle=fleet["vehicles"][0]).order_by("start").values_list("start", "end", "status")
    )
    assert rows == [
        (local(week["tuesday"], 8), local(week["tuesday"], 10), "confirmed"),
        (start, end, "released"),
    ]
    # members can now book the released hours
    from carsharing import services

    ride = services.reservation_create(
        user=week["member"], vehicle_id=fleet["vehicles"][0].pk, start=local(week["tuesday"], 10, 15), end=end
    )
    assert ride.status == "held"


@pytest.mark.django_db
def test_a_block_inside_the_notice_period_cannot_be_released(stella, fleet):  # noqa: F811
    from tests.carsharing.conftest import aligned

    block = official(stella, fleet["vehicles"][0], aligned(2), aligned(5))
    client = signed_in(stella)
    url = f"/verwaltung/grundlast/{block.pk}/freigeben/"
    page = client.get(url)
    assert page.status_code == 200
    assert "kann nicht mehr freigegeben werden" in page_text(page)
    from django.utils.timezone import localtime

    # a hand-made POST is refused too (the page's language form supplies the CSRF token)
    response = post_form(
        client, url, {"start": localtime(block.start).isoformat(), "end": localtime(block.end).isoformat()}
    )
    assert response.status_code == 400
    Reservation.objects.get(pk=block.pk, status="confirmed")


@pytest.mark.django_db
def test_first_releasable_start_follows_the_notice_rule_to_the_quarter_hour(stella, fleet):  # noqa: F811
    from carsharing.selectors_console import first_releasable_start
    from tests.carsharing.conftest import aligned

    now = aligned(0)
    block = official(stella, fleet["vehicles"][0], aligned(24, now=now), aligned(26, now=now))
    assert first_releasable_start(reservation=block, now=now) == block.start  # exactly 24 h: still allowed
    later = now + timedelta(minutes=1)
    assert first_releasable_start(reservation=block, now=later) == block.start + timedelta(minutes=15)
    assert first_releasable_start(reservation=block, now=now + timedelta(hours=1, minutes=45)) == block.end - timedelta(
        minutes=15
    )
    assert first_releasable_start(reservation=block, now=now + timedelta(hours=1, minutes=46)) is None


@pytest.mark.django_db
def test_release_of_a_member_reservation_is_404(stella, fleet, week):  # noqa: F811
    assert signed_in(stella).get(f"/verwaltung/grundlast/{week['ride'].pk}/freigeben/").status_code == 404


@pytest.mark.django_db
def test_official_share_per_cost_centre_this_month(stella, fleet):  # noqa: F811
    from carsharing.selectors_console import official_share_by_cost_centre
    from mobility.accounts.models import CostCentre

    other = CostCentre.objects.create(code="KST-9", name="Bauhof")
    today = timezone.localdate()
    Reservation.objects.create(
        vehicle=fleet["vehicles"][0],
        user=stella,
        kind="official",
        status="settled",
        billing="cost_centre",
        start=local(today.replace(day=1), 8),
        end=local(today.replace(day=1), 14),
        blocked_until=local(today.replace(day=1), 14),
        cost_centre=stella.cost_centre,
    )
    Reservation.objects.create(  # released hours do not count
        vehicle=fleet["vehicles"][1],
        user=stella,
        kind="official",
        status="released",
        billing="cost_centre",
        start=local(today.replace(day=1), 8),
        end=local(today.replace(day=1), 14),
        blocked_until=local(today.replace(day=1), 14),
        cost_centre=other,
        released=True,
    )
    shares, total = official_share_by_cost_centre(year=today.year, month=today.month)
    from datetime import date as _date

    first = datetime.combine(_date(today.year, today.month, 1), time(0), tzinfo=TZ)
    nxt = (first + timedelta(days=32)).replace(day=1)
    hours = (nxt - first).total_seconds() / 3600
    by_code = {s.code: s for s in shares}
    assert by_code[stella.cost_centre.code].hours == 6.0
    assert by_code[stella.cost_centre.code].share_of_official == 1.0
    assert by_code[stella.cost_centre.code].share_of_fleet == round(6 / (3 * hours), 4)
    assert by_code["KST-9"].hours == 0.0 and by_code["KST-9"].share_of_official == 0.0
    assert total == round(6 / (3 * hours), 4)
    page = signed_in(stella).get(CAL)
    assert f"{stella.cost_centre.code}" in page_text(page)
