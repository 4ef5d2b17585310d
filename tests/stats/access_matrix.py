"""Access rows for the statistics endpoints: staff and operator read, residents 403."""

from tests.access import STAFF_ONLY, Endpoint

RANGE = {"period": "month", "from": "2026-01-01", "to": "2026-01-31"}

ROWS = [
    Endpoint("GET", "stats-report", STAFF_ONLY, query=lambda ctx: {**RANGE, "format": "csv", "by": "vehicle"}),
    Endpoint(
        "GET",
        "stats-chart",
        STAFF_ONLY,
        kwargs=lambda ctx: {"name": "monthly-trend", "fmt": "svg"},
        query=lambda ctx: RANGE,
    ),
    Endpoint("GET", "stats-monthly-report", STAFF_ONLY, query=lambda ctx: {"month": "2026-01"}),
    Endpoint(
        "GET",
        "stats-unmet-map",
        STAFF_ONLY,
        kwargs=lambda ctx: {"fmt": "geojson"},
        query=lambda ctx: RANGE,
    ),
]
