"""Access rows for the statistics endpoints: staff and operator read, residents 403."""

from tests.access import Endpoint, expect

RANGE = {"period": "month", "from": "2026-01-01", "to": "2026-01-31"}

ROWS = [
    Endpoint(
        "GET",
        "stats-report",
        expect(401, 403, 403, 200, 200),
        query=lambda ctx: {**RANGE, "format": "csv", "by": "vehicle"},
    ),
    Endpoint(
        "GET",
        "stats-chart",
        expect(401, 403, 403, 200, 200),
        kwargs=lambda ctx: {"name": "monthly-trend", "fmt": "svg"},
        query=lambda ctx: RANGE,
    ),
    Endpoint(
        "GET",
        "stats-monthly-report",
        expect(401, 403, 403, 200, 200),
        query=lambda ctx: {"month": "2026-01"},
    ),
    Endpoint(
        "GET",
        "stats-unmet-map",
        expect(401, 403, 403, 200, 200),
        kwargs=lambda ctx: {"fmt": "geojson"},
        query=lambda ctx: RANGE,
    ),
]
