"""The ride-sharing demo loader on the generated Lindenau region."""

from __future__ import annotations

import io

import pytest

from mobility.demo.region import build_region_files
from rides import demo
from rides.models import BookingStatus, MeetingPoint, RideBooking, RideOffer, RideRequest
from rides.models import RoadGraph as RoadGraphModel
from tests.factories import UserFactory


@pytest.mark.django_db
def test_demo_loads_graph_meeting_points_and_matching_rides(tmp_path, settings):
    settings.RIDES_GRAPH_DIR = str(tmp_path / "graphs")
    files = build_region_files(tmp_path / "region")
    for name in ("anna", "ben", "carla"):
        UserFactory(email=f"{name}@demo.lindenau.example", display_name=name.title())
    out = io.StringIO()
    demo.load(files, out)
    graph = RoadGraphModel.objects.get(name="lindenau")
    assert graph.active and graph.node_count > 50
    assert MeetingPoint.objects.count() == 6
    assert RideOffer.objects.count() == 2
    request = RideRequest.objects.get(rider__email="ben@demo.lindenau.example")
    booking = RideBooking.objects.get()
    assert booking.rider == request.rider and booking.status == BookingStatus.REQUESTED
    assert booking.offer.driver.email == "anna@demo.lindenau.example"
    assert booking.pickup_meeting_point.name == "Mitfahrbank Lindenau"
    assert "requests: 1 with 1 matching ride(s)" in out.getvalue()
    # loading again replaces the sample rides instead of piling them up
    demo.load(files, io.StringIO())
    assert RideOffer.objects.count() == 2 and RideBooking.objects.count() == 1
