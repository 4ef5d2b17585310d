"""Fixtures for the on-demand tests: a Rufbus zone over Herrenberg's road graph."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime, timedelta
from datetime import time as clock

import pytest
from django.utils import timezone

from gtfs.feed_import import feed_import
from gtfs.models import FeedKind
from rides import matching_index
from tests.gtfs.conftest import build_zip

#: A zone over the middle of the Herrenberg extract (lon, lat), inside its road graph.
ZONE = [[8.852, 48.588], [8.898, 48.588], [8.898, 48.606], [8.852, 48.606], [8.852, 48.588]]
#: Two places in the zone on Herrenberg's roads, and one outside the zone.
HOME = (48.5935, 8.8625)
DOCTOR = (48.6010, 8.8880)
OUTSIDE = (48.5850, 8.8470)


def rufbus_feed(path, *, capacity: int = 8, window=("14:00:00", "18:00:00"), prior_minutes: int = 60):
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "herrenberg-mitte",
                "properties": {"stop_name": "Herrenberg Mitte"},
                "geometry": {"type": "Polygon", "coordinates": [ZONE]},
            }
        ],
    }
    start, end = window
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nBB,Bürgerbus,https://example.org,Europe/Berlin\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,Marktplatz,48.5960,8.8700\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\nRB,BB,R1,Rufbus Mitte,715\n",
        "trips.txt": f"route_id,service_id,trip_id,vehicle_capacity\nRB,ALL,RB-1,{capacity}\n",
        "stop_times.txt": (
            "trip_id,stop_sequence,location_id,start_pickup_drop_off_window,end_pickup_drop_off_window,"
            "pickup_type,drop_off_type,pickup_booking_rule_id,drop_off_booking_rule_id\n"
            f"RB-1,1,herrenberg-mitte,{start},{end},2,1,BR,\n"
            f"RB-1,2,herrenberg-mitte,{start},{end},1,2,,BR\n"
        ),
        "calendar.txt": (
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
            "ALL,1,1,1,1,1,1,1,20240101,20351231\n"
        ),
        "booking_rules.txt": (
            "booking_rule_id,booking_type,prior_notice_duration_min,message\n"
            f"BR,1,{prior_minutes},Bitte mindestens {prior_minutes} Minuten vorher buchen.\n"
        ),
        "locations.geojson": json.dumps(geojson),
    }
    return build_zip(path, files)


@pytest.fixture
def rufbus(tmp_path, db):
    """The Herrenberg road graph (active) and the Rufbus zone feed; returns the version."""
    from tests.rides.helpers import herrenberg_row

    herrenberg_row()
    result = feed_import(path=rufbus_feed(tmp_path / "rufbus.zip"), name="rufbus", kind=FeedKind.COMMUNITY_BUS)
    yield result.version
    matching_index.reset()


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, clock(hour, minute), tzinfo=timezone.get_current_timezone())


def point(place) -> dict:
    return {"lat": place[0], "lon": place[1]}


@pytest.fixture
def server_8700(transactional_db):
    """The ASGI application under uvicorn on a free port in 8700-8799 (this helper's range)."""
    import uvicorn

    from mobility.asgi import application
    from tests.conftest import close_other_database_sessions

    port = None
    for candidate in range(8700, 8800):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            port = candidate
            break
    assert port is not None, "no free port in 8700-8799"
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    close_other_database_sessions()
