"""The Bürgerbus editor draws a Rufbus zone; the zone is bookable, searchable and exported."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from gtfs.models import FlexLocation, FlexStopTime
from ondemand.models import OnDemandBooking
from tests.factories import UserFactory

from .conftest import DOCTOR, HOME, ZONE, point, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client_for):
    return client_for(UserFactory(is_town_staff=True))


def _line_and_rule(staff) -> tuple[int, int]:
    rule = staff.post(
        "/api/v1/gtfs/buergerbus/booking-rules/",
        {"booking_type": 1, "prior_notice_duration_min": 30, "message": "30 Minuten vorher buchen"},
    ).json()["id"]
    line = staff.post("/api/v1/gtfs/buergerbus/lines/", {"short_name": "R7", "long_name": "Rufbus"}).json()["id"]
    return line, rule


def _zone_body(line, rule, **changes):
    today = timezone.localdate()
    body = {
        "name": "Herrenberg Mitte",
        "geometry": {"type": "Polygon", "coordinates": [ZONE]},
        "line": line,
        "weekdays": [1, 2, 3, 4, 5, 6, 7],
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=30)).isoformat(),
        "start_time": "13:00",
        "end_time": "18:30",
        "booking_rule": rule,
        "capacity": 6,
    }
    body.update(changes)
    return body


def test_staff_draw_a_zone_that_residents_can_book_and_the_export_carries(staff, client_for, graph_row):
    staff.post("/api/v1/gtfs/buergerbus/stops/", {"name": "Marktplatz", "lat": 48.5960, "lon": 8.8700})
    staff.post("/api/v1/gtfs/buergerbus/stops/", {"name": "Bahnhof fern", "lat": 48.5800, "lon": 8.8400})
    line, rule = _line_and_rule(staff)
    response = staff.post("/api/v1/gtfs/buergerbus/zones/", _zone_body(line, rule), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["start_window"], body["end_window"], body["booking_rule"]) == (
        "Herrenberg Mitte",
        13 * 3600,
        18 * 3600 + 1800,
        rule,
    )
    zone = FlexLocation.objects.get(pk=body["id"])
    assert zone.kind == "area" and zone.geometry["coordinates"] == [ZONE]
    assert len(zone.stop_ids) == 1  # the Marktplatz lies inside, the far station not
    rows = list(FlexStopTime.objects.filter(location=zone).order_by("stop_sequence"))
    assert [(r.stop_sequence, r.pickup_type, r.drop_off_type) for r in rows] == [(1, 2, 1), (2, 1, 2)]
    assert rows[0].trip.capacity == 6
    # a resident books in it
    response = client_for(UserFactory()).post(
        "/api/v1/ondemand/bookings/",
        {"pickup": point(HOME), "dropoff": point(DOCTOR), "earliest_pickup": tomorrow_at(13, 30).isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert OnDemandBooking.objects.get().run.capacity == 6
    # the published GTFS carries the zone as GTFS-Flex
    exported = client_for(None).get("/api/v1/gtfs/buergerbus/gtfs.zip")
    assert exported.status_code == 200
    with zipfile.ZipFile(
        io.BytesIO(b"".join(exported.streaming_content) if exported.streaming else exported.content)
    ) as z:
        features = json.loads(z.read("locations.geojson"))["features"]
        stop_times = z.read("stop_times.txt").decode()
    assert [f["id"] for f in features] == [zone.location_id]
    assert f",{zone.location_id},13:00:00,18:30:00" in stop_times


def test_bad_zones_are_refused_and_nothing_is_stored(staff, graph_row):
    line, rule = _line_and_rule(staff)
    bowtie = [[8.85, 48.59], [8.89, 48.60], [8.89, 48.59], [8.85, 48.60], [8.85, 48.59]]
    cases = [
        ({"geometry": {"type": "Polygon", "coordinates": [bowtie]}}, "ondemand_zone_invalid_geometry"),
        ({"geometry": {"type": "Polygon", "coordinates": [ZONE[:-1]]}}, "ondemand_zone_invalid_geometry"),
        ({"geometry": {"type": "Point", "coordinates": [8.86, 48.59]}}, "ondemand_zone_invalid_geometry"),
        ({"geometry": "nonsense"}, "ondemand_zone_invalid_geometry"),
        ({"start_time": "18:00", "end_time": "18:00"}, "ondemand_window_reversed"),
        ({"start_time": "18:00", "end_time": "17:00"}, "ondemand_window_reversed"),
    ]
    for changes, code in cases:
        response = staff.post("/api/v1/gtfs/buergerbus/zones/", _zone_body(line, rule, **changes), format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (400, code), changes
    response = staff.post("/api/v1/gtfs/buergerbus/zones/", _zone_body(line + 999, rule), format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "gtfs_line_not_found")
    assert FlexLocation.objects.count() == 0 and FlexStopTime.objects.count() == 0


def test_residents_cannot_draw_zones(client_for, graph_row):
    response = client_for(UserFactory()).post("/api/v1/gtfs/buergerbus/zones/", {}, format="json")
    assert response.status_code == 403
