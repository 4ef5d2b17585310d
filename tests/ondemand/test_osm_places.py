"""``manage.py osm_places``: suggestions from the real Herrenberg extract (.pbf, converted for
osmnx), the tagging rules, and staff confirming or rejecting them."""

from __future__ import annotations

from io import StringIO

import osmium
import pytest
from django.core.management import call_command

from gtfs.models import Stop
from ondemand.domain.osm_places import MITFAHRBANK, PARKING, STOP, kind_of, places_from_osm
from ondemand.models import OsmPlaceSuggestion
from rides.models import MeetingPoint
from tests.conftest import shared_file
from tests.factories import UserFactory


def _expected(path) -> dict[tuple[str, int], str]:
    """The suggestions by reading every object with pyosmium and the same tag rule."""
    found = {}
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        kind = kind_of(dict(obj.tags))
        if kind is not None:
            found[("node" if obj.is_node() else "way", obj.id)] = kind
    return found


def test_kind_of_follows_the_osm_tags():
    assert kind_of({"amenity": "bench", "name": "Mitfahrbank Kirche"}) == MITFAHRBANK
    assert kind_of({"amenity": "bench", "name": "Mitfahrerbank"}) == MITFAHRBANK
    assert kind_of({"amenity": "bench", "ride_sharing": "yes"}) == MITFAHRBANK
    assert kind_of({"amenity": "bench"}) is None
    assert kind_of({"amenity": "parking", "park_ride": "bus"}) == PARKING
    assert kind_of({"amenity": "parking", "park_ride": "no"}) is None
    assert kind_of({"highway": "bus_stop"}) == STOP
    assert kind_of({"public_transport": "platform", "bus": "yes"}) == STOP
    assert kind_of({"public_transport": "platform", "train": "yes"}) is None
    assert kind_of({"public_transport": "stop_position", "bus": "yes"}) == STOP


def test_places_from_the_herrenberg_pbf_match_an_independent_read():
    path = shared_file("osm/herrenberg-minimal.osm.pbf")
    places = places_from_osm(path)
    assert {(p.osm_type, p.osm_id): p.kind for p in places} == _expected(path)
    kinds = [p.kind for p in places]
    assert kinds.count(PARKING) == 5 and kinds.count(STOP) > 40
    # every place lies in the extract's area (8.845-8.903 E, 48.583-48.610 N, with the ways' ends)
    assert all(48.55 < p.lat < 48.64 and 8.80 < p.lon < 8.95 for p in places)


@pytest.mark.django_db
def test_command_suggests_and_staff_confirm_or_reject(client_for):
    path = shared_file("osm/herrenberg-minimal.osm.pbf")
    out = StringIO()
    call_command("osm_places", str(path), stdout=out)
    total = len(_expected(path))
    assert f": {total} new, 0 updated, 0 decided before" in out.getvalue()
    assert OsmPlaceSuggestion.objects.filter(status="suggested").count() == total
    staff = client_for(UserFactory(is_town_staff=True))
    listed = staff.get("/api/v1/ondemand/osm-places/?status=suggested&page_size=200").json()
    assert listed["count"] == total
    parking = OsmPlaceSuggestion.objects.filter(kind="parking").first()
    stop = OsmPlaceSuggestion.objects.filter(kind="stop").first()
    other = OsmPlaceSuggestion.objects.filter(kind="stop").exclude(pk=stop.pk).first()
    response = staff.post(
        f"/api/v1/ondemand/osm-places/{parking.pk}/decision/", {"confirm": True, "name": "P+R Bahnhof"}, format="json"
    )
    assert response.status_code == 200, response.json()
    point = MeetingPoint.objects.get(pk=response.json()["meeting_point"])
    assert (point.name, point.kind, point.lat, point.lon) == ("P+R Bahnhof", "parking", parking.lat, parking.lon)
    response = staff.post(
        f"/api/v1/ondemand/osm-places/{stop.pk}/decision/", {"confirm": True, "name": "Marktplatz"}, format="json"
    )
    assert Stop.objects.get(pk=response.json()["stop"]).name == "Marktplatz"
    assert staff.post(f"/api/v1/ondemand/osm-places/{other.pk}/decision/", {"confirm": False}).status_code == 200
    again = staff.post(f"/api/v1/ondemand/osm-places/{other.pk}/decision/", {"confirm": True, "name": "x"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "osm_place_decided")
    # reading the extract again keeps the decisions
    out = StringIO()
    call_command("osm_places", str(path), stdout=out)
    assert f": 0 new, {total - 3} updated, 3 decided before" in out.getvalue()
    assert OsmPlaceSuggestion.objects.get(pk=other.pk).status == "rejected"
    assert client_for(UserFactory()).get("/api/v1/ondemand/osm-places/").status_code == 403
