"""Access rows for the Rufbus endpoints: zones are public; rides belong to their rider
(another resident gets 404, staff may see and cancel any); runs, the zone editor and the
OSM place suggestions are for staff and operators."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.access import (
    OWNER_OR_STAFF,
    PUBLIC,
    RESIDENTS_CREATE,
    SIGNED_IN,
    STAFF_CREATES,
    STAFF_ONLY,
    Endpoint,
    lists_only,
    pk_of,
)


def zone(ctx) -> None:
    """The Herrenberg road graph, the Rufbus zone feed and alice's ride in it."""
    from gtfs.feed_import import feed_import
    from gtfs.models import FeedKind
    from ondemand import services
    from ondemand.models import OsmPlaceSuggestion
    from tests.ondemand.conftest import DOCTOR, HOME, rufbus_feed, tomorrow_at
    from tests.rides.helpers import herrenberg_row

    herrenberg_row()
    with tempfile.TemporaryDirectory() as scratch:
        feed_import(path=rufbus_feed(Path(scratch) / "r.zip"), name="rufbus", kind=FeedKind.COMMUNITY_BUS)
    ctx.objects["booking"] = services.ondemand_booking_create(
        passenger=ctx.alice,
        pickup=services.Place(*HOME),
        dropoff=services.Place(*DOCTOR),
        earliest_pickup=tomorrow_at(14, 10),
    )
    ctx.objects["body"] = {
        "pickup": {"lat": DOCTOR[0], "lon": DOCTOR[1]},
        "dropoff": {"lat": HOME[0], "lon": HOME[1]},
        "earliest_pickup": tomorrow_at(15).isoformat(),
    }
    ctx.objects["place"] = OsmPlaceSuggestion.objects.create(
        osm_type="node", osm_id=1, kind="stop", name="Marktplatz", lat=48.596, lon=8.87
    )


def line(ctx) -> None:
    from gtfs import services

    ctx.objects["line"] = services.bb_line_create(short_name="R9")


def _zone_body(ctx) -> dict:
    from django.utils import timezone

    from tests.ondemand.conftest import ZONE

    today = timezone.localdate()
    return {
        "name": "Mitte",
        "geometry": {"type": "Polygon", "coordinates": [ZONE]},
        "line": ctx.line.pk,
        "weekdays": [1, 2, 3, 4, 5],
        "start_date": today.isoformat(),
        "end_date": today.replace(year=today.year + 1).isoformat(),
        "start_time": "13:00",
        "end_time": "18:00",
    }


ROWS = [
    Endpoint("GET", "ondemand-zone-list", PUBLIC, setup=zone),
    Endpoint("GET", "ondemand-booking-list", SIGNED_IN, setup=zone, check=lists_only("booking")),
    Endpoint("POST", "ondemand-booking-list", RESIDENTS_CREATE, setup=zone, data=lambda ctx: ctx.body),
    Endpoint("GET", "ondemand-booking-detail", OWNER_OR_STAFF, setup=zone, kwargs=pk_of("booking")),
    Endpoint("POST", "ondemand-booking-cancel", OWNER_OR_STAFF, setup=zone, kwargs=pk_of("booking")),
    Endpoint("GET", "ondemand-run-list", STAFF_ONLY, setup=zone),
    Endpoint("GET", "ondemand-run-detail", STAFF_ONLY, setup=zone, kwargs=lambda ctx: {"pk": ctx.booking.run_id}),
    Endpoint("POST", "buergerbus-zone-list", STAFF_CREATES, setup=line, data=_zone_body),
    Endpoint("GET", "ondemand-osm-place-list", STAFF_ONLY, setup=zone),
    Endpoint(
        "POST",
        "ondemand-osm-place-decision",
        STAFF_ONLY,
        setup=zone,
        kwargs=pk_of("place"),
        data=lambda ctx: {"confirm": True},
    ),
]
