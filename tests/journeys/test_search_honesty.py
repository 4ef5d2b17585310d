"""The one search tells the truth: nothing in the past, Bürgerbus deadlines, whole times,
no 0 m walks, identical cars once, booking steps that complete the booking."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from carsharing.models import Reservation, Station
from gtfs.models import BuergerbusBooking, Stop
from mobility.accounts.models import User
from tests.demo_region import demo  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("demo")

TZ_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$")
TIME_KEYS = {"departure", "arrival", "start", "end", "booking_deadline", "depart_at", "arrive_by"}


def _next_weekday(after_days: int = 1):
    day = timezone.localdate() + timedelta(days=after_days)
    while day.weekday() >= 5:  # BB2 runs Monday to Friday
        day += timedelta(days=1)
    return day


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _freeze(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _client(client_for, email):
    return client_for(User.objects.get(email=email))


def _search(client, **params):
    response = client.get("/api/v1/journeys/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _timestamps(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TIME_KEYS and isinstance(value, str):
                yield f"{path}.{key}", value
            else:
                yield from _timestamps(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _timestamps(value, f"{path}[{index}]")


def _bb2_options(body):
    return [o for o in body["options"] if any(leg.get("line") == "BB2" for leg in o["legs"])]


BB2_SEARCH = {"from": "Lindenau Rathaus", "to": "Birkenfeld Dorfplatz", "modes": "transit", "window_min": "60"}


def test_on_demand_bürgerbus_is_bookable_before_the_deadline_and_the_step_books_it(monkeypatch, client_for):
    day = _next_weekday(2)
    _freeze(monkeypatch, _at(day - timedelta(days=1), 12))  # before 18:00 the day before
    anna = _client(client_for, "anna@demo.lindenau.example")
    body = _search(anna, depart_at=_at(day, 8, 50).isoformat(), **BB2_SEARCH)
    [option] = _bb2_options(body)
    [leg] = option["legs"]
    assert leg["departure"] == _at(day, 9).isoformat()
    assert (leg["booking_required"], leg["bookable"], leg["runs_anyway"]) == (True, True, False)
    assert leg["booking_deadline"] == _at(day - timedelta(days=1), 18).isoformat()
    assert option["needs_booking"] is True
    [step] = option["book"]
    assert step["href"] == "/api/v1/gtfs/buergerbus/bookings/" and step["method"] == "POST"
    response = anna.post(step["href"], step["body"], format="json")
    assert response.status_code == 201, response.content
    booking = BuergerbusBooking.objects.get(service_date=day)  # the demo's history holds past ones
    assert (booking.trip_id, booking.service_date, booking.seats) == (leg["trip"], day, 1)


def test_on_demand_bürgerbus_past_its_deadline_is_not_offered_unless_it_runs_anyway(monkeypatch, client_for):
    day = _next_weekday(2)
    ben = _client(client_for, "ben@demo.lindenau.example")
    _freeze(monkeypatch, _at(day, 7))  # the deadline was 18:00 yesterday
    body = _search(ben, depart_at=_at(day, 8, 50).isoformat(), **BB2_SEARCH)
    assert _bb2_options(body) == []  # nobody booked it: it will not run
    assert body["options"] and all(o["book"] == [] for o in body["options"])  # the regional bus instead

    # Anna booked in time; now the trip runs, and Ben sees it, marked, without a booking request.
    _freeze(monkeypatch, _at(day - timedelta(days=1), 12))
    anna = _client(client_for, "anna@demo.lindenau.example")
    early = _search(anna, depart_at=_at(day, 8, 50).isoformat(), **BB2_SEARCH)
    step = _bb2_options(early)[0]["book"][0]
    assert anna.post(step["href"], step["body"], format="json").status_code == 201
    _freeze(monkeypatch, _at(day, 7))
    body = _search(ben, depart_at=_at(day, 8, 50).isoformat(), **BB2_SEARCH)
    [option] = _bb2_options(body)
    [leg] = option["legs"]
    assert (leg["bookable"], leg["runs_anyway"]) == (False, True)
    assert option["book"] == [] and option["needs_booking"] is False
    assert "Buchungsfrist ist abgelaufen" in " ".join(option["notes"])
    # The service agrees: booking now is refused.
    late = ben.post(step["href"], step["body"], format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "buergerbus_booking_too_late"
    assert BuergerbusBooking.objects.filter(service_date=day).count() == 1


def test_a_search_in_the_past_offers_nothing_that_has_left(monkeypatch, client_for):
    day = _next_weekday(1)
    now = _at(day, 21, 28)
    _freeze(monkeypatch, now)
    carla = _client(client_for, "carla@demo.lindenau.example")  # a member: car-sharing is offered
    body = _search(
        carla, **{"from": "50.1506,9.9010", "to": "Ahornstadt Markt", "depart_at": _at(day, 7, 20).isoformat()}
    )
    assert body["query"]["depart_at"] == now.isoformat()  # searched from now
    assert body["options"], "a car is free in the evening"
    for option in body["options"]:
        assert option["departure"] >= (now - timedelta(minutes=1)).isoformat(), option
        for leg in option["legs"]:
            if leg["mode"] == "car":
                assert leg["rental"]["start"] >= now.isoformat()
    # arrive_by before now: nothing can still get there.
    body = _search(carla, **{"from": "50.1506,9.9010", "to": "Ahornstadt Markt", "arrive_by": _at(day, 9).isoformat()})
    assert body["options"] == [] and body["nothing_found"] is True


def test_depart_at_defaults_to_now(monkeypatch, api_client):
    day = _next_weekday(1)
    now = _at(day, 8, 3) + timedelta(seconds=17, microseconds=400_000)
    _freeze(monkeypatch, now)
    body = _search(api_client, **{"from": "Lindenau Rathaus", "to": "Ahornstadt Bahnhof", "modes": "transit"})
    assert body["query"]["depart_at"] == _at(day, 8, 3).replace(second=17).isoformat()
    assert body["query"]["arrive_by"] is None
    assert body["options"] and all(o["departure"] >= _at(day, 8, 2).isoformat() for o in body["options"])


def test_times_are_whole_walks_are_real_and_identical_cars_appear_once(monkeypatch, client_for):
    from carsharing.selectors import vehicles_free_near

    day = _next_weekday(2)  # after the demo's own reservations; the base load ends at 12:00
    _freeze(monkeypatch, _at(day, 6) + timedelta(microseconds=123_456))
    station = Station.objects.get(name="Rathaus Lindenau")
    free_here = [
        v.plate
        for v, _ in vehicles_free_near(
            start=_at(day, 13), end=_at(day, 15), lat=station.lat, lon=station.lon, radius_km=0.01, now=_at(day, 6)
        )
    ]
    assert free_here == ["LD-GL 101E", "LD-GL 102E"]  # two identical electric cars, both free
    rathaus = Stop.objects.filter(name="Lindenau Rathaus").order_by("pk").first()
    carla = _client(client_for, "carla@demo.lindenau.example")
    for origin in (f"{station.lat},{station.lon}", f"stop:{rathaus.pk}"):
        body = _search(carla, **{"from": origin, "to": "Ahornstadt Markt", "depart_at": _at(day, 13).isoformat()})
        stamps = list(_timestamps(body))
        assert stamps and all(TZ_ISO.match(value) for _, value in stamps), [s for s in stamps if not TZ_ISO.match(s[1])]
        for option in body["options"]:
            assert TZ_ISO.match(option["departure"]) and TZ_ISO.match(option["arrival"])
            for leg in option["legs"]:
                assert leg["mode"] != "walk" or leg["distance_m"] >= 1, leg
                if leg["mode"] == "bus":  # the demo timetables have whole minutes
                    assert leg["departure"][17:19] == "00" and leg["arrival"][17:19] == "00"
        cars = [o for o in body["options"] if o["kind"] == "carsharing"]
        keys = [
            (leg["station"]["id"], leg["vehicle_type"], o["price_cents"])
            for o in cars
            for leg in o["legs"]
            if leg["mode"] == "car"
        ]
        assert len(keys) == len(set(keys)), keys
        assert [k[:2] for k in keys].count((station.pk, "E-Kleinwagen")) == 1
        if not origin.startswith(str(station.lat)):
            transit = [o for o in body["options"] if o["kind"] == "transit"]
            assert transit and all(o["legs"][0]["mode"] != "walk" for o in transit)  # already at the stop


def test_car_sharing_booking_steps_reserve_and_confirm(monkeypatch, client_for):
    day = _next_weekday(1)
    _freeze(monkeypatch, _at(day, 6))
    carla = _client(client_for, "carla@demo.lindenau.example")
    station = Station.objects.get(name="Rathaus Lindenau")
    body = _search(
        carla,
        **{
            "from": f"{station.lat},{station.lon}",
            "to": "Ahornstadt Markt",
            "modes": "carsharing",
            "depart_at": _at(day, 10).isoformat(),
        },
    )
    option = body["options"][0]
    reserve, confirm = option["book"]
    assert reserve["href"] == "/api/v1/carsharing/reservations/" and reserve["path_id_from_step"] is None
    assert confirm["href"] == "/api/v1/carsharing/reservations/{id}/confirm/"
    assert confirm["path_id_from_step"] == 1 and confirm["body"] is None
    created = carla.post(reserve["href"], reserve["body"], format="json")
    assert created.status_code == 201, created.content
    reservation_id = created.json()["id"]
    assert Reservation.objects.get(pk=reservation_id).status == "held"
    confirmed = carla.post(confirm["href"].replace("{id}", str(reservation_id)), format="json")
    assert confirmed.status_code == 200, confirmed.content
    reservation = Reservation.objects.get(pk=reservation_id)
    assert reservation.status == "confirmed"
    assert reservation.start == datetime.fromisoformat(reserve["body"]["start"])


def test_ride_booking_steps_name_where_the_request_id_goes(client_for):
    from rides.models import RideOffer

    carla = _client(client_for, "carla@demo.lindenau.example")
    offer = RideOffer.objects.filter(departure__gte=timezone.now()).order_by("departure").first()
    body = _search(
        carla,
        **{
            "from": f"{offer.origin_lat},{offer.origin_lon}",
            "to": f"{offer.destination_lat},{offer.destination_lon}",
            "modes": "ride",
            "depart_at": (offer.departure - timedelta(minutes=10)).isoformat(),
        },
    )
    ride = next(o for o in body["options"] if o["kind"] == "ride")
    request_step, booking_step = ride["book"]
    assert booking_step["body_ids_from_steps"] == {"request": 1} and booking_step["body"]["request"] is None
    created = carla.post(request_step["href"], request_step["body"], format="json")
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]
    asked = carla.post(booking_step["href"], {**booking_step["body"], "request": request_id}, format="json")
    assert asked.status_code == 201, asked.content
