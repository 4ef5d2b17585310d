"""The one search over the demo region: every kind of option, booking links, nothing-found."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from gtfs.models import Stop
from mobility.accounts.models import User
from rides.models import RideOffer
from stats.models import SearchLog

# A moment inside the searchable range whenever the tests run.
SOON = (timezone.now() + timedelta(days=1)).replace(microsecond=0).isoformat()


@pytest.fixture
def demo(db, tmp_path, settings):
    settings.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    import journeys.conf
    import journeys.timetable_store as store

    journeys.conf.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    store._cache = None
    call_command("demo", "--out", str(tmp_path / "demo"), stdout=StringIO())
    yield
    store._cache = None


def _search(client, **params):
    response = client.get("/api/v1/journeys/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_demo_search_between_two_villages_offers_every_kind(demo, client_for):
    carla = User.objects.get(email="carla@demo.lindenau.example")
    offer = RideOffer.objects.filter(departure__gte=timezone.now()).order_by("departure").first()
    depart = offer.departure - timedelta(minutes=10)
    logged_before = SearchLog.objects.count()
    buchwald = Stop.objects.filter(name="Buchwald Feuerwehr", version__feed__kind="transit").get()
    # From Lindenau (where the demo driver starts) to the village of Buchwald.
    body = _search(
        client_for(carla),
        **{
            "from": f"{offer.origin_lat},{offer.origin_lon}",
            "to": f"{buchwald.lat},{buchwald.lon}",
            "depart_at": depart.isoformat(),
            "max_walk_m": "250",
        },
    )
    kinds = [option["kind"] for option in body["options"]]
    assert set(kinds) == {"transit", "ride", "ride+transit", "carsharing"}
    combo = next(o for o in body["options"] if o["kind"] == "ride+transit")
    modes = [leg["mode"] for leg in combo["legs"] if leg["mode"] != "walk"]
    assert modes[0] == "carpool" and modes[1:] and all(m == "bus" for m in modes[1:])
    carpool_leg = next(leg for leg in combo["legs"] if leg["mode"] == "carpool")
    first_bus = next(leg for leg in combo["legs"] if leg["mode"] == "bus")
    assert first_bus["departure"] >= carpool_leg["arrival"]
    assert body["nothing_found"] is False
    scores = [option["score"] for option in body["options"]]
    assert scores == sorted(scores)
    transit = next(o for o in body["options"] if o["kind"] == "transit")
    bus = next(leg for leg in transit["legs"] if leg["mode"] == "bus")
    # Buchwald is served by the regional R20 and the Bürgerbus round BB1 (no booking needed).
    assert bus["line"] in {"R20", "BB1"}
    assert bus["buergerbus"] is (bus["line"] == "BB1")
    assert bus["booking_required"] is False
    assert transit["departure"] >= depart.isoformat()[:16]
    ride = next(o for o in body["options"] if o["kind"] == "ride")
    carpool = next(leg for leg in ride["legs"] if leg["mode"] == "carpool")
    assert carpool["offer"] == offer.pk and carpool["cost_share_cents"] == offer.cost_share_cents
    assert [step["href"] for step in ride["book"]] == ["/api/v1/rides/requests/", "/api/v1/rides/bookings/"]
    car = next(o for o in body["options"] if o["kind"] == "carsharing")
    assert car["book"][0]["href"] == "/api/v1/carsharing/reservations/"
    assert car["price_cents"] > 0
    # Nothing about the driver before a confirmed booking: no name, no e-mail, not where the ride ends.
    text = str(body)
    assert offer.driver.display_name not in text and offer.driver.email not in text
    assert f"{offer.destination_lat:.4f}" not in text and f"{offer.destination_lon:.4f}" not in text
    assert SearchLog.objects.count() == logged_before + 1
    assert SearchLog.objects.order_by("-id").first().results == len(body["options"])


def test_buergerbus_booking_line_is_marked_with_free_seats_and_a_booking_link(demo, client_for, alice):
    # Only the Bürgerbus runs in this test, so its booking-only line BB2 is the answer.
    from gtfs.models import Feed

    Feed.objects.filter(kind="transit").update(active_version=None)
    origin = Stop.objects.filter(name="Birkenfeld Dorfplatz", version__feed__kind="community_bus").get()
    target = Stop.objects.filter(name="Tannhausen Mühle", version__feed__kind="community_bus").get()
    # A weekday morning well ahead, so the booking deadline (18:00 the day before) is open.
    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    body = _search(
        client_for(alice),
        **{
            "from": f"stop:{origin.pk}",
            "to": f"stop:{target.pk}",
            "depart_at": f"{day.isoformat()}T08:30:00+01:00",
            "modes": "transit",
        },
    )
    legs = [leg for option in body["options"] for leg in option["legs"] if leg.get("buergerbus")]
    assert legs, body
    leg = legs[0]
    assert leg["line"] == "BB2" and leg["booking_required"] is True and leg["free_seats"] == 8
    assert leg["bookable"] is True
    option = next(o for o in body["options"] if leg in o["legs"])
    assert option["book"][0]["href"] == "/api/v1/gtfs/buergerbus/bookings/"
    assert option["book"][0]["body"]["from_stop"] == origin.pk


def test_nothing_found_suggests_alternatives(demo, client_for, alice):
    logged_before = SearchLog.objects.count()
    body = _search(
        client_for(alice),
        **{
            "from": "50.1500,9.9000",
            "to": "50.1930,9.9350",
            "depart_at": "2027-06-06T02:00:00+02:00",
            "modes": "transit,ride",
            "max_walk_m": "50",
        },
    )
    assert body["nothing_found"] is True and body["options"] == []
    # the first bus leaves after 09:00, more than the 6 h limit after 02:00: the answer says so
    assert body["limits"]["longer_than_max_duration"] == 1
    kinds = [s["kind"] for s in body["suggestions"]]
    assert "post_ride_request" in kinds
    post = next(s for s in body["suggestions"] if s["kind"] == "post_ride_request")
    assert post["book"]["href"] == "/api/v1/rides/requests/"
    assert SearchLog.objects.count() == logged_before + 1
    assert SearchLog.objects.order_by("-id").first().results == 0


def test_anonymous_search_shows_no_carpools(demo, client):
    offer = RideOffer.objects.filter(departure__gte=timezone.now()).order_by("departure").first()
    response = client.get(
        "/api/v1/journeys/",
        {
            "from": f"{offer.origin_lat},{offer.origin_lon}",
            "to": f"{offer.destination_lat},{offer.destination_lon}",
            "depart_at": (offer.departure - timedelta(minutes=10)).isoformat(),
        },
    )
    body = response.json()
    kinds = {o["kind"] for o in body["options"]}
    assert "transit" in kinds and kinds <= {"transit", "carsharing"}
    assert "sign_in" in [s["kind"] for s in body["suggestions"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "x", "to": "50,9", "depart_at": SOON}, "from"),
        ({"from": "91,9", "to": "50,9", "depart_at": SOON}, "from"),
        ({"from": "50,9", "to": "stop:999999", "depart_at": SOON}, "to"),
        ({"from": "50,9", "to": "50,9", "depart_at": SOON, "arrive_by": SOON}, "non_field_errors"),
        ({"from": "50,9", "to": "50,9", "depart_at": SOON, "modes": "plane"}, "modes"),
        ({"from": "50,9", "to": "50,9", "depart_at": SOON, "max_walk_m": "99999"}, "max_walk_m"),
        ({"from": "50,9", "to": "50,9", "depart_at": "0001-01-01T00:00:00+00:00"}, "depart_at"),
        ({"from": "50,9", "to": "50,9", "arrive_by": "9999-12-31T23:00:00+00:00"}, "arrive_by"),
        ({"from": "50,9", "to": "50,9", "depart_at": SOON, "max_walk_m": "nan"}, "max_walk_m"),
    ],
)
def test_bad_search_input_is_a_clear_400(client, params, field):
    response = client.get("/api/v1/journeys/", params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]


def test_range_query_lists_every_good_departure_in_the_window(demo, client_for, alice):
    lindenau = Stop.objects.filter(name="Lindenau Rathaus", version__feed__kind="transit").get()
    ahornstadt = Stop.objects.filter(name="Ahornstadt Bahnhof", version__feed__kind="transit").get()
    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    params = {
        "from": f"{lindenau.lat},{lindenau.lon}",
        "to": f"{ahornstadt.lat},{ahornstadt.lon}",
        "depart_at": f"{day.isoformat()}T07:00:00+01:00",
        "modes": "transit",
        "max_walk_m": "200",
    }
    single = _search(client_for(alice), **params)
    ranged = _search(client_for(alice), **params, window_min="180")
    departures = sorted(o["departure"] for o in ranged["options"])
    # R10 runs hourly on weekdays: three departures in three hours, each one a separate option.
    assert len({d[:16] for d in departures}) >= 3
    assert departures[0] == min(o["departure"] for o in single["options"])
    assert all(d < f"{day.isoformat()}T10:00" for d in departures)
    arrive_by = {k: v for k, v in params.items() if k != "depart_at"}
    bad = client_for(alice).get(
        "/api/v1/journeys/", {**arrive_by, "arrive_by": params["depart_at"], "window_min": "60"}
    )
    assert bad.status_code == 400
    assert "window_min" in bad.json()["error"]["fields"]


@pytest.mark.django_db
def test_search_is_throttled_per_client(client, settings):
    settings.SEARCH_THROTTLE_RATE = "2/min"
    params = {"from": "x", "to": "50,9", "depart_at": SOON}
    codes = [client.get("/api/v1/journeys/", params).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_car_rental_starts_after_the_walk_to_the_station(demo, client_for):
    carla = User.objects.get(email="carla@demo.lindenau.example")
    from carsharing.models import Station

    station = Station.objects.get(name="Rathaus Lindenau")
    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=3)
    # 300 m south of the station, leaving exactly on the 15-minute grid.
    depart = f"{day.isoformat()}T11:30:00+01:00"
    body = _search(
        client_for(carla),
        **{
            "from": f"{station.lat - 0.0027},{station.lon}",
            "to": "50.1930,9.9350",
            "depart_at": depart,
            "modes": "carsharing",
        },
    )
    cars = [o for o in body["options"] if o["kind"] == "carsharing"]
    assert cars, body
    for option in cars:
        rental = option["legs"][1]["rental"]
        walk = option["legs"][0]
        assert option["departure"] >= depart[:19]
        assert walk["arrival"] == rental["start"]
        assert rental["start"].startswith(f"{day.isoformat()}T11:45")
