"""Access rows for the open-data endpoints: public, the same answer for everyone."""

from tests.access import PUBLIC, Endpoint


def _is_json_gbfs(response, persona, ctx):
    assert response.json()["version"] == "3.0"


def _is_zip(response, persona, ctx):
    assert response["Content-Type"] == "application/zip"
    assert response.content[:2] == b"PK"


ROWS = [
    Endpoint("GET", "gbfs-discovery", PUBLIC, check=_is_json_gbfs),
    Endpoint("GET", "gbfs-feed", PUBLIC, kwargs=lambda ctx: {"feed": "station_status"}, check=_is_json_gbfs),
    Endpoint("GET", "rides-gtfs", PUBLIC, check=_is_zip),
]
