"""The operator rolls a feed back to a stored version, or switches it off."""

import pytest

from gtfs.feed_import import feed_import
from gtfs.models import Feed, FeedVersion, Stop
from tests.factories import FeedFactory

pytestmark = pytest.mark.django_db


def test_rollback_to_the_previous_version_and_switch_off(client_for, otto, alice, make_feed):
    first = feed_import(path=make_feed(), name="Regionalbus").version
    renamed = make_feed(
        {
            "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,Neuer Name,48.95,8.84\n"
            "S2,Marktplatz,48.96,8.85\nS3,Schulzentrum,48.97,8.86\n"
        }
    )
    second = feed_import(path=renamed, name="Regionalbus").version
    feed = Feed.objects.get(name="Regionalbus")
    assert feed.active_version_id == second.pk != first.pk

    operator = client_for(otto)
    url = f"/api/v1/gtfs/feeds/{feed.pk}/activate/"
    response = operator.post(url, {"version": first.pk})
    assert response.status_code == 200, response.content
    feed.refresh_from_db()
    assert feed.active_version_id == first.pk
    names = {s["name"] for s in client_for(None).get("/api/v1/gtfs/stops/", {"q": "neu"}).json()["results"]}
    assert names == set()  # the rolled-back version has no "Neuer Name"
    assert Stop.objects.filter(version=second, name="Neuer Name").exists()  # still stored

    other_feed = FeedFactory(name="Anderer")
    foreign = operator.post(f"/api/v1/gtfs/feeds/{other_feed.pk}/activate/", {"version": first.pk})
    assert foreign.status_code == 400
    assert foreign.json()["error"]["code"] == "feed_version_not_found"
    assert operator.post("/api/v1/gtfs/feeds/999999/activate/", {"version": None}).status_code == 404
    assert client_for(alice).post(url, {"version": None}).status_code == 403

    off = operator.post(url, {"version": None})
    assert off.status_code == 200
    feed.refresh_from_db()
    assert feed.active_version_id is None
    assert FeedVersion.objects.filter(feed=feed).count() == 2
