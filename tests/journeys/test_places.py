"""``from``/``to`` as a resident writes them, stops shared by feeds as one place, the stop list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gtfs.models import Stop
from rides.models import MeetingPoint
from tests.demo_region import demo  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("demo")


def _buchwald():
    return list(Stop.objects.filter(name="Buchwald Feuerwehr").order_by("pk"))


def _search(client, **params):
    return client.get("/api/v1/journeys/", {"modes": "transit", **params})


@pytest.mark.parametrize(
    "to",
    [
        "Buchwald",
        "buchwald",
        "Buchwald Feuerwehr",
        "BUCHWALD FEUERWEHR",
        "Feuerwehr",
        "BUC-FW",
        "stop:{regional}",
        "stop:{community}",
    ],
)
def test_a_village_stop_name_code_or_id_names_the_stop(api_client, to):
    regional, community = _buchwald()
    assert regional.version.feed.kind == "transit" and community.version.feed.kind == "community_bus"
    response = _search(
        api_client, **{"from": "50.1506,9.9010", "to": to.format(regional=regional.pk, community=community.pk)}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["query"]["to"]["lat"], body["query"]["to"]["lon"]) == (regional.lat, regional.lon)
    assert body["options"], "Lindenau to Buchwald has buses"


def test_a_meeting_point_by_name_or_ref(api_client):
    bench = MeetingPoint.objects.get(name="Mitfahrbank Tannhausen")
    for text in ("Mitfahrbank Tannhausen", f"meeting_point:{bench.pk}"):
        body = _search(api_client, **{"from": text, "to": "Buchwald"}).json()
        assert (body["query"]["from"]["lat"], body["query"]["from"]["lon"]) == (bench.lat, bench.lon)


def test_an_ambiguous_name_answers_400_with_candidates_to_choose_from(api_client):
    response = _search(api_client, **{"from": "Lindenau", "to": "Buchwald"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "place_ambiguous"
    assert list(error["fields"]) == ["from", "candidates"]
    rathaus = Stop.objects.filter(name="Lindenau Rathaus").order_by("pk").first()
    schule = Stop.objects.filter(name="Lindenau Schulstraße").order_by("pk").first()
    assert error["fields"]["candidates"] == [
        {
            "ref": f"stop:{rathaus.pk}",
            "name": "Lindenau Rathaus",
            "kind": "stop",
            "lat": rathaus.lat,
            "lon": rathaus.lon,
        },
        {
            "ref": f"stop:{schule.pk}",
            "name": "Lindenau Schulstraße",
            "kind": "stop",
            "lat": schule.lat,
            "lon": schule.lon,
        },
    ]
    # The candidate's ref is a valid place.
    chosen = _search(api_client, **{"from": error["fields"]["candidates"][0]["ref"], "to": "Buchwald"})
    assert chosen.status_code == 200
    # "Mitfahrbank" names every village's bench: ambiguous too, with meeting points as candidates.
    benches = _search(api_client, **{"from": "Mitfahrbank", "to": "Buchwald"}).json()["error"]
    assert benches["code"] == "place_ambiguous"
    assert {c["kind"] for c in benches["fields"]["candidates"]} == {"meeting_point"}
    assert len(benches["fields"]["candidates"]) == 6


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("Nirgendwo", "Keine Haltestelle, kein Ort und kein Treffpunkt heißt „Nirgendwo“"),
        ("stop:999999", "Keine Haltestelle stop:999999"),
        ("stop:abc", "eine Nummer angeben"),
        ("meeting_point:999999", "Keinen aktiven Treffpunkt"),
        ("95,9", "außerhalb des gültigen Bereichs"),
    ],
)
def test_an_unknown_place_is_a_400_naming_the_parameter(api_client, to, message):
    response = _search(api_client, **{"from": "Buchwald", "to": to})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["to"] and message in error["fields"]["to"][0]


def test_stop_list_shows_a_stop_two_feeds_share_once(api_client):
    regional, community = _buchwald()
    body = api_client.get("/api/v1/gtfs/stops/", {"q": "Buchwald"}).json()
    assert body["count"] == 1
    [entry] = body["results"]
    assert entry["id"] == regional.pk and entry["stop_id"] == "BUC-FW"
    assert entry["stops"] == [regional.pk, community.pk]
    assert entry["feeds"] == sorted({regional.version.feed_id, community.version.feed_id})
    near = api_client.get("/api/v1/gtfs/stops/", {"lat": regional.lat, "lon": regional.lon, "radius": 50}).json()
    assert [(s["name"], s["stops"]) for s in near["results"]] == [("Buchwald Feuerwehr", [regional.pk, community.pk])]
    every = api_client.get("/api/v1/gtfs/stops/", {"page_size": 200}).json()
    names = [s["name"] for s in every["results"]]
    assert names == sorted(names) and len(names) == len(set(names)) == every["count"] == 8


def test_departures_of_a_shared_stop_show_every_feed(api_client):
    regional, community = _buchwald()
    tomorrow = (timezone.localtime() + timedelta(days=1)).date()
    lines = {}
    for stop in (regional, community):
        body = api_client.get(
            "/api/v1/gtfs/departures/", {"stops": stop.pk, "date": tomorrow.isoformat(), "window": 24 * 60}
        ).json()
        lines[stop.pk] = {d["route_short_name"] for d in body}
        for departure in body:
            assert departure["stop"] in (regional.pk, community.pk)
            assert departure["stop_id"] == "BUC-FW"  # the GTFS stop_id, as /gtfs/stops/ names it
            assert all(isinstance(call["stop"], int) and call["stop_id"] for call in departure["remaining_stops"])
    assert lines[regional.pk] == lines[community.pk]
    assert {"R20", "BB1"} <= lines[regional.pk]
